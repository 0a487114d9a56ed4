"""Users, roles, API tokens, signed-in sessions, provider identities and login throttling:
SQL rows with hashed secrets, never events. Also the password policy (check_password) and
the names reserved for the system's own actors."""

from __future__ import annotations

import contextlib
import enum
import functools
import hashlib
import hmac
import re
import secrets
import string
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from werkzeug.security import check_password_hash, generate_password_hash

from events.errors import UnknownCode, ValidationFailed
from tracker.storage.database import transaction
from tracker.storage.generations import ACCOUNTS, CachedMap, Generations
from tracker.storage.tables import (
    api_tokens,
    login_throttle,
    user_identities,
    user_sessions,
    user_units,
    users,
)

# '@' too: a provider's username claim is often an e-mail-like UPN (anna.a@kommun.se).
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")
# Written with explicit classes, not \s: Python's \s and the API document's (ECMA) \s differ
# (U+001C-U+001F, U+0085, U+FEFF), and the document must refuse exactly what is refused.
EMAIL_PADDING = " \t\n\r\f\v"
_ADDRESS_CHARACTER = (r"[^@\x00-\x20\x7f-\xa0\u1680\u2000-\u200f\u2028-\u202f"
                      r"\u205f-\u206f\u3000\ufeff]")
EMAIL = re.compile(rf"^{_ADDRESS_CHARACTER}+@{_ADDRESS_CHARACTER}+\.{_ADDRESS_CHARACTER}+$")
# The actors the system itself writes into events (tracker.application.base.SCHEDULER_ACTOR
# files deviations as "scheduler"; tests/accounts checks that it is here): an account of
# that name would be taken for the system, e.g. as the reporter of what it filed.
RESERVED_USERNAMES = frozenset({"scheduler", "system", "import", "importer", "cli", "oidc", "web"})
# NIST SP 800-63B / NCSC: length and a list of common passwords, no composition rules.
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128
# An account that signs in only through the provider: no password hash can match this.
NO_PASSWORD = "!"  # noqa: S105 - a marker, not a secret


class Role(enum.Enum):
    RAPPORTOR = "rapportor"
    ENHETSCHEF = "enhetschef"
    FORSTE_SOCIALSEKRETERARE = "forste_socialsekreterare"
    VERKSAMHETSUTVECKLARE = "verksamhetsutvecklare"
    LEX_SARAH_ANSVARIG = "lex_sarah_ansvarig"
    ADMIN = "admin"


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    role: Role
    units: frozenset[str] = field(default_factory=frozenset)
    must_change_password: bool = False
    active: bool = True
    email: str | None = None


@dataclass(frozen=True)
class ApiToken:
    """A token's public facts: the secret itself is shown once and stored only hashed."""

    id: int
    username: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def one_time_password(username: str = "") -> str:
    """A random password shown once; drawn again in the rare case the policy refuses it
    (it contains the username, say)."""
    while True:
        password = secrets.token_urlsafe(12)
        try:
            check_password(password, username=username)
        except ValidationFailed:
            continue
        return password


def check_email(email: str | None) -> str | None:
    email = (email or "").strip(EMAIL_PADDING) or None
    if email is not None and (len(email) > 200 or not EMAIL.match(email)):
        raise ValidationFailed("email", "Not a valid e-mail address: %(value)s", value=email)
    return email


# last_used_at is written at most this often per token: an API client polling every
# second must not turn each read into a write.
LAST_USED_PRECISION = timedelta(minutes=5)


@dataclass(frozen=True)
class _TokenUse:
    account: Account
    token_id: int
    last_used_at: datetime | None


