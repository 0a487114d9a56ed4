"""What the Lex Sarah investigation document ("Utredning enligt lex Sarah") and the anmälan's
content hold, as plain data built from the case and its history: each item with its date,
source, fact or assessment and author (name, title), every required kind of SOSFS 2011:5
5 kap. as a section, the decision and who decided. The same content renders as PDF and Word
(web/documents/lex_sarah.py); its SHA-256 says whether the investigation changed since a
frozen version."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from events.clocks import local_date
from events.deviation import Deviation
from events.legal import cite_on
from events.lex_sarah import (
    REQUIRED_KINDS,
    DocumentPurpose,
    FindingKind,
    FindingNature,
    LexSarahCase,
)
from tracker.application import HistoryEntry
from web.cases.lex_sarah import (
    DOCUMENT_PURPOSES,
    FINDING_KINDS,
    GRADES,
    INFORMED_PARTIES,
    IVO_INVESTIGATION,
    LEX_SARAH_STATUSES,
)
from web.display import OPERATION_NAMES, category_name, unit_name

TITLE = "Utredning enligt lex Sarah"
FORM_TITLE = "Anmälan – lex Sarah"
# The document's words for fact and assessment (the page says Fakta/Bedömning).
NATURES = {FindingNature.FACT: "Faktauppgift", FindingNature.ASSESSMENT: "Bedömning"}
MISSING = "Uppgift saknas"
NOT_IN_TRACKER = "Uppgift saknas i trackern – fyll i i IVO:s e-tjänst"
# The timeline annex (the law's clocks with the events that started and met them) lives
# beside the case; the document names it and its address only.
TIMELINE_NAME = "Bilaga: tidslinje"


def timeline_path(case_id: Any) -> str:
    return f"/lex-sarah/{case_id}/tidslinje"


@dataclass(frozen=True)
class Heading:
    """The organisation's names, from the settings."""

    committee: str  # nämnd
    administration: str  # förvaltning


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _recorded(history: list[HistoryEntry], event_type: str) -> list[str]:
    """The Stockholm dates on which each event of a type was recorded, oldest first."""
    return [local_date(e.at).isoformat() for e in history if e.type == event_type]


def _who(name: str | None, title: str | None) -> str:
    return ", ".join(part for part in (name, title) if part) or MISSING


