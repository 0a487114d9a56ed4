"""Anmälningar on their pages and through the API: register, skyddsbedömning, handler,
extension, decision, investigation; steps out of order refused with what is missing; bad
input refused field by field with nothing stored."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest

from events.child_report import PreliminaryDecision
from tracker.runtime import Runtime

# Future but within the bounds every date field keeps (1990 to the end of next year).
NEXT_YEAR = f"{date.today().year + 1}-06-01"


def _summary(html: str) -> str:
    match = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert match, "no error summary on the page"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(0)))


def _open_forms(html: str) -> list[str]:
    """The step forms shown unfolded (a <details> with open)."""
    return re.findall(r'<details class="step-form" id="form-([^"]+)" open>', html)


def _head(runtime: Runtime) -> int:
    """The event log's head: unchanged means nothing was stored."""
    return runtime.app.recorder.max_notification_id() or 0


@pytest.fixture
def client(client_for: Callable[[str], Any]) -> Any:
    return client_for("forste")


@pytest.fixture
def report_id(users: Any, child_report: Callable[..., UUID]) -> UUID:
    return child_report("utredning", days_ago=2)


def test_register_on_the_page_and_see_the_deadline(client: Any, runtime: Runtime) -> None:
    today = runtime.app.today()
    response = client.post("/anmalningar/ny", data={
        "unit": "utredning", "received_date": today.isoformat(), "received_time": "00:05",
        "case_reference": "IFO 2026-0042"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    deadline = (today + timedelta(days=14)).isoformat()
    assert f"Förhandsbedömningen ska vara klar senast {deadline}" in page
    assert "IFO 2026-0042" in page
    assert "14 dagar kvar" in page
    assert "Ingen tilldelad" in page


def test_register_with_an_ongoing_investigation_needs_no_assessment(
    client: Any, runtime: Runtime
) -> None:
    response = client.post("/anmalningar/ny", data={
        "unit": "utredning", "received_date": runtime.app.today().isoformat(),
        "received_time": "00:01", "case_reference": "IFO-7", "ongoing_investigation": "true"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Behövs inte (pågående utredning)" in page


@pytest.mark.parametrize(
    ("data", "fields", "message"),
    [
        ({}, {"unit", "received_date", "received_time", "case_reference"},
         "Enhet: Välj ett alternativ."),
        ({"unit": "finns-inte", "received_date": "2026-01-02", "received_time": "10:00",
          "case_reference": "X"}, {"unit"}, "Okänd enhet"),
        ({"unit": "utredning", "received_date": "{tomorrow}", "received_time": "10:00",
          "case_reference": "X"}, {"received_date"}, "Tidpunkten kan inte vara i framtiden."),
        ({"unit": "utredning", "received_date": "2026-01-02", "received_time": "25:99",
          "case_reference": "X"}, {"received_time"}, "Ange ett giltigt klockslag (TT:MM)."),
        ({"unit": "utredning", "received_date": "2026-01-02", "received_time": "10:00",
          "case_reference": "121212-1212"}, {"case_reference"}, "personnummer"),
    ],
)
def test_register_refuses_bad_input_and_stores_nothing(
    client: Any, runtime: Runtime, data: dict[str, str], fields: set[str], message: str | None
) -> None:
    tomorrow = (runtime.app.today() + timedelta(days=1)).isoformat()
    head = _head(runtime)
    response = client.post(
        "/anmalningar/ny", data={k: v.format(tomorrow=tomorrow) for k, v in data.items()}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for field in fields:
        assert f'href="#{field}"' in html, field
        assert f'id="{field}-error"' in html, field
    if message:
        assert message in _summary(html)
    assert _head(runtime) == head


def test_every_step_on_the_report_page(
    client: Any, report_id: UUID, runtime: Runtime
) -> None:
    app = runtime.app
    today = app.today()
    url = f"/anmalningar/{report_id}"
    steps = [
        ("skyddsbedomning", {"assessed_date": (today - timedelta(days=1)).isoformat(),
                             "assessed_time": "08:15", "immediate_protection_needed": "false"}),
        ("handlaggare", {"handler": "chef"}),
        ("handlaggare", {"handler": "forste"}),
        ("forlangning", {"ext_reason": "Vårdnadshavaren uteblev från två bokade möten.",
                         "ext_new_deadline": (today + timedelta(days=20)).isoformat(),
                         "ext_decided_by": "Enhetschef Eva",
                         "ext_decided_on": today.isoformat()}),
        # The decision to open an investigation opens it: no step of its own.
        ("beslut", {"decision": "open_investigation", "decided_on": today.isoformat()}),
        ("forlang-utredning", {"inv_reason": "Särskilda skäl: utlandsvistelse.",
                               "inv_new_deadline": (today + timedelta(days=200)).isoformat(),
                               "inv_decided_by": "nämnden",
                               "inv_decided_on": today.isoformat()}),
        ("avsluta-utredning", {"inv_complete_on": today.isoformat()}),
    ]
    # After each step the page opens at the step that is next; only that step's form is
    # unfolded (the others open from their summary).
    next_steps = ["handlaggare", "beslut", "beslut", "beslut", "utredning", "utredning",
                  "utredning"]
    open_forms = ["handlaggare", "beslut", "beslut", "beslut", "avsluta-utredning",
                  "avsluta-utredning", None]
    assert _open_forms(client.get(url).get_data(as_text=True)) == ["skyddsbedomning"]
    for (action, data), following, form in zip(steps, next_steps, open_forms, strict=True):
        response = client.post(f"{url}/{action}", data=data)
        assert response.status_code == 302, (action, response.get_data(as_text=True)[-1500:])
        assert response.headers["Location"].endswith(f"#steg-{following}"), action
        assert _open_forms(client.get(url).get_data(as_text=True)) == (
            [form] if form else []), action
    report = app.get_child_report(report_id)
    assert report.protection_assessed_at is not None
    assert report.handler == "forste"
    assert report.extension_reason == "Vårdnadshavaren uteblev från två bokade möten."
    assert report.decided_on == today
    assert report.investigation_opened_on == today
    assert report.investigation_completed_on == today
    page = re.sub(r"</?time\b[^>]*>", "", client.get(url).get_data(as_text=True))
    for shown in ["Handläggare tilldelad", "Tidsfristen förlängdes", f"Inledd {today}",
                  "Utredningstiden förlängdes", "Utredning avslutad", "Inleda utredning",
                  "inget omedelbart skyddsbehov", "Beslutat av Enhetschef Eva",
                  "Beslutat av nämnden"]:
        assert shown in page, shown


@pytest.mark.parametrize(
    ("action", "data", "missing"),
    [
        ("inled-utredning", {"inv_open_on": "{today}"},
         "Besluta att inleda utredning innan utredningen öppnas."),
        ("avsluta-utredning", {"inv_complete_on": "{today}"}, "Öppna utredningen först."),
        ("forlang-utredning", {"inv_reason": "Skäl", "inv_new_deadline": NEXT_YEAR,
                               "inv_decided_by": "nämnden", "inv_decided_on": "{today}"},
         "Öppna utredningen först."),
    ],
)
def test_a_step_out_of_order_says_what_is_missing(
    client: Any, report_id: UUID, runtime: Runtime, action: str, data: dict[str, str],
    missing: str,
) -> None:
    today = runtime.app.today().isoformat()
    head = _head(runtime)
    response = client.post(f"/anmalningar/{report_id}/{action}",
                           data={k: v.format(today=today) for k, v in data.items()})
    assert response.status_code == 409
    assert missing in _summary(response.get_data(as_text=True))
    assert _head(runtime) == head


def test_a_decided_report_cannot_be_extended_or_decided_again(
    client: Any, report_id: UUID, runtime: Runtime
) -> None:
    today = runtime.app.today().isoformat()
    assert client.post(f"/anmalningar/{report_id}/beslut", data={
        "decision": "no_investigation", "decided_on": today}).status_code == 302
    head = _head(runtime)
    response = client.post(f"/anmalningar/{report_id}/forlangning", data={
        "ext_reason": "Sent", "ext_new_deadline": NEXT_YEAR, "ext_decided_by": "nämnden",
        "ext_decided_on": today})
    assert response.status_code == 409
    assert "Förhandsbedömningen är redan beslutad." in _summary(response.get_data(as_text=True))
    response = client.post(f"/anmalningar/{report_id}/inled-utredning",
                           data={"inv_open_on": today})
    assert response.status_code == 409
    assert _head(runtime) == head


def test_handler_must_be_a_known_user_and_extension_must_move_the_deadline(
    client: Any, report_id: UUID, runtime: Runtime
) -> None:
    head = _head(runtime)
    response = client.post(f"/anmalningar/{report_id}/handlaggare", data={"handler": "okand"})
    assert response.status_code == 422
    assert "Okänd användare: okand" in _summary(response.get_data(as_text=True))
    deadline = runtime.app.get_child_report(report_id).deadline.isoformat()
    today = runtime.app.today().isoformat()
    response = client.post(f"/anmalningar/{report_id}/forlangning", data={
        "ext_reason": "Synnerliga skäl", "ext_new_deadline": deadline,
        "ext_decided_by": "nämnden", "ext_decided_on": today})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f"Den nya tidsfristen måste vara senare än den nuvarande ({deadline})." in _summary(html)
    assert "forlangning" in _open_forms(html)  # the refused step is unfolded
    assert 'id="ext_new_deadline-error"' in html
    response = client.post(f"/anmalningar/{report_id}/forlangning", data={
        "ext_reason": "", "ext_new_deadline": NEXT_YEAR, "ext_decided_by": "",
        "ext_decided_on": today})
    assert response.status_code == 422
    assert 'id="ext_reason-error"' in response.get_data(as_text=True)
    assert 'id="ext_decided_by-error"' in response.get_data(as_text=True)
    assert _head(runtime) == head


def test_list_filters_by_status_unit_and_handler(
    client_for: Callable[[str], Any], users: Any, child_report: Callable[..., UUID],
    runtime: Runtime,
) -> None:
    late = child_report("utredning", days_ago=16, case_reference="SEN-1")
    child_report("hvb-notgarden", days_ago=1, case_reference="NY-2")
    runtime.app.assign_handler(late, actor="forste", handler="chef")
    client = client_for("utvecklare")
    page = client.get("/anmalningar/").get_data(as_text=True)
    assert "SEN-1" in page
    assert "NY-2" in page
    overdue = client.get("/anmalningar/?status=overdue").get_data(as_text=True)
    assert "SEN-1" in overdue
    assert "NY-2" not in overdue
    by_unit = client.get("/anmalningar/?unit=hvb-notgarden").get_data(as_text=True)
    assert "NY-2" in by_unit
    assert "SEN-1" not in by_unit
    by_handler = client.get("/anmalningar/?handler=chef").get_data(as_text=True)
    assert "SEN-1" in by_handler
    assert "NY-2" not in by_handler
    assert client.get("/anmalningar/?status=kanske").status_code == 422
    # an enhetschef sees their own units only
    own = client_for("chef").get("/anmalningar/").get_data(as_text=True)
    assert "SEN-1" in own
    assert "NY-2" not in own


# --- JSON API -----------------------------------------------------------------------


def test_api_register_and_read_back(api: Callable[..., Any], users: Any) -> None:
    received = (datetime.now(UTC) - timedelta(days=1)).replace(microsecond=0)
    response = api("forste", "POST", "/api/v1/child-reports", json={
        "unit": "utredning", "received_at": received.isoformat(), "case_reference": "IFO-55"})
    assert response.status_code == 201
    body = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/child-reports/{body['id']}")
    assert body["status"] == "open"
    local = received.astimezone(ZoneInfo("Europe/Stockholm")).date()
    assert body["deadline"] == (local + timedelta(days=14)).isoformat()
    again = api("forste", "GET", f"/api/v1/child-reports/{body['id']}").get_json()
    assert again["clocks"]["forhandsbedomning"]["days_left"] == 13
    assert again["clocks"]["skyddsbedomning"]["status"] in {"overdue", "due_today"}
    assert again["clocks"]["utredning"]["status"] is None
    assert again["breach_deviation_id"] is None
    assert [e["type"] for e in again["history"]] == ["Received"]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"unit", "received_at", "case_reference"}),
        ({"unit": "utredning", "received_at": "2026-01-05T09:00:00", "case_reference": "X"},
         {"received_at"}),
        ({"unit": "utredning", "received_at": "2999-01-05T09:00:00+01:00",
          "case_reference": "X"}, {"received_at"}),
        ({"unit": "nope", "received_at": "2026-01-05T09:00:00+01:00", "case_reference": "X"},
         {"unit"}),
        ({"unit": "utredning", "received_at": "igår", "case_reference": "X"}, {"received_at"}),
        ({"unit": "utredning", "received_at": "2026-01-05T09:00:00+01:00",
          "case_reference": "x" * 65}, {"case_reference"}),
        ({"unit": "utredning", "received_at": "2026-01-05T09:00:00+01:00",
          "case_reference": "X", "ongoing_investigation": "kanske"}, {"ongoing_investigation"}),
    ],
)
def test_api_register_bad_input_is_422_and_nothing_stored(
    api: Callable[..., Any], users: Any, runtime: Runtime, body: dict[str, Any],
    fields: set[str],
) -> None:
    head = _head(runtime)
    response = api("forste", "POST", "/api/v1/child-reports", json=body)
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == fields
    assert _head(runtime) == head


def test_api_every_step(api: Callable[..., Any], report_id: UUID, runtime: Runtime) -> None:
    today = runtime.app.today()
    base = f"/api/v1/child-reports/{report_id}"
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    calls = [
        ("protection-assessment", {"assessed_at": now, "immediate_protection_needed": True}),
        ("handler", {"handler": "chef"}),
        ("extension", {"reason": "Synnerliga skäl", "new_deadline":
                       (today + timedelta(days=30)).isoformat(), "decided_by": "nämnden"}),
        ("decision", {"decision": "open_investigation", "decided_on": today.isoformat()}),
        ("investigation", {"action": "extend", "reason": "Särskilda skäl",
                           "new_deadline": (today + timedelta(days=300)).isoformat(),
                           "decided_by": "Enhetschef Eva"}),
        ("investigation", {"action": "complete", "on": today.isoformat()}),
    ]
    for path, body in calls:
        response = api("utvecklare", "POST", f"{base}/{path}", json=body)
        assert response.status_code == 200, (path, response.get_json())
    body = response.get_json()
    assert body["status"] == "decided"
    assert body["handler"] == "chef"
    clocks = body["clocks"]
    assert clocks["skyddsbedomning"]["immediate_protection_needed"] is True
    assert clocks["forhandsbedomning"]["extension_reason"] == "Synnerliga skäl"
    assert clocks["forhandsbedomning"]["extension_decided_by"] == "nämnden"
    assert clocks["forhandsbedomning"]["extension_decided_on"] == today.isoformat()
    assert clocks["utredning"]["extension_decided_by"] == "Enhetschef Eva"
    assert clocks["utredning"]["status"] == "decided"
    assert clocks["utredning"]["deadline"] == (today + timedelta(days=300)).isoformat()


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"action": "extend"}, {"reason", "new_deadline", "decided_by"}),
        ({"action": "open"}, {"on"}),
        ({"action": "pause", "on": "2026-01-01"}, {"action"}),
    ],
)
def test_api_investigation_body_is_checked(
    api: Callable[..., Any], report_id: UUID, body: dict[str, Any], fields: set[str]
) -> None:
    response = api("forste", "POST", f"/api/v1/child-reports/{report_id}/investigation",
                   json=body)
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == fields


