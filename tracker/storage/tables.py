"""Our own SQL tables on the command side: organisation data and accounts (not events)."""

from __future__ import annotations

import sqlalchemy as sa

from projections.cipher import EncryptedBytes, EncryptedJSON, EncryptedText

metadata = sa.MetaData()


def document_versions(name: str) -> sa.Table:
    """Organisation data kept as a whole document per version, the newest in force (the
    taxonomy, the cause list, the IVO mapping, the retention rules): each change a new row."""
    return sa.Table(
        name,
        metadata,
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("document", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
    )


units = sa.Table(
    "units",
    metadata,
    sa.Column("code", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("operation", sa.String(8), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("position", sa.Integer, nullable=False, default=0),
)

# Each change to the taxonomy is a new version; events keep only the stable codes.
taxonomy_versions = document_versions("taxonomy_versions")

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("role", sa.String(32), nullable=False),
    sa.Column("must_change_password", sa.Boolean, nullable=False, default=False),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("email", sa.String(200), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

user_units = sa.Table(
    "user_units",
    metadata,
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("unit_code", sa.ForeignKey("units.code"), primary_key=True),
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    # Personal tokens (Mina inställningar): a name to tell them apart, and when last used.
    sa.Column("name", sa.String(100), nullable=True),
    sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
)

# Login throttling, shared by every web process. One row per throttled key: an account at
# an address ("account:<keyed hash of the name>@<address>") or an address alone
# ("address:<address>"). The typed username is never stored: it may be a mistyped password.
login_throttle = sa.Table(
    "login_throttle",
    metadata,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("attempts", sa.Integer, nullable=False),  # claimed in this window, not cleared
    sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
    sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
    sa.Column("blocks", sa.Integer, nullable=False, default=0),  # for the growing delay
)

# Signed-in browser sessions, so that they can end on the server: the cookie carries the
# id, the table its keyed hash. A row ends at logout or when the account's sign-in changes
# (password, role, deactivation); it times out when idle or old (tracker.people.accounts).
user_sessions = sa.Table(
    "user_sessions",
    metadata,
    sa.Column("id_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False,
              index=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
)

# Who the provider (OIDC) says a person is: (issuer, subject) -> account, made at the
# first sign-in. A username claim can change or be reused; the subject cannot.
user_identities = sa.Table(
    "user_identities",
    metadata,
    sa.Column("issuer", sa.String(300), primary_key=True),
    sa.Column("subject", sa.String(255), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False,
              index=True),
    sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
)

# --- Klagomål och synpunkter: how a sender asked to be told of an answer ---------------
# Kept apart from the events so that it can be removed (the events are forever); the
# address is encrypted like every typed identifier. One row per complaint that gave one.
complaint_contacts = sa.Table(
    "complaint_contacts",
    metadata,
    sa.Column("complaint_id", sa.Uuid, primary_key=True),
    sa.Column("email", EncryptedText, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

# --- Notifications (e-mail outbox, per-user opt-outs, "Att göra" read markers) ---------

# One row per e-mail to one person. `key` names what caused it (an event's position in the
# log, or a (kind, case, threshold) for the time-based kinds), so it can only exist once.
notification_outbox = sa.Table(
    "notification_outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("key", sa.String(200), nullable=False, unique=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("username", sa.String(64), nullable=False),
    sa.Column("address", sa.String(200), nullable=False),
    # Encrypted with TRACKER_CIPHER_KEY (projections/cipher.py): the body, which names the
    # handler or investigator typed on a case. The rest stays plain: the subject holds a
    # case number or a unit's name and counts (notifications.py keeps free text out of
    # mail), the address and username are the account's (plain in users), key, kind and
    # status are codes the delivery selects on, last_error is the mail server's reply.
    sa.Column("subject", sa.String(300), nullable=False),
    sa.Column("body", EncryptedText, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # pending|sending|sent|failed
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("last_error", sa.String(500), nullable=True),
    sa.Index("ix_notification_outbox_due", "status", "next_attempt_at"),
    sa.Index("ix_notification_outbox_created", "created_at"),
)

# A row turns one kind of e-mail off for one user (no row: the kind is on).
notification_optouts = sa.Table(
    "notification_optouts",
    metadata,
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("kind", sa.String(32), primary_key=True),
)

# When a reporter last opened their own deviation: feedback after that is "new".
feedback_seen = sa.Table(
    "feedback_seen",
    metadata,
    sa.Column("username", sa.String(64), primary_key=True),
    sa.Column("deviation_id", sa.Uuid, primary_key=True),
    sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
)

# --- identity: the administrative change log and the access log (läslogg) --------------
# Both are append-only: the code has inserts (and the access log's retention prune), never
# an update.

admin_changes = sa.Table(
    "admin_changes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("source", sa.String(16), nullable=False),  # web, cli, oidc
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("subject", sa.String(200), nullable=False),
    # Encrypted with TRACKER_CIPHER_KEY: the values before and after (names typed by the
    # admin). actor, source, action and subject stay plain: account names and codes the
    # log is searched by. Rows written in plain before the key applied here read as before.
    sa.Column("before", EncryptedJSON, nullable=True),
    sa.Column("after", EncryptedJSON, nullable=True),
)

access_log = sa.Table(
    "access_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("username", sa.String(64), nullable=False, index=True),
    sa.Column("kind", sa.String(32), nullable=False),  # deviation, lex_sarah, ..., export
    sa.Column("case_id", sa.String(64), nullable=True, index=True),
    sa.Column("what", sa.String(200), nullable=False),  # route name, report or list
    # Encrypted with TRACKER_CIPHER_KEY: the query parameters, which the caller chooses.
    # The rest stays plain: the log is searched by username, case id (our uuid), kind and
    # time; `what` is a route name or path of ids; remote_addr is needed to investigate.
    sa.Column("parameters", EncryptedJSON, nullable=True),
    sa.Column("remote_addr", sa.String(64), nullable=False),
    sa.Column("channel", sa.String(8), nullable=False),  # page or api
)

# Columns added after the first release: create_all does not add columns to a table that
# exists, so `upgrade` adds them (idempotent, both dialects).
_ADDED_COLUMNS: tuple[tuple[sa.Table, sa.Column[object]], ...] = (
    (api_tokens, api_tokens.c.name),
    (api_tokens, api_tokens.c.last_used_at),
)


def upgrade(engine: sa.Engine, schema: str | None = None) -> None:
    with engine.begin() as connection:
        inspector = sa.inspect(connection)
        for table, column in _ADDED_COLUMNS:
            present = {c["name"] for c in inspector.get_columns(table.name, schema=schema)}
            if column.name not in present:
                kind = column.type.compile(dialect=connection.dialect)
                connection.execute(
                    sa.text(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}')
                )
        # The old rate limit kept typed usernames in plain text; login_throttle replaced it.
        connection.execute(sa.text("DROP TABLE IF EXISTS login_failures"))
# --- casework: the cause list (orsaker), versioned like the taxonomy ----------------------
cause_list_versions = document_versions("cause_list_versions")

# IVO's händelsekategorier and verksamhetsområden and what maps to them (tracker/admin/
# ivo_categories.py): versioned like the taxonomy, the newest in force.
ivo_category_versions = document_versions("ivo_category_versions")

# Retention rules (gallringsregler, tracker/admin/retention_rules.py): versioned like the
# taxonomy, the newest in force; the defaults (proposals) until the first version is stored.
retention_rule_versions = document_versions("retention_rule_versions")

# --- operations: the event log's hash chain (tracker/storage/chain.py) ----------------------
# One row per stored event, written in the event's own transaction by the store's recorder:
# its position, the hash of the entry before it and its own hash over both.
event_chain = sa.Table(
    "event_chain",
    metadata,
    sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("previous", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)

# The one marker that the chain was built over the events stored before it existed.
event_chain_origin = sa.Table(
    "event_chain_origin",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("events", sa.BigInteger, nullable=False),  # the events chained then
    sa.Column("up_to", sa.BigInteger, nullable=False),  # their last position
)

# Each time stored events were rewritten on purpose and the chain re-linked from the first of
# them (tracker/retention/legacy.py: old events' text moved under case keys): when, why,
# from which position, how many, and the head before and after. Written out beside the
# heads too (`anchor_line`), so that an anchored head's change is vouched for from outside.
event_chain_rebases = sa.Table(
    "event_chain_rebases",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("reason", sa.String(200), nullable=False),
    sa.Column("first_position", sa.BigInteger, nullable=False),
    sa.Column("events", sa.BigInteger, nullable=False),
)

# --- perf: generation numbers of the per-process caches (tracker/storage/generations.py) ---
# One row per kind of cached data; every write of that kind adds one in its transaction.
cache_generations = sa.Table(
    "cache_generations",
    metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False, default=0),
)


@sa.event.listens_for(cache_generations, "after_create")
def _seed_generations(target: sa.Table, connection: sa.Connection, **_: object) -> None:
    # The rows exist from the start, so that bumping is always a plain UPDATE.
    connection.execute(
        target.insert(), [{"name": "organisation", "value": 0}, {"name": "accounts", "value": 0}]
    )


# The bytes of the attachments of a case file (events/casework.py), keyed by the file's id
# and the SHA-256 its AttachmentAdded event names; sealed with TRACKER_CIPHER_KEY. A removed
# attachment's row is deleted (its event stays).
attachment_blobs = sa.Table(
    "attachment_blobs",
    metadata,
    sa.Column("case_file_id", sa.Uuid, primary_key=True),
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("content", EncryptedBytes, nullable=False),
    sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
)

# The keys that open each case's free text in the events (tracker/storage/sealing.py): one random
# AES-256 key per case and kind of content, wrapped under a key derived from
# TRACKER_CIPHER_KEY (plain without one). Gallring deletes a case's rows: its text in the
# events can then never be read again, while the events themselves stay as they are.
# `seq` lets a process load the keys made since it last looked in one small query.
case_keys = sa.Table(
    "case_keys",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("key_id", sa.Uuid, nullable=False, unique=True),
    sa.Column("wrapped", sa.LargeBinary, nullable=False),
)
