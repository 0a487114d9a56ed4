"""The provable timeline: each legal clock of a Lex Sarah case and of a child report with
the fact that started it, the deadline in force, the fact that met it and the provision in
force on the day the duty arose — at the boundaries (met on the deadline day, missed by one
day, extended before the deadline), across the change of numbering on 2025-07-01."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from events.child_report import ChildReport, PreliminaryDecision
from events.clocks import STOCKHOLM, ClockStatus
from events.lex_sarah import Grade, LexSarahCase
from events.taxonomy import Operation
from events.timeline import child_report_timeline, lex_sarah_timeline
from tracker.runtime import Runtime

NEW_LAW = date(2026, 3, 2)
OLD_LAW = date(2025, 6, 20)  # SoL (2001:453) still in force
FAR = date(2027, 6, 1)


def received(on: date, *, ongoing: bool = False) -> ChildReport:
    moment = datetime(on.year, on.month, on.day, 10, 0, tzinfo=STOCKHOLM)
    return ChildReport.receive(
        number="AN-2026-0001", unit="utredning", operation=Operation.IFO, received_at=moment,
        case_reference="IFO-1", ongoing_investigation=ongoing,
        now=moment + timedelta(hours=1), actor="forste",
    )


def by_clock(entries: list[Any]) -> dict[str, Any]:
    return {entry.clock: entry for entry in entries}


@pytest.mark.parametrize(("decided_after", "status"), [
    (14, ClockStatus.DECIDED),  # met on the deadline day
    (15, ClockStatus.DECIDED_LATE),  # missed by one day
])
def test_forhandsbedomning_met_on_the_day_or_missed_by_one(
    decided_after: int, status: ClockStatus
) -> None:
    r = received(NEW_LAW)
    r.decide(decision=PreliminaryDecision.NO_INVESTIGATION,
             decided_on=NEW_LAW + timedelta(days=decided_after), today=FAR, actor="forste")
    entry = by_clock(child_report_timeline(r, FAR))["forhandsbedomning"]
    assert (entry.started_on, entry.started_by) == (NEW_LAW, "Anmälan kom in")
    assert entry.deadline == NEW_LAW + timedelta(days=14)
    assert (entry.met_on, entry.met_by) == (
        NEW_LAW + timedelta(days=decided_after), "Beslut efter förhandsbedömning")
    assert entry.status is status
    assert entry.reference == "SoL (2025:400) 20 kap. 2 §"
    assert entry.reference_both == (
        "SoL (2025:400) 20 kap. 2 § (tidigare SoL (2001:453) 11 kap. 1 a §)")


def test_extended_before_the_deadline_and_met_within_the_new_one() -> None:
    r = received(NEW_LAW)
    deadline = NEW_LAW + timedelta(days=14)
    r.extend_deadline(reason="Synnerliga skäl: tolk saknades.", new_deadline=deadline
                      + timedelta(days=7), decided_by="nämnden", decided_on=deadline,
                      today=deadline, actor="forste")
    r.decide(decision=PreliminaryDecision.OPEN_INVESTIGATION,
             decided_on=deadline + timedelta(days=7), today=FAR, actor="forste")
    entries = by_clock(child_report_timeline(r, FAR))
    entry = entries["forhandsbedomning"]
    assert (entry.original_deadline, entry.deadline) == (deadline, deadline + timedelta(days=7))
    (extension,) = entry.extensions
    assert extension.decided_on == deadline <= extension.previous  # decided in time
    assert (extension.decided_by, extension.reason) == ("nämnden",
                                                        "Synnerliga skäl: tolk saknades.")
    assert entry.status is ClockStatus.DECIDED
    # The decision started the four months.
    investigation = entries["utredningstid"]
    assert (investigation.started_by, investigation.started_on) == (
        "Beslut att inleda utredning", deadline + timedelta(days=7))
    assert investigation.reference == "SoL (2025:400) 20 kap. 3 §"


def test_each_entry_cites_the_numbering_in_force_on_its_own_date() -> None:
    r = received(OLD_LAW)  # the report under the old law, the decision under the new
    r.decide(decision=PreliminaryDecision.OPEN_INVESTIGATION, decided_on=date(2025, 7, 5),
             today=FAR, actor="forste")
    entries = by_clock(child_report_timeline(r, FAR))
    assert entries["forhandsbedomning"].reference == "SoL (2001:453) 11 kap. 1 a §"
    assert entries["skyddsbedomning"].reference == "SoL (2001:453) 11 kap. 1 a §"
    assert entries["forhandsbedomning"].status is ClockStatus.DECIDED_LATE  # day 15
    assert entries["utredningstid"].reference == "SoL (2025:400) 20 kap. 3 §"


def case(opened_on: date) -> LexSarahCase:
    return LexSarahCase.open(
        number="LS-2026-0001", deviation_id=uuid4(), deviation_number="AV-2026-0001",
        deviation_reported_on=opened_on, unit="hvb-notgarden", operation=Operation.HVB,
        reason="Risk.", opened_on=opened_on, today=opened_on, actor="utvecklare",
    )


@pytest.mark.parametrize(("remedied_after", "sent_after", "remedy", "ivo"), [
    (0, 14, ClockStatus.DECIDED, ClockStatus.DECIDED),  # genast; on the target day
    (1, 15, ClockStatus.DECIDED_LATE, ClockStatus.DECIDED_LATE),  # each missed by one day
])
def test_lex_sarah_clocks_met_on_the_day_or_missed_by_one(
    remedied_after: int, sent_after: int, remedy: ClockStatus, ivo: ClockStatus
) -> None:
    c = case(NEW_LAW)
    c.record_protective_action(description="Knivarna låstes in.",
                               taken_on=NEW_LAW + timedelta(days=remedied_after), today=FAR,
                               actor="lexsarah")
    c.propose_grade(grade=Grade.ALLVARLIGT, reasoning="Allvarlig risk.", actor="lexsarah")
    c.report_to_ivo(sent_on=NEW_LAW + timedelta(days=sent_after), ivo_reference="IVO 1",
                    diary_number="SN 1", investigation=None, today=FAR,  # type: ignore[arg-type]
                    actor="lexsarah")
    entries = by_clock(lex_sarah_timeline(
        c, FAR, ivo_target_days=14, occurred_on=NEW_LAW - timedelta(days=1),
        reported_on=NEW_LAW - timedelta(days=1),
    ))
    reported = entries["lex_sarah_rapportera"]
    assert (reported.status, reported.reference) == (ClockStatus.DECIDED,
                                                     "SoL (2025:400) 27 kap. 2 §")
    avhjalpa = entries["lex_sarah_avhjalpande"]
    assert (avhjalpa.started_on, avhjalpa.deadline, avhjalpa.status) == (
        NEW_LAW, NEW_LAW, remedy)
    assert avhjalpa.met_on == NEW_LAW + timedelta(days=remedied_after)
    assert avhjalpa.reference == "SoL (2025:400) 27 kap. 5 §"
    anmala = entries["lex_sarah_ivo"]
    assert (anmala.deadline, anmala.met_on, anmala.status) == (
        NEW_LAW + timedelta(days=14), NEW_LAW + timedelta(days=sent_after), ivo)
    assert (anmala.met_by, anmala.reference) == ("Anmälan till IVO skickades",
                                                 "SoL (2025:400) 27 kap. 6 §")


def test_a_lex_sarah_case_under_the_old_law_cites_it() -> None:
    c = case(OLD_LAW)
    c.propose_grade(grade=Grade.MISSFORHALLANDE, reasoning="Inte allvarligt.", actor="ls")
    entries = by_clock(lex_sarah_timeline(c, FAR, ivo_target_days=14, occurred_on=OLD_LAW,
                                          reported_on=OLD_LAW + timedelta(days=1)))
    assert entries["lex_sarah_rapportera"].reference == "SoL (2001:453) 14 kap. 3 §"
    assert entries["lex_sarah_rapportera"].status is ClockStatus.DECIDED_LATE
    assert entries["lex_sarah_avhjalpande"].reference == "SoL (2001:453) 14 kap. 6 §"
    ivo = entries["lex_sarah_ivo"]
    assert (ivo.status, ivo.reference) == (None, "SoL (2001:453) 14 kap. 7 §")
    assert ivo.note is not None
    assert "inte är allvarligt" in ivo.note


def test_the_timeline_page_pdf_and_api(
    runtime: Runtime, client_for: Callable[[str], Any], api: Callable[..., Any],
    lex_sarah_case: Callable[..., UUID], child_report: Callable[..., UUID], users: Any,
) -> None:
    case_id = lex_sarah_case()
    body = api("lexsarah", "GET", f"/api/v1/lex-sarah/{case_id}/timeline").get_json()
    assert [e["clock"] for e in body["entries"]] == [
        "lex_sarah_rapportera", "lex_sarah_avhjalpande", "lex_sarah_ivo"]
    assert body["entries"][1]["status"] == "overdue"  # opened yesterday, nothing remedied
    page = client_for("lexsarah").get(f"/lex-sarah/{case_id}/tidslinje")
    assert page.status_code == 200
    assert "Lex Sarah: avhjälpa genast" in page.get_data(as_text=True)
    pdf = client_for("lexsarah").get(f"/lex-sarah/{case_id}/tidslinje.pdf")
    assert (pdf.status_code, pdf.mimetype) == (200, "application/pdf")
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf.data, capture_output=True,
                          check=True).stdout.decode()
    assert "Lex Sarah: avhjälpa genast" in text and "27 kap. 5 §" in text

    report_id = child_report("utredning", days_ago=3)
    body = api("forste", "GET", f"/api/v1/child-reports/{report_id}/timeline").get_json()
    assert [e["clock"] for e in body["entries"]] == ["skyddsbedomning", "forhandsbedomning"]
    assert body["entries"][1]["reference"] == "SoL (2025:400) 20 kap. 2 §"
    assert client_for("forste").get(f"/anmalningar/{report_id}/tidslinje").status_code == 200
