"""The Lex Sarah investigation on one page (SOSFS 2011:5 ch. 5): every required kind still
uncovered at once, the author and title once at the top, then a check-answers page, then one
save of one event per item (GOV.UK "check answers"). What was typed travels in the forms'
hidden inputs between the steps, never in the session; nothing is stored before "Spara"."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any
from uuid import UUID

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from marshmallow import ValidationError

from events.errors import DomainError, StepOutOfOrder, ValidationFailed
from events.lex_sarah import REQUIRED_KINDS, FindingKind, LexSarahCase
from events.tasks import lex_sarah_next_step
from projections import queries
from projections.queries.casework import recurrence_deviations
from tracker.application import ConflictError, NotFound, TrackerApplication
from web.cases.lex_sarah import FINDING_KINDS, FINDING_NATURES, lex_sarah_references
from web.cases.lex_sarah_investigation import (
    AT_LEAST_ONE,
    USUAL_NATURE,
    InvestigationBody,
    investigation_items,
)
from web.display import swedish_date
from web.forms import GENERAL, MISSING, Form
from web.i18n import domain_message, validation_messages
from web.policy import LEX_SARAH_ROLES
from web.runtime import application, fresh_views, runtime
from web.sign_in.users import current_account, roles_required

bp = Blueprint("lex_sarah_investigation", __name__, url_prefix="/lex-sarah")

# A kind's inputs on the page: `<kind>_<name>`; the API item's field -> that name.
ITEM_INPUTS = {"text": "text", "dated_on": "date", "date": "date", "source": "source",
               "nature": "nature", "not_applicable_reason": "reason", "reason": "reason",
               "kind": "text"}
SHARED_INPUTS = ("author", "author_title", "source")
TITLE_LOOKBACK = 20  # how many of the latest cases are read for the person's own title
SAVED = "Utredningens uppgifter är sparade."
# What to do in an empty shared field (the summary names the field, this says what to write).
WHAT_TO_WRITE = {"author": "Skriv namnet på den som skrivit uppgifterna.",
                 "author_title": "Skriv befattning eller titel, till exempel socialsekreterare."}


def _input(kind: FindingKind, name: str) -> str:
    return f"{kind.value}_{name}"


def _typed(formdata: Mapping[str, str], kind: FindingKind) -> bool:
    return any(formdata.get(_input(kind, n), "").strip() for n in ("text", "reason"))


def _kinds(case: LexSarahCase, formdata: Mapping[str, str]) -> list[FindingKind]:
    """The kinds on the page: every required kind still uncovered, and any the person typed
    into (after a conflict another person may have covered one meanwhile)."""
    open_now = set(case.uncovered_kinds())
    return [k for k in REQUIRED_KINDS if k in open_now or _typed(formdata, k)]


def _labels(kinds: list[FindingKind]) -> dict[str, str]:
    labels = {"author": "Skriven av", "author_title": "Befattning eller titel",
              "source": "Källa för alla uppgifter"}
    for kind in kinds:
        name = str(FINDING_KINDS[kind])
        labels |= {_input(kind, "text"): f"{name} – uppgift",
                   _input(kind, "nature"): f"{name} – fakta eller bedömning",
                   _input(kind, "source"): f"{name} – källa",
                   _input(kind, "date"): f"{name} – datum",
                   _input(kind, "reason"): f"{name} – skäl till ej tillämpligt"}
    return labels


def _body(formdata: Mapping[str, str], kinds: list[FindingKind]) -> tuple[dict[str, Any],
                                                                           list[FindingKind]]:
    """The page's inputs as the API's body (one schema for both), and the kind of each
    item. A kind with neither text nor reason is left for later: not an item."""
    items, order = [], []
    shared_source = formdata.get("source", "").strip()
    for kind in kinds:
        text = formdata.get(_input(kind, "text"), "").strip()
        reason = formdata.get(_input(kind, "reason"), "").strip()
        if not text and not reason:
            continue
        item: dict[str, Any] = {"kind": kind.value}
        if reason:
            item["not_applicable_reason"] = reason
        if text or not reason:
            item["text"] = text
            for name, key in (("nature", "nature"), ("date", "date")):
                if value := formdata.get(_input(kind, name), "").strip():
                    item[key] = value
            if source := formdata.get(_input(kind, "source"), "").strip() or shared_source:
                item["source"] = source
        items.append(item)
        order.append(kind)
    body: dict[str, Any] = {key: formdata.get(key, "").strip()
                            for key in ("author", "author_title", "version")}
    body = {key: value for key, value in body.items() if value}
    if "version" in body:
        body["expected_version"] = body.pop("version")
    return {**body, "items": items}, order


def _page_errors(form: Form, order: list[FindingKind], page_order: list[str]) -> None:
    """API field names (items.<i>.<field>) -> the page's inputs, in the page's order."""
    mapped: dict[str, list[str]] = {}
    for name, messages in form.errors.items():
        parts = name.split(".")
        if parts[0] == "items" and len(parts) == 3 and parts[1].isdigit():
            kind = order[int(parts[1])]
            key = _input(kind, ITEM_INPUTS.get(parts[2], "text"))
            if parts[2] == "source" and not request.form.get(key, "").strip():
                key = "source"  # the shared source stood in for the kind's own
        elif name in ("author", "author_title"):
            key = name
        else:
            key = GENERAL
        mapped.setdefault(key, []).extend(messages)
    position = {name: index for index, name in enumerate([GENERAL, *page_order])}
    form.errors = dict(sorted(mapped.items(), key=lambda kv: position.get(kv[0], 0)))


def _page_order(kinds: list[FindingKind]) -> list[str]:
    names = ["author", "author_title", "source"]
    for kind in kinds:
        names += [_input(kind, n) for n in ("text", "nature", "source", "date", "reason")]
    return names


def _parse(case: LexSarahCase, formdata: Mapping[str, str]) -> tuple[
        Form, list[FindingKind], list[FindingKind]]:
    """Check what was typed with the API's schema. Returns the form (values as typed,
    errors on the page's inputs), the kinds on the page and the kind of each item."""
    kinds = _kinds(case, formdata)
    body, order = _body(formdata, kinds)
    form = Form(values={key: value for key, value in formdata.items() if key != "csrf_token"})
    g.setdefault("forms", []).append(form)  # the page title says "Fel: " when it failed
    if not body["items"]:
        form.errors[GENERAL] = [gettext(str(AT_LEAST_ONE))]
        return form, kinds, order
    try:
        form.data = InvestigationBody().load(body)
    except ValidationError as error:
        form.errors = validation_messages(error.messages)
    missing = {gettext(message) for message in MISSING}
    for name, what in WHAT_TO_WRITE.items():
        if any(message in missing for message in form.errors.get(name, [])):
            form.errors[name] = [what]
    _page_errors(form, order, _page_order(kinds))
    return form, kinds, order


