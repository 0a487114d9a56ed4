"""Property: whatever commands users give, in whatever order, and wherever the runner
happens to stop between batches, the views kept incrementally equal the views rebuilt from
scratch, and both say what the aggregates say."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lex_sarah_support import cover_remaining_kinds_in
from projection_oracles import (
    CLASSIFICATIONS,
    TODAY,
    UNITS,
    cases,
    counted,
    deviations,
    expected_annual,
    expected_monthly,
    expected_recurrence,
    received_at,
    reports,
    snapshot,
)

from events.child_report import PreliminaryDecision
from events.clocks import Clock
from events.deviation import DeviationStatus
from events.errors import DomainError
from events.lex_sarah import FindingKind, FindingNature, Grade, IvoInvestigation
from projections import queries
from projections.rebuild import rebuild
from projections.runner import BatchRunner, catch_up
from tracker.runtime import Runtime

# A history is a set of stories, one per case: a deviation is filed and then reclassified,
# escalated, decided, closed, withdrawn... in any order (the domain refuses what is out of
# order, and a refused command stores nothing); a child report is received, decided or
# flagged as breached. The stories run interleaved, step by step, and after any step the
# runner may process one small batch (the third number: batch size, 0 = not now), so the
# views are caught mid-stream at random places.
# Reclassify and escalate twice: the two that move counts between rows, made likelier.
DEVIATION_ACTIONS = [
    "reclassify", "reclassify", "escalate", "escalate", "withdraw", "decide", "close",
    "close_case", "reopen",
]
SYNC = st.integers(0, 7)
deviation_story = st.tuples(
    st.tuples(
        st.just("file"),
        st.integers(0, len(UNITS) - 1),
        st.integers(0, len(CLASSIFICATIONS) - 1),
        st.integers(0, 520),  # days before today it was reported: spans three years
        st.integers(0, 10),  # days between happening and reporting
        SYNC,
    ),
    st.lists(st.tuples(st.sampled_from(DEVIATION_ACTIONS), st.integers(0, 60), SYNC), max_size=6),
)
report_story = st.tuples(
    st.tuples(st.just("receive"), st.integers(0, 40), st.booleans(), SYNC),
    st.lists(st.tuples(st.sampled_from(["decide_report", "flag"]), st.integers(0, 30), SYNC),
             max_size=2),
)
histories = st.lists(st.one_of(deviation_story, report_story), min_size=1, max_size=8)


def run(rt: Runtime, stories: list[tuple[Any, ...]]) -> None:
    app = rt.app
    ids: dict[int, UUID] = {}  # story -> the case it filed or received
    rounds = max(1 + len(steps) for _, steps in stories)
    for step in range(rounds):
        for story, (first, steps) in enumerate(stories):
            if step == 0:
                command = first
            elif step - 1 < len(steps) and story in ids:
                command = steps[step - 1]
            else:
                continue
            name, *args, sync = command
            with contextlib.suppress(DomainError):  # refused commands store nothing
                apply(app, name, args, ids, story)
            if sync:
                BatchRunner(rt, batch_size=sync).cycle()


def apply(app: Any, name: str, args: list[Any], ids: dict[int, UUID], story: int) -> None:
    if name == "file":
        unit, classification, days_ago, before = args
        category, subcategory = CLASSIFICATIONS[classification]
        reported = TODAY - timedelta(days=days_ago)
        ids[story] = app.file_deviation(
            actor="rapportor", unit=UNITS[unit], category=category, subcategory=subcategory,
            occurred_on=reported - timedelta(days=before), reported_on=reported,
            description="Något gick fel.",
        ).id
        return
    if name == "receive":
        days_ago, ongoing = args
        ids[story] = app.receive_child_report(
            actor="forste", unit="utredning", received_at=received_at(days_ago),
            case_reference="DNR 2026/7", ongoing_investigation=ongoing,
        ).id
        return
    target, (number,) = ids[story], args
    if name == "flag":
        app.flag_preliminary_breach(target, today=TODAY)
    elif name == "decide_report":
        report = app.get_child_report(target)
        app.decide_preliminary_assessment(
            target, actor="forste", decision=PreliminaryDecision.NO_INVESTIGATION,
            decided_on=min(TODAY, report.received_on + timedelta(days=number)),
        )
    elif name == "reclassify":
        category, subcategory = CLASSIFICATIONS[number % len(CLASSIFICATIONS)]
        app.reclassify_deviation(
            target, actor="utvecklare", category=category, subcategory=subcategory
        )
    elif name == "withdraw":
        app.withdraw_deviation(target, actor="utvecklare", reason="Fel.")
    elif name == "close":
        # What closing needs first (refused like any command on a closed or withdrawn one).
        found = app.get_deviation(target)
        if found.cause_analysis is None:
            app.analyse_cause(target, actor="chef", analysis="Orsak.", causes=["annat"])
        if not found.measures and found.no_measures_reason is None:
            app.record_no_measures_needed(target, actor="chef", reason="Rättat direkt.")
        if not found.feedback and found.no_feedback_reason is None:
            app.give_feedback(target, actor="chef", message="Tack.")
        app.close_deviation(target, actor="chef", summary="Åtgärdat.")
    elif name == "reopen":
        app.reopen_deviation(target, actor="chef", reason="Inte klart.")
    elif name == "escalate":
        reported = app.get_deviation(target).reported_on
        app.escalate_to_lex_sarah(
            target, actor="utvecklare", reason="Allvarligt.",
            opened_on=min(TODAY, reported + timedelta(days=number)),
        )
    else:
        case_id = app.get_deviation(target).lex_sarah_case_id
        if case_id is None:
            return
        if name == "decide":
            app.document_finding(
                case_id, actor="lexsarah", kind=FindingKind.HANDELSE, text="Det som hände.",
                dated_on=TODAY, source="journal", nature=FindingNature.FACT, author="utredare",
                author_title="Socialsekreterare",
            )
            cover_remaining_kinds_in(app, case_id)
            grade = list(Grade)[number % len(Grade)]
            app.decide_lex_sarah(case_id, actor="lexsarah", grade=grade, reasoning="Så.")
            return
        case = app.get_lex_sarah_case(case_id)
        if case.grade is not None and case.grade.is_serious and case.ivo_sent_on is None:
            app.report_to_ivo(
                case_id, actor="lexsarah", sent_on=TODAY, ivo_reference="IVO 3.1",
                diary_number="SN 2026/3", investigation=IvoInvestigation.ATTACHED,
            )
        app.close_lex_sarah(case_id, actor="lexsarah", summary="Klart.",
                            not_informed_reason="Den enskilde kunde inte nås.")


def check_against_aggregates(rt: Runtime) -> None:
    engine = rt.engine
    devs = deviations(rt)
    # Deviation list: one row per deviation, as the aggregate has it now, newest first.
    page = queries.list_deviations(engine, per_page=10_000)
    assert page.total == len(devs)
    assert {
        (i["id"], i["number"], i["reported_on"], i["unit"], i["category"], i["subcategory"],
         i["status"], i["lex_sarah_case_id"])
        for i in page.items
    } == {
        (d.id, d.number, d.reported_on, d.unit, d.category, d.subcategory, d.status.value,
         d.lex_sarah_case_id)
        for d in devs
    }
    keys = [(i["reported_on"], i["number"]) for i in page.items]
    assert keys == sorted(keys, reverse=True)
    assert queries.list_deviations(engine, status="withdrawn", per_page=10_000).total == sum(
        1 for d in devs if d.status is DeviationStatus.WITHDRAWN
    )
    # Monthly counts for every month anything was reported in (withdrawn ones give 0).
    for year, month in {(d.reported_on.year, d.reported_on.month) for d in devs}:
        report = queries.monthly_report(engine, year, month, organisation=rt.organisation)
        expected = expected_monthly(rt, year, month)
        assert report["total"] == expected["total"]
        assert report["by_operation"] == expected["by_operation"]
        assert sorted(
            (r["operation"], r["category"], r["subcategory"] or "", r["count"])
            for r in report["rows"]
        ) == expected["rows"]
    # Annual table, Lex Sarah counts included, for every year deviations or cases touch.
    years = {d.reported_on.year for d in devs} | {c.opened_on.year for c in cases(rt)}
    for year in years:
        annual = queries.annual_report(engine, year, organisation=rt.organisation)
        assert [
            (r["category"], r["subcategory"], r["ifo"], r["hvb"], r["total"], r["lex_sarah"])
            for r in annual["rows"]
        ] == expected_annual(rt, year)
    totals = {}
    for d in counted(rt):
        totals[d.reported_on.year] = totals.get(d.reported_on.year, 0) + 1
    assert queries.yearly_totals(engine)["years"] == [
        {"year": y, "total": n} for y, n in sorted(totals.items())
    ]
    # Escalations.
    assert {
        (e["id"], e["status"], e["grade"], e["ivo_sent_on"], e["closed_on"], e["days_open"])
        for e in queries.escalations(engine, TODAY)
    } == {
        (c.id, c.status.value, c.grade.value if c.grade else None, c.ivo_sent_on, c.closed_on,
         ((c.closed_on or TODAY) - c.opened_on).days)
        for c in cases(rt)
    }
    # Recurrence in the rolling three months, threshold 2.
    assert sorted(
        (r["unit"], r["category"], r["subcategory"] or "", r["count"], r["suggest_lex_sarah"])
        for r in queries.recurrence(engine, TODAY, threshold=2)
    ) == expected_recurrence(rt, TODAY, 2)
    # Deadlines: each report's clock by the aggregate's rule; the scheduler's candidates.
    found = reports(rt)
    assert {(r["id"], r["status"]) for r in queries.child_reports(engine, TODAY)} == {
        (r.id, r.preliminary_status(TODAY).value) for r in found
    }
    candidates = queries.overdue_candidates(engine, TODAY)
    assert {c for c in candidates if c[1] is Clock.FORHANDSBEDOMNING} == {
        (r.id, Clock.FORHANDSBEDOMNING)
        for r in found
        if r.is_preliminary_breached(TODAY) and r.breach_flagged_on is None
    }


@pytest.mark.slow  # dozens of generated histories, each on a store of its own
def test_incremental_equals_rebuilt_equals_aggregates(
    fresh_runtime: Callable[[], AbstractContextManager[Runtime]], store: str
) -> None:
    # More examples where they are cheap; PostgreSQL runs fewer to keep CI time sane.
    @settings(
        max_examples=60 if store == "sqlite" else 25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
        database=None,  # replaying examples saved from another store would only confuse
    )
    @given(stories=histories)
    def holds_for(stories: list[tuple[Any, ...]]) -> None:
        with fresh_runtime() as rt:
            run(rt, stories)
            assert catch_up(rt, timeout=60)
            incremental = snapshot(rt.engine)
            rebuild(rt)
            assert snapshot(rt.engine) == incremental
            check_against_aggregates(rt)

    holds_for()
