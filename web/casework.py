"""Who may work on Lex Sarah cases and child reports, Swedish labels for their codes, and the
plain-dict form of both aggregates that the pages and the JSON API share. No domain logic:
statuses and clocks come from the aggregates themselves."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext

from events.child_report import ChildReport, PreliminaryDecision
from events.clocks import UNDECIDED, Clock, ClockStatus, days_left
from events.legal import CHILD_REPORT_KEYS, LEX_SARAH_KEYS, cite_on, reference
from events.lex_sarah import (
    FindingKind,
    FindingNature,
    Grade,
    InformedParty,
    IvoInvestigation,
    LexSarahCase,
)
from tracker.access import CHILD_REPORT_ROLES as CHILD_REPORT_ROLES  # re-exported: the rules
from tracker.access import LEX_SARAH_ROLES as LEX_SARAH_ROLES
from tracker.access import child_report_scope as child_report_scope
from tracker.access import opens_child_report as opens_child_report
from tracker.access import reaches_unit as reaches_unit
from tracker.accounts import Role
from tracker.application import HistoryEntry
from web.schemas import history_dicts

# Rollups are counts across every unit: for the roles that see every deviation.
REPORT_ROLES: frozenset[Role] = frozenset({Role.VERKSAMHETSUTVECKLARE, Role.LEX_SARAH_ANSVARIG})


# --- Swedish labels ----------------------------------------------------------------------

FINDING_KINDS: dict[FindingKind, Any] = {
    FindingKind.HANDELSE: lazy_gettext("Vad som hänt och konsekvenserna för den enskilde"),
    FindingKind.TIDPUNKT: lazy_gettext("När det hände"),
    FindingKind.UPPTACKT: lazy_gettext("När och hur det uppmärksammades"),
    FindingKind.ORSAK: lazy_gettext("Orsaker"),
    FindingKind.TIDIGARE: lazy_gettext("Tidigare liknande händelser"),
    FindingKind.UPPREPNING: lazy_gettext("Risk att det händer igen"),
    FindingKind.ATGARD: lazy_gettext("Åtgärder (med datum)"),
    FindingKind.OVRIGT: lazy_gettext("Övrigt"),
}
FINDING_NATURES: dict[FindingNature, Any] = {
    FindingNature.FACT: lazy_gettext("Fakta"),
    FindingNature.ASSESSMENT: lazy_gettext("Bedömning"),
}
GRADES: dict[Grade, Any] = {
    Grade.INTE_MISSFORHALLANDE: lazy_gettext("Inte missförhållande"),
    Grade.RISK_MISSFORHALLANDE: lazy_gettext("Påtaglig risk för missförhållande"),
    Grade.MISSFORHALLANDE: lazy_gettext("Missförhållande"),
    Grade.RISK_ALLVARLIGT: lazy_gettext("Påtaglig risk för allvarligt missförhållande"),
    Grade.ALLVARLIGT: lazy_gettext("Allvarligt missförhållande"),
}
IVO_INVESTIGATION: dict[IvoInvestigation, Any] = {
    IvoInvestigation.ATTACHED: lazy_gettext("Bifogad – utredningen så långt den kommit"),
    IvoInvestigation.TO_FOLLOW: lazy_gettext("Kompletteras – utredningen skickas senare"),
}
INFORMED_PARTIES: dict[InformedParty, Any] = {
    InformedParty.INDIVIDUAL: lazy_gettext("Den enskilde"),
    InformedParty.REPRESENTATIVE: lazy_gettext("Företrädare"),
}
LEX_SARAH_STATUSES: dict[str, Any] = {
    "open": lazy_gettext("Pågående utredning"),
    "decided": lazy_gettext("Beslutad"),
    "reported_to_ivo": lazy_gettext("Anmäld till IVO"),
    "closed": lazy_gettext("Avslutad"),
}
CLOCK_STATUSES: dict[str, Any] = {
    ClockStatus.OPEN.value: lazy_gettext("Pågår"),
    ClockStatus.DUE_TODAY.value: lazy_gettext("Sista dag i dag"),
    ClockStatus.OVERDUE.value: lazy_gettext("Försenad"),
    ClockStatus.DECIDED.value: lazy_gettext("Klar i tid"),
    ClockStatus.DECIDED_LATE.value: lazy_gettext("Klar för sent"),
    ClockStatus.EXEMPT.value: lazy_gettext("Behövs inte (pågående utredning)"),
    ClockStatus.EXTENDED.value: lazy_gettext("Förlängd"),
}
DECISIONS: dict[PreliminaryDecision, Any] = {
    PreliminaryDecision.OPEN_INVESTIGATION: lazy_gettext("Inleda utredning"),
    PreliminaryDecision.NO_INVESTIGATION: lazy_gettext("Inte inleda utredning"),
}
BANDS: dict[str, Any] = {
    "overdue": lazy_gettext("Försenad"),
    "due_today": lazy_gettext("Sista dag i dag"),
    "soon": lazy_gettext("3 dagar eller mindre"),
    "later": lazy_gettext("Senare"),
}


# --- plain dicts -------------------------------------------------------------------------


def lex_sarah_dict(case: LexSarahCase, history: list[HistoryEntry]) -> dict[str, Any]:
    return {
        "id": case.id,
        "number": case.number,
        "version": case.version,
        "deviation_id": case.deviation_id,
        "deviation_number": case.deviation_number,
        "unit": case.unit,
        "operation": case.operation.value,
        "reason": case.reason,
        "opened_on": case.opened_on,
        "status": case.status.value,
        "protective_actions": [
            {"taken_on": taken_on, "description": description}
            for taken_on, description in case.protective_actions
        ],
        "investigator": case.investigator,
        "findings": [
            {
                "kind": f.kind.value,
                "text": f.text,
                "date": f.dated_on,
                "source": f.source,
                "nature": f.nature.value,
                "author": f.author,
                "author_title": f.author_title,
            }
            for f in case.findings
        ],
        "not_applicable": [
            {"kind": n.kind.value, "reason": n.reason, "author": n.author,
             "author_title": n.author_title}
            for n in case.not_applicable.values()
        ],
        "uncovered_kinds": [kind.value for kind in case.uncovered_kinds()],
        "proposal": (
            {"grade": case.proposed_grade.value, "reasoning": case.proposal_reasoning}
            if case.proposed_grade is not None
            else None
        ),
        "decision": (
            {
                "grade": case.grade.value,
                "reasoning": case.decision_reasoning,
                "decided_on": case.decided_on,
            }
            if case.grade is not None
            else None
        ),
        "ivo_report": (
            {
                "sent_on": case.ivo_sent_on,
                "ivo_reference": case.ivo_reference,
                "diary_number": case.diary_number,
                "investigation": case.ivo_investigation.value if case.ivo_investigation else None,
                "completed_on": case.ivo_completed_on,
            }
            if case.ivo_sent_on is not None
            else None
        ),
        "ivo_required": case.is_serious,
        "ivo_completion_pending": case.ivo_completion_pending,
        "remedied_on": case.remedied_on,
        "informed": {party.value: on for party, on in case.informed.items()},
        "closed_on": case.closed_on,
        "closing_summary": case.closing_summary,
        "not_informed_reason": case.not_informed_reason,
        "legal_reference": lex_sarah_references(case),
        "history": history_dicts(history),
    }


def _value(status: ClockStatus | None) -> str | None:
    return status.value if status is not None else None


def _days_left(status: ClockStatus | None, due: date | None, today: date) -> int | None:
    """Days left while the clock runs (negative when overdue); None once it stopped."""
    return days_left(due, today) if status in UNDECIDED and due is not None else None


def lex_sarah_references(case: LexSarahCase) -> dict[str, str]:
    """Each duty cited as in force when it arose: the report, remedy and investigation on
    the case's opening, the anmälan to IVO when it was sent (or, until then, the opening)."""
    days = {"lex_sarah_anmala": case.ivo_sent_on or case.opened_on}
    return {key: cite_on(key, days.get(key, case.opened_on)) for key in LEX_SARAH_KEYS}


