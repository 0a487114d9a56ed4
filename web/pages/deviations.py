"""Deviation pages: the staff form and its receipt, "Mina rapporter", the inbox, and the
deviation page with its timeline and actions. Parse -> authorise -> command -> render."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from jinja2.utils import Namespace
from marshmallow import fields, validate
from werkzeug.routing import BuildError

from events.deviation import Deviation
from events.errors import DomainError
from events.legal import DEVIATION_KEYS, cite_on
from events.risk import SCALE, suggests_lex_sarah
from events.tasks import deviation_next_task, deviation_tasks
from projections.queries import Page, case_files, casework, list_deviations
from tracker.application import ConflictError, NotFound
from tracker.people.access import own_reporter
from tracker.people.accounts import Account
from web import navigation, policy
from web.cases.actions import by_page
from web.cases.deviation_handling import stands_open, step_anchor
from web.cases.deviations import ACTIONS, NewDeviation, reporter_history
from web.display import OPERATION_NAMES
from web.forms import GENERAL, Form, parse_form
from web.i18n import domain_message
from web.pages.deviation_handling import entry_context, fresh_values
from web.policy import LEX_SARAH_ROLES
from web.runtime import application, fresh_views, runtime
from web.schemas import MAX_PAGE, BaseSchema, code, page_number
from web.sign_in.users import current_account, roles_required

bp = Blueprint("deviations", __name__)

navigation.register("Rapportera avvikelse", "deviations.new", policy.EVERY_ROLE, 10)
navigation.register("Mina rapporter", "deviations.mine", policy.EVERY_ROLE, 20)
navigation.register("Inkorg", "deviations.inbox", policy.REVIEWERS, 30)

REPORT_LABELS = {
    "unit": "Enhet",
    "category": "Kvalitetsområde",
    "subcategory": "Underkategori",
    "occurred_on": "När hände det?",
    "reported_on": "Rapportdatum",
    "description": "Vad hände?",
    "immediate_actions": "Vad gjordes direkt?",
    "case_reference": "Ärendereferens",
}
# The error summary names the field each message is about (the action forms share a page).
ACTION_LABELS = {
    "reclassify_category": "Kvalitetsområde",
    "reclassify_subcategory": "Underkategori",
    "analyse_analysis": "Orsaksanalys",
    "analyse_causes": "Orsaker",
    "no_measures_reason": "Varför ingen åtgärd behövs",
    "no_feedback_reason": "Varför återkoppling inte kan ges",
    "add_measure_description": "Åtgärd",
    "add_measure_responsible": "Ansvarig",
    "add_measure_due_on": "Klar senast",
    "complete_measure_measure": "Åtgärd",
    "complete_measure_completed_on": "Genomförd den",
    "feedback_message": "Meddelande",
    "escalate_reason": "Skäl för Lex Sarah",
    "escalate_opened_on": "Öppnad den",
    "close_summary": "Sammanfattning",
    "reopen_reason": "Skäl att öppna igen",
    "withdraw_reason": "Skäl att återkalla",
    "add_measure_goal": "Mål",
    "add_measure_follow_up_on": "Följs upp senast",
    "add_measure_proposed": "Status",
    "assess_risk_probability": "Sannolikhet",
    "assess_risk_consequence": "Konsekvens",
    "move_to_unit_unit": "Ny enhet",
    "move_to_unit_reason": "Varför flyttas den?",
}
PER_PAGE = 50
# The inbox's and the API's "riskpoäng minst": every score the 4x4 matrix can give.
RISK_FILTER = sorted({p * c for p in SCALE for c in SCALE})
PAGE_ACTIONS = by_page(ACTIONS)
# The task list: each step's title, and the step each action belongs to (its fragment).
STEP_TITLES = {
    "klassificera": "Klassificera",
    "orsaksanalys": "Orsaksanalys",
    "atgarder": "Åtgärder",
    "aterkoppling": "Återkoppling till rapportören",
    "avsluta": "Avsluta",
}
STEP_OF = {
    "reclassify": "klassificera",
    "analyse": "orsaksanalys",
    "add_measure": "atgarder",
    "complete_measure": "atgarder",
    "no_measures": "atgarder",
    "feedback": "aterkoppling",
    "no_feedback": "aterkoppling",
    "close": "avsluta",
    "reopen": "avsluta",
    "escalate": "ovrigt",
    "withdraw": "ovrigt",
    "move_to_unit": "ovrigt",
    "assess_risk": "risk",
    "plan_measure": "atgarder",
    "reject_measure": "atgarder",
    "schedule_follow_up": "atgarder",
    "follow_up_measure": "atgarder",
}


def _load(deviation_id: UUID) -> Deviation:
    try:
        return application().get_deviation(deviation_id)
    except NotFound:
        abort(404)


def _viewable(deviation_id: UUID) -> Deviation:
    deviation = _load(deviation_id)
    if not policy.can_view_deviation(current_account(), deviation):
        abort(403)
    return deviation


def _choices() -> dict[str, Any]:
    rt = runtime()
    taxonomy = rt.organisation.taxonomy()
    units = rt.organisation.units()
    return {
        "unit_groups": [
            (name, [(u.code, u.name) for u in units if u.operation.value == op])
            for op, name in OPERATION_NAMES.items()
        ],
        "categories": [(c.code, c.name) for c in taxonomy.categories.values() if c.active],
        "subcategory_groups": [
            (c.name, list(c.offered.items()))
            for c in taxonomy.categories.values()
            if c.active and c.requires_subcategory
        ],
        "needs_subcategory": [
            c.code for c in taxonomy.categories.values() if c.requires_subcategory
        ],
    }


# --- the staff form ------------------------------------------------------------------------


@bp.route("/avvikelser/ny", methods=["GET", "POST"])
@roles_required(policy.EVERY_ROLE)
def new() -> Any:
    account = current_account()
    may_backdate = account.role in policy.BACKDATES_REPORTS
    default_unit = sorted(account.units)[0] if account.units else ""
    if request.method == "GET":
        return render_template(
            "deviations/new.html", form=None, default_unit=default_unit,
            may_backdate=may_backdate, labels=REPORT_LABELS, today=application().today(),
            **_choices(),
        )
    form = parse_form(NewDeviation())
    if form.ok and form.data.get("reported_on") and not may_backdate:
        form.add(GENERAL, "Bara verksamhetsutvecklare och administratörer får ange rapportdatum.")
    if form.ok:
        try:
            deviation = application().file_deviation(actor=account.username, **form.data)
        except (DomainError, ConflictError) as error:
            form.fail(error)
        else:
            return redirect(url_for("deviations.receipt", deviation_id=deviation.id))
    return (
        render_template(
            "deviations/new.html", form=form, default_unit=default_unit,
            may_backdate=may_backdate, labels=REPORT_LABELS, today=application().today(),
            **_choices(),
        ),
        422,
    )


@bp.route("/avvikelser/<uuid:deviation_id>/kvitto")
@roles_required(policy.EVERY_ROLE)
def receipt(deviation_id: UUID) -> Any:
    return render_template("deviations/receipt.html", deviation=_viewable(deviation_id))


# --- lists ---------------------------------------------------------------------------------


@bp.route("/mina-rapporter")
@roles_required(policy.EVERY_ROLE)
def mine() -> Any:
    account = current_account()
    asked = request.args.get("sida", "1")
    number = int(asked) if asked.isdigit() and 0 < int(asked) <= MAX_PAGE else 1
    fresh_views()
    reporter = own_reporter(account)
    page = Page([], 0, 1, PER_PAGE) if reporter is None else list_deviations(
        runtime().engine, reporter=reporter, page=number, per_page=PER_PAGE
    )
    app = application()
    # The feedback lives on the aggregate; one page of reports is a handful of reads.
    feedback = {item["id"]: app.get_deviation(item["id"]).feedback for item in page.items}
    return render_template("deviations/mine.html", page=page, feedback=feedback)


class InboxFilters(BaseSchema):
    month = fields.String(
        load_default=None, validate=validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$",
                                                    error="Ange månad som ÅÅÅÅ-MM.")
    )
    operation = fields.String(load_default=None, validate=validate.OneOf(["IFO", "HVB"]))
    unit = code(required=False)
    category = code(required=False)
    status = fields.String(
        load_default=None, validate=validate.OneOf(["open", "closed", "withdrawn"])
    )
    # Assessed with at least this risk score (events.risk).
    risk = fields.Integer(load_default=None, validate=validate.OneOf(RISK_FILTER))
    # "atgard": open ones first, oldest first (what needs action); "nyast": newest first.
    sortering = fields.String(load_default="atgard", validate=validate.OneOf(["atgard", "nyast"]))
    sida = page_number()


def _inbox_query(account: Account, filters: dict[str, Any]) -> dict[str, Any]:
    query: dict[str, Any] = {
        key: filters[key] for key in ("operation", "unit", "category", "status") if filters[key]
    }
    if filters["risk"]:
        query["min_risk"] = filters["risk"]
    if filters["month"]:
        year, month = filters["month"].split("-")
        query |= {"year": int(year), "month": int(month)}
    scope = policy.unit_scope(account)
    if scope is not None:
        query["units"] = scope
    return query


@bp.route("/inkorg")
@roles_required(policy.REVIEWERS)
def inbox() -> Any:
    account = current_account()
    form = parse_form(InboxFilters(), request.args)
    page = None
    steps: dict[UUID, dict[str, Any]] = {}
    awaiting: set[UUID] = set()
    if form.ok:
        fresh_views()
        page = list_deviations(
            runtime().engine, **_inbox_query(account, form.data),
            sort="oldest_open" if form.data["sortering"] == "atgard" else "newest",
            page=form.data["sida"], per_page=PER_PAGE,
        )
        steps = casework.steps_of(runtime().engine, [item["id"] for item in page.items])
        awaiting = case_files.awaiting_reply(
            runtime().engine, "deviation", [item["id"] for item in page.items])
    choices = _choices()
    scope = policy.unit_scope(account)
    if scope is not None:  # an enhetschef filters among their own units only
        choices["unit_groups"] = [
            (name, [u for u in units if u[0] in scope]) for name, units in choices["unit_groups"]
        ]
    filters = {k: v for k, v in form.values.items() if k != "sida" and v}
    return render_template(
        "deviations/inbox.html", form=form, page=page, filters=filters, steps=steps,
        awaiting=awaiting, step_anchor=step_anchor,
        step_titles=STEP_TITLES, today=application().today(),
        risk_options=[(str(n), str(n)) for n in RISK_FILTER],
        sort=form.data.get("sortering", "atgard") if form.ok else "atgard", **choices
    ), (200 if form.ok else 422)


# --- one deviation ---------------------------------------------------------------------------


def _render_detail(
    deviation: Deviation,
    *,
    active: str | None = None,
    form: Form | None = None,
    status: int = 200,
    opened: str | None = None,
) -> Any:
    account = current_account()
    handling = policy.sees_handling(account, deviation)
    history = application().history(deviation.id)
    if not handling:
        history = reporter_history(history)
    causes = runtime().organisation.causes()
    # Nothing handled yet: "Hantera och avsluta" stands open as the first step for whoever
    # handles it (web/pages/deviation_handling.py receives what is sent).
    handles = policy.handles_deviation(account, deviation)
    one_page = (entry_context(deviation, Form(values=fresh_values(deviation)))
                if handles and stands_open(deviation) else None)
    return render_template(
        "deviations/detail.html",
        deviation=deviation,
        handling=handling,
        entry=one_page,
        handles=handles,
        history=history,
        tasks_by_key={task.key: task.state for task in deviation_tasks(deviation)},
        next_step=deviation_next_task(deviation),
        step_titles=STEP_TITLES,
        step_of=STEP_OF,
        rendered=Namespace(active_shown=False),  # set by the template once it shows `form`
        closing_gaps=[domain_message(gap) for gap in deviation.closing_gaps()],
        cause_options=[(c.code, c.name) for c in causes.active()]
        + [(code, causes.name(code)) for code in deviation.causes
           if code not in {c.code for c in causes.active()}],
        lex_sarah_url=_lex_sarah_url(account, deviation),
        lex_sarah_number=(application().get_lex_sarah_case(deviation.lex_sarah_case_id).number
                          if deviation.lex_sarah_case_id and _lex_sarah_url(account, deviation)
                          else None),
        legal={key: cite_on(key, deviation.reported_on) for key in DEVIATION_KEYS},
        labels=ACTION_LABELS,
        actions=policy.allowed_actions(account, deviation),
        active=active,
        opened=opened,
        form=form,
        today=application().today(),
        risk=_risk(deviation),
        **_choices(),
    ), status


def _risk(deviation: Deviation) -> dict[str, Any]:
    """The matrix's labels (settings) and whether the score suggests Lex Sarah."""
    settings = runtime().settings
    return {
        "probability": settings.risk_probability_labels,
        "consequence": settings.risk_consequence_labels,
        "probability_options": [
            (str(n), f"{n} {label}") for n, label in enumerate(settings.risk_probability_labels, 1)
        ],
        "consequence_options": [
            (str(n), f"{n} {label}") for n, label in enumerate(settings.risk_consequence_labels, 1)
        ],
        "threshold": settings.risk_lex_sarah_score,
        "suggests": suggests_lex_sarah(deviation.risk_score, settings.risk_lex_sarah_score),
    }


