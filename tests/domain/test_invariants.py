"""Every invariant of the three aggregates refuses the command and records nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from lex_sarah_support import cover_remaining_kinds

from events.causes import DEFAULT_CAUSES
from events.child_report import ChildReport, PreliminaryDecision
from events.clocks import STOCKHOLM
from events.deviation import Deviation, DeviationStatus, Source
from events.errors import (
    AlreadyRecorded,
    CaseClosed,
    CaseWithdrawn,
    DomainError,
    StepOutOfOrder,
    UnknownCode,
    ValidationFailed,
)
from events.lex_sarah import (
    FindingKind,
    FindingNature,
    Grade,
    InformedParty,
    IvoInvestigation,
    LexSarahCase,
)
from events.taxonomy import DEFAULT_TAXONOMY, Operation

TODAY = date(2026, 11, 20)


def deviation(**changes: Any) -> Deviation:
    fields: dict[str, Any] = {
        "number": "AV-2026-0001",
        "unit": "hvb-notgarden",
        "operation": Operation.HVB,
        "category": "genomforande",
        "subcategory": None,
        "occurred_on": date(2026, 11, 18),
        "reported_on": date(2026, 11, 19),
        "description": "Knivar låg framme på köksbänken.",
        "immediate_actions": "Knivarna låstes in.",
        "case_reference": None,
        "reporter": "anna",
        "source": Source.STAFF,
        "taxonomy": DEFAULT_TAXONOMY,
        "today": TODAY,
    }
    return Deviation.report(**(fields | changes))


def lex_sarah_case() -> LexSarahCase:
    return LexSarahCase.open(
        number="LS-2026-0001",
        deviation_id=uuid4(),
        deviation_number="AV-2026-0001",
        deviation_reported_on=date(2026, 11, 1),
        unit="hvb-notgarden",
        operation=Operation.HVB,
        reason="Upprepade brister i knivrutinen",
        opened_on=date(2026, 11, 2),
        today=TODAY,
        actor="vu",
    )


def child_report() -> ChildReport:
    return ChildReport.receive(
        number="AN-2026-0001",
        unit="utredning",
        operation=Operation.IFO,
        received_at=datetime(2026, 11, 2, 9, 0, tzinfo=STOCKHOLM),
        case_reference="IFO-2026-88",
        ongoing_investigation=False,
        now=datetime(2026, 11, 20, 12, 0, tzinfo=UTC),
        actor="forste",
    )


def refused(
    error: type[DomainError],
    aggregate: Any,
    command: Callable[[], object],
    field: str | None = None,
) -> None:
    before = (aggregate.version, len(aggregate.pending_events))
    with pytest.raises(error) as caught:
        command()
    assert (aggregate.version, len(aggregate.pending_events)) == before
    if field is not None:
        assert getattr(caught.value, "field", None) == field


# --- Deviation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "error", "field"),
    [
        ({"occurred_on": date(2026, 11, 20)}, ValidationFailed, "occurred_on"),
        (
            {"reported_on": date(2026, 11, 21), "occurred_on": date(2026, 11, 1)},
            ValidationFailed,
            "reported_on",
        ),
        ({"category": "handlaggning"}, ValidationFailed, "subcategory"),
        ({"category": "personal", "subcategory": "ekonomi"}, ValidationFailed, "subcategory"),
        ({"category": "okand"}, UnknownCode, "category"),
        ({"category": "handlaggning", "subcategory": "okand"}, UnknownCode, "subcategory"),
        ({"description": "   "}, ValidationFailed, "description"),
        ({"description": "x" * 5001}, ValidationFailed, "description"),
        ({"description": "Gäller 190101-1234, fel mapp"}, ValidationFailed, "description"),
        ({"case_reference": "198112189876"}, ValidationFailed, "case_reference"),
    ],
)
def test_reporting_refuses_bad_facts(changes: dict[str, Any], error: type, field: str) -> None:
    with pytest.raises(error) as caught:
        deviation(**changes)
    assert caught.value.field == field


def test_handlaggning_takes_a_subcategory_and_the_others_none() -> None:
    assert deviation(category="handlaggning", subcategory="sekretess").subcategory == "sekretess"
    assert deviation(category="samverkan").subcategory is None


def test_a_withdrawn_deviation_refuses_every_change_but_stays() -> None:
    d = deviation()
    d.withdraw(reason="Fel enhet, dubbelregistrerad", actor="vu")
    assert d.status is DeviationStatus.WITHDRAWN
    for command in (
        lambda: d.reclassify(
            category="personal", subcategory=None, taxonomy=DEFAULT_TAXONOMY, actor="vu"
        ),
        lambda: d.analyse_cause(
            analysis="Rutin saknades", causes=["rutin_saknas"], cause_list=DEFAULT_CAUSES,
            actor="vu",
        ),
        lambda: d.record_no_measures_needed(reason="Ingen", actor="vu"),
        lambda: d.record_feedback_impossible(reason="Anonym", actor="vu"),
        lambda: d.add_measure(description="Ny rutin", responsible="Chef", due_on=TODAY, actor="vu"),
        lambda: d.give_feedback(message="Tack", actor="vu"),
        lambda: d.close(summary="Klar", actor="vu"),
        lambda: d.reopen(reason="Igen", actor="vu"),
        lambda: d.withdraw(reason="Igen", actor="vu"),
        lambda: d.escalate(lex_sarah_case_id=uuid4(), reason="r", opened_on=TODAY, actor="vu"),
    ):
        refused(CaseWithdrawn, d, command)


def test_a_closed_deviation_must_be_reopened_before_it_is_handled() -> None:
    d = deviation()
    d.analyse_cause(
        analysis="Rutinen var okänd", causes=["rutin_saknas"], cause_list=DEFAULT_CAUSES,
        actor="chef",
    )
    d.record_no_measures_needed(reason="Rutinen är redan uppdaterad", actor="chef")
    d.give_feedback(message="Tack", actor="chef")
    d.close(summary="Rutinen är uppdaterad", actor="chef")
    refused(
        CaseClosed, d,
        lambda: d.analyse_cause(
            analysis="Orsak", causes=["annat"], cause_list=DEFAULT_CAUSES, actor="chef"
        ),
    )
    refused(CaseClosed, d, lambda: d.close(summary="Igen", actor="chef"))
    refused(
        CaseClosed,
        d,
        lambda: d.escalate(lex_sarah_case_id=uuid4(), reason="r", opened_on=TODAY, actor="vu"),
    )
    # Classification is reporting data: the quality developer corrects it without reopening.
    d.reclassify(category="personal", subcategory=None, taxonomy=DEFAULT_TAXONOMY, actor="vu")
    d.reopen(reason="Händelsen upprepades", actor="chef")
    assert d.status is DeviationStatus.OPEN
    refused(StepOutOfOrder, d, lambda: d.reopen(reason="Igen", actor="chef"))


def test_measures_and_escalation_rules() -> None:
    d = deviation()
    refused(
        ValidationFailed,
        d,
        lambda: d.add_measure(
            description="Inventarielista", responsible="Chef", due_on=date(2026, 11, 1), actor="c"
        ),
    )
    number = d.add_measure(
        description="Inventarielista i knivlådan",
        responsible="Enhetschef",
        due_on=date(2026, 12, 1),
        actor="chef",
    )
    refused(
        ValidationFailed,
        d,
        lambda: d.complete_measure(measure=2, completed_on=TODAY, today=TODAY, actor="chef"),
    )
    refused(
        ValidationFailed,
        d,
        lambda: d.complete_measure(
            measure=number, completed_on=TODAY + timedelta(days=1), today=TODAY, actor="chef"
        ),
    )
    d.complete_measure(measure=number, completed_on=TODAY, today=TODAY, actor="chef")
    refused(
        AlreadyRecorded,
        d,
        lambda: d.complete_measure(measure=number, completed_on=TODAY, today=TODAY, actor="chef"),
    )
    d.escalate(lex_sarah_case_id=uuid4(), reason="Allvarlig risk", opened_on=TODAY, actor="vu")
    refused(
        AlreadyRecorded,
        d,
        lambda: d.escalate(lex_sarah_case_id=uuid4(), reason="Igen", opened_on=TODAY, actor="vu"),
    )
    refused(StepOutOfOrder, d, lambda: d.withdraw(reason="Fel", actor="vu"))
    refused(
        ValidationFailed,
        d,
        lambda: d.reclassify(
            category="genomforande", subcategory=None, taxonomy=DEFAULT_TAXONOMY, actor="vu"
        ),
    )


# --- Lex Sarah -------------------------------------------------------------------------------


def test_opening_is_dated_between_the_report_and_today() -> None:
    common: dict[str, Any] = {
        "number": "LS-2026-0001",
        "deviation_id": uuid4(),
        "deviation_number": "AV-2026-0001",
        "deviation_reported_on": date(2026, 11, 1),
        "unit": "hvb-notgarden",
        "operation": Operation.HVB,
        "reason": "r",
        "today": TODAY,
        "actor": "vu",
    }
    with pytest.raises(ValidationFailed):
        LexSarahCase.open(**common, opened_on=date(2026, 10, 31))
    with pytest.raises(ValidationFailed):
        LexSarahCase.open(**common, opened_on=TODAY + timedelta(days=1))


def test_lex_sarah_steps_out_of_order_say_what_is_missing() -> None:
    case = lex_sarah_case()
    refused(
        StepOutOfOrder,
        case,
        lambda: case.decide(
            grade=Grade.ALLVARLIGT, reasoning="r", decided_on=TODAY, today=TODAY, actor="ls"
        ),
    )
    refused(
        StepOutOfOrder,
        case,
        lambda: case.report_to_ivo(
            sent_on=TODAY, ivo_reference="IVO 1", diary_number="SN 1",
            investigation=IvoInvestigation.ATTACHED, today=TODAY, actor="ls"
        ),
    )
    refused(
        StepOutOfOrder,
        case,
        lambda: case.close(summary="s", closed_on=TODAY, today=TODAY, actor="ls"),
    )
    with pytest.raises(StepOutOfOrder, match="before reporting to IVO"):
        case.report_to_ivo(
            sent_on=TODAY, ivo_reference="I", diary_number="D",
            investigation=IvoInvestigation.ATTACHED, today=TODAY, actor="ls"
        )


def test_an_ivo_report_needs_a_serious_grade_and_a_serious_case_needs_one_to_close() -> None:
    mild = lex_sarah_case()
    mild.document_finding(
        kind=FindingKind.HANDELSE,
        text="Knivar framme",
        dated_on=TODAY,
        source="Personal",
        nature=FindingNature.FACT,
        author="ls",
        author_title="Utredare",
        today=TODAY,
        actor="ls",
    )
    cover_remaining_kinds(mild)
    mild.decide(
        grade=Grade.MISSFORHALLANDE,
        reasoning="Brist i rutin",
        decided_on=TODAY,
        today=TODAY,
        actor="ls",
    )
    refused(
        StepOutOfOrder,
        mild,
        lambda: mild.report_to_ivo(
            sent_on=TODAY, ivo_reference="I", diary_number="D",
            investigation=IvoInvestigation.ATTACHED, today=TODAY, actor="ls"
        ),
    )
    refused(
        AlreadyRecorded,
        mild,
        lambda: mild.decide(
            grade=Grade.ALLVARLIGT, reasoning="r", decided_on=TODAY, today=TODAY, actor="ls"
        ),
    )
    refused(
        AlreadyRecorded,
        mild,
        lambda: mild.document_finding(
            kind=FindingKind.ORSAK,
            text="t",
            dated_on=TODAY,
            source="s",
            nature=FindingNature.ASSESSMENT,
            author="a",
            author_title="Utredare",
            today=TODAY,
            actor="ls",
        ),
    )
    mild.close(
        summary="Rutin skärpt", closed_on=TODAY, today=TODAY, actor="ls",
        not_informed_reason="Den enskilde har flyttat och kunde inte nås.",
    )
    refused(
        CaseClosed,
        mild,
        lambda: mild.record_informed(
            who=InformedParty.INDIVIDUAL, on=TODAY, today=TODAY, actor="ls"
        ),
    )

    serious = lex_sarah_case()
    serious.document_finding(
        kind=FindingKind.ORSAK,
        text="Bemanning",
        dated_on=TODAY,
        source="Intervju",
        nature=FindingNature.ASSESSMENT,
        author="ls",
        author_title="Utredare",
        today=TODAY,
        actor="ls",
    )
    cover_remaining_kinds(serious)
    serious.decide(
        grade=Grade.ALLVARLIGT, reasoning="Allvarligt", decided_on=TODAY, today=TODAY, actor="ls"
    )
    refused(
        StepOutOfOrder,
        serious,
        lambda: serious.close(summary="s", closed_on=TODAY, today=TODAY, actor="ls"),
    )
    serious.report_to_ivo(
        sent_on=TODAY,
        ivo_reference="3.1.2-12345/2026",
        diary_number="SN 2026/4",
        investigation=IvoInvestigation.ATTACHED,
        today=TODAY,
        actor="ls",
    )
    refused(
        AlreadyRecorded,
        serious,
        lambda: serious.report_to_ivo(
            sent_on=TODAY, ivo_reference="x", diary_number="y",
            investigation=IvoInvestigation.ATTACHED, today=TODAY, actor="ls"
        ),
    )
    serious.record_informed(who=InformedParty.REPRESENTATIVE, on=TODAY, today=TODAY, actor="ls")
    refused(
        AlreadyRecorded,
        serious,
        lambda: serious.record_informed(
            who=InformedParty.REPRESENTATIVE, on=TODAY, today=TODAY, actor="ls"
        ),
    )
    serious.close(summary="Anmäld till IVO", closed_on=TODAY, today=TODAY, actor="ls")


def test_a_decision_cannot_predate_the_opening() -> None:
    case = lex_sarah_case()
    case.document_finding(
        kind=FindingKind.HANDELSE,
        text="t",
        dated_on=TODAY,
        source="s",
        nature=FindingNature.FACT,
        author="a",
        author_title="Utredare",
        today=TODAY,
        actor="ls",
    )
    cover_remaining_kinds(case)
    refused(
        ValidationFailed,
        case,
        lambda: case.decide(
            grade=Grade.INTE_MISSFORHALLANDE,
            reasoning="r",
            decided_on=date(2026, 11, 1),
            today=TODAY,
            actor="ls",
        ),
        field="decided_on",
    )


# --- Child report ----------------------------------------------------------------------------


def test_receipt_needs_an_offset_and_no_future() -> None:
    kwargs: dict[str, Any] = {
        "number": "AN-1",
        "unit": "utredning",
        "operation": Operation.IFO,
        "case_reference": "IFO-1",
        "ongoing_investigation": False,
        "now": datetime(2026, 11, 20, 12, tzinfo=UTC),
        "actor": "f",
    }
    with pytest.raises(ValidationFailed):
        ChildReport.receive(received_at=datetime(2026, 11, 2, 9), **kwargs)
    with pytest.raises(ValidationFailed):
        ChildReport.receive(received_at=datetime(2026, 11, 21, 9, tzinfo=UTC), **kwargs)


def test_child_report_decisions_and_breaches() -> None:
    report = child_report()
    refused(
        ValidationFailed,
        report,
        lambda: report.decide(
            decision=PreliminaryDecision.NO_INVESTIGATION,
            decided_on=date(2026, 11, 1),
            today=TODAY,
            actor="f",
        ),
        field="decided_on",
    )
    refused(
        StepOutOfOrder,
        report,
        lambda: report.flag_preliminary_breach(
            flagged_on=date(2026, 11, 16), deviation_id=uuid4(), actor="scheduler"
        ),
    )
    report.flag_preliminary_breach(
        flagged_on=date(2026, 11, 17), deviation_id=uuid4(), actor="scheduler"
    )
    refused(
        AlreadyRecorded,
        report,
        lambda: report.flag_preliminary_breach(
            flagged_on=date(2026, 11, 18), deviation_id=uuid4(), actor="scheduler"
        ),
    )
    refused(
        StepOutOfOrder,
        report,
        lambda: report.open_investigation(opened_on=TODAY, today=TODAY, actor="f"),
    )
    refused(
        StepOutOfOrder,
        report,
        lambda: report.complete_investigation(completed_on=TODAY, today=TODAY, actor="f"),
    )
    # The decision to open an investigation opens it, that day.
    report.decide(
        decision=PreliminaryDecision.OPEN_INVESTIGATION,
        decided_on=date(2026, 11, 18),
        today=TODAY,
        actor="f",
    )
    refused(
        AlreadyRecorded,
        report,
        lambda: report.decide(
            decision=PreliminaryDecision.NO_INVESTIGATION, decided_on=TODAY, today=TODAY, actor="f"
        ),
    )
    refused(
        StepOutOfOrder,
        report,
        lambda: report.extend_deadline(
            reason="r", new_deadline=date(2026, 12, 1), decided_by="nämnden", decided_on=TODAY,
            today=TODAY, actor="f",
        ),
    )
    assert report.investigation_opened_on == date(2026, 11, 18)
    assert report.investigation_deadline == date(2027, 3, 18)
    refused(
        AlreadyRecorded,
        report,
        lambda: report.open_investigation(opened_on=date(2026, 11, 19), today=TODAY, actor="f"),
    )
    refused(
        StepOutOfOrder,
        report,
        lambda: report.flag_investigation_breach(
            flagged_on=date(2027, 3, 18), deviation_id=uuid4(), actor="scheduler"
        ),
    )
    refused(
        ValidationFailed,
        report,
        lambda: report.extend_investigation(
            reason="Särskilda skäl", new_deadline=date(2027, 3, 1), decided_by="nämnden",
            decided_on=TODAY, today=TODAY, actor="f",
        ),
    )
    report.extend_investigation(
        reason="Särskilda skäl: sakkunnigutlåtande", new_deadline=date(2027, 5, 19),
        decided_by="Enhetschef Eva", decided_on=TODAY, today=TODAY, actor="f",
    )
    assert not report.is_investigation_breached(date(2027, 5, 19))
    assert report.is_investigation_breached(date(2027, 5, 20))
    report.complete_investigation(completed_on=TODAY, today=TODAY, actor="f")
    refused(
        StepOutOfOrder,
        report,
        lambda: report.complete_investigation(completed_on=TODAY, today=TODAY, actor="f"),
    )


def test_protection_assessment_rules() -> None:
    report = child_report()
    now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    refused(
        ValidationFailed,
        report,
        lambda: report.assess_protection(
            assessed_at=datetime(2026, 11, 1, 9, tzinfo=STOCKHOLM),
            immediate_protection_needed=False,
            now=now,
            actor="f",
        ),
    )
    report.assess_protection(
        assessed_at=datetime(2026, 11, 2, 11, tzinfo=STOCKHOLM),
        immediate_protection_needed=True,
        now=now,
        actor="f",
    )
    refused(
        AlreadyRecorded,
        report,
        lambda: report.assess_protection(
            assessed_at=datetime(2026, 11, 2, 12, tzinfo=STOCKHOLM),
            immediate_protection_needed=True,
            now=now,
            actor="f",
        ),
    )
    report.assign_handler(handler="handl1", actor="f")
    refused(ValidationFailed, report, lambda: report.assign_handler(handler="handl1", actor="f"))
    report.assign_handler(handler="handl2", actor="f")
    assert report.handler == "handl2"