def lex_sarah_wording(case: LexSarahCase) -> str | None:
    """How fast the remedy is due under the numbering in force ("genast"; formerly "utan
    dröjsmål")."""
    return reference("lex_sarah_utreda").wording_on(case.opened_on)


def child_report_references(report: ChildReport) -> dict[str, str]:
    """Each clock cited in the numbering in force on its own due date."""
    days = {
        "skyddsbedomning": report.protection_due,
        "forhandsbedomning": report.deadline,
        "utredningstid": report.investigation_deadline or report.deadline,
        "utredning_inledd": report.investigation_opened_on or report.deadline,
    }
    return {key: cite_on(key, days[key]) for key in CHILD_REPORT_KEYS}


def child_report_dict(
    report: ChildReport, today: date, history: list[HistoryEntry]
) -> dict[str, Any]:
    preliminary = report.preliminary_status(today)
    investigation = report.investigation_status(today)
    references = child_report_references(report)
    return {
        "id": report.id,
        "number": report.number,
        "version": report.version,
        "unit": report.unit,
        "operation": report.operation.value,
        "case_reference": report.case_reference,
        "received_at": report.received_at,
        "ongoing_investigation": report.ongoing_investigation,
        "handler": report.handler,
        "deadline": report.deadline,
        "status": preliminary.value,
        "clocks": {
            Clock.SKYDDSBEDOMNING.value: {
                "due": report.protection_due,
                "assessed_at": report.protection_assessed_at,
                "immediate_protection_needed": report.immediate_protection_needed,
                "status": report.protection_status(today).value,
                "legal_reference": references["skyddsbedomning"],
            },
            Clock.FORHANDSBEDOMNING.value: {
                "deadline": report.deadline,
                "original_deadline": report.original_deadline,
                "days_left": _days_left(preliminary, report.deadline, today),
                "extension_reason": report.extension_reason,
                "extension_decided_by": report.extension_decided_by,
                "extension_decided_on": report.extension_decided_on,
                "legal_reference": references["forhandsbedomning"],
                "decision": report.decision.value if report.decision else None,
                "decided_on": report.decided_on,
                "status": preliminary.value,
            },
            Clock.UTREDNINGSTID.value: {
                "opened_on": report.investigation_opened_on,
                "deadline": report.investigation_deadline,
                "completed_on": report.investigation_completed_on,
                "days_left": _days_left(investigation, report.investigation_deadline, today),
                "status": _value(investigation),
                "extension_reason": report.investigation_extension_reason,
                "extension_decided_by": report.investigation_extension_decided_by,
                "extension_decided_on": report.investigation_extension_decided_on,
                "legal_reference": references["utredningstid"],
                "breach_deviation_id": report.investigation_breach_deviation_id,
            },
        },
        "breach_deviation_id": report.breach_deviation_id,
        "legal_reference": references,
        "history": history_dicts(history),
    }
