"""Read-model tables (views), one SQLAlchemy Core definition for SQLite and PostgreSQL.

Each projection owns the tables listed in its `tables` attribute and nothing else, so a
single view can be dropped and rebuilt without touching the others. Counter tables use ""
for "no subcategory" because a primary-key column cannot be NULL; queries turn it back
into None.

Encryption at rest (projections/cipher.py): with TRACKER_CIPHER_KEY set, the columns of type
EncryptedText hold ciphertext: free text (measure descriptions) and names typed by people
(responsible, investigator, handler, assignee), and the identifiers of other registers
(the child report's case reference, IVO's reference, an import's file name). A column of
these that a query filters on has a BlindIndex companion `<name>_key`, written with the
same value, which the query compares instead. Everything else stays plain because SQL
sorts, groups, filters or counts on it and it carries no content: our own case numbers
(AV-/LS-/BA-), codes (unit, operation, category, subcategory, cause, finding kind, status,
grade, decision, source), usernames of accounts (reporter, importer: the users table names
them anyway), dates, counts, flags, ids and a file's SHA-256.
A change to a view's columns bumps its view's `schema` (projections/views/), and the
runtime then refills that view from the log (projections/schema.py).
"""

from __future__ import annotations

import sqlalchemy as sa

from projections.cipher import BlindIndex, EncryptedText

metadata = sa.MetaData()

NO_SUBCATEGORY = ""

# The position of every projection in the application's notification log. Updated in the
# same transaction as the view rows, and only from the position the writer started from,
# so two runners can never both apply the same events.
tracking = sa.Table(
    "tracking",
    metadata,
    sa.Column("projection_name", sa.String(64), primary_key=True),
    sa.Column("application_name", sa.String(64), primary_key=True),
    sa.Column("notification_id", sa.BigInteger, nullable=False, default=0),
)

# The shape each view's tables were created in (its View.schema): a view whose schema is
# newer than the one recorded here is dropped and refilled from the log at start.
view_schemas = sa.Table(
    "view_schemas",
    metadata,
    sa.Column("projection_name", sa.String(64), primary_key=True),
    sa.Column("schema", sa.Integer, nullable=False),
)

# --- 1. deviation list ----------------------------------------------------------------