@pytest.mark.parametrize(
    ("path", "body", "reason"),
    [
        ("investigation", {"action": "open", "on": "{today}"},
         "Decide to open an investigation before opening it."),
        ("investigation", {"action": "complete", "on": "{today}"},
         "Open the investigation first."),
    ],
)
def test_api_step_out_of_order_is_409_with_the_reason(
    api: Callable[..., Any], report_id: UUID, runtime: Runtime, path: str,
    body: dict[str, str], reason: str,
) -> None:
    today = runtime.app.today().isoformat()
    head = _head(runtime)
    response = api("forste", "POST", f"/api/v1/child-reports/{report_id}/{path}",
                   json={k: v.format(today=today) for k, v in body.items()})
    assert response.status_code == 409
    assert response.get_json() == {"errors": {"_schema": [reason]}}
    assert _head(runtime) == head


def test_api_exempt_report_cannot_be_extended(
    api: Callable[..., Any], users: Any, child_report: Callable[..., UUID]
) -> None:
    exempt = child_report("utredning", ongoing_investigation=True)
    response = api("forste", "POST", f"/api/v1/child-reports/{exempt}/extension",
                   json={"reason": "r", "new_deadline": NEXT_YEAR, "decided_by": "nämnden"})
    assert response.status_code == 409
    assert response.get_json()["errors"]["_schema"] == [
        "No förhandsbedömning is needed: an investigation is ongoing."]


