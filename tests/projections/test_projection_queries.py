"""The query functions: their shapes (the web and the API depend on them) and their numbers
for small, hand-checked histories."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import time_machine
from lex_sarah_support import cover_remaining_kinds_in
from projection_oracles import TODAY

from events.child_report import PreliminaryDecision
from events.clocks import Clock, ClockStatus
from events.lex_sarah import FindingKind, FindingNature, Grade, IvoInvestigation
from projections import queries
from projections.runner import catch_up
from tracker.application import TrackerApplication
from tracker.runtime import Runtime


def file(
    app: TrackerApplication,
    reported_on: date,
    unit: str = "utredning",
    category: str = "handlaggning",
    subcategory: str | None = "sekretess",
    occurred_on: date | None = None,
    actor: str = "rapportor",
) -> UUID:
    return app.file_deviation(
        actor=actor, unit=unit, category=category, subcategory=subcategory,
        occurred_on=occurred_on or reported_on, reported_on=reported_on,
        description="Något gick fel.",
    ).id


def escalate(app: TrackerApplication, deviation_id: UUID, opened_on: date) -> UUID:
    return app.escalate_to_lex_sarah(
        deviation_id, actor="utvecklare", reason="Allvarligt.", opened_on=opened_on
    ).id


def fresh(rt: Runtime) -> None:
    assert catch_up(rt, timeout=30)


# --- monthly ------------------------------------------------------------------------------


def test_monthly_report_counts_the_reported_month_per_operation_and_subcategory(
    fixed_runtime: Runtime,
) -> None:
    app = fixed_runtime.app
    may, april = date(2026, 5, 4), date(2026, 4, 28)
    file(app, may)
    moved = file(app, may)
    file(app, may, subcategory="registrering", occurred_on=april)  # happened in April
    file(app, may, unit="hvb-notgarden", category="genomforande", subcategory=None)
    withdrawn = file(app, may, unit="stodboendet", category="personal", subcategory=None)
    file(app, april)
    app.reclassify_deviation(moved, actor="utv", category="samverkan", subcategory=None)
    app.withdraw_deviation(withdrawn, actor="utv", reason="Registrerad av misstag.")
    fresh(fixed_runtime)

    assert queries.monthly_report(
        fixed_runtime.engine, 2026, 5, organisation=fixed_runtime.organisation
    ) == {
        "year": 2026,
        "month": 5,
        "total": 4,
        "by_operation": {"IFO": 3, "HVB": 1},
        "rows": [  # operation, then the taxonomy's order
            {"operation": "IFO", "category": "handlaggning", "subcategory": "registrering",
             "count": 1},
            {"operation": "IFO", "category": "handlaggning", "subcategory": "sekretess",
             "count": 1},
            {"operation": "IFO", "category": "samverkan", "subcategory": None, "count": 1},
            {"operation": "HVB", "category": "genomforande", "subcategory": None, "count": 1},
        ],
    }
    assert queries.monthly_report(
        fixed_runtime.engine, 2026, 4, organisation=fixed_runtime.organisation
    )["total"] == 1
    assert queries.monthly_report(
        fixed_runtime.engine, 2026, 3, organisation=fixed_runtime.organisation
    ) == {
        "year": 2026, "month": 3, "total": 0, "by_operation": {"IFO": 0, "HVB": 0}, "rows": [],
    }
    series = queries.monthly_series(fixed_runtime.engine, [2025, 2026])
    assert series == {2025: [0] * 12, 2026: [0, 0, 0, 1, 4, 0, 0, 0, 0, 0, 0, 0]}


# --- annual -------------------------------------------------------------------------------


def test_annual_table_rows_sums_and_lex_sarah_in_the_year_it_was_opened(
    fixed_runtime: Runtime,
) -> None:
    app = fixed_runtime.app
    december = file(app, date(2025, 12, 10), subcategory="sekretess")
    file(app, date(2025, 6, 1), unit="hvb-notgarden", subcategory="sekretess")
    file(app, date(2026, 2, 1), subcategory="ekonomi")
    file(app, date(2026, 2, 2), unit="stodboendet", subcategory="ekonomi")
    file(app, date(2026, 3, 3), unit="hvb-notgarden", category="genomforande", subcategory=None)
    escalate(app, december, date(2026, 1, 8))  # reported in 2025, investigated in 2026
    fresh(fixed_runtime)

    def table(year: int) -> dict[tuple[str, str | None], tuple[int, int, int, int]]:
        report = queries.annual_report(
            fixed_runtime.engine, year, organisation=fixed_runtime.organisation
        )
        assert report["year"] == year
        rows = {
            (r["category"], r["subcategory"]): (r["ifo"], r["hvb"], r["total"], r["lex_sarah"])
            for r in report["rows"]
        }
        # Every category row is the sum of its "varav" rows; TOTAL sums the categories.
        for (category, sub), values in rows.items():
            parts = [v for (c, s), v in rows.items() if c == category and s is not None]
            if sub is None and parts:
                assert values == tuple(map(sum, zip(*parts, strict=True)))
        category_rows = [v for (_, s), v in rows.items() if s is None]
        total = tuple(map(sum, zip(*category_rows, strict=True)))
        assert report["total"] == dict(zip(("ifo", "hvb", "total", "lex_sarah"), total,
                                           strict=True))
        return rows

    y2025, y2026 = table(2025), table(2026)
    annual = queries.annual_report(
        fixed_runtime.engine, 2026, organisation=fixed_runtime.organisation
    )
    assert [r["category"] for r in annual["rows"]][:8] == ["handlaggning"] * 7 + ["genomforande"]
    assert y2025[("handlaggning", "sekretess")] == (1, 1, 2, 0)
    assert y2025[("handlaggning", None)] == (1, 1, 2, 0)
    assert y2026[("handlaggning", "sekretess")] == (0, 0, 0, 1)  # the case, not the deviation
    assert y2026[("handlaggning", "ekonomi")] == (1, 1, 2, 0)
    assert y2026[("handlaggning", None)] == (1, 1, 2, 1)
    assert y2026[("genomforande", None)] == (0, 1, 1, 0)
    assert y2026[("personal", None)] == (0, 0, 0, 0)

    # Reclassifying the originating deviation moves its count and its Lex Sarah count.
    app.reclassify_deviation(december, actor="utv", category="personal", subcategory=None)
    fresh(fixed_runtime)
    y2025, y2026 = table(2025), table(2026)
    assert y2025[("handlaggning", "sekretess")] == (0, 1, 1, 0)
    assert y2025[("personal", None)] == (1, 0, 1, 0)
    assert y2026[("handlaggning", "sekretess")] == (0, 0, 0, 0)
    assert y2026[("personal", None)] == (0, 0, 0, 1)

    assert queries.yearly_totals(fixed_runtime.engine) == {
        "years": [{"year": 2025, "total": 2}, {"year": 2026, "total": 3}]
    }


# --- deviation list -----------------------------------------------------------------------


def test_list_deviations_filters_orders_and_pages(fixed_runtime: Runtime) -> None:
    app = fixed_runtime.app
    first = file(app, date(2026, 5, 2), actor="anna")
    second = file(app, date(2026, 5, 2), unit="hvb-notgarden", category="genomforande",
                  subcategory=None)
    third = file(app, date(2026, 4, 30), unit="stodboendet", category="personal",
                 subcategory=None)
    old = file(app, date(2025, 5, 2), actor="anna")
    app.analyse_cause(second, actor="chef", analysis="Rutin saknades.", causes=["rutin_saknas"])
    app.record_no_measures_needed(second, actor="chef", reason="Rättat direkt.")
    app.give_feedback(second, actor="chef", message="Tack.")
    app.close_deviation(second, actor="chef", summary="Klart.")
    app.withdraw_deviation(third, actor="utv", reason="Fel.")
    case = escalate(app, first, date(2026, 5, 3))
    fresh(fixed_runtime)
    engine = fixed_runtime.engine

    def ids(**filters: object) -> list[UUID]:
        return [item["id"] for item in queries.list_deviations(engine, **filters).items]

    assert ids() == [second, first, third, old]  # reported_on desc, then number desc
    assert ids(year=2026) == [second, first, third]
    assert ids(year=2026, month=4) == [third]
    assert ids(operation="HVB") == [second, third]
    assert ids(unit="utredning") == [first, old]
    assert ids(units={"hvb-notgarden", "stodboendet"}) == [second, third]
    assert ids(units=set()) == []
    assert ids(category="handlaggning") == [first, old]
    assert ids(status="closed") == [second]
    assert ids(status="withdrawn") == [third]
    assert ids(status="open") == [first, old]
    assert ids(reporter="anna") == [first, old]
    page = queries.list_deviations(engine, page=2, per_page=3)
    assert (page.total, page.page, page.per_page, [i["id"] for i in page.items]) == (
        4, 2, 3, [old],
    )
    item = queries.list_deviations(engine, status="open", unit="utredning", year=2026).items[0]
    assert item == {
        "id": first,
        "number": "AV-2026-0001",
        "reported_on": date(2026, 5, 2),
        "occurred_on": date(2026, 5, 2),
        "unit": "utredning",
        "operation": "IFO",
        "category": "handlaggning",
        "subcategory": "sekretess",
        "status": "open",
        "source": "staff",
        "reporter": "anna",
        "assignee": None,
        "lex_sarah_case_id": case,
        "risk_score": None,
    }


# --- escalations --------------------------------------------------------------------------


def test_escalations_show_grade_ivo_and_days_open(runtime: Runtime) -> None:
    app = runtime.app
    with time_machine.travel(datetime(2026, 3, 2, 9, tzinfo=UTC), tick=False):
        deviation = file(app, date(2026, 3, 1))
        case = escalate(app, deviation, date(2026, 3, 2))
        app.propose_grade(case, actor="ls", grade=Grade.ALLVARLIGT, reasoning="Skäl.")
    fresh(runtime)
    [row] = queries.escalations(runtime.engine, date(2026, 3, 12))
    assert row == {
        "id": case,
        "number": "LS-2026-0001",
        "deviation_id": deviation,
        "deviation_number": "AV-2026-0001",
        "unit": "utredning",
        "operation": "IFO",
        "opened_on": date(2026, 3, 2),
        "proposed_grade": "allvarligt",
        "grade": None,
        "decided_on": None,
        "status": "open",
        "ivo_sent_on": None,
        "ivo_reference": None,
        "days_open": 10,
        "closed_on": None,
    }
    with time_machine.travel(datetime(2026, 3, 20, 9, tzinfo=UTC), tick=False):
        app.document_finding(
            case, actor="ls", kind=FindingKind.ORSAK, text="Rutinen följdes inte.",
            dated_on=date(2026, 3, 10), source="intervju", nature=FindingNature.ASSESSMENT,
            author="utredare", author_title="Socialsekreterare",
        )
        cover_remaining_kinds_in(app, case)
        app.decide_lex_sarah(case, actor="ls", grade=Grade.ALLVARLIGT, reasoning="Skäl.")
        app.report_to_ivo(case, actor="ls", sent_on=date(2026, 3, 20), ivo_reference="IVO 1",
                          diary_number="SN 1", investigation=IvoInvestigation.ATTACHED)
        app.close_lex_sarah(case, actor="ls", summary="Klart.",
                            not_informed_reason="Den enskilde avböjde information.")
    fresh(runtime)
    [row] = queries.escalations(runtime.engine, date(2026, 12, 31))
    assert (row["status"], row["grade"], row["decided_on"], row["ivo_sent_on"],
            row["ivo_reference"], row["closed_on"], row["days_open"]) == (
        "closed", "allvarligt", date(2026, 3, 20), date(2026, 3, 20), "IVO 1",
        date(2026, 3, 20), 18,  # stops counting when closed
    )


# --- deadlines ----------------------------------------------------------------------------

RECEIVED = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)  # 11:00 in Stockholm: before the cut-off


def receive(app: TrackerApplication, **changes: object) -> UUID:
    fields: dict[str, object] = {
        "actor": "forste", "unit": "utredning", "received_at": RECEIVED,
        "case_reference": "DNR 2026/12",
    }
    return app.receive_child_report(**(fields | changes)).id  # type: ignore[arg-type]


def test_child_report_clocks_change_with_today(fixed_runtime: Runtime) -> None:
    app = fixed_runtime.app
    report = receive(app)
    app.assign_handler(report, actor="forste", handler="handlaggare1")
    fresh(fixed_runtime)
    engine = fixed_runtime.engine

    def row(today: date) -> dict[str, object]:
        [found] = queries.child_reports(engine, today)
        return found

    assert row(date(2026, 5, 10)) == {
        "id": report,
        "number": "AN-2026-0001",
        "unit": "utredning",
        "operation": "IFO",
        "case_reference": "DNR 2026/12",
        "received_at": RECEIVED,
        "handler": "handlaggare1",
        "deadline": date(2026, 5, 15),  # received on day 0, due on day 14
        "days_left": 5,
        "status": "open",
        "decided_on": None,
        "decision": None,
        "protection_due": date(2026, 5, 1),
        "protection_assessed": None,
        "protection_status": "overdue",
        "investigation_opened_on": None,
        "investigation_deadline": None,
        "investigation_status": None,
        "breach_deviation_id": None,
        "investigation_breach_deviation_id": None,
    }
    assert (row(date(2026, 5, 15))["status"], row(date(2026, 5, 15))["days_left"]) == (
        "due_today", 0,
    )
    assert (row(date(2026, 5, 16))["status"], row(date(2026, 5, 16))["days_left"]) == (
        "overdue", -1,
    )
    assert queries.overdue_candidates(engine, date(2026, 5, 15)) == []
    assert queries.overdue_candidates(engine, date(2026, 5, 16)) == [
        (report, Clock.FORHANDSBEDOMNING)
    ]

    # Flagged: no longer a candidate, and the breach deviation is linked.
    deviation = app.flag_preliminary_breach(report, today=date(2026, 5, 16))
    app.assess_protection(
        report, actor="forste", assessed_at=RECEIVED + timedelta(hours=2),
        immediate_protection_needed=False,
    )
    app.decide_preliminary_assessment(
        report, actor="forste", decision=PreliminaryDecision.OPEN_INVESTIGATION,
        decided_on=date(2026, 5, 18),
    )
    fresh(fixed_runtime)
    later = row(date(2026, 5, 20))
    assert (later["status"], later["days_left"], later["breach_deviation_id"]) == (
        "decided_late", None, deviation,
    )
    assert later["protection_status"] == "decided"
    assert (later["investigation_deadline"], later["investigation_status"]) == (
        date(2026, 9, 18), "open",
    )  # the decision opened the investigation: four months from 18 May
    assert later["investigation_opened_on"] == date(2026, 5, 18)
    assert queries.overdue_candidates(engine, date(2026, 9, 18)) == []
    assert queries.overdue_candidates(engine, date(2026, 9, 19)) == [(report, Clock.UTREDNINGSTID)]
    assert row(date(2026, 9, 19))["investigation_status"] == "overdue"


def test_exempt_extended_and_status_filter(fixed_runtime: Runtime) -> None:
    app = fixed_runtime.app
    exempt = receive(app, ongoing_investigation=True)
    # Received 10 May: due 24 May, so still extendable on the fixed day (20 May).
    extended = receive(app, unit="oppenvard", received_at=datetime(2026, 5, 10, 9, 0, tzinfo=UTC))
    decided = receive(app)
    app.extend_preliminary_deadline(
        extended, actor="forste", reason="Synnerliga skäl: tolk saknas.",
        new_deadline=date(2026, 5, 29), decided_by="nämnden",
    )
    app.decide_preliminary_assessment(
        decided, actor="forste", decision=PreliminaryDecision.NO_INVESTIGATION,
        decided_on=date(2026, 5, 14),
    )
    fresh(fixed_runtime)
    engine = fixed_runtime.engine
    today = date(2026, 5, 20)
    statuses = {r["id"]: r["status"] for r in queries.child_reports(engine, today)}
    assert statuses == {exempt: "exempt", extended: "extended", decided: "decided"}
    assert [r["id"] for r in queries.child_reports(engine, today, status="open")] == [extended]
    assert [r["id"] for r in queries.child_reports(engine, today, status="decided")] == [decided]
    assert [r["id"] for r in queries.child_reports(engine, today, units={"oppenvard"})] == [
        extended
    ]
    assert queries.overdue_candidates(engine, date(2026, 12, 1)) == [
        (extended, Clock.FORHANDSBEDOMNING)
    ]


def test_deadline_board_lists_every_open_clock_by_days_left(fixed_runtime: Runtime) -> None:
    app = fixed_runtime.app
    report = receive(app, received_at=datetime(2026, 5, 19, 15, 0, tzinfo=UTC))  # 17:00 local
    exempt = receive(app, ongoing_investigation=True)
    app.assign_handler(report, actor="forste", handler="handlaggare2")
    app.assess_protection(
        exempt, actor="forste", assessed_at=datetime(2026, 5, 1, 10, 0, tzinfo=UTC),
        immediate_protection_needed=True,
    )
    fresh(fixed_runtime)
    engine = fixed_runtime.engine
    board = queries.deadline_board(engine, date(2026, 5, 20), warning_days=3)
    assert board == [
        {"report_id": report, "number": "AN-2026-0001", "unit": "utredning",
         "handler": "handlaggare2", "clock": "skyddsbedomning", "label": "Skyddsbedömning",
         "due": date(2026, 5, 20), "status": ClockStatus.DUE_TODAY, "days_left": 0,
         "days_text": "sista dag i dag", "band": "due_today"},  # after the cut-off
        {"report_id": report, "number": "AN-2026-0001", "unit": "utredning",
         "handler": "handlaggare2", "clock": "forhandsbedomning",
         "label": "Förhandsbedömning", "due": date(2026, 6, 2), "status": ClockStatus.OPEN,
         "days_left": 13, "days_text": "13 dagar kvar", "band": "later"},
    ]
    bands = [r["band"] for r in queries.deadline_board(engine, date(2026, 5, 30))]
    assert bands == ["overdue", "soon"]
    assert queries.deadline_board(engine, date(2026, 5, 20), handler="nobody") == []
    assert queries.deadline_board(engine, date(2026, 5, 20), units=set()) == []
    assert [r["clock"] for r in queries.upcoming_deadlines(engine, date(2026, 5, 20), 3)] == [
        "skyddsbedomning"
    ]
    assert len(queries.upcoming_deadlines(engine, date(2026, 5, 30), 3)) == 2


# --- recurrence ---------------------------------------------------------------------------


def test_recurrence_in_the_rolling_three_months_with_threshold(fixed_runtime: Runtime) -> None:
    app = fixed_runtime.app
    for reported in (date(2026, 2, 21), date(2026, 4, 1), date(2026, 5, 20)):
        file(app, reported, unit="hvb-notgarden", category="genomforande", subcategory=None)
    file(app, date(2026, 2, 20), unit="hvb-notgarden", category="genomforande",
         subcategory=None)  # exactly three months back: outside the window
    withdrawn = file(app, date(2026, 5, 1))
    moved = file(app, date(2026, 5, 2))
    file(app, date(2026, 5, 3))
    app.withdraw_deviation(withdrawn, actor="utv", reason="Fel.")
    app.reclassify_deviation(moved, actor="utv", category="handlaggning",
                             subcategory="registrering")
    fresh(fixed_runtime)

    rows = queries.recurrence(fixed_runtime.engine, TODAY, threshold=3)
    window = {"window_start": date(2026, 2, 21), "window_end": TODAY}
    assert rows == [
        {"unit": "hvb-notgarden", "operation": "HVB", "category": "genomforande",
         "subcategory": None, "count": 3, **window, "suggest_lex_sarah": True},
        {"unit": "utredning", "operation": "IFO", "category": "handlaggning",
         "subcategory": "registrering", "count": 1, **window, "suggest_lex_sarah": False},
        {"unit": "utredning", "operation": "IFO", "category": "handlaggning",
         "subcategory": "sekretess", "count": 1, **window, "suggest_lex_sarah": False},
    ]
    assert [r["suggest_lex_sarah"] for r in queries.recurrence(
        fixed_runtime.engine, TODAY, threshold=4)] == [False, False, False]
