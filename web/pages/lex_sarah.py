"""Lex Sarah investigations for the Lex Sarah-ansvarig and the verksamhetsutvecklare: the
list of cases and one case page with every step of SOSFS 2011:5 ch. 5. Every step's form is
always shown, so a step taken too early is refused by the domain with a Swedish message
that says what is missing ("Besluta om bedömningen innan ärendet anmäls till IVO")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext
from marshmallow import Schema, fields

from events.base import SHORT_TEXT
from events.errors import DomainError, StepOutOfOrder
from events.lex_sarah import FindingKind, FindingNature, Grade, InformedParty
from projections import queries
from tracker.application import ConflictError
from web import navigation
from web.auth import current_account, roles_required
from web.casework import (
    FINDING_KINDS,
    FINDING_NATURES,
    GRADES,
    INFORMED_PARTIES,
    LEX_SARAH_ROLES,
    LEX_SARAH_STATUSES,
    lex_sarah_dict,
)
from web.forms import Form, parse_form
from web.runtime import application, fresh_views, runtime
from web.schemas import BaseSchema
from web.schemas import text as text_field

bp = Blueprint("lex_sarah", __name__, url_prefix="/lex-sarah")
navigation.register("Lex Sarah", "lex_sarah.index", LEX_SARAH_ROLES, order=40)

EVENT_NAMES = {
    "Opened": "Utredningen inleddes",
    "ProtectiveActionRecorded": "Åtgärd för att undanröja missförhållandet",
    "InvestigatorAssigned": "Utredare utsedd",
    "FindingDocumented": "Uppgift dokumenterad",
    "GradeProposed": "Bedömning föreslagen",
    "Decided": "Beslut om bedömning",
    "ReportedToIVO": "Anmäld till IVO",
    "PartyInformed": "Information lämnad",
    "Closed": "Utredningen avslutades",
}


def _version() -> fields.Integer:
    return fields.Integer(load_default=None, allow_none=True)


CHOOSE = lazy_gettext("Choose one of the options in the list.")


def _choice(enum_type: Any, data_key: str) -> fields.Enum:
    return fields.Enum(
        enum_type, by_value=True, required=True, data_key=data_key,
        error_messages={"unknown": CHOOSE},
    )


class ProtectiveActionForm(BaseSchema):
    description = text_field(data_key="pa_description")
    taken_on = fields.Date(required=True, data_key="pa_taken_on")
    version = _version()


class InvestigatorForm(BaseSchema):
    investigator = text_field(SHORT_TEXT)
    version = _version()


class FindingForm(BaseSchema):
    kind = _choice(FindingKind, "finding_kind")
    text = text_field(data_key="finding_text")
    dated_on = fields.Date(required=True, data_key="finding_date")
    source = text_field(SHORT_TEXT, data_key="finding_source")
    nature = _choice(FindingNature, "finding_nature")
    author = text_field(SHORT_TEXT, data_key="finding_author")
    version = _version()


class ProposalForm(BaseSchema):
    grade = _choice(Grade, "proposal_grade")
    reasoning = text_field(data_key="proposal_reasoning")
    version = _version()


class DecisionForm(BaseSchema):
    grade = _choice(Grade, "decision_grade")
    reasoning = text_field(data_key="decision_reasoning")
    decided_on = fields.Date(required=True)
    version = _version()


class IvoReportForm(BaseSchema):
    sent_on = fields.Date(required=True)
    ivo_reference = text_field(64)
    diary_number = text_field(64)
    version = _version()


class InformedForm(BaseSchema):
    who = _choice(InformedParty, "informed_who")
    on = fields.Date(required=True, data_key="informed_on")
    version = _version()


class ClosureForm(BaseSchema):
    summary = text_field(data_key="closing_summary")
    closed_on = fields.Date(required=True)
    version = _version()


# action -> (schema, domain field -> form field, command)
Command = Callable[[UUID, str, dict[str, Any]], Any]


def _app_call(name: str, **rename: str) -> Command:
    def call(case_id: UUID, actor: str, data: dict[str, Any]) -> Any:
        kwargs = {rename.get(key, key): value for key, value in data.items() if key != "version"}
        method = getattr(application(), name)
        return method(case_id, actor=actor, expected_version=data.get("version"), **kwargs)

    return call


ACTIONS: dict[str, tuple[type[Schema], dict[str, str], Command, str]] = {
    "atgard": (
        ProtectiveActionForm,
        {"description": "pa_description", "taken_on": "pa_taken_on"},
        _app_call("record_protective_action"),
        "Åtgärden är registrerad.",
    ),
    "utredare": (
        InvestigatorForm, {}, _app_call("assign_investigator"), "Utredaren är utsedd.",
    ),
    "uppgift": (
        FindingForm,
        {"text": "finding_text", "date": "finding_date", "source": "finding_source",
         "author": "finding_author"},
        _app_call("document_finding"),
        "Uppgiften är dokumenterad.",
    ),
    "forslag": (
        ProposalForm, {"reasoning": "proposal_reasoning"}, _app_call("propose_grade"),
        "Förslaget är registrerat.",
    ),
    "beslut": (
        DecisionForm, {"reasoning": "decision_reasoning"}, _app_call("decide_lex_sarah"),
        "Beslutet är registrerat.",
    ),
    "ivo": (IvoReportForm, {}, _app_call("report_to_ivo"), "Anmälan till IVO är registrerad."),
    "informerad": (
        InformedForm, {"on": "informed_on"}, _app_call("record_informed"),
        "Informationen är registrerad.",
    ),
    "avsluta": (
        ClosureForm, {"summary": "closing_summary"}, _app_call("close_lex_sarah"),
        "Utredningen är avslutad.",
    ),
}


def _options(labels: dict[Any, Any]) -> list[tuple[str, Any]]:
    return [(member.value, label) for member, label in labels.items()]


def _names(labels: dict[Any, Any]) -> dict[str, Any]:
    return {member.value: label for member, label in labels.items()}


def _labels() -> dict[str, Any]:
    return {
        "grade_opts": _options(GRADES),
        "kind_opts": _options(FINDING_KINDS),
        "nature_opts": _options(FINDING_NATURES),
        "party_opts": _options(INFORMED_PARTIES),
        "grade_names": _names(GRADES),
        "kind_names": _names(FINDING_KINDS),
        "nature_names": _names(FINDING_NATURES),
        "party_names": _names(INFORMED_PARTIES),
        "statuses": LEX_SARAH_STATUSES,
        "event_names": EVENT_NAMES,
    }


def _render_case(case_id: UUID, forms: dict[str, Form] | None = None, status: int = 200) -> Any:
    app = application()
    case = lex_sarah_dict(app.get_lex_sarah_case(case_id), app.history(case_id))
    return (
        render_template(
            "lex_sarah/case.html", case=case, forms=forms or {}, today=app.today(), **_labels()
        ),
        status,
    )


@bp.route("/")
@roles_required(LEX_SARAH_ROLES)
def index() -> Any:
    fresh_views()
    cases = queries.escalations(runtime().engine, application().today())
    show = request.args.get("visa", "pagaende")
    if show != "alla":
        cases = [case for case in cases if case["status"] != "closed"]
    return render_template("lex_sarah/index.html", cases=cases, show=show, **_labels())


@bp.route("/<uuid:case_id>")
@roles_required(LEX_SARAH_ROLES)
def case(case_id: UUID) -> Any:
    return _render_case(case_id)


@bp.route("/<uuid:case_id>/<action>", methods=["POST"])
@roles_required(LEX_SARAH_ROLES)
def act(case_id: UUID, action: str) -> Any:
    if action not in ACTIONS:
        abort(404)
    schema, field_map, command, done = ACTIONS[action]
    application().get_lex_sarah_case(case_id)  # 404 before reading the form
    form = parse_form(schema())
    status = 422
    if form.ok:
        try:
            command(case_id, current_account().username, form.data)
        except (DomainError, ConflictError) as error:
            form.fail(error, field_map)
            # A step taken too early, or someone else's change: the state is the conflict.
            if isinstance(error, StepOutOfOrder | ConflictError):
                status = 409
    if not form.ok:
        if form.conflict:
            form.values.pop("version", None)  # the re-shown form carries the current version
        return _render_case(case_id, {action: form}, status)
    flash(done, "success")
    return redirect(url_for("lex_sarah.case", case_id=case_id) + f"#steg-{action}")