def content_sha256(content: dict[str, Any]) -> str:
    """The fingerprint of what the document says (not when or as which version)."""
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def investigation_content(
    case: LexSarahCase, history: list[HistoryEntry], heading: Heading
) -> dict[str, Any]:
    """Everything the investigation document shows, as plain JSON data."""
    found_on = _recorded(history, "FindingDocumented")
    items_by_kind: dict[FindingKind, list[dict[str, Any]]] = {}
    for number, finding in enumerate(case.findings, start=1):
        items_by_kind.setdefault(finding.kind, []).append({
            "number": number,
            "text": finding.text,
            "date": finding.dated_on.isoformat(),
            "recorded": found_on[number - 1] if number <= len(found_on) else None,
            "source": finding.source,
            "nature": NATURES[finding.nature],
            "author": _who(finding.author, finding.author_title),
        })
    na_on = dict(zip(
        [e.data.get("kind") for e in history if e.type == "FindingKindMarkedNotApplicable"],
        _recorded(history, "FindingKindMarkedNotApplicable"), strict=True,
    ))
    kinds = [*REQUIRED_KINDS, *([FindingKind.OVRIGT] if FindingKind.OVRIGT in items_by_kind
                                else [])]
    sections = []
    for kind in kinds:
        not_applicable = case.not_applicable.get(kind)
        sections.append({
            "kind": kind.value,
            "heading": str(FINDING_KINDS[kind]),
            "items": items_by_kind.get(kind, []),
            "not_applicable": {
                "reason": not_applicable.reason,
                "author": _who(not_applicable.author, not_applicable.author_title),
                "recorded": na_on.get(kind.value),
            } if not_applicable is not None else None,
        })
    decided_by = case.decided_by or case.decision_actor
    return {
        "title": TITLE,
        "heading": {
            "committee": heading.committee,
            "administration": heading.administration,
            "diary_number": case.diary_number,
            "ivo_reference": case.ivo_reference,
            "case_number": case.number,
        },
        "brief": [
            ["Ärende", case.number],
            ["Avvikelse", case.deviation_number],
            ["Verksamhet", OPERATION_NAMES.get(case.operation.value, case.operation.value)],
            ["Enhet", unit_name(case.unit)],
            ["Utredningen inledd", case.opened_on.isoformat()],
            ["Skäl till utredningen", case.reason],
            ["Utredare", case.investigator or MISSING],
            ["Status", str(LEX_SARAH_STATUSES[case.status.value])],
        ],
        "legal": [
            f"Utredningens innehåll: {cite_on('sosfs_2011_5', case.opened_on)}.",
            "Missförhållandet dokumenteras, utreds och avhjälps eller undanröjs: "
            f"{cite_on('lex_sarah_utreda', case.opened_on)}.",
            "Allvarliga missförhållanden anmäls till IVO: "
            f"{cite_on('lex_sarah_anmala', case.ivo_sent_on or case.opened_on)}.",
        ],
        "sections": sections,
        "protective_actions": [
            {"date": taken_on.isoformat(), "text": description}
            for taken_on, description in case.protective_actions
        ],
        "proposal": {
            "grade": str(GRADES[case.proposed_grade]),
            "reasoning": case.proposal_reasoning,
            "by": case.proposal_actor or MISSING,
            "recorded": next(reversed(_recorded(history, "GradeProposed")), None),
        } if case.proposed_grade is not None else None,
        "decision": {
            "grade": str(GRADES[case.grade]),
            "reasoning": case.decision_reasoning,
            "date": _iso(case.decided_on),
            "by": _who(decided_by, case.decided_by_title),
        } if case.grade is not None else None,
        "ivo": {
            "sent_on": _iso(case.ivo_sent_on),
            "ivo_reference": case.ivo_reference,
            "diary_number": case.diary_number,
            "investigation": str(IVO_INVESTIGATION[case.ivo_investigation])
            if case.ivo_investigation else MISSING,
            "document_version": case.ivo_document_version,
            "completed_on": _iso(case.ivo_completed_on),
            "completion_document_version": case.ivo_completion_document_version,
        } if case.ivo_sent_on is not None else None,
        "ivo_required": case.is_serious,
        "informed": [
            {"who": str(INFORMED_PARTIES[party]), "date": on.isoformat()}
            for party, on in case.informed.items()
        ],
        "not_informed_reason": case.not_informed_reason,
        "closing": {"date": _iso(case.closed_on), "summary": case.closing_summary}
        if case.closed_on is not None else None,
        # Files attached to the case (none yet: attachments are not kept by the tracker).
        "attachments": [],
        "timeline": {"name": TIMELINE_NAME, "path": timeline_path(case.id)},
    }


def version_filename(case_number: str, number: int) -> str:
    return f"lex-sarah-utredning-{case_number}-version-{number}"


def version_label(number: int | None, purpose: str | None) -> str:
    if number is None:
        return "Utkast"
    label = DOCUMENT_PURPOSES.get(DocumentPurpose(purpose)) if purpose else None
    return f"Version {number}" + (f" ({str(label).lower()})" if label else "")


# --- the anmälan: IVO's form "Anmälan – lex Sarah", field by field ------------------------


def _texts(case: LexSarahCase, kind: FindingKind) -> str | None:
    texts = [f"{f.text} ({f.dated_on.isoformat()}; {NATURES[f.nature].lower()})"
             for f in case.findings if f.kind is kind]
    na = case.not_applicable.get(kind)
    if na is not None:
        texts.append(f"Ej tillämpligt: {na.reason}")
    return "\n".join(texts) or None


def _field(label: str, value: str | None, *, missing: str = MISSING) -> dict[str, Any]:
    return {"label": label, "value": value or None, "missing": missing if not value else None}


