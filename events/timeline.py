"""A case's legal clocks as evidence: for each clock, the fact that started it, the deadline
in force (with every extension, who decided it and when), the fact that met it, its status
and the provision in the numbering in force on the day the duty arose. Read from the
aggregate's own facts with the rules of events.clocks, so the timeline, the board and the
case page cannot tell different stories."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from events.child_report import ChildReport
from events.clocks import (
    Clock,
    ClockReading,
    ClockStatus,
    LexSarahClock,
    clock_label,
    local_date,
    reading,
)
from events.legal import cite_on, reference
from events.lex_sarah import LexSarahCase

# What each clock's law asks, in the users' words.
RULES: dict[str, str] = {
    "lex_sarah_rapportera": "genast",
    LexSarahClock.AVHJALPANDE: "genast",
    LexSarahClock.IVO: "snarast (kommunens tidsmål {target} dagar)",
    Clock.SKYDDSBEDOMNING: "genast (samma dag, efter kl. {cutoff} nästa dag)",
    Clock.FORHANDSBEDOMNING: "inom 14 dagar",
    Clock.UTREDNINGSTID: "inom fyra månader",
    Clock.ATERKOPPLING: "senast en vecka efter beslutet, genast om begäran kom senare eller "
    "en utredning redan pågick",
}
REPORTED = "lex_sarah_rapportera"  # the staff's report: a clock of the deviation


@dataclass(frozen=True)
class Extension:
    previous: date
    new: date
    decided_on: date | None
    decided_by: str | None
    reason: str


@dataclass(frozen=True)
class TimelineEntry:
    clock: str
    label: str
    rule: str
    started_by: str  # the fact that started it (its event, in words)
    started_on: date
    original_deadline: date | None
    deadline: date | None  # in force, extensions counted
    extensions: tuple[Extension, ...]
    met_by: str | None
    met_on: date | None
    status: ClockStatus | None  # None: not required (the reason in `note`)
    days_left: int | None
    legal_key: str
    reference: str  # the numbering in force on `started_on`
    reference_both: str  # both numberings, for a reader who knows the old law
    note: str | None = None
    events: tuple[str, ...] = field(default=())  # the event types behind the entry

    @classmethod
    def of(
        cls, found: ClockReading | None, *, clock: str, legal_key: str, started_by: str,
        started_on: date, met_by: str | None, met_on: date | None, rule: str,
        original_deadline: date | None = None, extensions: tuple[Extension, ...] = (),
        note: str | None = None, events: tuple[str, ...] = (),
    ) -> TimelineEntry:
        return cls(
            clock=str(clock), label=found.label if found is not None else clock_label(clock),
            rule=rule, started_by=started_by, started_on=started_on,
            original_deadline=original_deadline or (found.due if found else None),
            deadline=found.due if found is not None else None, extensions=extensions,
            met_by=met_by if met_on is not None else None, met_on=met_on,
            status=found.status if found is not None else None,
            days_left=found.days_left if found is not None else None, legal_key=legal_key,
            reference=cite_on(legal_key, started_on), reference_both=reference(legal_key).cite(),
            note=note, events=events,
        )


def lex_sarah_timeline(
    case: LexSarahCase, today: date, *, ivo_target_days: int, occurred_on: date,
    reported_on: date,
) -> list[TimelineEntry]:
    """Rapportera genast (from what happened to the deviation's report), avhjälpa/utreda
    genast (from the opening to the first protective action) and anmäla snarast with the
    local target (from the opening to the anmälan, while one may be due)."""
    day = min(today, case.closed_on) if case.closed_on is not None else today
    clocks = {found.clock: found for found in case.clocks(day, ivo_target_days)}
    entries = [
        TimelineEntry.of(
            reading(REPORTED, occurred_on, day, done_on=reported_on), clock=REPORTED,
            legal_key="lex_sarah_rapportera", started_by="Händelsen inträffade (avvikelsen)",
            started_on=occurred_on, met_by="Avvikelsen rapporterades", met_on=reported_on,
            rule=RULES[REPORTED], events=("Deviation.Reported",),
        ),
        TimelineEntry.of(
            clocks.get(LexSarahClock.AVHJALPANDE), clock=LexSarahClock.AVHJALPANDE,
            legal_key="lex_sarah_utreda", started_by="Lex Sarah-utredningen inleddes",
            started_on=case.opened_on, met_by="Första åtgärden för att undanröja "
            "missförhållandet", met_on=case.remedied_on, rule=RULES[LexSarahClock.AVHJALPANDE],
            events=("Opened", "ProtectiveActionRecorded"),
        ),
    ]
    ivo = clocks.get(LexSarahClock.IVO)
    entries.append(TimelineEntry.of(
        ivo, clock=LexSarahClock.IVO, legal_key="lex_sarah_anmala",
        started_by="Lex Sarah-utredningen inleddes", started_on=case.opened_on,
        met_by="Anmälan till IVO skickades", met_on=case.ivo_sent_on,
        rule=RULES[LexSarahClock.IVO].format(target=ivo_target_days),
        note=None if ivo is not None else "Ingen anmälan: bedömningen är att "
        "missförhållandet inte är allvarligt.",
        events=("Opened", "ReportedToIVO"),
    ))
    return entries


def child_report_timeline(
    report: ChildReport, today: date, *, cutoff: str = "16:00"
) -> list[TimelineEntry]:
    """Skyddsbedömning, förhandsbedömning, utredning and återkoppling to the anmälare."""
    received = report.received_on
    entries = [
        TimelineEntry.of(
            report.protection_clock(today), clock=Clock.SKYDDSBEDOMNING,
            legal_key="skyddsbedomning", started_by="Anmälan kom in", started_on=received,
            met_by="Skyddsbedömningen gjordes",
            met_on=(local_date(report.protection_assessed_at)
                    if report.protection_assessed_at else None),
            rule=RULES[Clock.SKYDDSBEDOMNING].format(cutoff=cutoff),
            events=("Received", "ProtectionAssessed"),
        ),
    ]
    preliminary_extensions = (
        (Extension(report.original_deadline, report.deadline, report.extension_decided_on,
                   report.extension_decided_by, report.extension_reason),)
        if report.extension_reason is not None else ()
    )
    entries.append(TimelineEntry.of(
        report.preliminary_clock(today), clock=Clock.FORHANDSBEDOMNING,
        legal_key="forhandsbedomning", started_by="Anmälan kom in", started_on=received,
        met_by="Beslut efter förhandsbedömning", met_on=report.decided_on,
        rule=RULES[Clock.FORHANDSBEDOMNING], original_deadline=report.original_deadline,
        extensions=preliminary_extensions,
        note="Ingen förhandsbedömning: en utredning pågick redan." if report.is_exempt else None,
        events=("Received", "DeadlineExtended", "PreliminaryAssessmentDecided"),
    ))
    investigation = report.investigation_clock(today)
    if investigation is not None:
        opened_on = report.investigation_opened_on or report.decided_on
        assert opened_on is not None
        extensions = (
            (Extension(report.investigation_original_deadline or opened_on,
                       report.investigation_deadline or opened_on,
                       report.investigation_extension_decided_on,
                       report.investigation_extension_decided_by,
                       report.investigation_extension_reason),)
            if report.investigation_extension_reason is not None else ()
        )
        opened_by_decision = report.investigation_opened_on == report.decided_on
        entries.append(TimelineEntry.of(
            investigation, clock=Clock.UTREDNINGSTID, legal_key="utredningstid",
            started_by="Beslut att inleda utredning" if opened_by_decision
            else "Utredningen inleddes", started_on=opened_on,
            met_by="Utredningen avslutades", met_on=report.investigation_completed_on,
            rule=RULES[Clock.UTREDNINGSTID],
            original_deadline=report.investigation_original_deadline, extensions=extensions,
            events=("PreliminaryAssessmentDecided", "InvestigationOpened",
                    "InvestigationExtended", "InvestigationCompleted"),
        ))
    feedback = report.feedback_clock(today)
    if report.feedback_requested_on is not None:
        declined = report.feedback_declined_on is not None
        entries.append(TimelineEntry.of(
            feedback, clock=Clock.ATERKOPPLING, legal_key="aterkoppling_anmalare",
            started_by="Anmälaren begärde återkoppling", started_on=report.feedback_requested_on,
            met_by=(f"Bedömd som olämplig: {report.feedback_declined_reason}" if declined
                    else f"Återkoppling lämnad ({report.feedback_how})"),
            met_on=report.feedback_declined_on if declined else report.feedback_given_on,
            rule=RULES[Clock.ATERKOPPLING],
            note=None if feedback is not None else (
                "Ingen skyldighet: anmälaren är en enskild person."
                if report.reporter_category is not None and not report.reporter_category.obliged
                else "Tidsfristen räknas från beslutet efter förhandsbedömningen."),
            events=("FeedbackRequested", "FeedbackGiven", "FeedbackDeclined"),
        ))
    return entries
