"""Lex Sarah investigations for the Lex Sarah-ansvarig and the verksamhetsutvecklare: the
list of cases and one case page with every step of SOSFS 2011:5 ch. 5. Every step's form is
always shown, so a step taken too early is refused by the domain with a Swedish message
that says what is missing ("Besluta om bedömningen innan ärendet anmäls till IVO")."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from events.lex_sarah import REQUIRED_KINDS
from events.tasks import (
    IVO_COMPLETION,
    Urgency,
    lex_sarah_next_step,
    lex_sarah_tasks,
    lex_sarah_urgency,
)
from projections import queries
from web import navigation
from web.cases.actions import by_page, submit
from web.cases.lex_sarah import (
    ACTIONS,
    DOCUMENT_PURPOSES,
    FINDING_KINDS,
    FINDING_NATURES,
    GRADES,
    INFORMED_PARTIES,
    IVO_INVESTIGATION,
    LEX_SARAH_STATUSES,
    lex_sarah_dict,
    lex_sarah_wording,
)
from web.cases.lex_sarah_document import content_sha256, investigation_content
from web.cases.timeline import lex_sarah_case_timeline
from web.display import CLOCK_STATUSES, EVENT_NAMES
from web.documents.responses import download
from web.documents.timeline import timeline_pdf as render_timeline_pdf
from web.forms import Form
from web.pages.lex_sarah_document import heading
from web.policy import LEX_SARAH_ROLES
from web.runtime import application, fresh_views, runtime
from web.sign_in.users import current_account, roles_required

bp = Blueprint("lex_sarah", __name__, url_prefix="/lex-sarah")
navigation.register("Lex Sarah", "lex_sarah.index", LEX_SARAH_ROLES, order=40)


def _options(labels: dict[Any, Any]) -> list[tuple[str, Any]]:
    return [(member.value, label) for member, label in labels.items()]


def _names(labels: dict[Any, Any]) -> dict[str, Any]:
    return {member.value: label for member, label in labels.items()}


def _labels() -> dict[str, Any]:
    return {
        "clock_statuses": CLOCK_STATUSES,
        "grade_opts": _options(GRADES),
        "kind_opts": _options(FINDING_KINDS),
        "required_kind_opts": [(kind.value, FINDING_KINDS[kind]) for kind in REQUIRED_KINDS],
        "ivo_investigation_opts": _options(IVO_INVESTIGATION),
        "ivo_investigation_names": _names(IVO_INVESTIGATION),
        "nature_opts": _options(FINDING_NATURES),
        "party_opts": _options(INFORMED_PARTIES),
        "grade_names": _names(GRADES),
        "kind_names": _names(FINDING_KINDS),
        "nature_names": _names(FINDING_NATURES),
        "party_names": _names(INFORMED_PARTIES),
        "statuses": LEX_SARAH_STATUSES,
        "purpose_opts": _options(DOCUMENT_PURPOSES),
        "purpose_names": _names(DOCUMENT_PURPOSES),
        "event_names": EVENT_NAMES["lex_sarah"],
    }


STEP_TITLES = {
    "atgard": "Åtgärder för att undanröja missförhållandet",
    "utredare": "Utredare",
    "uppgift": "Utredningens uppgifter",
    "forslag": "Förslag till bedömning",
    "beslut": "Beslut om bedömning",
    "ivo": "Anmälan till IVO",
    IVO_COMPLETION: "Komplettering till IVO",
    "informerad": "Information till den enskilde",
    "avsluta": "Avsluta utredningen",
}


URGENCY_NAMES = {
    Urgency.REPORT_TO_IVO: "Anmäl till IVO snarast",
    Urgency.REMEDY: "Ingen åtgärd registrerad för att undanröja missförhållandet",
}


def _render_case(case_id: UUID, forms: dict[str, Form] | None = None, status: int = 200) -> Any:
    app = application()
    found = app.get_lex_sarah_case(case_id)
    history = app.history(case_id)
    case = lex_sarah_dict(found, history)
    tasks = lex_sarah_tasks(found)
    latest = found.document_versions[-1] if found.document_versions else None
    draft_changed = latest is not None and latest.content_sha256 != content_sha256(
        investigation_content(found, history, heading()))
    return (
        render_template(
            "lex_sarah/case.html", case=case, forms=forms or {}, today=app.today(),
            remedy_wording=lex_sarah_wording(found),
            tasks=tasks, task_states={task.key: task.state for task in tasks},
            next_step=lex_sarah_next_step(found), step_titles=STEP_TITLES,
            draft_changed=draft_changed, **_labels(),
        ),
        status,
    )


@bp.route("/")
@roles_required(LEX_SARAH_ROLES)
def index() -> Any:
    fresh_views()
    app = application()
    today = app.today()
    cases = queries.escalations(runtime().engine, today)
    show = request.args.get("visa", "pagaende")
    if show != "alla":
        cases = [case for case in cases if case["status"] != "closed"]
    # Most urgent first. The next missing step comes from each case itself: a municipality
    # has a handful of open investigations, so reading them is cheap.
    for row in cases:
        found = app.get_lex_sarah_case(row["id"])
        row["next_step"] = lex_sarah_next_step(found)
        row["urgency"], _ = lex_sarah_urgency(found, today)
    cases.sort(key=lambda row: (row["urgency"], -row["days_open"], row["number"]))
    return render_template(
        "lex_sarah/index.html", cases=cases, show=show, step_titles=STEP_TITLES,
        urgency_names=URGENCY_NAMES, **_labels(),
    )


@bp.route("/<uuid:case_id>")
@roles_required(LEX_SARAH_ROLES)
def case(case_id: UUID) -> Any:
    return _render_case(case_id)


@bp.route("/<uuid:case_id>/tidslinje")
@roles_required(LEX_SARAH_ROLES)
def timeline(case_id: UUID) -> Any:
    """Each legal clock with what started it, the deadline in force, what met it and the
    provision in force then (events/timeline.py)."""
    return render_template(
        "timeline/page.html", timeline=lex_sarah_case_timeline(case_id),
        clock_statuses=CLOCK_STATUSES, case_url=url_for("lex_sarah.case", case_id=case_id),
        pdf_url=url_for("lex_sarah.timeline_pdf", case_id=case_id),
    )


@bp.route("/<uuid:case_id>/tidslinje.pdf")
@roles_required(LEX_SARAH_ROLES)
def timeline_pdf(case_id: UUID) -> Any:
    found = lex_sarah_case_timeline(case_id)
    body = render_timeline_pdf(found, runtime().settings.administration_name)
    return download(body, f"tidslinje-{found['number']}", "pdf")


PAGE_ACTIONS = by_page(ACTIONS)


@bp.route("/<uuid:case_id>/<action>", methods=["POST"])
@roles_required(LEX_SARAH_ROLES)
def act(case_id: UUID, action: str) -> Any:
    found = PAGE_ACTIONS.get(action)
    if found is None:
        abort(404)
    application().get_lex_sarah_case(case_id)  # 404 before reading the form
    form, status = submit(found, case_id, current_account().username)
    if not form.ok:
        return _render_case(case_id, {action: form}, status)
    # On to the step that is next now (its form is the one open); the "saved" message
    # stands there.
    following = lex_sarah_next_step(application().get_lex_sarah_case(case_id))
    flash(found.done, f"step:{following or action}")
    return redirect(url_for("lex_sarah.case", case_id=case_id) + f"#steg-{following or action}")
