"""Swedish names for codes in templates: roles, statuses, events, units and categories
(units and taxonomy come from organisation data, so renamed ones show their new name)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from flask import Flask, g
from flask_babel import lazy_gettext
from markupsafe import Markup

from events.clocks import ClockReading, ClockStatus, days_text
from events.complaint import ComplaintKind
from events.taxonomy import Operation, Taxonomy
from projections.queries.retention import erasure_of
from web.runtime import runtime
from web.schemas import date_bounds

STOCKHOLM = ZoneInfo("Europe/Stockholm")

ROLE_NAMES = {
    "rapportor": "medarbetare",
    "enhetschef": "enhetschef",
    "forste_socialsekreterare": "1:e socialsekreterare",
    "verksamhetsutvecklare": "verksamhetsutvecklare",
    "lex_sarah_ansvarig": "Lex Sarah-ansvarig",
    "admin": "administratör",
}
STATUS_NAMES = {"open": "Öppen", "closed": "Avslutad", "withdrawn": "Återkallad"}
# Klagomål och synpunkter: the kinds, as the pages and the reports name them.
COMPLAINT_KIND_NAMES: dict[ComplaintKind, str] = {
    ComplaintKind.COMPLAINT: "Klagomål",
    ComplaintKind.VIEW: "Synpunkt",
    ComplaintKind.PRAISE: "Beröm",
}
OPERATION_NAMES = {operation.value: operation.label for operation in Operation}
SOURCE_NAMES = {
    "staff": "Medarbetare", "scheduler": "Bevakningen (automatiskt)", "import": "Import"
}
# Each aggregate's events in Swedish, for the case timelines.
EVENT_NAMES: dict[str, dict[str, str]] = {
    "deviation": {
        "Reported": "Avvikelsen rapporterades",
        "Reclassified": "Omklassificerad",
        "Assigned": "Tilldelad",
        "CauseAnalysed": "Orsaksanalys",
        "MeasureAdded": "Åtgärd tillagd",
        "MeasureCompleted": "Åtgärd genomförd",
        "FeedbackGiven": "Återkoppling till rapportören",
        "NoMeasuresNeededRecorded": "Inga åtgärder behövs",
        "FeedbackImpossibleRecorded": "Återkoppling kan inte ges",
        "EscalatedToLexSarah": "Lyft till Lex Sarah-utredning",
        "Closed": "Avslutad",
        "Reopened": "Återöppnad",
        "Withdrawn": "Återkallad (felaktigt registrerad)",
        "ImportRecorded": "Importerad från ett kalkylblad",
        "MeasurePlanned": "Åtgärd planerad",
        "MeasureRejected": "Åtgärd avslagen",
        "MeasureFollowUpScheduled": "Uppföljning av åtgärd planerad",
        "MeasureFollowedUp": "Åtgärd följd upp",
        "RiskAssessed": "Riskbedömning",
        "MovedToUnit": "Flyttad till rätt enhet",
    },
    "history_import": {
        "Imported": "Filen importerades",
        "Undone": "Importen ångrades",
    },
    "lex_sarah": {
        "Opened": "Utredningen inleddes",
        "ProtectiveActionRecorded": "Åtgärd för att undanröja missförhållandet",
        "InvestigatorAssigned": "Utredare utsedd",
        "FindingDocumented": "Uppgift dokumenterad",
        "GradeProposed": "Bedömning föreslagen",
        "Decided": "Beslut om bedömning",
        "FindingKindMarkedNotApplicable": "Slag av uppgift markerat ej tillämpligt",
        "ReportedToIVO": "Anmäld till IVO",
        "IvoReportCompleted": "Utredningen skickad till IVO i efterhand",
        "DocumentVersionFrozen": "Version av utredningen låst",
        "PartyInformed": "Information lämnad",
        "Closed": "Utredningen avslutades",
    },
    "child_report": {
        "Received": "Anmälan registrerades",
        "ProtectionAssessed": "Skyddsbedömning gjord",
        "HandlerAssigned": "Handläggare tilldelad",
        "DeadlineExtended": "Tidsfristen förlängdes",
        "PreliminaryAssessmentDecided": "Beslut efter förhandsbedömning",
        "PreliminaryAssessmentBreachFlagged": "Tidsfristen överskreds (avvikelse skapad)",
        "InvestigationOpened": "Utredning inledd",
        "InvestigationExtended": "Utredningstiden förlängdes",
        "InvestigationCompleted": "Utredning avslutad",
        "InvestigationBreachFlagged": "Utredningstiden överskreds (avvikelse skapad)",
        "ReporterCategoryRecorded": "Anmälarens kategori registrerad",
        "FeedbackRequested": "Anmälaren begärde återkoppling",
        "FeedbackGiven": "Återkoppling lämnad till anmälaren",
        "FeedbackDeclined": "Återkoppling bedömd som olämplig",
        "InvestigationStartInformed": "Information om att utredning inletts lämnad",
        "ProtectionBreachFlagged": "Skyddsbedömningen gjordes inte i tid (avvikelse skapad)",
    },
}
# Where one event's field means something else than the same name elsewhere
EVENT_FIELD_NAMES = {"MeasureAdded": {"description": "Åtgärd"}}
FIELD_NAMES = {
    "number": "Nummer", "unit": "Enhet", "operation": "Verksamhet", "category": "Kvalitetsområde",
    "subcategory": "Underkategori", "occurred_on": "Inträffade", "reported_on": "Rapporterad",
    "description": "Vad hände", "immediate_actions": "Vad gjordes direkt",
    "case_reference": "Ärendereferens", "reporter": "Rapportör", "source": "Källa",
    "previous_category": "Tidigare kvalitetsområde",
    "previous_subcategory": "Tidigare underkategori", "assignee": "Handläggare",
    "analysis": "Analys", "measure": "Åtgärd nr", "responsible": "Ansvarig",
    "due_on": "Klar senast",
    "completed_on": "Genomförd", "message": "Meddelande", "lex_sarah_case_id": "Lex Sarah-ärende",
    "reason": "Skäl", "opened_on": "Öppnad", "summary": "Sammanfattning",
    "previous_status": "Tidigare status", "causes": "Orsaker",
    "goal": "Mål", "follow_up_on": "Följs upp senast", "status": "Status",
    "followed_up_on": "Följdes upp", "result": "Resultat", "effect": "Hade åtgärden effekt?",
    "effect_text": "Bedömning", "next_follow_up_on": "Nästa uppföljning",
    "probability": "Sannolikhet", "consequence": "Konsekvens", "score": "Riskpoäng",
    "previous_unit": "Från enhet", "previous_operation": "Från verksamhet",
    "moved_on": "Flyttad den",
}
# A measure's lifecycle (events.deviation.MeasureStatus) and its effect judgement.
MEASURE_STATUS_NAMES = {
    "proposed": "Föreslagen", "planned": "Planerad", "completed": "Genomförd",
    "rejected": "Avslagen",
}
EFFECT_NAMES = {"yes": "Ja", "no": "Nej", "too_early": "För tidigt att säga"}
# The four states of a task list step (GOV.UK task list), always in words.
TASK_STATE_NAMES = {
    "not_started": "Ej påbörjad", "in_progress": "Pågår", "done": "Klar",
    "not_required": "Krävs inte",
}


def _unit_names() -> dict[str, str]:
    # Read once per request: a list page names dozens of units.
    if "unit_names" not in g:
        g.unit_names = {u.code: u.name for u in runtime().organisation.units(include_inactive=True)}
    return g.unit_names


def _taxonomy() -> Taxonomy:
    if "taxonomy" not in g:
        g.taxonomy = runtime().organisation.taxonomy()
    return g.taxonomy


def unit_name(code: str | None) -> str:
    if not code:
        return "–"
    return _unit_names().get(code, code)


def category_name(category: str | None, subcategory: str | None = None) -> str:
    if not category:
        return "–"
    found = _taxonomy().categories.get(category)
    if found is None:
        return category
    if subcategory:
        return f"{found.name} – {found.subcategories.get(subcategory, subcategory)}"
    return found.name


def cause_name(code: str) -> str:
    """A cause code's current name (codes of deactivated causes keep their name)."""
    if "causes" not in g:
        g.causes = runtime().organisation.causes()
    return str(g.causes.name(code))