deviations = sa.Table(
    "view_deviations",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("number", sa.String(32), nullable=False),
    sa.Column("reported_on", sa.Date, nullable=False),
    sa.Column("occurred_on", sa.Date, nullable=False),
    sa.Column("unit", sa.String(64), nullable=False),
    sa.Column("operation", sa.String(8), nullable=False),
    sa.Column("category", sa.String(64), nullable=False),
    sa.Column("subcategory", sa.String(64), nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("reporter", sa.String(64), nullable=False),
    sa.Column("assignee", EncryptedText, nullable=True),
    sa.Column("lex_sarah_case_id", sa.Uuid, nullable=True),
    # The reporter's reference to another register (diarienummer): found by "Sök".
    sa.Column("case_reference", EncryptedText, nullable=True),
    # The review's risk assessment: probability x consequence (events.risk), None = not yet.
    sa.Column("risk_score", sa.Integer, nullable=True),
    # The day it was last closed or withdrawn (None while open): gallring counts from it.
    sa.Column("closed_on", sa.Date, nullable=True),
    sa.Index("ix_view_deviations_reported", "reported_on", "number"),
    sa.Index("ix_view_deviations_unit", "unit", "reported_on"),
    sa.Index("ix_view_deviations_operation", "operation", "reported_on"),
    sa.Index("ix_view_deviations_category", "category", "subcategory"),
    sa.Index("ix_view_deviations_status", "status"),
    sa.Index("ix_view_deviations_reporter", "reporter"),
)

# --- 2. monthly counts ----------------------------------------------------------------

monthly_counts = sa.Table(
    "view_monthly_counts",
    metadata,
    sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("month", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("operation", sa.String(8), primary_key=True),
    sa.Column("unit", sa.String(64), primary_key=True),
    sa.Column("category", sa.String(64), primary_key=True),
    sa.Column("subcategory", sa.String(64), primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
)

# Where each counted deviation is counted now, so a reclassification or withdrawal can
# move or remove exactly its one count.
monthly_members = sa.Table(
    "view_monthly_members",
    metadata,
    sa.Column("deviation_id", sa.Uuid, primary_key=True),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("month", sa.Integer, nullable=False),
    sa.Column("operation", sa.String(8), nullable=False),
    sa.Column("unit", sa.String(64), nullable=False),
    sa.Column("category", sa.String(64), nullable=False),
    sa.Column("subcategory", sa.String(64), nullable=False),
)

# --- 3. annual table ------------------------------------------------------------------

annual_counts = sa.Table(
    "view_annual_counts",
    metadata,
    sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("category", sa.String(64), primary_key=True),
    sa.Column("subcategory", sa.String(64), primary_key=True),
    sa.Column("operation", sa.String(8), primary_key=True),
    sa.Column("deviations", sa.Integer, nullable=False, default=0),
    sa.Column("lex_sarah", sa.Integer, nullable=False, default=0),
)

annual_members = sa.Table(
    "view_annual_members",
    metadata,
    sa.Column("deviation_id", sa.Uuid, primary_key=True),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("operation", sa.String(8), nullable=False),
    sa.Column("category", sa.String(64), nullable=False),
    sa.Column("subcategory", sa.String(64), nullable=False),
    # The year the Lex Sarah investigation from this deviation was opened, if any.
    sa.Column("lex_sarah_year", sa.Integer, nullable=True),
)

# --- 4. escalations -------------------------------------------------------------------

escalations = sa.Table(
    "view_escalations",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("number", sa.String(32), nullable=False),
    sa.Column("deviation_id", sa.Uuid, nullable=False),
    sa.Column("deviation_number", sa.String(32), nullable=False),
    sa.Column("unit", sa.String(64), nullable=False),
    sa.Column("operation", sa.String(8), nullable=False),
    sa.Column("opened_on", sa.Date, nullable=False),
    sa.Column("proposed_grade", sa.String(32), nullable=True),
    sa.Column("grade", sa.String(32), nullable=True),
    sa.Column("decided_on", sa.Date, nullable=True),
    sa.Column("ivo_sent_on", sa.Date, nullable=True),
    sa.Column("ivo_reference", EncryptedText, nullable=True),
    sa.Column("closed_on", sa.Date, nullable=True),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Index("ix_view_escalations_opened", "opened_on"),
)

# --- 4b. Lex Sarah clocks (the board's "genast" remedy and the local IVO target) --------

# One row per open case; the row goes when the case is closed. Dates only: the bands
# depend on today and on TRACKER_IVO_TARGET_DAYS, so they are computed at query time.
lex_sarah_clocks = sa.Table(
    "view_lex_sarah_clocks",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("number", sa.String(32), nullable=False),
    sa.Column("unit", sa.String(64), nullable=False),
    sa.Column("investigator", EncryptedText, nullable=True),
    sa.Column("investigator_key", BlindIndex, nullable=True),
    sa.Column("opened_on", sa.Date, nullable=False),
    sa.Column("remedied_on", sa.Date, nullable=True),
    sa.Column("proposed_grade", sa.String(32), nullable=True),
    sa.Column("grade", sa.String(32), nullable=True),
    sa.Column("ivo_sent_on", sa.Date, nullable=True),
)

# --- 5. deadlines ---------------------------------------------------------------------

# Dates only: the status of a clock depends on today, so it is computed at query time by
# the aggregate's own rules. The two *_watch columns hold the deadline while a breach could
# still be flagged (NULL once flagged, decided in time or exempt), so the scheduler's
# "overdue now" query is an index range scan: watch < today.
child_reports = sa.Table(
    "view_child_reports",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("number", sa.String(32), nullable=False),
    sa.Column("unit", sa.String(64), nullable=False),
    sa.Column("operation", sa.String(8), nullable=False),
    sa.Column("case_reference", EncryptedText, nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("handler", EncryptedText, nullable=True),
    sa.Column("handler_key", BlindIndex, nullable=True),
    sa.Column("ongoing_investigation", sa.Boolean, nullable=False),
    sa.Column("original_deadline", sa.Date, nullable=False),
    sa.Column("deadline", sa.Date, nullable=False),
    sa.Column("decided_on", sa.Date, nullable=True),
    sa.Column("decision", sa.String(32), nullable=True),
    sa.Column("protection_due", sa.Date, nullable=False),
    sa.Column("protection_assessed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("breach_flagged_on", sa.Date, nullable=True),
    sa.Column("breach_deviation_id", sa.Uuid, nullable=True),
    sa.Column("investigation_opened_on", sa.Date, nullable=True),
    sa.Column("investigation_original_deadline", sa.Date, nullable=True),
    sa.Column("investigation_deadline", sa.Date, nullable=True),
    sa.Column("investigation_completed_on", sa.Date, nullable=True),
    sa.Column("investigation_breach_flagged_on", sa.Date, nullable=True),
    sa.Column("investigation_breach_deviation_id", sa.Uuid, nullable=True),
    # Återkoppling to the anmälare (SoL 19 kap. 6 §): the category's code, the request and
    # the day it was answered (given, or judged olämplig: feedback_declined).
    sa.Column("reporter_category", sa.String(32), nullable=True),
    sa.Column("feedback_requested_on", sa.Date, nullable=True),
    sa.Column("feedback_answered_on", sa.Date, nullable=True),
    sa.Column("feedback_declined", sa.Boolean, nullable=True),
    sa.Column("preliminary_watch", sa.Date, nullable=True),
    sa.Column("investigation_watch", sa.Date, nullable=True),
    sa.Index("ix_view_child_reports_preliminary_watch", "preliminary_watch"),
    sa.Index("ix_view_child_reports_investigation_watch", "investigation_watch"),
    sa.Index("ix_view_child_reports_unit", "unit"),
    sa.Index("ix_view_child_reports_handler", "handler_key"),
    sa.Index("ix_view_child_reports_deadline", "deadline"),
)

# --- 6. recurrence --------------------------------------------------------------------

# One row per counted deviation; the rolling window depends on today, so it is grouped
# at query time over an index on (reported_on).
recurrence_members = sa.Table(
    "view_recurrence_members",
    metadata,
    sa.Column("deviation_id", sa.Uuid, primary_key=True),
    sa.Column("unit", sa.String(64), nullable=False),
    sa.Column("operation", sa.String(8), nullable=False),
    sa.Column("category", sa.String(64), nullable=False),
    sa.Column("subcategory", sa.String(64), nullable=False),
    sa.Column("reported_on", sa.Date, nullable=False),
    sa.Index("ix_view_recurrence_reported", "reported_on", "unit"),
)

# --- 7. to-do: what needs doing on each case (the task lists, the inbox, "Att göra",
# the reminders, Åtgärder) and the cause codes of each analysis. One view (ToDo) keeps
# these; the SQL names are "view_case_todo_*" since it took over the casework view, so an
# older database fills them from the log instead of reading tables of another shape.

todo_deviations = sa.Table(
    "view_case_todo_deviations",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("number", sa.String(32), nullable=False),
    sa.Column("unit", sa.String(64), nullable=False),
    sa.Column("operation", sa.String(8), nullable=False),
    sa.Column("category", sa.String(64), nullable=False),
    sa.Column("subcategory", sa.String(64), nullable=False),
    sa.Column("reporter", sa.String(64), nullable=False),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("reported_on", sa.Date, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    # Whether the reporter is owed feedback (the aggregate's feedback_required).
    sa.Column("feedback_required", sa.Boolean, nullable=False),
    sa.Column("analysed", sa.Boolean, nullable=False),
    # The cause codes of the current analysis, space-separated (to replace its members).
    sa.Column("causes", sa.String(1000), nullable=False),
    sa.Column("measures", sa.Integer, nullable=False),
    sa.Column("measures_open", sa.Integer, nullable=False),
    sa.Column("feedback", sa.Integer, nullable=False),
    sa.Column("last_feedback_at", sa.DateTime(timezone=True), nullable=True),
    # A recorded reason stands in for the missing measure / feedback (the closing rules).
    sa.Column("measures_not_needed", sa.Boolean, nullable=False),
    sa.Column("feedback_not_possible", sa.Boolean, nullable=False),
    sa.Index("ix_view_case_todo_deviations_unit", "status", "unit"),
    sa.Index("ix_view_case_todo_deviations_reported", "status", "reported_on"),
    sa.Index("ix_view_case_todo_deviations_reporter", "reporter"),
)

todo_measures = sa.Table(
    "view_case_todo_measures",
    metadata,
    sa.Column("deviation_id", sa.Uuid, primary_key=True),
    sa.Column("measure", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("deviation_number", sa.String(32), nullable=False),
    sa.Column("unit", sa.String(64), nullable=False),
    sa.Column("description", EncryptedText, nullable=False),
    sa.Column("responsible", EncryptedText, nullable=False),
    sa.Column("responsible_key", BlindIndex, nullable=False),
    sa.Column("due_on", sa.Date, nullable=False),
    sa.Column("added_on", sa.Date, nullable=False),
    sa.Column("completed_on", sa.Date, nullable=True),
    # The lifecycle (events.deviation.MeasureStatus), the goal, the day the effect is next
    # to be judged (None once judged ja/nej) and the last judgement (events Effect).
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("goal", EncryptedText, nullable=True),
    sa.Column("follow_up_on", sa.Date, nullable=True),
    sa.Column("effect", sa.String(16), nullable=True),
    sa.Index("ix_view_case_todo_measures_due", "completed_on", "due_on"),
    sa.Index("ix_view_case_todo_measures_follow_up", "follow_up_on"),
    sa.Index("ix_view_case_todo_measures_responsible", "responsible_key"),
)

# One row per (deviation, cause code) of its current analysis; counted at query time with
# todo_deviations (period of reported_on, operation), withdrawn deviations left out.
todo_causes = sa.Table(
    "view_case_todo_causes",
    metadata,
    sa.Column("deviation_id", sa.Uuid, primary_key=True),
    sa.Column("cause", sa.String(64), primary_key=True),
)

todo_lex_sarah = sa.Table(
    "view_case_todo_lex_sarah",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("number", sa.String(32), nullable=False),
    sa.Column("unit", sa.String(64), nullable=False),
    sa.Column("opened_on", sa.Date, nullable=False),
    sa.Column("investigator", EncryptedText, nullable=True),
    sa.Column("investigator_key", BlindIndex, nullable=True),
    sa.Column("protective_actions", sa.Integer, nullable=False),
    sa.Column("finding_kinds", sa.String(200), nullable=False),  # space-separated codes
    sa.Column("proposed", sa.Boolean, nullable=False),
    sa.Column("grade", sa.String(32), nullable=True),
    sa.Column("ivo_sent_on", sa.Date, nullable=True),
    # Sent with the investigation "kompletteras" and the completion not sent yet.
    sa.Column("ivo_completion_pending", sa.Boolean, nullable=False),
    sa.Column("informed", sa.Boolean, nullable=False),
    sa.Column("closed_on", sa.Date, nullable=True),
    sa.Index("ix_view_case_todo_lex_sarah_open", "closed_on"),
)

# --- imports of earlier years (events.history_import) ---------------------------------

imports = sa.Table(
    "view_imports",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("file_name", EncryptedText, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("row_count", sa.Integer, nullable=False),
    sa.Column("deviations", sa.Integer, nullable=False),
    sa.Column("imported_by", sa.String(64), nullable=False),
    sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("undone_by", sa.String(64), nullable=True),
    sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
)

# The figures of counts imports; those of an undone import are left out by joining imports.
# month 0: a whole-year figure; operation/category "": a year's total not broken down.
imported_counts = sa.Table(
    "view_imported_counts",
    metadata,
    sa.Column("import_id", sa.Uuid, primary_key=True),
    sa.Column("row", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("month", sa.Integer, nullable=False),
    sa.Column("operation", sa.String(8), nullable=False),
    sa.Column("category", sa.String(64), nullable=False),
    sa.Column("subcategory", sa.String(64), nullable=False),
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("lex_sarah", sa.Integer, nullable=False),
    sa.Index("ix_view_imported_counts_year", "year"),
)

# The periods each import gives figures for: month 1-12, or 0 for a whole-year figure.
import_coverage = sa.Table(
    "view_import_coverage",
    metadata,
    sa.Column("import_id", sa.Uuid, primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("month", sa.Integer, primary_key=True, autoincrement=False),
)

# The case files (events/casework.py): whose answer each case waits for ("väntar på
# komplettering"), for Att göra and the lists. Usernames and numbers only; no text.
case_files = sa.Table(
    "view_case_files",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("case_id", sa.Uuid, nullable=False, index=True),
    sa.Column("number", sa.String(32), nullable=False),
    sa.Column("reporter", sa.String(64), nullable=True, index=True),
    sa.Column("reporter_case_id", sa.Uuid, nullable=True),
    sa.Column("awaiting", sa.Boolean, nullable=False),
    sa.Column("asked_by", sa.String(64), nullable=True),
    sa.Column("asked_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("attachments", sa.Integer, nullable=False),
)

# --- Klagomål och synpunkter (the inbox, the clocks, the counts) ---------------------------

# One row per complaint: codes and dates only (the sender's text and the answers stay in
# the events). `unit` is NULL while the sender did not know and nobody has routed it;
# `category` (kvalitetsområde) is set when routed. The clocks are computed at query time
# from received_on and the settings' working days.
complaints = sa.Table(
    "view_complaints",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("number", sa.String(32), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("unit", sa.String(64), nullable=True),
    sa.Column("operation", sa.String(8), nullable=True),
    sa.Column("category", sa.String(64), nullable=True),
    sa.Column("sender", sa.String(16), nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("contact_wish", sa.String(16), nullable=False),
    sa.Column("received_on", sa.Date, nullable=False),
    sa.Column("routed", sa.Boolean, nullable=False),
    sa.Column("acknowledged_on", sa.Date, nullable=True),
    sa.Column("answered_on", sa.Date, nullable=True),
    sa.Column("sender_messages", sa.Integer, nullable=False),  # unanswered ones show on Att göra
    sa.Column("last_sender_message_on", sa.Date, nullable=True),
    sa.Column("last_answer_on", sa.Date, nullable=True),
    sa.Column("deviation_id", sa.Uuid, nullable=True),
    sa.Column("deviation_number", sa.String(32), nullable=True),
    sa.Column("lex_sarah_number", sa.String(32), nullable=True),
    sa.Column("closed_on", sa.Date, nullable=True),
    sa.Column("outcome", sa.String(16), nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Index("ix_view_complaints_received", "received_on", "number"),
    sa.Index("ix_view_complaints_unit", "unit", "received_on"),
    sa.Index("ix_view_complaints_status", "status"),
)

# --- Gallring (events/retention.py) ---------------------------------------------------------

# One row per case with a retention record: whether a legal hold stands, and what of its
# content was erased, last under which rule and when. Codes and dates only.
retention_records = sa.Table(
    "view_retention_records",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("case_id", sa.Uuid, nullable=False, unique=True),
    sa.Column("case_kind", sa.String(16), nullable=False),
    sa.Column("active_holds", sa.Integer, nullable=False),
    sa.Column("erased_kinds", sa.String(200), nullable=False),  # space-separated ContentKind
    sa.Column("rule", sa.String(200), nullable=True),
    sa.Column("erased_on", sa.Date, nullable=True),
    sa.Column("erased_by", sa.String(64), nullable=True),
)
