"""Event streams written before the law changes (one Lex Sarah key, findings without the
author's title, extensions without a decider, IVO reports without "bifogad/kompletteras",
closings without a not-informed reason) load through the upcasts and show the same pages.
The fixture holds the stored rows exactly as that code wrote them (capture_old_events.py)."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, date, datetime
from html import unescape
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import time_machine
from eventsourcing.persistence import StoredEvent

from events.errors import DeadlinePassed
from projections import queries
from projections.runner import catch_up
from tracker.people.accounts import Role
from tracker.runtime import Runtime
from web import create_app

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "old_events.json").read_text())
IDS = {name: UUID(value) for name, value in FIXTURE["ids"].items()}
READ_ON = datetime(2026, 8, 12, 9, 0, tzinfo=UTC)


def visible_text(html: str) -> list[str]:
    """The same reading of a page as the capture script's."""
    main = html.split("<main", 1)[-1]
    cells = re.findall(r"<(dd|li|td)[^>]*>(.*?)</\1>", main, flags=re.S)
    # a date's <time> and a case number's <span> are part of the text; other tags separate
    texts = [" ".join(unescape(re.sub(r"<[^>]+>", " ", re.sub(
        r"</?(?:span|time)\b[^>]*>", "", body))).split()) for _, body in cells]
    return [t for t in texts if t]


@pytest.fixture
def old_store(runtime: Runtime) -> Runtime:
    rows = [
        StoredEvent(
            originator_id=UUID(row["originator_id"]),
            originator_version=row["originator_version"],
            topic=row["topic"],
            state=json.dumps(row["state"], separators=(",", ":")).encode("utf-8"),
        )
        for row in FIXTURE["stored_events"]
    ]
    runtime.app.recorder.insert_events(rows)
    assert catch_up(runtime, timeout=60)
    return runtime


def test_every_old_event_is_stored_as_version_1() -> None:
    versions = Counter(row["state"].get("class_version", 1) for row in FIXTURE["stored_events"])
    assert versions == Counter({1: len(FIXTURE["stored_events"])})
    topics = {row["topic"].rsplit(".", 1)[-1] for row in FIXTURE["stored_events"]}
    assert {"DeadlineExtended", "InvestigationExtended", "FindingDocumented", "ReportedToIVO",
            "Closed"} <= topics


def test_old_streams_load_with_the_new_facts_unknown(old_store: Runtime) -> None:
    app = old_store.app
    report = app.get_child_report(IDS["child_report"])
    assert (report.extension_reason, report.extension_decided_by) == (
        "Vårdnadshavaren sjuk.", None
    )
    assert report.deadline == date(2026, 3, 23)
    assert report.investigation_extension_decided_by is None
    assert report.investigation_original_deadline == date(2026, 7, 20)
    serious = app.get_lex_sarah_case(IDS["lex_sarah_serious"])
    assert [f.author_title for f in serious.findings] == [None, None]
    assert serious.ivo_reference == "IVO 3.5.1-1234/2026"
    assert serious.ivo_investigation is None and not serious.ivo_completion_pending
    assert serious.closing_summary == "Rutinen skärpt, IVO anmält."
    minor = app.get_lex_sarah_case(IDS["lex_sarah_minor"])
    # Closed under the old rule without anyone informed: history is not re-judged.
    assert minor.closed_on == date(2026, 3, 4) and minor.informed == {}
    assert minor.not_informed_reason is None
    # The history lists the old events with the upcast fields.
    history = app.history(IDS["child_report"])
    extended = next(e for e in history if e.type == "DeadlineExtended")
    assert extended.data["decided_by"] is None and extended.data["new_deadline"] == "2026-03-23"


def test_new_rules_apply_to_old_cases_from_now_on(old_store: Runtime) -> None:
    app = old_store.app
    with time_machine.travel(READ_ON, tick=False), pytest.raises(DeadlinePassed):
        app.extend_preliminary_deadline(
            IDS["child_report_breached"], actor="forste", reason="Synnerliga skäl",
            new_deadline=date(2026, 9, 1), decided_by="nämnden",
        )


def test_old_streams_show_the_same_pages(old_store: Runtime) -> None:
    old_store.accounts.add("utvecklare", Role.VERKSAMHETSUTVECKLARE, "fixture-password-1")
    web = create_app(runtime=old_store)
    web.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    client = web.test_client()
    with time_machine.travel(READ_ON, tick=False):
        client.post("/login", data={"username": "utvecklare", "password": "fixture-password-1"})
        for name, page in FIXTURE["pages"].items():
            response = client.get(page["path"])
            assert response.status_code == 200, name
            # Each fact still shown, wherever the page's layout now puts it.
            shown = " | ".join(visible_text(response.get_data(as_text=True)))
            missing = [fact for fact in page["facts"] if fact not in shown]
            assert not missing, (name, missing)
        lex_sarah = client.get(FIXTURE["pages"]["lex_sarah_serious"]["path"]).get_data(
            as_text=True
        )
    assert "Allvarligt missförhållande" in lex_sarah
    assert "Uppgift saknas" in lex_sarah  # the author's title was not asked for then


def test_the_views_rebuilt_from_old_events_list_the_cases(old_store: Runtime) -> None:
    rows: list[dict[str, Any]] = queries.escalations(old_store.engine, date(2026, 8, 12))
    assert {row["number"] for row in rows} == {"LS-2026-0001", "LS-2026-0002"}
    reports = queries.child_reports(old_store.engine, date(2026, 8, 12))
    assert {r["number"]: r["status"] for r in reports} == {
        "AN-2026-0001": "decided", "AN-2026-0002": "overdue"
    }