def test_api_unknown_handler_is_a_field_error(
    api: Callable[..., Any], report_id: UUID, runtime: Runtime
) -> None:
    head = _head(runtime)
    response = api("forste", "POST", f"/api/v1/child-reports/{report_id}/handler",
                   json={"handler": "ingen-alls"})
    assert response.status_code == 409  # a well-formed name that is no active account
    assert response.get_json() == {"errors": {"handler": ["Unknown user: ingen-alls"]}}
    assert _head(runtime) == head


def test_api_list_filters(
    api: Callable[..., Any], users: Any, child_report: Callable[..., UUID], runtime: Runtime
) -> None:
    late = child_report("utredning", days_ago=16)
    fresh = child_report("hvb-notgarden", days_ago=1)
    exempt = child_report("utredning", days_ago=1, ongoing_investigation=True)
    decided = child_report("utredning", days_ago=3)
    runtime.app.decide_preliminary_assessment(
        decided, actor="forste", decision=PreliminaryDecision.NO_INVESTIGATION)

    def ids(query: str, user: str = "utvecklare") -> set[str]:
        response = api(user, "GET", f"/api/v1/child-reports{query}")
        assert response.status_code == 200
        return {row["id"] for row in response.get_json()}

    assert ids("") == {str(late), str(fresh), str(exempt), str(decided)}
    assert ids("?status=open") == {str(late), str(fresh)}
    assert ids("?status=overdue") == {str(late)}
    assert ids("?status=decided") == {str(decided)}
    assert ids("?status=exempt") == {str(exempt)}
    assert ids("?unit=hvb-notgarden") == {str(fresh)}
    assert ids("", user="chef") == {str(late), str(exempt), str(decided)}
    rows = api("utvecklare", "GET", "/api/v1/child-reports?status=overdue").get_json()
    assert rows[0]["days_left"] == -2
    assert rows[0]["status"] == "overdue"
    assert api("utvecklare", "GET", "/api/v1/child-reports?status=maybe").status_code == 422