def ivo_form(
    case: LexSarahCase, deviation: Deviation, heading: Heading
) -> list[dict[str, Any]]:
    """Every field of IVO's form the tracker knows, in the form's order; the ones it does not
    know are marked (the lex Sarah-ansvarig fills them in in the e-service)."""
    grade = case.grade or case.proposed_grade
    grade_text = None
    if grade is not None:
        grade_text = str(GRADES[grade]) + ("" if case.grade else " (föreslagen, ej beslutad)")
    reasoning = case.decision_reasoning if case.grade else case.proposal_reasoning
    measures = [f"{taken_on.isoformat()}: {text}" for taken_on, text in case.protective_actions]
    informed = [f"{INFORMED_PARTIES[party]}: {on.isoformat()}"
                for party, on in case.informed.items()]
    versions = case.document_versions
    investigation = None
    if versions:
        latest = versions[-1]
        investigation = (f"{TITLE}, version {latest.number} ({latest.frozen_on.isoformat()}): "
                         f"{version_filename(case.number, latest.number)}.pdf")
    return [
        {"heading": "Vårdgivare", "fields": [
            _field("Vårdgivare (nämnd)", heading.committee),
            _field("Förvaltning", heading.administration),
            _field("Organisationsnummer", None, missing=NOT_IN_TRACKER),
            _field("Postadress", None, missing=NOT_IN_TRACKER),
            _field("Kontaktperson", case.investigator, missing=NOT_IN_TRACKER),
            _field("Kontaktpersonens telefon och e-post", None, missing=NOT_IN_TRACKER),
        ]},
        {"heading": "Verksamheten", "fields": [
            _field("Verksamhet", OPERATION_NAMES.get(case.operation.value)),
            _field("Enhet", unit_name(case.unit)),
            _field("Enhetens adress", None, missing=NOT_IN_TRACKER),
            _field("Kvalitetsområde", category_name(deviation.category,
                                                    deviation.subcategory)),
        ]},
        {"heading": "Missförhållandet", "fields": [
            _field("Vad som har hänt och konsekvenserna för den enskilde",
                   _texts(case, FindingKind.HANDELSE)),
            _field("Avvikelsen som rapporterades", deviation.description),
            _field("När det hände", _texts(case, FindingKind.TIDPUNKT)
                   or f"{deviation.occurred_on.isoformat()} (enligt avvikelsen)"),
            _field("När och hur det uppmärksammades", _texts(case, FindingKind.UPPTACKT)
                   or f"Rapporterat {deviation.reported_on.isoformat()} (avvikelse "
                   f"{case.deviation_number})"),
            _field("Orsaker", _texts(case, FindingKind.ORSAK)),
            _field("Tidigare liknande händelser", _texts(case, FindingKind.TIDIGARE)),
            _field("Risk att det händer igen", _texts(case, FindingKind.UPPREPNING)),
            _field("Den enskildes kön och ålder", None,
                   missing="Uppgift saknas i trackern (inga personuppgifter lagras) – fyll "
                   "i i IVO:s e-tjänst"),
        ]},
        {"heading": "Åtgärder", "fields": [
            _field("Åtgärder för att undanröja missförhållandet (med datum)",
                   "\n".join(measures)),
            _field("Åtgärder i utredningen", _texts(case, FindingKind.ATGARD)),
        ]},
        {"heading": "Bedömning", "fields": [
            _field("Bedömning", grade_text),
            _field("Motivering", reasoning),
            _field("Beslutsdatum", _iso(case.decided_on)),
            _field("Beslutad av", _who(case.decided_by or case.decision_actor,
                                       case.decided_by_title) if case.grade else None),
        ]},
        {"heading": "Information och utredning", "fields": [
            _field("Den enskilde eller företrädaren informerad", "\n".join(informed)
                   or (f"Ingen informerad: {case.not_informed_reason}"
                       if case.not_informed_reason else None)),
            _field("Utredningen (bilaga)", investigation,
                   missing="Ingen version av utredningen skapad än"),
            _field("Eget diarienummer", case.diary_number,
                   missing="Registreras när anmälan har skickats"),
            _field("IVO:s diarienummer", case.ivo_reference,
                   missing="Registreras när anmälan har skickats"),
            _field("Anmälan skickad", _iso(case.ivo_sent_on),
                   missing="Inte registrerad som skickad"),
        ]},
    ]
