"""Gallring by crypto-shredding: a case's text written through every field (the report, the
analysis, a measure, the feedback, the closing, the conversation, an attachment's name and
bytes, a complaint's text and contact address) can no longer be found anywhere after its
erasure: not in the database's files as bytes (SQLite's main file and WAL), not in any
table's values, not even in the events opened with the store's own keys. What the
statistics are made of stays: the annual table and the committee's finalised report are
the same, byte for byte, before and after. A neighbouring case keeps its text."""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from eventsourcing.persistence import Mapper
from openpyxl import load_workbook

from events.complaint import Channel, ComplaintKind, ContactWish, SenderCategory
from events.retention import ContentKind
from projections.runner import catch_up
from tracker.casework.attachments import Attachments
from tracker.people.complaint_contacts import save_email
from tracker.retention.erasure import compact_storage, erase_case
from tracker.runtime import Runtime

sys.path.insert(0, str(Path(__file__).parents[1] / "attachments"))
from files import pdf  # tests/attachments/files.py: a small real PDF

ERASED = ["BORTMARKOR" + part for part in (
    "BESKRIVNING", "ATGARDERNU", "ANALYS", "ATGARD", "MALET", "ATERKOPPLING", "AVSLUT",
    "FRAGA", "SVAR", "FILNAMN", "FILINNEHALL", "KLAGOMAL", "KONTAKT",
)]
KEPT = "KVARMARKORGRANNE"
PAGE = "/rapporter/namnd/2018/1"


def _file_case(rt: Runtime) -> tuple[UUID, UUID]:
    app = rt.app
    marks = dict(zip(["description", "immediate", "analysis", "measure", "goal", "feedback",
                      "summary", "question", "answer", "file", "content", "complaint",
                      "contact"], ERASED, strict=True))
    deviation = app.file_deviation(
        actor="rapportor", unit="hvb-notgarden", category="genomforande", subcategory=None,
        occurred_on=app.today(), description=f"Det hände: {marks['description']}.",
        immediate_actions=f"Vi gjorde {marks['immediate']}.",
    )
    case = deviation.id
    app.analyse_cause(case, actor="chef", analysis=f"Orsaken: {marks['analysis']}.",
                      causes=["mansklig_faktor"])
    app.add_measure(case, actor="chef", description=f"Ny rutin {marks['measure']}.",
                    responsible="chef", due_on=app.today(), goal=f"Målet {marks['goal']}.")
    app.ask_reporter("deviation", case, text=f"Fråga {marks['question']}?", actor="chef")
    app.answer_question("deviation", case, text=f"Svar {marks['answer']}.",
                        actor="rapportor")
    Attachments(rt.engine, app, limit=10 << 20).add(
        "deviation", case, data=pdf(marks["content"]), file_name=f"{marks['file']}.pdf",
        actor="chef")
    app.give_feedback(case, actor="chef", message=f"Tack {marks['feedback']}.")
    app.complete_measure(case, actor="chef", measure=1, completed_on=app.today())
    app.close_deviation(case, actor="chef", summary=f"Avslutad {marks['summary']}.")
    complaint, _code = app.receive_complaint(
        actor="allmanheten", kind=ComplaintKind.COMPLAINT, unit="hvb-notgarden",
        sender=SenderCategory.RELATIVE, channel=Channel.E_SERVICE,
        text=f"Jag klagar: {marks['complaint']}.", contact_wish=ContactWish.EMAIL,
    )
    save_email(rt.engine, complaint.id, f"{marks['contact'].lower()}@example.org")
    return case, complaint.id