class Accounts:
    """Every method takes an optional `connection`, so that a caller can make a change and
    record it in the change log in one transaction (tracker.admin.changes).

    API tokens are looked up in a per-process cache that every change to accounts or
    tokens invalidates, in every process (tracker/storage/generations.py): a revoked token or a
    deactivated account is refused at the next request."""

    def __init__(
        self,
        engine: sa.Engine,
        generations: Generations | None = None,
        *,
        secret: str = "",
        session_idle: timedelta = timedelta(minutes=480),
        session_max: timedelta = timedelta(hours=12),
    ) -> None:
        self.engine = engine
        self.generations = generations or Generations(engine)
        # Keys the hashes of session ids and typed usernames (the app's secret key).
        self.secret = (secret or "tracker").encode()
        self.session_idle = session_idle
        self.session_max = session_max
        self._tokens: CachedMap[_TokenUse | None] = CachedMap(self.generations, ACCOUNTS)

    def _begin(self, connection: sa.Connection | None) -> contextlib.AbstractContextManager[
        sa.Connection
    ]:
        return transaction(self.engine, connection)

    def _writing(self, connection: sa.Connection | None) -> contextlib.AbstractContextManager[
        sa.Connection
    ]:
        """A write transaction (or the caller's) that invalidates every process's cache."""
        return self.generations.writing(ACCOUNTS, connection)

    def _account(self, connection: sa.Connection, row: sa.Row) -> Account:
        codes = connection.execute(
            sa.select(user_units.c.unit_code).where(user_units.c.user_id == row.id)
        ).scalars()
        return Account(
            row.id,
            row.username,
            Role(row.role),
            frozenset(codes),
            row.must_change_password,
            row.active,
            row.email,
        )

    def add(
        self,
        username: str,
        role: Role,
        password: str | None,
        *,
        units: frozenset[str] | set[str] = frozenset(),
        must_change_password: bool = False,
        email: str | None = None,
        connection: sa.Connection | None = None,
    ) -> Account:
        """`password=None`: an account that signs in only through the provider (OIDC)."""
        if not USERNAME.match(username):
            raise ValidationFailed(
                "username",
                "Usernames are 2-64 characters: lower-case letters, digits, '.', '_', '@' or '-'.",
            )
        if username in RESERVED_USERNAMES:
            raise ValidationFailed(
                "username", "The username %(name)s is reserved for the system.", name=username
            )
        if password is not None:
            check_password(password, username=username)
        email = check_email(email)
        password_hash = NO_PASSWORD if password is None else generate_password_hash(password)
        with self._writing(connection) as connection:
            if connection.execute(
                sa.select(users.c.id).where(users.c.username == username)
            ).first():
                raise ValidationFailed("username", "The user %(name)s exists.", name=username)
            user_id = connection.execute(
                users.insert().values(
                    username=username,
                    password_hash=password_hash,
                    role=role.value,
                    must_change_password=must_change_password,
                    active=True,
                    email=email,
                    created_at=datetime.now(UTC),
                )
            ).inserted_primary_key[0]  # type: ignore[index]  # None only for non-INSERTs
            if units:
                connection.execute(
                    user_units.insert(), [{"user_id": user_id, "unit_code": u} for u in units]
                )
            return self.get(username, connection=connection)

    def get(self, username: str, *, connection: sa.Connection | None = None) -> Account:
        with self._begin(connection) as connection:
            row = connection.execute(sa.select(users).where(users.c.username == username)).first()
            if row is None:
                raise UnknownCode("username", "Unknown user: %(name)s", name=username)
            return self._account(connection, row)

    def find(self, username: str) -> Account | None:
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(users).where(users.c.username == username)).first()
            return None if row is None else self._account(connection, row)

    def get_by_id(self, user_id: int) -> Account | None:
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(users).where(users.c.id == user_id)).first()
            return None if row is None else self._account(connection, row)

    def all(self) -> list[Account]:
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(users).order_by(users.c.username)).all()
            return [self._account(connection, row) for row in rows]

    def count(self) -> int:
        with self.engine.connect() as connection:
            return connection.execute(sa.select(sa.func.count()).select_from(users)).scalar_one()

    def authenticate(self, username: str, password: str) -> Account | None:
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(users).where(users.c.username == username)).first()
            if row is None or row.password_hash == NO_PASSWORD:
                # As slow as a real check: the answer's time tells no one the name exists.
                check_password_hash(_dummy_hash(), password)
                return None
            if not row.active or not check_password_hash(row.password_hash, password):
                return None
            return self._account(connection, row)

    def verify_password(self, username: str, password: str) -> bool:
        """Whether PASSWORD is the account's current one (active or not)."""
        with self.engine.connect() as connection:
            found = connection.execute(
                sa.select(users.c.password_hash).where(users.c.username == username)
            ).scalar()
        return found is not None and check_password_hash(found, password)

    def has_password(self, username: str) -> bool:
        """False for an account that signs in only through the provider."""
        with self.engine.connect() as connection:
            found = connection.execute(
                sa.select(users.c.password_hash).where(users.c.username == username)
            ).scalar()
        return found is not None and found != NO_PASSWORD

    def set_password(
        self,
        username: str,
        password: str,
        *,
        must_change: bool = False,
        keep_session: str | None = None,
        connection: sa.Connection | None = None,
    ) -> None:
        """`must_change`: a one-time password, good only for choosing a new one. Every
        session of the account ends but `keep_session` (the one the person changed it in)."""
        check_password(password, username=username)
        with self._writing(connection) as connection:
            old = connection.execute(
                sa.select(users.c.password_hash).where(users.c.username == username)
            ).scalar()
            if old is not None and check_password_hash(old, password):
                raise ValidationFailed(
                    "password", "The new password must differ from the current one."
                )
            connection.execute(
                users.update()
                .where(users.c.username == username)
                .values(
                    password_hash=generate_password_hash(password),
                    must_change_password=must_change,
                )
            )
            self.end_sessions(username, keep=keep_session, connection=connection)

    def remove_password(self, username: str, *, connection: sa.Connection | None = None) -> None:
        """The account signs in only through the provider from now on (and may be linked
        to a provider identity at its next sign-in there)."""
        with self._writing(connection) as connection:
            connection.execute(
                users.update()
                .where(users.c.username == username)
                .values(password_hash=NO_PASSWORD, must_change_password=False)
            )
            self.end_sessions(username, connection=connection)

    def set_units(
        self, username: str, unit_codes: set[str], *, connection: sa.Connection | None = None
    ) -> None:
        with self._writing(connection) as connection:
            account = self.get(username, connection=connection)
            connection.execute(user_units.delete().where(user_units.c.user_id == account.id))
            if unit_codes:
                connection.execute(
                    user_units.insert(),
                    [{"user_id": account.id, "unit_code": u} for u in sorted(unit_codes)],
                )

    def set_role(
        self, username: str, role: Role, *, connection: sa.Connection | None = None
    ) -> None:
        with self._writing(connection) as connection:
            connection.execute(
                users.update().where(users.c.username == username).values(role=role.value)
            )
            self.end_sessions(username, connection=connection)

    def set_email(
        self, username: str, email: str | None, *, connection: sa.Connection | None = None
    ) -> None:
        email = check_email(email)
        with self._writing(connection) as connection:
            connection.execute(
                users.update().where(users.c.username == username).values(email=email)
            )

    def set_active(
        self, username: str, active: bool, *, connection: sa.Connection | None = None
    ) -> None:
        with self._writing(connection) as connection:
            connection.execute(
                users.update().where(users.c.username == username).values(active=active)
            )
            self.end_sessions(username, connection=connection)

    # --- API tokens --------------------------------------------------------------------

    def create_token(
        self, username: str, name: str = "", *, connection: sa.Connection | None = None
    ) -> str:
        """A new token for USERNAME; returns the secret, which is never stored."""
        name = name.strip()
        if len(name) > 100:
            raise ValidationFailed("name", "At most %(n)d characters are allowed.", n=100)
        token = "trk_" + secrets.token_urlsafe(32)
        with self._writing(connection) as connection:
            account = self.get(username, connection=connection)
            connection.execute(
                api_tokens.insert().values(
                    user_id=account.id,
                    token_hash=_hash_token(token),
                    created_at=datetime.now(UTC),
                    name=name or None,
                )
            )
        return token

    def account_for_token(self, token: str) -> Account | None:
        """The active account a live token belongs to; notes the token's use."""
        now = datetime.now(UTC)
        token_hash = _hash_token(token)
        use = self._tokens.get(token_hash, lambda: self._token_use(token_hash))
        if use is None:
            return None
        last = use.last_used_at
        if last is None or now - last >= LAST_USED_PRECISION:
            # Not a change anyone caches: no generation bump, the cached use is updated.
            with self.engine.begin() as connection:
                connection.execute(
                    api_tokens.update()
                    .where(api_tokens.c.id == use.token_id)
                    .values(last_used_at=now)
                )
            self._tokens.put(token_hash, _TokenUse(use.account, use.token_id, now))
        return use.account

    def _token_use(self, token_hash: str) -> _TokenUse | None:
        with self.engine.connect() as connection:
            row = connection.execute(
                sa.select(users, api_tokens.c.id.label("token_id"), api_tokens.c.last_used_at)
                .join(api_tokens, api_tokens.c.user_id == users.c.id)
                .where(api_tokens.c.token_hash == token_hash)
                .where(api_tokens.c.revoked_at.is_(None))
                .where(users.c.active.is_(True))
            ).first()
            if row is None:
                return None
            return _TokenUse(self._account(connection, row), row.token_id, _aware(row.last_used_at))

    def tokens(
        self, username: str | None = None, *, connection: sa.Connection | None = None
    ) -> list[ApiToken]:
        """Tokens (newest first) of one user, or of everybody."""
        query = (
            sa.select(api_tokens, users.c.username)
            .join(users, users.c.id == api_tokens.c.user_id)
            .order_by(api_tokens.c.created_at.desc(), api_tokens.c.id.desc())
        )
        if username is not None:
            query = query.where(users.c.username == username)
        now = datetime.now(UTC)
        with self._begin(connection) as connection:
            return [
                ApiToken(
                    row.id, row.username, row.name or "", _aware(row.created_at) or now,
                    _aware(row.last_used_at), _aware(row.revoked_at),
                )
                for row in connection.execute(query)
            ]

    def token(self, token_id: int, *, connection: sa.Connection | None = None) -> ApiToken:
        for found in self.tokens(connection=connection):
            if found.id == token_id:
                return found
        raise UnknownCode("token", "Unknown token: %(id)s", id=token_id)

    def revoke_token(self, token_id: int, *, connection: sa.Connection | None = None) -> bool:
        """True when the token was live and is now revoked."""
        with self._writing(connection) as connection:
            return bool(
                connection.execute(
                    api_tokens.update()
                    .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
                    .values(revoked_at=datetime.now(UTC))
                ).rowcount
            )

    def revoke_tokens(self, username: str, *, connection: sa.Connection | None = None) -> int:
        with self._writing(connection) as connection:
            account = self.get(username, connection=connection)
            return connection.execute(
                api_tokens.update()
                .where(api_tokens.c.user_id == account.id, api_tokens.c.revoked_at.is_(None))
                .values(revoked_at=datetime.now(UTC))
            ).rowcount

    # --- sessions ----------------------------------------------------------------------

    def start_session(self, account: Account) -> str:
        """A new session for a sign-in; returns its id (for the cookie, never stored)."""
        session_id = secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        with self.engine.begin() as connection:
            # This account's dead sessions go now: the table holds live ones and a few more.
            connection.execute(
                user_sessions.delete()
                .where(user_sessions.c.user_id == account.id)
                .where(
                    sa.or_(
                        user_sessions.c.ended_at.is_not(None),
                        user_sessions.c.created_at < now - self.session_max,
                        user_sessions.c.last_seen_at < now - self.session_idle,
                    )
                )
            )
            connection.execute(
                user_sessions.insert().values(
                    id_hash=self._keyed(session_id), user_id=account.id, created_at=now,
                    last_seen_at=now,
                )
            )
        return session_id

    def account_for_session(self, session_id: str) -> Account | None:
        """The active account of a live session, or None (ended, idle too long, too old).
        Notes the session's use, at most once a minute."""
        now = datetime.now(UTC)
        id_hash = self._keyed(session_id)
        with self.engine.connect() as connection:
            row = connection.execute(
                sa.select(
                    users,
                    user_sessions.c.created_at.label("session_created_at"),
                    user_sessions.c.last_seen_at,
                )
                .join(user_sessions, user_sessions.c.user_id == users.c.id)
                .where(user_sessions.c.id_hash == id_hash)
                .where(user_sessions.c.ended_at.is_(None))
                .where(users.c.active.is_(True))
            ).first()
            if row is None:
                return None
            created, seen = _aware(row.session_created_at), _aware(row.last_seen_at)
            assert created is not None
            assert seen is not None
            if now - seen > self.session_idle or now - created > self.session_max:
                self.end_session(session_id)
                return None
            account = self._account(connection, row)
        if now - seen >= SESSION_SEEN_PRECISION:
            with self.engine.begin() as connection:
                connection.execute(
                    user_sessions.update()
                    .where(user_sessions.c.id_hash == id_hash)
                    .values(last_seen_at=now)
                )
        return account

    def end_session(self, session_id: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                user_sessions.update()
                .where(user_sessions.c.id_hash == self._keyed(session_id))
                .where(user_sessions.c.ended_at.is_(None))
                .values(ended_at=datetime.now(UTC))
            )

    def end_sessions(
        self,
        username: str,
        *,
        keep: str | None = None,
        connection: sa.Connection | None = None,
    ) -> int:
        """End every session of the account, but `keep` (a session id); returns how many."""
        with self._begin(connection) as connection:
            user_id = sa.select(users.c.id).where(users.c.username == username).scalar_subquery()
            query = (
                user_sessions.update()
                .where(user_sessions.c.user_id == user_id)
                .where(user_sessions.c.ended_at.is_(None))
            )
            if keep is not None:
                query = query.where(user_sessions.c.id_hash != self._keyed(keep))
            return connection.execute(query.values(ended_at=datetime.now(UTC))).rowcount

    def live_sessions(self, username: str) -> int:
        now = datetime.now(UTC)
        with self.engine.connect() as connection:
            return connection.execute(
                sa.select(sa.func.count())
                .select_from(user_sessions.join(users, users.c.id == user_sessions.c.user_id))
                .where(users.c.username == username)
                .where(user_sessions.c.ended_at.is_(None))
                .where(user_sessions.c.last_seen_at >= now - self.session_idle)
                .where(user_sessions.c.created_at >= now - self.session_max)
            ).scalar_one()

    # --- identities at the provider (OIDC) -------------------------------------------------

    def account_for_identity(self, issuer: str, subject: str) -> Account | None:
        with self.engine.connect() as connection:
            row = connection.execute(
                sa.select(users)
                .join(user_identities, user_identities.c.user_id == users.c.id)
                .where(user_identities.c.issuer == issuer)
                .where(user_identities.c.subject == subject)
            ).first()
            return None if row is None else self._account(connection, row)

    def identities(self, username: str, issuer: str) -> list[str]:
        """The subjects at `issuer` linked to the account."""
        with self.engine.connect() as connection:
            return list(
                connection.execute(
                    sa.select(user_identities.c.subject)
                    .join(users, users.c.id == user_identities.c.user_id)
                    .where(users.c.username == username)
                    .where(user_identities.c.issuer == issuer)
                ).scalars()
            )

    def link_identity(
        self, username: str, issuer: str, subject: str, *, connection: sa.Connection | None = None
    ) -> None:
        with self._writing(connection) as connection:
            account = self.get(username, connection=connection)
            connection.execute(
                user_identities.insert().values(
                    issuer=issuer, subject=subject, user_id=account.id,
                    linked_at=datetime.now(UTC),
                )
            )

    # --- login throttling ----------------------------------------------------------------

    def claim_login(self, username: str, address: str) -> Throttled | None:
        """Claim one password check for USERNAME from ADDRESS, before the password is
        checked. None: go ahead; else the attempt is refused until `until`.

        The claim is an INSERT ... ON CONFLICT DO UPDATE of the key's row, so concurrent
        attempts queue on that row (PostgreSQL) or on the database's write lock (SQLite)
        and each sees the ones before it: no race lets more checks through than the limit.
        """
        now = datetime.now(UTC)
        address = address[:64]
        with self.engine.begin() as connection:
            by_address = self._claim(connection, f"address:{address}", ADDRESS_THROTTLE, now)
            if by_address is not None:
                return Throttled(by_address[0], by_address[1], "address")
            by_account = self._claim(
                connection, self._account_key(username, address), ACCOUNT_THROTTLE, now
            )
            if by_account is not None:
                self._unclaim(connection, f"address:{address}")
                return Throttled(by_account[0], by_account[1], "account")
        return None

    def login_succeeded(self, username: str, address: str) -> None:
        """The claimed check was the right password: it was no failure."""
        address = address[:64]
        with self.engine.begin() as connection:
            connection.execute(
                login_throttle.delete().where(
                    login_throttle.c.key == self._account_key(username, address)
                )
            )
            self._unclaim(connection, f"address:{address}")

    def claim_address(self, purpose: str, address: str, rule: ThrottleRule) -> Throttled | None:
        """Claim one use of something public (sending a complaint, trying a receipt code)
        from ADDRESS under `rule`, with the login throttle's rows and rules (the key names
        the purpose). None: go ahead; else refused until `until`."""
        now = datetime.now(UTC)
        with self.engine.begin() as connection:
            found = self._claim(connection, f"{purpose}:{address[:64]}", rule, now)
        return None if found is None else Throttled(found[0], found[1], "address")

    def _account_key(self, username: str, address: str) -> str:
        return f"account:{self._keyed(username.lower())}@{address[:64]}"

    def _keyed(self, value: str) -> str:
        return hmac.new(self.secret, value.encode(), hashlib.sha256).hexdigest()

    def _claim(
        self, connection: sa.Connection, key: str, rule: ThrottleRule, now: datetime
    ) -> tuple[datetime, bool] | None:
        """None: claimed; else (blocked until, whether this attempt started the block)."""
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        insert = dialect.insert(login_throttle).values(
            key=key, attempts=1, window_start=now, blocked_until=None, blocks=0
        )
        connection.execute(
            insert.on_conflict_do_update(
                index_elements=[login_throttle.c.key],
                set_={"attempts": login_throttle.c.attempts + 1},
            )
        )
        row = connection.execute(
            sa.select(login_throttle).where(login_throttle.c.key == key)
        ).one()
        blocked_until = _aware(row.blocked_until)
        if blocked_until is not None and now < blocked_until:
            self._unclaim(connection, key)  # a refused attempt is not checked: no count
            return blocked_until, False
        attempts, start, blocks = row.attempts, _aware(row.window_start), row.blocks
        assert start is not None
        if now - start >= rule.window:
            if now - start >= rule.forget_after:
                blocks = 0
            attempts, start = 1, now
        if attempts > rule.limit:
            until = now + min(rule.first_block * 2**min(blocks, 16), rule.longest_block)
            connection.execute(
                login_throttle.update()
                .where(login_throttle.c.key == key)
                .values(attempts=0, window_start=now, blocked_until=until, blocks=blocks + 1)
            )
            return until, True
        connection.execute(
            login_throttle.update()
            .where(login_throttle.c.key == key)
            .values(attempts=attempts, window_start=start, blocked_until=None, blocks=blocks)
        )
        return None

    def _unclaim(self, connection: sa.Connection, key: str) -> None:
        connection.execute(
            login_throttle.update()
            .where(login_throttle.c.key == key, login_throttle.c.attempts > 0)
            .values(attempts=login_throttle.c.attempts - 1)
        )