def swedish_date(value: date | datetime | str | None) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            return value
        value = parsed
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(STOCKHOLM)
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def unbroken(text: str) -> Markup:
    """A case number kept on one line: "LS-2026-|0005" across two lines in a narrow column
    reads as two values."""
    return Markup('<span class="nowrap">{}</span>').format(text)


def date_element(value: date | datetime | str | None) -> Markup:
    """A shown date as <time> (machine-readable, and kept on one line by the style sheet)."""
    shown = swedish_date(value)
    if shown == "–":
        return Markup("–")
    return Markup('<time datetime="{}">{}</time>').format(shown.replace(" ", "T"), shown)


def date_limits() -> tuple[str, str]:
    """min and max for date inputs: the bounds the server checks (a Jinja global, so that
    the imported form macros see it)."""
    earliest, latest = date_bounds()
    return earliest.isoformat(), latest.isoformat()


def gallrad(case_id: Any, kind: str) -> Markup:
    """"Gallrad (R1 v2, 2027-01-05)" where a case's content of this kind was erased under a
    retention rule (its text now reads empty), else nothing: `{{ text or gallrad(id, kind) }}`.
    One read of the case's retention record per request."""
    case_id = UUID(str(case_id))  # templates hold ids as uuids or as text
    cache: dict[Any, Any] = g.setdefault("erasures", {})
    if case_id not in cache:
        cache[case_id] = erasure_of(runtime().engine, case_id)
    record = cache[case_id]
    if record is None or not record.erased(kind):
        return Markup("")
    return Markup('<span class="erased">Gallrad ({}, {})</span>').format(
        record.rule, swedish_date(record.erased_on))


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        unit_name=unit_name, category_name=category_name,
        swedish_date=date_element, case_number=unbroken,
        cause_name=cause_name, days_text=days_text,
    )
    app.jinja_env.globals["date_limits"] = date_limits
    app.jinja_env.globals["gallrad"] = gallrad
    app.jinja_env.globals["task_state_names"] = TASK_STATE_NAMES
    app.jinja_env.globals["measure_status_names"] = MEASURE_STATUS_NAMES
    app.jinja_env.globals["effect_names"] = EFFECT_NAMES

    @app.context_processor
    def names() -> dict[str, Any]:
        return {
            "role_names": ROLE_NAMES,
            "status_names": STATUS_NAMES,
            "operation_names": OPERATION_NAMES,
            "source_names": SOURCE_NAMES,
            "event_names": EVENT_NAMES["deviation"],
            "field_names": FIELD_NAMES,
            "event_field_names": EVENT_FIELD_NAMES,
            "category_name": category_name,

            # Every page whose form was refused says so first in its title ("Fel: …").
            "page_has_errors": any(form.errors for form in g.get("forms", [])),
        }