def _found(rt: Runtime, words: list[str]) -> set[str]:
    """The words found in the store: as bytes in its files (SQLite), in every table's
    values as the database returns them, and in every event opened with the store's
    own cipher (but no case key)."""
    haystack: list[bytes] = []
    if rt.settings.is_sqlite:
        path = rt.settings.sqlite_path
        for name in (path, Path(f"{path}-wal")):
            if name.exists():
                haystack.append(name.read_bytes())
    with rt.engine.connect() as connection:
        for table in sa.inspect(connection).get_table_names():
            for row in connection.execute(sa.text(f'SELECT * FROM "{table}"')):  # noqa: S608
                haystack.append(repr(tuple(row)).encode())
    app = rt.app
    plain = Mapper(transcoder=app.mapper.transcoder, cipher=app.mapper.cipher,
                   compressor=app.mapper.compressor)
    for notification in app.recorder.select_notifications(start=1, limit=1_000_000):
        state = plain.to_domain_event(notification).__dict__
        haystack.append(repr(state).encode())
    everything = b"\n".join(haystack)
    return {word for word in words if word.encode() in everything
            or word.lower().encode() in everything}


def test_an_erased_case_leaves_no_trace_and_the_statistics_stay(
    runtime: Runtime, client_for: Callable[[str], Any], time_machine: Any,
) -> None:
    time_machine.move_to("2018-01-20 10:00 +01:00", tick=True)
    rt, app = runtime, runtime.app
    case, complaint = _file_case(rt)
    neighbour = app.file_deviation(
        actor="rapportor", unit="hvb-notgarden", category="genomforande", subcategory=None,
        occurred_on=app.today(), description=f"Granne: {KEPT}.")
    time_machine.move_to("2018-02-06 10:00 +01:00", tick=True)
    assert catch_up(rt, timeout=30)
    # before: the texts are there, and this search finds them where they are
    assert app.get_deviation(case).description == f"Det hände: {ERASED[0]}."
    assert _found(rt, [KEPT]) == set(), "sealed: not readable without the case key"
    # ... while a view's copy of a measure (plain without TRACKER_CIPHER_KEY) is found
    assert ERASED[3] in _found(rt, ERASED)

    client = client_for("utvecklare")
    assert client.post(f"{PAGE}/utkast").status_code == 302
    version = _version(client.get(PAGE).get_data(as_text=True))
    assert client.post(f"{PAGE}/granskning", data={
        "masked": "Inget behövde maskeras.", "confirmed": "true", "version": version,
    }).status_code == 302
    version = _version(client.get(PAGE).get_data(as_text=True))
    assert client.post(f"{PAGE}/faststall", data={
        "diary_number": "SUN 2018/17", "version": version}).status_code == 302
    documents = {url: client.get(url).get_data()
                 for url in (f"{PAGE}.pdf", "/rapporter/ar.csv?year=2018")}
    workbooks = {url: _cells(client.get(url).get_data())
                 for url in (f"{PAGE}.xlsx", "/rapporter/ar.xlsx?year=2018")}

    kinds = {ContentKind.DEVIATION, ContentKind.ATTACHMENT, ContentKind.CONVERSATION}
    assert erase_case(app, case, kinds, rule="R1 v1", actor="scheduler")
    assert erase_case(app, complaint, {ContentKind.COMPLAINT}, rule="R2 v1",
                      actor="scheduler")
    assert not erase_case(app, case, kinds, rule="R1 v1", actor="scheduler")  # done once
    assert catch_up(rt, timeout=30)
    compact_storage(rt.engine)

    assert _found(rt, ERASED) == set()
    assert app.get_deviation(case).description == ""
    assert app.get_deviation(neighbour.id).description == f"Granne: {KEPT}."
    assert app.get_complaint(complaint).text == ""
    after = {url: client.get(url).get_data() for url in documents}
    for url, body in documents.items():
        assert len(body) > 200, url
        assert after[url] == body, url
    for url, cells in workbooks.items():  # a workbook's bytes carry the time it was made
        assert _cells(client.get(url).get_data()) == cells, url
    assert app.get_deviation(case).status.value == "closed"  # the handling stays


def _cells(body: bytes) -> dict[str, list[list[Any]]]:
    workbook = load_workbook(io.BytesIO(body))
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)]
            for sheet in workbook.worksheets}


def _version(html: str) -> str:
    match = re.search(r'name="version" value="(\d+)"', html)
    assert match
    return match.group(1)