@dataclass(frozen=True)
class ThrottleRule:
    """`limit` password checks per `window`; one more starts a block of `first_block`,
    doubling with each block up to `longest_block`; a quiet `forget_after` resets that."""

    limit: int
    window: timedelta
    first_block: timedelta
    longest_block: timedelta
    forget_after: timedelta = timedelta(days=1)


# One account from one address: a person who mistypes five times waits a minute, a guesser
# gets ever fewer tries an hour. The right password from elsewhere is never held up.
ACCOUNT_THROTTLE = ThrottleRule(
    5, timedelta(minutes=15), timedelta(minutes=1), timedelta(hours=1)
)
# One address, whatever the names: high, since many people may share an address (a proxy,
# an office's NAT), but it stops one client from trying name after name.
ADDRESS_THROTTLE = ThrottleRule(
    50, timedelta(minutes=15), timedelta(minutes=15), timedelta(hours=2)
)
# Klagomål och synpunkter, per address (a school's or an HVB home's shared address sends
# a few): sending one, and trying a receipt code (reading or adding a message).
COMPLAINT_SENDING_THROTTLE = ThrottleRule(
    10, timedelta(hours=1), timedelta(hours=1), timedelta(hours=24)
)
RECEIPT_TRIES_THROTTLE = ThrottleRule(
    30, timedelta(minutes=15), timedelta(minutes=15), timedelta(hours=2)
)
# A session's last use is written at most this often (so idle time is this precise).
SESSION_SEEN_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True)
class Throttled:
    until: datetime
    started: bool  # this attempt started the block (log it once)
    by: str  # "account" (this account from this address) or "address"


