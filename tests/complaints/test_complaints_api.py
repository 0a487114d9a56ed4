"""The complaints API: the public endpoints without a token (send, read with the code, add a
message) and the staff endpoints with one (list, read, route, answer, deviation, close),
scoped like the pages; in the OpenAPI document."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine
from flask import Flask

from events.complaint import RECEIPT_VALID_AFTER_CLOSING, Outcome, normalise_receipt_code
from tracker.people.accounts import COMPLAINT_SENDING_THROTTLE, RECEIPT_TRIES_THROTTLE
from tracker.runtime import Runtime
from web.cases.complaints import LOOKUP_SECONDS

BODY = {"kind": "klagomal", "unit": "hvb-notgarden", "sender": "anhorig",
        "text": "Min dotter fick inte gå ut på hela helgen.", "contact_wish": "kod"}
Api = Callable[..., Any]


def events(runtime: Runtime) -> int:
    return runtime.app.recorder.max_notification_id() or 0


def send(app: Flask, body: dict[str, Any] | None = None, address: str = "192.0.2.1") -> Any:
    return app.test_client().post("/api/v1/public/complaints", json=BODY | (body or {}),
                                  environ_base={"REMOTE_ADDR": address})


def test_anyone_sends_without_a_token_and_reads_with_the_code(
    app: Flask, runtime: Runtime,
) -> None:
    sent = send(app)
    assert sent.status_code == 201
    answer = sent.get_json()
    code = answer["receipt_code"]
    assert answer["status"] == "mottaget" and answer["number"].startswith("KS-")
    client = app.test_client()
    read = client.get(f"/api/v1/public/complaints/{code}")
    assert read.status_code == 200
    assert read.get_json()["text"] == BODY["text"]
    assert read.headers["Cache-Control"] == "no-store"
    added = client.post(f"/api/v1/public/complaints/{code}/messages",
                        json={"text": "Det hände igen i lördags."})
    assert added.status_code == 201
    assert added.get_json()["conversation"] == [
        {"from": "du", "on": runtime.app.today().isoformat(), "text": "Det hände igen i lördags."}]


def test_the_code_is_not_in_the_database_in_clear(app: Flask, runtime: Runtime) -> None:
    code = send(app).get_json()["receipt_code"]
    forms = {code, normalise_receipt_code(code), code.replace("-", "")}
    with runtime.engine.connect() as connection:
        for name in sa.inspect(connection).get_table_names():
            table = sa.Table(name, sa.MetaData(), autoload_with=connection)
            for row in connection.execute(sa.select(table)):
                dumped = repr(tuple(row))
                assert not any(form and form in dumped for form in forms), name


@pytest.mark.parametrize("text", ["Gäller 19121212-1212", "pnr 191212121212", "121212-1212"])
def test_a_personnummer_is_refused_and_nothing_stored(
    app: Flask, runtime: Runtime, text: str,
) -> None:
    before = events(runtime)
    refused = send(app, {"text": text})
    assert refused.status_code == 422
    assert "personnummer" in refused.get_json()["errors"]["text"][0]
    assert events(runtime) == before


@pytest.mark.parametrize(("body", "field"), [
    ({"text": "x" * 5001}, "text"), ({"kind": 3}, "kind"), ({"unit": "ingen-sadan"}, "unit"),
    ({"contact_wish": "e-post"}, "email"), ({"email": "a@b.se"}, "email"),
    ({"contact_wish": "telefon"}, "contact_wish"), ({"extra": 1}, "extra"),
])
def test_bad_bodies_are_refused_by_the_field(
    app: Flask, runtime: Runtime, body: dict[str, Any], field: str,
) -> None:
    before = events(runtime)
    refused = send(app, body)
    assert refused.status_code == 422, refused.get_json()
    assert field in refused.get_json()["errors"]
    assert events(runtime) == before


def test_the_per_address_limits_answer_429_with_retry_after(
    app: Flask, runtime: Runtime, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Counting tries, not timing them (the next test times them): 31 wrong codes at the
    # 0.3 s each answer waits would be 9 s of sleep.
    monkeypatch.setattr("web.cases.complaints.LOOKUP_SECONDS", 0.0)
    for _ in range(COMPLAINT_SENDING_THROTTLE.limit):
        assert send(app, address="192.0.2.7").status_code == 201
    before = events(runtime)
    refused = send(app, address="192.0.2.7")
    assert refused.status_code == 429
    assert 3000 < int(refused.headers["Retry-After"]) <= 3600
    assert events(runtime) == before
    assert send(app, address="192.0.2.8").status_code == 201
    client = app.test_client()
    wrong = "/api/v1/public/complaints/0000-0000-0000-0000-0000"
    environ = {"REMOTE_ADDR": "192.0.2.9"}
    for _ in range(RECEIPT_TRIES_THROTTLE.limit):
        assert client.get(wrong, environ_base=environ).status_code == 404
    guessing = client.get(wrong, environ_base=environ)
    assert guessing.status_code == 429 and int(guessing.headers["Retry-After"]) > 0


def test_a_wrong_or_old_code_is_404_in_about_the_time_of_a_right_one(
    app: Flask, runtime: Runtime,
) -> None:
    code = send(app).get_json()["receipt_code"]
    complaint = runtime.app.complaint_by_receipt(code)
    runtime.app.route_complaint(complaint.id, actor="utvecklare", unit="hvb-notgarden",
                                category="genomforande")
    runtime.app.answer_complaint(complaint.id, actor="chef_hvb", text="Svar.")
    client = app.test_client()

    def timed(path: str) -> tuple[int, float, Any]:
        start = time.monotonic()
        response = client.get(path)
        return response.status_code, time.monotonic() - start, response.get_json()

    def median(samples: list[tuple[int, float, Any]]) -> float:
        return statistics.median(seconds for _, seconds, _ in samples)

    # Taken in turns, so a busy moment of the machine falls on both alike.
    right, wrong, nonsense = [], [], []
    for _ in range(5):
        right.append(timed(f"/api/v1/public/complaints/{code}"))
        wrong.append(timed("/api/v1/public/complaints/7K2M-Q9XD-4HTR-8BWN-3FJC"))
        nonsense.append(timed("/api/v1/public/complaints/x"))
    assert {status for status, _, _ in right} == {200}
    assert {status for status, _, _ in [*wrong, *nonsense]} == {404}
    assert wrong[0][2] == nonsense[0][2] == {"errors": {"receipt_code": [
        "Inget ärende med den koden (eller koden gäller inte längre)."]}}
    assert min(seconds for _, seconds, _ in [*right, *wrong, *nonsense]) >= LOOKUP_SECONDS
    assert abs(median(right) - median(wrong)) < 0.05
    assert abs(median(right) - median(nonsense)) < 0.05
    runtime.app.close_complaint(complaint.id, actor="chef_hvb", outcome=Outcome.EXPLAINED,
                                summary="Klart.")
    later = runtime.app.now() + RECEIPT_VALID_AFTER_CLOSING + timedelta(days=1)
    with time_machine.travel(later, tick=True):
        old = [timed(f"/api/v1/public/complaints/{code}") for _ in range(5)]
    assert {(status, str(body)) for status, _, body in old} == {(404, str(wrong[0][2]))}
    assert abs(median(old) - median(right)) < 0.05


def test_staff_endpoints_are_scoped_by_unit(
    app: Flask, api: Api, runtime: Runtime,
) -> None:
    code = send(app).get_json()["receipt_code"]
    complaint_id = str(runtime.app.complaint_by_receipt(code).id)
    other = send(app, {"unit": "utredning"}).get_json()["number"]
    path = f"/api/v1/complaints/{complaint_id}"
    assert api("chef", "GET", path).status_code == 403
    assert api("chef", "POST", f"{path}/answer", json={"text": "Nej."}).status_code == 403
    assert api("rapportor", "GET", "/api/v1/complaints").status_code == 403
    chef_list = {row["number"] for row in api("chef", "GET", "/api/v1/complaints").get_json()}
    assert chef_list == {other}
    assert api("chef_hvb", "GET", path).status_code == 200
    assert api("chef_hvb", "POST", f"{path}/route", json={
        "unit": "utredning", "category": "genomforande"}).status_code == 403
    routed = api("utvecklare", "POST", f"{path}/route", json={
        "unit": "hvb-notgarden", "category": "genomforande"})
    assert routed.status_code == 200 and routed.get_json()["status"] == "utreds"
    answered = api("chef_hvb", "POST", f"{path}/answer", json={"text": "Vi har ändrat."})
    assert answered.get_json()["conversation"][0] == {
        "from": "staff", "by": "chef_hvb", "on": runtime.app.today().isoformat(),
        "text": "Vi har ändrat."}
    deviation = api("chef_hvb", "POST", f"{path}/deviation", json={
        "category": "genomforande", "description": "Utevistelse nekades en helg."})
    assert deviation.status_code == 200 and deviation.get_json()["deviation_number"]
    closed = api("chef_hvb", "POST", f"{path}/close", json={
        "outcome": "atgardat", "summary": "Rutinen för utevistelse ändrad."})
    assert closed.get_json()["status"] == "avslutat"
    listed = api("utvecklare", "GET", "/api/v1/complaints?status=avslutat").get_json()
    assert [row["id"] for row in listed] == [complaint_id]
    late = app.test_client().post(f"/api/v1/public/complaints/{code}/messages",
                                  json={"text": "En sak till."})
    assert late.status_code == 409


def test_the_openapi_document_marks_the_public_endpoints(app: Flask) -> None:
    document = app.test_client().get("/api/openapi.json").get_json()
    public = document["paths"]["/public/complaints"]["post"]
    assert public["security"] == []
    assert {"201", "422", "429"} <= set(public["responses"])
    assert "401" not in public["responses"]
    assert "Retry-After" in public["responses"]["429"]["headers"]
    assert "/public/complaints/{receipt_code}" in document["paths"]
    assert "/public/complaints/{receipt_code}/messages" in document["paths"]
    for path in ("/complaints", "/complaints/{complaint_id}",
                 "/complaints/{complaint_id}/answer", "/complaints/{complaint_id}/route",
                 "/complaints/{complaint_id}/close", "/complaints/{complaint_id}/deviation"):
        assert path in document["paths"], path
    assert document["paths"]["/complaints"]["get"]["security"] == [{"bearer": []}]


@pytest.mark.parametrize("user", ["rapportor", "chef", "chef_hvb", "forste", "utvecklare",
                                  "lexsarah", "admin"])
def test_staff_routes_by_role(user: str, app: Flask, api: Api, runtime: Runtime) -> None:
    """Every staff route x every role: the list for the complaint roles; a HVB Notgården
    complaint for those who see every unit and HVB's enhetschef; actions as the policy says."""
    code = send(app).get_json()["receipt_code"]
    complaint_id = runtime.app.complaint_by_receipt(code).id
    path = f"/api/v1/complaints/{complaint_id}"
    readers = {"utvecklare", "lexsarah", "chef_hvb"}
    assert api(user, "GET", "/api/v1/complaints").status_code == (
        200 if user in readers | {"chef"} else 403)
    assert api(user, "GET", path).status_code == (200 if user in readers else 403)
    before = events(runtime)
    # An empty body: a role without the action is refused first (403); a role with it gets
    # the body's 422 (another unit's enhetschef too: the body is read before the case, and
    # a valid body from them is 403, test_staff_endpoints_are_scoped_by_unit).
    for action, allowed in [("route", {"utvecklare"}), ("lex-sarah", {"utvecklare"}),
                            ("answer", {"utvecklare", "chef_hvb", "chef"}),
                            ("close", {"utvecklare", "chef_hvb", "chef"})]:
        status = api(user, "POST", f"{path}/{action}", json={}).status_code
        assert status == (422 if user in allowed else 403), (user, action, status)
    assert events(runtime) == before