BANDS: dict[str, Any] = {
    "overdue": lazy_gettext("Försenad"),
    "due_today": lazy_gettext("Sista dag i dag"),
    "soon": lazy_gettext("3 dagar eller mindre"),
    "later": lazy_gettext("Senare"),
}


# A clock's status in words, wherever a clock is shown (case pages, Bevakning, Att göra).
CLOCK_STATUSES: dict[str, Any] = {
    ClockStatus.OPEN.value: lazy_gettext("Pågår"),
    ClockStatus.DUE_TODAY.value: lazy_gettext("Sista dag i dag"),
    ClockStatus.OVERDUE.value: lazy_gettext("Försenad"),
    ClockStatus.DECIDED.value: lazy_gettext("Klar i tid"),
    ClockStatus.DECIDED_LATE.value: lazy_gettext("Klar för sent"),
    ClockStatus.EXEMPT.value: lazy_gettext("Behövs inte (pågående utredning)"),
    ClockStatus.EXTENDED.value: lazy_gettext("Förlängd"),
    ClockStatus.NOT_REGISTERED.value: lazy_gettext("Utredning ej registrerad som inledd"),
    ClockStatus.WAIVED.value: lazy_gettext("Olämpligt (skälet antecknat)"),
}


def clock_dict(found: ClockReading, warning_days: int) -> dict[str, Any]:
    """A clock's one reading as the case pages and the API give it (events.clocks)."""
    return {
        "clock": str(found.clock),
        "label": found.label,
        "due": found.due,
        "status": found.status.value,
        "done_on": found.done_on,
        "days_left": found.days_left,
        "days_text": found.days_text,
        "band": found.band(warning_days),
    }
