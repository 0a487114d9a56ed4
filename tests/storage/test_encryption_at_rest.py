"""With TRACKER_CIPHER_KEY set, no free text or identifier typed by a person is readable in
the database: not in the events, the views, the access log, the admin change log or the
outbox. The text goes in through every field, the views catch up, the store is closed and
its files (SQLite: the database and its -wal, -shm, -journal) or every column of every
table (PostgreSQL: cast to text; bytea as its hex) are searched for it. Without the key
the same search finds every marker, so the search can fail."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
import sqlalchemy as sa
from eventsourcing.cryptography import AESCipher
from flask.testing import FlaskClient

from events.deviation import Effect
from events.history_import import ImportKind
from events.lex_sarah import FindingNature, Grade, IvoInvestigation
from projections.migration import migrate_pending
from projections.queries import todo as todo_view
from projections.queries.child_reports import child_reports
from projections.queries.history_imports import imports as imports_view
from projections.queries.lex_sarah import escalations, lex_sarah_board
from projections.runner import catch_up
from tracker.admin import change_log
from tracker.admin.changes import Administration
from tracker.config import Settings
from tracker.notifications.follower import Notifier
from tracker.notifications.messages import Kind, Mail
from tracker.people import access_log
from tracker.people.accounts import Account
from tracker.runtime import Runtime
from tracker.storage.tables import notification_outbox

KEY = AESCipher.create_key(32)

# One marker per field; none of them is a word the tracker writes by itself.
MARKERS = {
    field: f"Zq{field.replace('_', '').upper()}MARK"
    for field in (
        "description", "immediate_actions", "deviation_case_reference", "assignee",
        "cause_analysis", "measure_description", "responsible", "feedback", "escalation",
        "protective_action", "investigator", "finding", "ivo_reference", "ivo_diary",
        "child_case_reference", "handler", "import_file", "import_row", "query_key",
        "query_value", "unit_name", "mail_body",
        "measure_goal", "follow_up_result", "effect_text", "move_reason",
        "complaint_text", "complaint_answer", "complaint_message", "complaint_email",
    )
}


# Case content is sealed under its case's own key (tracker/storage/sealing.py) with or
# without TRACKER_CIPHER_KEY; without it the case keys are stored unwrapped. So in a plain
# store these are not found as they are (what else is typed, and the views' copies, are).
SEALED_IN_EVENTS = {
    "description", "immediate_actions", "cause_analysis", "feedback", "escalation",
    "protective_action", "finding", "import_row", "follow_up_result", "effect_text",
    "move_reason", "complaint_text", "complaint_answer", "complaint_message",
}


@pytest.fixture(params=[False, True], ids=["plain", "encrypted"])
def environ(environ: dict[str, str], request: pytest.FixtureRequest) -> dict[str, str]:
    return environ | ({"TRACKER_CIPHER_KEY": KEY} if request.param else {})


def _fill_every_field(runtime: Runtime, client_for: Callable[[str], FlaskClient]) -> None:
    app, m = runtime.app, MARKERS
    today = app.today()
    deviation = app.file_deviation(
        actor="rapportor", unit="utredning", category="handlaggning",
        subcategory="registrering", occurred_on=today - timedelta(days=2),
        description=f"Beskrivning {m['description']}",
        immediate_actions=f"Åtgärdat direkt {m['immediate_actions']}",
        case_reference=m["deviation_case_reference"],
    )
    app.assign_deviation(deviation.id, actor="utvecklare", assignee=m["assignee"])
    cause = next(iter(runtime.organisation.causes().causes))
    app.analyse_cause(deviation.id, actor="utvecklare", analysis=m["cause_analysis"],
                      causes=[cause])
    app.add_measure(deviation.id, actor="utvecklare", description=m["measure_description"],
                    responsible=m["responsible"], due_on=today + timedelta(days=7))
    app.add_measure(deviation.id, actor="utvecklare", description="Andra.", responsible="chef",
                    due_on=today, goal=m["measure_goal"])
    app.complete_measure(deviation.id, actor="utvecklare", measure=2)
    app.follow_up_measure(deviation.id, actor="utvecklare", measure=2,
                          result=m["follow_up_result"], effect=Effect.TOO_EARLY,
                          effect_text=m["effect_text"], next_follow_up_on=today + timedelta(30))
    app.move_deviation(deviation.id, actor="utvecklare", unit="oppenvard",
                       reason=m["move_reason"])
    app.give_feedback(deviation.id, actor="utvecklare", message=m["feedback"])
    case = app.escalate_to_lex_sarah(deviation.id, actor="utvecklare", reason=m["escalation"])
    app.record_protective_action(case.id, actor="lexsarah", description=m["protective_action"],
                                 taken_on=case.opened_on)
    app.assign_investigator(case.id, actor="lexsarah", investigator=m["investigator"])
    for kind in app.get_lex_sarah_case(case.id).uncovered_kinds():
        app.document_finding(
            case.id, actor="lexsarah", kind=kind, text=f"{kind.value} {m['finding']}",
            dated_on=case.opened_on, source="Personal", nature=FindingNature.FACT,
            author="lexsarah", author_title="Utredare",
        )
    app.decide_lex_sarah(case.id, actor="lexsarah", grade=Grade.ALLVARLIGT, reasoning="Skäl.")
    app.report_to_ivo(case.id, actor="lexsarah", sent_on=today, ivo_reference=m["ivo_reference"],
                      diary_number=m["ivo_diary"], investigation=IvoInvestigation.ATTACHED)
    # A second, open case keeps its clock (and so its investigator) in the clock view.
    other = app.escalate_to_lex_sarah(
        app.file_deviation(
            actor="rapportor", unit="utredning", category="samverkan", subcategory=None,
            occurred_on=today - timedelta(days=1), description="Andra.",
        ).id,
        actor="utvecklare", reason="Skäl.",
    )
    app.assign_investigator(other.id, actor="lexsarah", investigator=m["investigator"])
    report = app.receive_child_report(
        actor="forste", unit="utredning", received_at=datetime.now(UTC) - timedelta(days=2),
        case_reference=m["child_case_reference"],
    )
    app.assign_handler(report.id, actor="forste", handler=m["handler"])
    sheet = (
        "rapporterad,inträffad,enhet,kvalitetsområde,underkategori,beskrivning,status,"
        f"lex_sarah,diarienummer\n2016-03-04,2016-03-02,utredning,samverkan,,"
        f"{m['import_row']},avslutad,nej,\n"
    ).encode()
    app.store_import(ImportKind.ROWS, sheet, f"{m['import_file']}.csv", actor="utvecklare")
    # The admin renames a unit and back: the names go to admin_changes only (the units
    # table keeps the organisation's names, plain, as the reports print them).
    admin = Administration.of(runtime, actor="admin", source="web")
    original = runtime.organisation.unit("oppenvard").name
    admin.rename_unit("oppenvard", f"Enhet {m['unit_name']}")
    admin.rename_unit("oppenvard", original)
    response = client_for("utvecklare").get(
        f"/inkorg?unit=utredning&{m['query_key']}={m['query_value']}"
    )
    assert response.status_code == 200
    Notifier(runtime).queue_once([Mail(
        "test:encryption", Kind.DIGEST, "chef", "chef@example.org", "Bevakning",
        f"handläggare: {m['mail_body']}",
    )])
    # Klagomål: the sender's text and message and the answer (events), the sender's e-mail
    # address (complaint_contacts; the outbox names the complaint, not the address).
    sent = client_for("utvecklare").post("/synpunkter", data={
        "kind": "klagomal", "unit": "utredning", "sender": "anhorig",
        "text": m["complaint_text"], "contact_wish": "e-post",
        "email": f"{m['complaint_email']}@example.org"})
    code = sent.get_data(as_text=True).split('id="receipt-code">', 1)[1].split("<", 1)[0]
    complaint = app.complaint_by_receipt(code)
    app.route_complaint(complaint.id, actor="utvecklare", unit="utredning",
                        category="samverkan")
    app.answer_complaint(complaint.id, actor="chef", text=m["complaint_answer"])
    app.add_sender_message(code, text=m["complaint_message"])
    assert catch_up(runtime, timeout=60)


def _read_back(runtime: Runtime) -> None:
    """What went in comes out, through the views' lookups by the encrypted columns too."""
    m, engine, today = MARKERS, runtime.engine, runtime.app.today()
    [measure] = todo_view.open_measures(engine, responsible=m["responsible"])
    assert (measure["description"], measure["responsible"]) == (
        m["measure_description"], m["responsible"])
    assert "responsible_key" not in measure
    cases = todo_view.open_lex_sarah_cases(engine, investigator=m["investigator"])
    assert [case["investigator"] for case in cases] == [m["investigator"]] * 2
    # The open case's remedy and (not judged yet) its IVO target.
    clocks = lex_sarah_board(engine, today, ivo_target_days=30, handler=m["investigator"])
    assert [clock["handler"] for clock in clocks] == [m["investigator"]] * 2
    [report] = child_reports(engine, today, handler=m["handler"])
    assert (report["handler"], report["case_reference"]) == (
        m["handler"], m["child_case_reference"])
    assert m["ivo_reference"] in {row["ivo_reference"] for row in escalations(engine, today)}
    assert [row["file_name"] for row in imports_view(engine)] == [f"{m['import_file']}.csv"]
    entries, _ = access_log.search(engine)
    assert any(
        (e.parameters or {}).get(m["query_key"]) == m["query_value"] for e in entries
    )
    changes, _ = change_log.changes(engine, subject="oppenvard")
    assert {"name": f"Enhet {m['unit_name']}"} in [c.after for c in changes]
    with engine.connect() as connection:
        bodies = connection.execute(sa.select(notification_outbox.c.body)).scalars().all()
    assert f"handläggare: {m['mail_body']}" in bodies