def _lex_sarah_url(account: Account, deviation: Deviation) -> str | None:
    """A link to the investigation for those who may open it (the Lex Sarah pages)."""
    if deviation.lex_sarah_case_id is None:
        return None
    try:
        url = url_for("lex_sarah.case", case_id=deviation.lex_sarah_case_id)
    except BuildError:  # the Lex Sarah pages are not installed
        return None

    return url if account.role in LEX_SARAH_ROLES else None


@bp.route("/avvikelser/<uuid:deviation_id>")
@roles_required(policy.EVERY_ROLE)
def detail(deviation_id: UUID) -> Any:
    # ?inled=lex-sarah (from "Återkommande avvikelser") opens the escalation form.
    opened = "escalate" if request.args.get("inled") == "lex-sarah" else None
    return _render_detail(_viewable(deviation_id), opened=opened)


@bp.route("/avvikelser/<uuid:deviation_id>/<action>", methods=["POST"])
@roles_required(policy.EVERY_ROLE)
def act(deviation_id: UUID, action: str) -> Any:
    found = PAGE_ACTIONS.get(action)
    if found is None:
        abort(404)
    deviation = _viewable(deviation_id)
    if not policy.can_act(current_account(), found.name, deviation):
        abort(403)
    form = parse_form(found.form_schema())
    if form.ok:
        if form.data.get("expected_version") is None:
            form.add(GENERAL, "Formuläret saknar ärendets version. Ladda om sidan och försök igen.")
        else:
            try:
                result = found.run(
                    application(), deviation_id, current_account().username, form.data
                )
            except (DomainError, ConflictError) as error:
                form.fail(error)
            else:
                # On to the step that is next now (the task list opens it); the "saved"
                # message stands there (at the top when no step is left).
                following = deviation_next_task(application().get_deviation(deviation_id))
                flash(found.done, f"step:{following}" if following else "success")
                if action == "escalate":
                    flash(f"Lex Sarah-ärende {result.number} är öppnat.", "success")
                fragment = f"#{step_anchor(following)}" if following else ""
                return redirect(url_for("deviations.detail", deviation_id=deviation_id) + fragment)
    # Re-read: after a conflict the page must show what the other person did.
    return _render_detail(_load(deviation_id), active=action, form=form, status=422)