@functools.cache
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_urlsafe(16))


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")
# Runs along a keyboard row, the alphabet or the digits, either way.
_RUNS = (
    "01234567890", "abcdefghijklmnopqrstuvwxyzåäö", "qwertyuiopå", "asdfghjklöä", "zxcvbnm",
    "qwertyuiopasdfghjklzxcvbnm", "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
    "qazwsxedcrfvtgbyhnujmikolp",
)
_TRIM = string.digits + string.punctuation + string.whitespace + "§½¤"


@functools.cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _is_run(text: str) -> bool:
    """The same few characters over and over, or a stretch of one of _RUNS."""
    if len(set(text)) <= 3:
        return True
    return any(text in run or text in run[::-1] for run in _RUNS)


def check_password(password: str, *, username: str = "") -> None:
    """The password policy, in one place for the pages, the CLI and the admin's resets
    (NIST SP 800-63B 3.1.1.2 / NCSC): 10-128 characters, not a common password (also with
    digits or punctuation around it), not a run of keys, not containing the username. No
    rules about kinds of characters: a long phrase is good."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            "password", "Passwords need at least %(n)d characters.", n=MIN_PASSWORD_LENGTH
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationFailed(
            "password", "Passwords may have at most %(n)d characters.", n=MAX_PASSWORD_LENGTH
        )
    normal = _normal(password)
    bare = normal.strip(string.punctuation + string.whitespace)  # Sommar2026! -> sommar2026
    core = normal.strip(_TRIM)  # -> sommar
    if {normal, bare, core} & common_passwords():
        raise ValidationFailed("password", "This password is among the most common ones.")
    if _is_run(normal) or _is_run(bare) or (len(core) >= 4 and _is_run(core)):
        raise ValidationFailed(
            "password", "A password may not be one character repeated or a run of keys."
        )
    name = _normal(username)
    for part in {name, name.split("@")[0]}:
        if len(part) >= 4 and part in normal:
            raise ValidationFailed("password", "A password may not contain the username.")
