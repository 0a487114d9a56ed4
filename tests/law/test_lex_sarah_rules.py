"""Lex Sarah as the law reads: anmälan to IVO as soon as a serious grade is proposed (the
investigation attached or to follow), a decision only on a complete investigation, and a
case closed only once the individual was informed or the reason why not is recorded."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from events.errors import (
    AlreadyRecorded,
    InvestigationIncomplete,
    StepOutOfOrder,
    ValidationFailed,
)
from events.lex_sarah import (
    REQUIRED_KINDS,
    FindingKind,
    FindingNature,
    Grade,
    InformedParty,
    IvoInvestigation,
    LexSarahCase,
)
from events.taxonomy import Operation

OPENED = date(2026, 11, 2)
TODAY = date(2026, 11, 20)


def case() -> LexSarahCase:
    return LexSarahCase.open(
        number="LS-2026-0001", deviation_id=uuid4(), deviation_number="AV-2026-0001",
        deviation_reported_on=OPENED, unit="hvb-notgarden", operation=Operation.HVB,
        reason="Knivar låg framme", opened_on=OPENED, today=TODAY, actor="vu",
    )


def finding(c: LexSarahCase, kind: FindingKind, **changes: object) -> None:
    c.document_finding(**({
        "kind": kind, "text": f"Uppgift om {kind.value}.", "dated_on": OPENED,
        "source": "Journal", "nature": FindingNature.FACT, "author": "Utredare Ulla",
        "author_title": "Socialsekreterare", "today": TODAY, "actor": "ls",
    } | changes))


def report_to_ivo(c: LexSarahCase, investigation: IvoInvestigation) -> None:
    c.report_to_ivo(sent_on=date(2026, 11, 5), ivo_reference="IVO 3.5.1-9/2026",
                    diary_number="SN 2026/9", investigation=investigation, today=TODAY,
                    actor="ls")


def test_a_proposed_serious_grade_can_be_reported_to_ivo_before_the_decision() -> None:
    c = case()
    with pytest.raises(StepOutOfOrder, match="Propose or decide a serious grade"):
        report_to_ivo(c, IvoInvestigation.ATTACHED)
    c.propose_grade(grade=Grade.RISK_ALLVARLIGT, reasoning="Risk för skada.", actor="ls")
    report_to_ivo(c, IvoInvestigation.TO_FOLLOW)
    assert (c.ivo_sent_on, c.ivo_investigation) == (date(2026, 11, 5), IvoInvestigation.TO_FOLLOW)
    assert c.grade is None and c.ivo_completion_pending


def test_a_mild_proposal_or_decision_is_not_reported() -> None:
    c = case()
    c.propose_grade(grade=Grade.MISSFORHALLANDE, reasoning="Brist.", actor="ls")
    with pytest.raises(StepOutOfOrder):
        report_to_ivo(c, IvoInvestigation.ATTACHED)


def test_completing_the_investigation_to_ivo_later_is_its_own_dated_step() -> None:
    c = case()
    c.propose_grade(grade=Grade.ALLVARLIGT, reasoning="Allvarligt.", actor="ls")
    report_to_ivo(c, IvoInvestigation.TO_FOLLOW)
    with pytest.raises(ValidationFailed):
        c.complete_ivo_report(completed_on=date(2026, 11, 4), today=TODAY, actor="ls")
    c.complete_ivo_report(completed_on=date(2026, 11, 19), today=TODAY, actor="ls")
    assert c.ivo_completed_on == date(2026, 11, 19) and not c.ivo_completion_pending
    with pytest.raises(AlreadyRecorded):
        c.complete_ivo_report(completed_on=TODAY, today=TODAY, actor="ls")


def test_an_attached_investigation_has_nothing_to_complete() -> None:
    c = case()
    c.propose_grade(grade=Grade.ALLVARLIGT, reasoning="Allvarligt.", actor="ls")
    report_to_ivo(c, IvoInvestigation.ATTACHED)
    with pytest.raises(StepOutOfOrder):
        c.complete_ivo_report(completed_on=TODAY, today=TODAY, actor="ls")


def test_decide_names_every_missing_kind() -> None:
    c = case()
    finding(c, FindingKind.OVRIGT)
    finding(c, FindingKind.HANDELSE)
    c.mark_not_applicable(kind=FindingKind.TIDIGARE, reason="Inga tidigare händelser.",
                          author="Utredare Ulla", author_title="Socialsekreterare", actor="ls")
    before = c.version
    with pytest.raises(InvestigationIncomplete) as refused:
        c.decide(grade=Grade.ALLVARLIGT, reasoning="r", decided_on=TODAY, today=TODAY,
                 actor="ls")
    assert refused.value.missing == ["tidpunkt", "upptackt", "orsak", "upprepning", "atgard"]
    assert str(refused.value) == (
        "The investigation does not yet cover: when it happened (tidpunkt), when and how it "
        "was noticed (upptackt), the causes (orsak), the risk that it happens again "
        "(upprepning), the measures taken, with dates (atgard). Document a finding of each, "
        "or mark it not applicable (ej tillämpligt) with a reason."
    )
    assert c.version == before and c.grade is None


@pytest.mark.parametrize("left_out", REQUIRED_KINDS)
def test_each_required_kind_alone_blocks_the_decision(left_out: FindingKind) -> None:
    c = case()
    for kind in REQUIRED_KINDS:
        if kind is not left_out:
            finding(c, kind)
    with pytest.raises(InvestigationIncomplete) as refused:
        c.decide(grade=Grade.MISSFORHALLANDE, reasoning="r", decided_on=TODAY, today=TODAY,
                 actor="ls")
    assert refused.value.missing == [left_out.value]
    c.mark_not_applicable(kind=left_out, reason="Inte aktuellt.", author="U",
                          author_title="Socialsekreterare", actor="ls")
    c.decide(grade=Grade.MISSFORHALLANDE, reasoning="r", decided_on=TODAY, today=TODAY,
             actor="ls")
    assert c.grade is Grade.MISSFORHALLANDE


def test_findings_and_not_applicable_need_the_authors_title() -> None:
    c = case()
    with pytest.raises(ValidationFailed) as missing:
        finding(c, FindingKind.ORSAK, author_title=" ")
    assert missing.value.field == "author_title"
    with pytest.raises(ValidationFailed):
        c.mark_not_applicable(kind=FindingKind.ORSAK, reason="r", author="U", author_title="",
                              actor="ls")
    with pytest.raises(ValidationFailed):  # other is never required, so never "not applicable"
        c.mark_not_applicable(kind=FindingKind.OVRIGT, reason="r", author="U", author_title="T",
                              actor="ls")
    finding(c, FindingKind.ORSAK)
    assert c.findings[0].author_title == "Socialsekreterare"
    with pytest.raises(StepOutOfOrder):
        c.mark_not_applicable(kind=FindingKind.ORSAK, reason="r", author="U", author_title="T",
                              actor="ls")


def decided(grade: Grade = Grade.MISSFORHALLANDE) -> LexSarahCase:
    c = case()
    for kind in REQUIRED_KINDS:
        finding(c, kind)
    c.decide(grade=grade, reasoning="Bedömning.", decided_on=TODAY, today=TODAY, actor="ls")
    return c


def test_closing_needs_the_informed_date_or_a_reason() -> None:
    c = decided()
    with pytest.raises(ValidationFailed) as refused:
        c.close(summary="Klart.", closed_on=TODAY, today=TODAY, actor="ls")
    assert refused.value.field == "not_informed_reason"
    assert c.closed_on is None
    c.close(summary="Klart.", closed_on=TODAY, today=TODAY, actor="ls",
            not_informed_reason="Den enskilde har avlidit; anhöriga saknas.")
    assert c.not_informed_reason == "Den enskilde har avlidit; anhöriga saknas."

    informed = decided()
    informed.record_informed(who=InformedParty.REPRESENTATIVE, on=TODAY, today=TODAY,
                             actor="ls")
    informed.close(summary="Klart.", closed_on=TODAY, today=TODAY, actor="ls")
    assert informed.closed_on == TODAY and informed.not_informed_reason is None


def test_a_serious_case_with_the_investigation_still_to_follow_cannot_close() -> None:
    c = case()
    c.propose_grade(grade=Grade.ALLVARLIGT, reasoning="Allvarligt.", actor="ls")
    report_to_ivo(c, IvoInvestigation.TO_FOLLOW)
    for kind in REQUIRED_KINDS:
        finding(c, kind)
    c.decide(grade=Grade.ALLVARLIGT, reasoning="Allvarligt.", decided_on=TODAY, today=TODAY,
             actor="ls")
    c.record_informed(who=InformedParty.INDIVIDUAL, on=TODAY, today=TODAY, actor="ls")
    with pytest.raises(StepOutOfOrder, match="completed investigation"):
        c.close(summary="Klart.", closed_on=TODAY, today=TODAY, actor="ls")
    c.complete_ivo_report(completed_on=TODAY, today=TODAY, actor="ls")
    c.close(summary="Klart.", closed_on=TODAY, today=TODAY, actor="ls")


def test_the_remedy_date_is_the_first_protective_action() -> None:
    c = case()
    assert c.remedied_on is None
    c.record_protective_action(description="Knivar inlåsta.", taken_on=date(2026, 11, 4),
                               today=TODAY, actor="ls")
    c.record_protective_action(description="Inventarielista.", taken_on=date(2026, 11, 3),
                               today=TODAY, actor="ls")
    assert c.remedied_on == date(2026, 11, 3)
