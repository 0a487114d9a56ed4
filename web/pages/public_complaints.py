"""Lämna synpunkter: the public e-service, no login. Anyone sends a klagomål, a synpunkt or
beröm (anonymously by default) and gets a receipt code, shown once; with the code, on
/synpunkter/svar, they read the status and the answers and add a message.

Abuse is held off without third parties: a honeypot input, size limits (the app's body
limit and the schema's), and per-address limits on sending and on trying codes (the login
throttle's rows). A wrong or expired code gets the same answer as a right one would get
for a missing case, after the same least time (LOOKUP_SECONDS), so neither the answer nor
its timing tells a guesser anything (web.cases.complaints.lookup)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, make_response, render_template, request

from events.errors import DomainError
from tracker.application import NotFound
from tracker.people.accounts import Throttled
from web.cases.complaints import (
    KIND_HINTS,
    KINDS,
    PUBLIC_WISHES,
    SENDERS,
    UNKNOWN_UNIT,
    PublicComplaint,
    SenderMessage,
    claim_code_try,
    claim_sending,
    lookup,
    public_view,
    receive_public,
    retry_after,
)
from web.forms import GENERAL, Form, parse_form
from web.runtime import application, runtime

bp = Blueprint("public_complaints", __name__, url_prefix="/synpunkter")

# The honeypot: an input people never see (hidden by CSS, out of the tab order, labelled
# "leave empty"); a form that fills it in is refused and nothing is stored.
HONEYPOT = "webbplats"
CODE_FIELD = "kod"
WRONG_CODE = (
    "Vi hittar inget ärende med den koden. Kontrollera att du skrivit av koden rätt. "
    "En kod slutar gälla en tid efter att ärendet avslutats."
)
SENDING_PAUSED = (
    "Det har kommit många meddelanden från din uppkoppling på kort tid. Vänta {minutes} "
    "och försök igen, eller ring oss."
)
TRIES_PAUSED = (
    "Det har gjorts många försök med koder från din uppkoppling. Vänta {minutes} och "
    "försök igen."
)
NOT_SENT = "Det gick inte att skicka formuläret. Ladda om sidan och försök igen."


def _wait_words(throttled: Throttled) -> tuple[str, int]:
    seconds = retry_after(throttled)
    minutes = max(1, -(-seconds // 60))
    return ("en minut" if minutes == 1 else f"{minutes} minuter"), seconds


def _page(template: str, status: int = 200, *, retry_after: int | None = None,
          **context: Any) -> Any:
    """A public page: never cached (it may show a case), the same layout for everyone."""
    response = make_response(render_template(template, **context), status)
    response.headers["Cache-Control"] = "no-store"
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _form_context(form: Form | None) -> dict[str, Any]:
    settings = runtime().settings
    units = sorted(runtime().organisation.units(), key=lambda unit: unit.name)
    return {
        "form": form,
        "kinds": [(kind.value, KINDS[kind], KIND_HINTS[kind]) for kind in KINDS],
        "senders": [(sender.value, label) for sender, label in SENDERS.items()],
        "wishes": [(wish.value, label) for wish, label in PUBLIC_WISHES.items()],
        "units": [(UNKNOWN_UNIT, "Jag vet inte"), *[(u.code, u.name) for u in units]],
        "acknowledge_days": settings.complaint_acknowledge_days,
        "answer_days": settings.complaint_answer_days,
        "honeypot": HONEYPOT,
    }


@bp.route("", methods=["GET"])
def new() -> Any:
    return _page("complaints/public_new.html", **_form_context(None))


@bp.route("", methods=["POST"])
def send() -> Any:
    form = parse_form(PublicComplaint())
    if request.form.get(HONEYPOT):
        form.add(GENERAL, NOT_SENT)
        return _page("complaints/public_new.html", 422, **_form_context(form))
    if not form.ok:
        return _page("complaints/public_new.html", 422, **_form_context(form))
    throttled = claim_sending()
    if throttled is not None:
        words, seconds = _wait_words(throttled)
        form.add(GENERAL, SENDING_PAUSED.format(minutes=words))
        return _page("complaints/public_new.html", 429, retry_after=seconds,
                     **_form_context(form))
    try:
        complaint, code = receive_public(form.data)
    except DomainError as error:
        form.fail(error, {"unit": "unit", "text": "text"})
        return _page("complaints/public_new.html", 422, **_form_context(form))
    return _page("complaints/public_receipt.html", 201, code=code, number=complaint.number,
                 wish=complaint.contact_wish.value,
                 acknowledge_days=runtime().settings.complaint_acknowledge_days,
                 answer_days=runtime().settings.complaint_answer_days)


@bp.route("/svar", methods=["GET"])
def answer_page() -> Any:
    return _page("complaints/public_lookup.html", form=None)


def _tries_refused(form: Form) -> Any | None:
    throttled = claim_code_try()
    if throttled is None:
        return None
    words, seconds = _wait_words(throttled)
    form.add(GENERAL, TRIES_PAUSED.format(minutes=words))
    return _page("complaints/public_lookup.html", 429, retry_after=seconds, form=form)


@bp.route("/svar", methods=["POST"])
def read_answer() -> Any:
    code = request.form.get(CODE_FIELD, "")[:100]
    form = Form(values={CODE_FIELD: code})
    refused = _tries_refused(form)
    if refused is not None:
        return refused
    complaint = lookup(code)
    if complaint is None:
        form.add(CODE_FIELD, WRONG_CODE)
        return _page("complaints/public_lookup.html", 404, form=form)
    return _page("complaints/public_case.html", case=public_view(complaint), code=code,
                 message_form=None)


@bp.route("/svar/meddelande", methods=["POST"])
def add_message() -> Any:
    code = request.form.get(CODE_FIELD, "")[:100]
    form = Form(values={CODE_FIELD: code})
    refused = _tries_refused(form)
    if refused is not None:
        return refused
    complaint = lookup(code)
    if complaint is None:
        form.add(CODE_FIELD, WRONG_CODE)
        return _page("complaints/public_lookup.html", 404, form=form)
    message = parse_form(SenderMessage())
    if message.ok:
        try:
            complaint = application().add_sender_message(code, text=message.data["text"])
        except (DomainError, NotFound) as error:
            message.fail(error, {"text": "text"})
    if not message.ok:
        return _page("complaints/public_case.html", 422, case=public_view(complaint), code=code,
                     message_form=message)
    return _page("complaints/public_case.html", case=public_view(complaint), code=code,
                 message_form=None, sent=True)
