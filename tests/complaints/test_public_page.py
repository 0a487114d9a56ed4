"""The public page /synpunkter and /synpunkter/svar, no login: send anonymously, get a code
once, read the answer and add a message with it; personnummer, the honeypot, the size limit
and the per-address limit refuse and store nothing; a wrong or expired code answers like a
missing case, in about the same time as a right one."""

from __future__ import annotations

import re
import statistics
import time
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient

from events.complaint import RECEIPT_VALID_AFTER_CLOSING, ComplaintStatus, Outcome
from tracker.application import TrackerApplication
from tracker.people.accounts import COMPLAINT_SENDING_THROTTLE
from tracker.people.complaint_contacts import email_for
from tracker.runtime import Runtime
from web.cases.complaints import LOOKUP_SECONDS

FORM = {
    "kind": "klagomal",
    "unit": "hvb-notgarden",
    "sender": "barn",
    "text": "Ingen lyssnar på mig på kvällarna när jag är ledsen.",
    "contact_wish": "kod",
}
CODE = re.compile(r'id="receipt-code">([0-9A-Z-]+)<')


def events(runtime: Runtime) -> int:
    return runtime.app.recorder.max_notification_id() or 0


def send(client: FlaskClient, **changes: Any) -> Any:
    return client.post("/synpunkter", data=FORM | changes)


def code_of(response: Any) -> str:
    found = CODE.search(response.get_data(as_text=True))
    assert found, response.get_data(as_text=True)
    return found.group(1)


def test_the_form_says_what_happens_next_and_warns_against_personnummer(
    client: FlaskClient,
) -> None:
    response = client.get("/synpunkter")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Skriv inte personnummer" in page
    assert "Inom 2 arbetsdagar" in page and "Inom 15 arbetsdagar" in page
    assert "Jag vet inte" in page and "HVB Notgården" in page
    assert response.headers["Cache-Control"] == "no-store"


def test_an_anonymous_complaint_gets_a_code_that_reads_the_answer(
    client: FlaskClient, runtime: Runtime,
) -> None:
    sent = send(client)
    assert sent.status_code == 201
    code = code_of(sent)
    application = runtime.app
    complaint = application.complaint_by_receipt(code)
    assert complaint.status is ComplaintStatus.RECEIVED and complaint.unit == "hvb-notgarden"
    application.route_complaint(complaint.id, actor="utvecklare", unit="hvb-notgarden",
                                category="genomforande")
    application.answer_complaint(complaint.id, actor="chef_hvb",
                                 text="Vi har bestämt att någon alltid finns i köket.")
    read = client.post("/synpunkter/svar", data={"kod": code.lower()})
    page = read.get_data(as_text=True)
    assert read.status_code == 200
    assert "Vi har bestämt att någon alltid finns i köket." in page
    assert "chef_hvb" not in page  # staff are not named to the sender
    added = client.post("/synpunkter/svar/meddelande",
                        data={"kod": code, "text": "Tack, det har blivit bättre."})
    assert added.status_code == 200
    assert "Tack, det har blivit bättre." in added.get_data(as_text=True)
    assert application.get_complaint(complaint.id).conversation[-1][2] == (
        "Tack, det har blivit bättre.")


@pytest.mark.parametrize("text", [
    "Det gäller 19121212-1212.", "Mitt nummer är 121212 1212", "20121212+1212 på Notgården"])
def test_a_personnummer_is_refused_in_plain_words_and_nothing_stored(
    client: FlaskClient, runtime: Runtime, text: str,
) -> None:
    before = events(runtime)
    response = send(client, text=text)
    assert response.status_code == 422
    assert "Skriv inte personnummer" in response.get_data(as_text=True)
    assert events(runtime) == before


@pytest.mark.parametrize(("changes", "field"), [
    ({"text": "x" * 5001}, "för lång"),
    ({"kind": "annat"}, "Välj ett av alternativen"),
    ({"text": "   "}, "Du behöver fylla i det här"),
    ({"contact_wish": "e-post"}, "Skriv din e-postadress"),
    ({"contact_wish": "e-post", "email": "inte en adress"}, "ser ut så här"),
    ({"unit": "okand-enhet"}, "Okänd enhet"),
    ({"webbplats": "http://spam.example"}, "Det gick inte att skicka"),
])
def test_bad_input_is_refused_and_nothing_stored(
    client: FlaskClient, runtime: Runtime, changes: dict[str, str], field: str,
) -> None:
    before = events(runtime)
    response = send(client, **changes)
    assert response.status_code == 422
    assert field in response.get_data(as_text=True)
    assert events(runtime) == before


def test_an_email_is_kept_apart_for_the_notice(client: FlaskClient, runtime: Runtime) -> None:
    sent = send(client, contact_wish="e-post", email="anna@example.se")
    complaint = runtime.app.complaint_by_receipt(code_of(sent))
    assert email_for(runtime.engine, complaint.id) == "anna@example.se"
    assert "Vi mejlar dig när svaret finns" in sent.get_data(as_text=True)


def test_one_address_may_send_only_so_many(client: FlaskClient, runtime: Runtime) -> None:
    for _ in range(COMPLAINT_SENDING_THROTTLE.limit):
        assert send(client).status_code == 201
    before = events(runtime)
    refused = send(client)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "Vänta" in refused.get_data(as_text=True)
    assert events(runtime) == before
    # Another address is not held up.
    elsewhere = client.post("/synpunkter", data=FORM, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert elsewhere.status_code == 201


def test_a_wrong_or_expired_code_answers_alike_in_about_the_same_time(
    client: FlaskClient, runtime: Runtime, app: Flask,
) -> None:
    application: TrackerApplication = runtime.app
    code = code_of(send(client))
    complaint = application.complaint_by_receipt(code)
    application.route_complaint(complaint.id, actor="utvecklare", unit="hvb-notgarden",
                                category="genomforande")
    application.answer_complaint(complaint.id, actor="chef_hvb", text="Svar.")
    application.close_complaint(complaint.id, actor="chef_hvb", outcome=Outcome.EXPLAINED,
                                summary="Besvarat.")

    def timed(typed: str) -> tuple[int, float, str]:
        start = time.monotonic()
        response = client.post("/synpunkter/svar", data={"kod": typed})
        return (response.status_code, time.monotonic() - start,
                response.get_data(as_text=True))

    right = [timed(code) for _ in range(3)]
    wrong = [timed("0000-0000-0000-0000-0000") for _ in range(3)]
    nonsense = [timed("hej") for _ in range(3)]
    assert {status for status, _, _ in right} == {200}
    assert {status for status, _, _ in [*wrong, *nonsense]} == {404}
    assert "Vi hittar inget ärende med den koden" in wrong[0][2]
    assert min(seconds for _, seconds, _ in [*right, *wrong, *nonsense]) >= LOOKUP_SECONDS

    def median(samples: list[tuple[int, float, str]]) -> float:
        return statistics.median(seconds for _, seconds, _ in samples)

    assert abs(median(right) - median(wrong)) < 0.05
    later = application.now() + RECEIPT_VALID_AFTER_CLOSING + timedelta(days=1)
    with time_machine.travel(later, tick=True):
        old = [timed(code) for _ in range(3)]
    assert {status for status, _, _ in old} == {404}
    assert "Vi hittar inget ärende med den koden" in old[0][2]
    assert abs(median(old) - median(right)) < 0.05
