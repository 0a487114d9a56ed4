"""A deviation handled and closed on one page, for the enhetschef and the
verksamhetsutvecklare: the cause analysis, one measure (or why none is needed), the
feedback and the closing summary; then a check-answers page; then one save of one event
per step (web/pages/lex_sarah_investigation.py is the same pattern). What was typed
travels in the forms' hidden inputs between the steps; nothing is stored before "Spara".
The deviation's own page shows the same form (entry_context) while nothing is handled."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from events.deviation import Deviation, DeviationStatus
from events.errors import DomainError, ValidationFailed
from tracker.application import ConflictError, NotFound, PlannedMeasure
from web import policy
from web.cases.deviation_handling import (
    DUE_IN_DAYS,
    MEASURE,
    NO_FEEDBACK,
    NO_MEASURE,
    NO_SUMMARY,
    Handling,
    feedback_draft,
    summary_draft,
)
from web.forms import GENERAL, Form, parse_form
from web.i18n import domain_message
from web.runtime import application, runtime
from web.sign_in.users import current_account, roles_required

bp = Blueprint("deviation_handling", __name__, url_prefix="/avvikelser")

LABELS = {
    "causes": "Orsaker",
    "analysis": "Varför hände det?",
    "measure": "Åtgärd eller inte",
    "description": "Åtgärd",
    "responsible": "Ansvarig",
    "due_on": "Klar senast",
    "why_no_measure": "Varför ingen åtgärd behövs",
    "message": "Återkoppling till rapportören",
    "summary": "Sammanfattning vid avslut",
}
# The domain's field names -> this page's inputs.
DOMAIN_FIELDS = {"reason": "why_no_measure", "feedback": "message",
                 "measures": "description"}
SAVED = "Avvikelsen är hanterad och avslutad."


def _deviation(deviation_id: UUID) -> Deviation:
    """The deviation, if the person may run every command of the page on it."""
    try:
        deviation = application().get_deviation(deviation_id)
    except NotFound:
        abort(404)
    if not policy.handles_deviation(current_account(), deviation):
        abort(403)
    return deviation


def _needs_feedback(deviation: Deviation) -> bool:
    return (deviation.feedback_required and not deviation.feedback
            and deviation.no_feedback_reason is None)


def fresh_values(deviation: Deviation) -> dict[str, Any]:
    """The form as it first stands: the signed-in person, today + 30 days, the drafts."""
    today = application().today()
    return {
        "causes": list(deviation.causes),
        "analysis": deviation.cause_analysis or "",
        "measure": MEASURE,
        "responsible": current_account().username,
        "due_on": (today + timedelta(days=DUE_IN_DAYS)).isoformat(),
        "message": feedback_draft(deviation) if _needs_feedback(deviation) else "",
        "expected_version": str(deviation.version),
    }


def _cause_options(deviation: Deviation) -> list[tuple[str, str]]:
    causes = runtime().organisation.causes()
    active = [(c.code, c.name) for c in causes.active()]
    return active + [(code, causes.name(code)) for code in deviation.causes
                     if code not in dict(active)]


def _parse(deviation: Deviation, *, saving: bool) -> Form:
    form = parse_form(Handling())
    form.values.pop("csrf_token", None)
    chosen = form.values.get("causes") or []
    if chosen and not form.errors.get("causes"):  # an unknown code, listed with the rest
        try:
            runtime().organisation.causes().check(chosen)
        except ValidationFailed as error:
            form.add("causes", domain_message(error))
    typed = str(form.values.get("message", "")).strip()  # form.data is empty on any error
    if _needs_feedback(deviation) and not typed and not form.errors.get("message"):
        form.add("message", gettext(str(NO_FEEDBACK)))
    if saving and form.ok and not form.data.get("summary"):
        form.add("summary", gettext(str(NO_SUMMARY)))
    _in_page_order(form)
    return form


def _in_page_order(form: Form) -> None:
    """The error summary lists the fields as the page shows them (general ones first)."""
    order = [GENERAL, *LABELS]
    form.errors = dict(sorted(form.errors.items(), key=lambda kv: order.index(kv[0])
                              if kv[0] in order else 0))


def entry_context(deviation: Deviation, form: Form) -> dict[str, Any]:
    """What the form's template (deviations/_handle_form.html) shows besides the deviation."""
    return {"form": form, "cause_options": _cause_options(deviation), "measure_choice": MEASURE,
            "no_measure": NO_MEASURE, "needs_feedback": _needs_feedback(deviation)}