def remembered_title(app: TrackerApplication, username: str, case: LexSarahCase) -> str:
    """The befattning this person gave last: on their latest finding, ej tillämpligt or
    decision (their own, not someone else's they recorded) in this case or the latest
    TITLE_LOOKBACK cases; empty when they never gave one."""
    latest: tuple[Any, str] | None = None
    fresh_views()
    others = [row["id"] for row in queries.escalations(runtime().engine, app.today())
              if row["id"] != case.id]
    ids = [case.id, *others[:TITLE_LOOKBACK]]
    for case_id in ids:
        try:
            history = app.history(case_id)
        except NotFound:  # pragma: no cover - a listed case always has events
            continue
        for entry in history:
            if entry.by != username:
                continue
            if entry.type in ("FindingDocumented", "FindingKindMarkedNotApplicable"):
                title = entry.data.get("author_title")
            elif entry.type == "Decided" and entry.data.get("decided_by") in (None, username):
                title = entry.data.get("decided_by_title")
            else:
                continue
            if title and (latest is None or entry.at > latest[0]):
                latest = (entry.at, title)
    return latest[1] if latest else ""


def _suggestions(app: TrackerApplication, case: LexSarahCase) -> dict[str, str]:
    """What the tracker already knows, as editable first drafts: what happened, when and
    when it was noticed from the deviation report, the measures taken so far."""
    deviation = app.get_deviation(case.deviation_id)
    number = case.deviation_number
    values = {
        _input(FindingKind.HANDELSE, "text"): deviation.description,
        _input(FindingKind.HANDELSE, "source"): f"Avvikelserapport {number}",
        _input(FindingKind.TIDPUNKT, "text"):
            f"Enligt avvikelserapporten hände det {swedish_date(deviation.occurred_on)}.",
        _input(FindingKind.TIDPUNKT, "source"): f"Avvikelserapport {number}",
        _input(FindingKind.UPPTACKT, "text"):
            f"Uppmärksammades och rapporterades som avvikelse {number} "
            f"{swedish_date(deviation.reported_on)}.",
        _input(FindingKind.UPPTACKT, "source"): f"Avvikelserapport {number}",
    }
    values[_input(FindingKind.TIDIGARE, "text")] = _earlier_deviations(deviation)
    values[_input(FindingKind.TIDIGARE, "source")] = "Avvikelseregistret"
    if case.protective_actions:
        values[_input(FindingKind.ATGARD, "text")] = "\n".join(
            f"{swedish_date(day)}: {text}" for day, text in case.protective_actions)
        values[_input(FindingKind.ATGARD, "source")] = f"Lex Sarah-ärende {case.number}"
    return values