def test_a_stale_handler_change_is_reported_not_lost(
    client: Any, report_id: UUID, runtime: Runtime
) -> None:
    seen = runtime.app.get_child_report(report_id).version
    runtime.app.assign_handler(report_id, actor="utvecklare", handler="chef")
    response = client.post(f"/anmalningar/{report_id}/handlaggare",
                           data={"handler": "forste", "version": str(seen)})
    assert response.status_code == 409
    assert "Någon annan har ändrat ärendet" in _summary(response.get_data(as_text=True))
    assert runtime.app.get_child_report(report_id).handler == "chef"
    again = client.post(f"/anmalningar/{report_id}/handlaggare", data={
        "handler": "forste", "version": str(runtime.app.get_child_report(report_id).version)})
    assert again.status_code == 302
    assert runtime.app.get_child_report(report_id).handler == "forste"


def test_its_handler_reads_the_report_whatever_their_role_and_leaves_the_steps(
    client_for: Callable[[str], Any], report_id: UUID, runtime: Runtime
) -> None:
    # A socialsekreterare is often a rapportör here: as the report's handler they open it
    # from Att göra and their mail, read-only; the steps stay with the child-report roles.
    handler, other = client_for("handlaggare.anna"), client_for("handlaggare.bo")
    page = f"/anmalningar/{report_id}"
    assert handler.get(page).status_code == 403  # not theirs yet
    runtime.app.assign_handler(report_id, actor="forste", handler="handlaggare.anna")

    shown = handler.get(page)
    assert shown.status_code == 200
    html = shown.get_data(as_text=True)
    assert "Du är handläggare för anmälan och kan läsa den här." in html
    assert 'class="step-form"' not in html  # no step to take
    assert other.get(page).status_code == 403
    head = _head(runtime)
    refused = handler.post(f"{page}/skyddsbedomning", data={
        "assessed_date": runtime.app.today().isoformat(), "assessed_time": "08:00",
        "immediate_protection_needed": "false"})
    assert refused.status_code == 403
    assert _head(runtime) == head

    todo = handler.get("/").get_data(as_text=True)
    assert f'href="{page}"' in todo  # Att göra links it

    runtime.app.assign_handler(report_id, actor="forste", handler="chef")
    assert handler.get(page).status_code == 403  # no longer theirs