def _sqlite_bytes(settings: Settings) -> bytes:
    path = settings.sqlite_path
    files = [path.with_name(path.name + suffix) for suffix in ("", "-wal", "-shm", "-journal")]
    return b"".join(p.read_bytes() for p in files if p.is_file())


def _postgres_text(settings: Settings) -> str:
    """Every value of every table in the test's schema, as text (bytea as its hex too)."""
    url = settings.database_url.split("?", 1)[0]
    schema = settings.postgres_schema
    found: list[str] = []
    with psycopg.connect(url) as connection:
        columns = connection.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = %s", (schema,),
        ).fetchall()
        for table, column, data_type in columns:
            sql = f'SELECT "{column}"::text FROM "{schema}"."{table}"'  # noqa: S608 - catalog names
            values = [v for (v,) in connection.execute(sql).fetchall() if v is not None]
            if data_type == "bytea":  # '\x...': decode, so plain bytes are found too
                values += [bytes.fromhex(v[2:]).decode("latin-1") for v in values]
            found += values
    return "\n".join(found)


def test_with_a_cipher_key_no_typed_text_is_readable_in_the_store(
    runtime: Runtime, settings: Settings, users: dict[str, Account],
    client_for: Callable[[str], FlaskClient],
) -> None:
    encrypted = settings.cipher_key is not None
    _fill_every_field(runtime, client_for)
    _read_back(runtime)
    runtime.close()
    if settings.is_sqlite:
        stored = _sqlite_bytes(settings).decode("latin-1")
    else:
        stored = _postgres_text(settings)
    readable = sorted(field for field, marker in MARKERS.items() if marker in stored)
    assert readable == ([] if encrypted else sorted(set(MARKERS) - SEALED_IN_EVENTS))