def _earlier_deviations(deviation: Any) -> str:
    """The register's answer to "tidigare liknande händelser": the other deviations of the
    unit and kvalitetsområde reported in the twelve months up to this one (not withdrawn)."""
    since = deviation.reported_on - timedelta(days=365)
    found = recurrence_deviations(runtime().engine, since, deviation.reported_on)
    numbers = sorted(
        row["number"] for (unit, category, _), rows in found.items()
        if (unit, category) == (deviation.unit, deviation.category)
        for row in rows if row["id"] != deviation.id
    )
    if not numbers:
        return ("Avvikelseregistret har inga andra avvikelser i samma enhet och "
                "kvalitetsområde de tolv månaderna före den här.")
    how_many = "1 annan avvikelse" if len(numbers) == 1 else f"{len(numbers)} andra avvikelser"
    return (f"Avvikelseregistret har {how_many} i samma enhet och kvalitetsområde de tolv "
            f"månaderna före den här: {', '.join(numbers)}.")


def _fresh_values(app: TrackerApplication, case: LexSarahCase) -> dict[str, str]:
    account = current_account()
    values: dict[str, str] = {
        "author": account.username,
        "author_title": remembered_title(app, account.username, case),
        "version": str(case.version),
    }
    today = app.today().isoformat()
    suggested = _suggestions(app, case)
    for kind in case.uncovered_kinds():
        values[_input(kind, "nature")] = USUAL_NATURE[kind].value
        values[_input(kind, "date")] = today
        for name in ("text", "source"):
            if _input(kind, name) in suggested:
                values[_input(kind, name)] = suggested[_input(kind, name)]
    return values


def _case_or_404(case_id: UUID) -> LexSarahCase:
    try:
        return application().get_lex_sarah_case(case_id)
    except NotFound:
        abort(404)


def _render_entry(case: LexSarahCase, form: Form, kinds: list[FindingKind],
                  status: int = 200) -> Any:
    closed_or_decided = case.closed_on is not None or case.grade is not None
    return render_template(
        "lex_sarah/investigation.html", case=case, form=form, kinds=kinds,
        kind_names={k: FINDING_KINDS[k] for k in FindingKind},
        nature_opts=[(n.value, label) for n, label in FINDING_NATURES.items()],
        labels=_labels(kinds), input_name=_input, locked=closed_or_decided,
        today=application().today(), legal=lex_sarah_references(case),
    ), status


@bp.route("/<uuid:case_id>/utredning", methods=["GET", "POST"])
@roles_required(LEX_SARAH_ROLES)
def entry(case_id: UUID) -> Any:
    """The form; a POST is "Ändra" from the review page: the typed values shown again."""
    app = application()
    case = _case_or_404(case_id)
    if request.method == "POST":
        values = {k: v for k, v in request.form.items() if k != "csrf_token"}
        return _render_entry(case, Form(values=values), _kinds(case, request.form))
    form = Form(values=_fresh_values(app, case))
    return _render_entry(case, form, case.uncovered_kinds())


@bp.route("/<uuid:case_id>/utredning/granska", methods=["POST"])
@roles_required(LEX_SARAH_ROLES)
def review(case_id: UUID) -> Any:
    """Check answers: what will be saved, what is left, each with "Ändra"."""
    case = _case_or_404(case_id)
    form, kinds, order = _parse(case, request.form)
    if not form.ok:
        return _render_entry(case, form, kinds, 422)
    left = [kind for kind in kinds if kind not in order]
    return render_template(
        "lex_sarah/investigation_review.html", case=case, form=form, items=form.data["items"],
        left=left, kind_names={k: FINDING_KINDS[k] for k in FindingKind},
        nature_names={n: label for n, label in FINDING_NATURES.items()}, input_name=_input,
        today=application().today(),
    )


@bp.route("/<uuid:case_id>/utredning/spara", methods=["POST"])
@roles_required(LEX_SARAH_ROLES)
def save(case_id: UUID) -> Any:
    """One save of every item, or nothing: a refusal shows the form again as typed."""
    app = application()
    case = _case_or_404(case_id)
    form, kinds, order = _parse(case, request.form)
    status = 422
    if form.ok:
        data = form.data
        try:
            app.document_investigation(
                case_id, actor=current_account().username, author=data["author"],
                author_title=data["author_title"],
                items=investigation_items(data, app.today()),
                expected_version=data.get("expected_version"),
            )
        except (DomainError, ConflictError) as error:
            if isinstance(error, ValidationFailed):  # its field names the item
                form.add(error.field, domain_message(error))
            else:
                form.fail(error)
            _page_errors(form, order, _page_order(kinds))
            if isinstance(error, StepOutOfOrder | ConflictError):
                status = 409
            if form.conflict:  # the form goes on from the case as it is now
                case = app.get_lex_sarah_case(case_id)
                form.values["version"] = str(case.version)
                kinds = _kinds(case, request.form)
        else:
            following = lex_sarah_next_step(app.get_lex_sarah_case(case_id))
            flash(SAVED, f"step:{following or 'uppgift'}")
            return redirect(
                url_for("lex_sarah.case", case_id=case_id) + f"#steg-{following or 'uppgift'}")
    return _render_entry(case, form, kinds, status)