def _render_entry(deviation: Deviation, form: Form, status: int = 200) -> Any:
    return render_template(
        "deviations/handle.html", deviation=deviation, form=form, labels=LABELS,
        entry=entry_context(deviation, form), open=deviation.status is DeviationStatus.OPEN,
    ), status


@bp.route("/<uuid:deviation_id>/hantera", methods=["GET", "POST"])
@roles_required(policy.REVIEWERS)
def entry(deviation_id: UUID) -> Any:
    """The form; a POST is "Ändra" from the review page: what was typed, shown again."""
    deviation = _deviation(deviation_id)
    if request.method == "POST":
        values: dict[str, Any] = {k: v for k, v in request.form.items() if k != "csrf_token"}
        values["causes"] = request.form.getlist("causes")
        return _render_entry(deviation, Form(values=values))
    return _render_entry(deviation, Form(values=fresh_values(deviation)))


@bp.route("/<uuid:deviation_id>/hantera/granska", methods=["POST"])
@roles_required(policy.REVIEWERS)
def review(deviation_id: UUID) -> Any:
    """Check answers, with the closing summary drafted from the analysis and the measure."""
    deviation = _deviation(deviation_id)
    form = _parse(deviation, saving=False)
    if not form.ok:
        return _render_entry(deviation, form, 422)
    names = dict(_cause_options(deviation))
    if not form.data.get("summary"):
        form.values["summary"] = form.data["summary"] = summary_draft(
            form.data, [names.get(code, code) for code in form.data["causes"]])
    return render_template(
        "deviations/handle_review.html", deviation=deviation, form=form, data=form.data,
        cause_names=names, no_measure=NO_MEASURE, hidden=_hidden(form),
    )


def _hidden(form: Form) -> list[tuple[str, str]]:
    """The typed values as hidden inputs (a checkbox list as one input per code)."""
    pairs: list[tuple[str, str]] = []
    for name, value in form.values.items():
        for one in value if isinstance(value, list) else [value]:
            pairs.append((name, str(one)))
    return pairs


@bp.route("/<uuid:deviation_id>/hantera/spara", methods=["POST"])
@roles_required(policy.REVIEWERS)
def save(deviation_id: UUID) -> Any:
    """One save of every step, or nothing: a refusal shows the form again as typed."""
    app = application()
    deviation = _deviation(deviation_id)
    form = _parse(deviation, saving=True)
    status = 422
    if form.ok:
        data = form.data
        measure = (PlannedMeasure(data["description"], data["responsible"], data["due_on"])
                   if data["measure"] == MEASURE else None)
        try:
            app.handle_and_close(
                deviation_id, actor=current_account().username, analysis=data["analysis"],
                causes=data["causes"], measure=measure,
                no_measures_reason=None if measure else data["why_no_measure"],
                feedback=data.get("message"), summary=data["summary"],
                expected_version=data.get("expected_version"),
            )
        except (DomainError, ConflictError) as error:
            form.fail(error, DOMAIN_FIELDS)
            if not isinstance(error, ValidationFailed):  # the case moved on or was closed
                status = 409
            if isinstance(error, ConflictError):  # the form goes on from the case as it is now
                deviation = app.get_deviation(deviation_id)
                form.values["expected_version"] = str(deviation.version)
        else:
            flash(SAVED, "success")
            return redirect(url_for("deviations.detail", deviation_id=deviation_id))
    _in_page_order(form)
    return _render_entry(deviation, form, status)