def test_a_store_from_before_refills_its_views_encrypted_and_keeps_old_log_rows_readable(
    runtime: Runtime, settings: Settings
) -> None:
    """A store whose views were written in plain (before these columns were encrypted, so
    with no schema numbers recorded) is upgraded by itself: the views are rebuilt from the
    log, encrypted, by the migration a worker starts (here run in the test's thread), with
    no manual rebuild. The access log cannot be refilled: its plain
    rows from before stay as they are and readable."""
    old = "ZqOLDPLAINMARK"
    app = runtime.app
    deviation = app.file_deviation(
        actor="rapportor", unit="utredning", category="samverkan", subcategory=None,
        occurred_on=app.today(), description="Beskrivning.",
    )
    app.add_measure(deviation.id, actor="utvecklare", description="Ny rutin.",
                    responsible="anna", due_on=app.today() + timedelta(days=7))
    assert catch_up(runtime, timeout=60)
    with runtime.engine.begin() as connection:  # as the code before wrote them
        connection.execute(
            sa.text("UPDATE view_case_todo_measures SET description = :old, responsible = :old"),
            {"old": old},
        )
        connection.exec_driver_sql("DROP TABLE view_schemas")
        connection.execute(sa.text(
            "INSERT INTO access_log (at, username, kind, what, parameters, remote_addr, channel)"
            " VALUES (:at, 'anna', 'list', '/inkorg', :parameters, '127.0.0.1', 'page')"
        ), {"at": datetime.now(UTC), "parameters": '{"unit": "utredning"}'})
    runtime.close()

    from tracker.runtime import open_runtime

    reopened = open_runtime(settings)
    try:
        assert "case_todo" in migrate_pending(reopened)
        assert catch_up(reopened, timeout=60)
        [measure] = todo_view.open_measures(reopened.engine, responsible="anna")
        assert measure["description"] == "Ny rutin."
        entries, _ = access_log.search(reopened.engine)
        assert [e.parameters for e in entries] == [{"unit": "utredning"}]
    finally:
        reopened.close()
    stored = (_sqlite_bytes(settings).decode("latin-1") if settings.is_sqlite
              else _postgres_text(settings))
    assert old not in stored  # refilled from the log, plain tables dropped
    assert ("Ny rutin." in stored) is (settings.cipher_key is None)
