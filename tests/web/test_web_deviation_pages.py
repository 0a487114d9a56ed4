"""The deviation pages as people use them, on SQLite and PostgreSQL: filing from the login
page to the receipt, the reviewer's inbox, the deviation page's actions, every validation
error of the staff form (summary linked to the fields, input kept, nothing stored) and a
stale edit."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from uuid import UUID

import pytest
from flask import Flask
from flask.testing import FlaskClient
from web_helpers import PASSWORD, file_deviation, log_in, stored_events

from tracker.accounts import Account
from tracker.runtime import Runtime
from web.forms import CONFLICT_MESSAGE

Clients = Callable[[str], FlaskClient]


def summary_links(html: str) -> list[str]:
    """The field ids the error summary links to."""
    match = re.search(r'<div class="error-summary" role="alert".*?</div>', html, re.S)
    assert match, "no error summary"
    return re.findall(r'href="#([\w-]+)"', match.group(0))


def valid_form(runtime: Runtime, **overrides: str) -> dict[str, str]:
    form = {
        "unit": "utredning",
        "category": "handlaggning",
        "subcategory": "sekretess",
        "occurred_on": runtime.app.today().isoformat(),
        "description": "Ett brev med begäran om handlingar fick fel boxadress.",
        "immediate_actions": "Nytt brev skickades.",
        "case_reference": "SN 2026/123",
    }
    form.update(overrides)
    return form


def test_a_person_files_from_the_login_page_and_a_reviewer_finds_it(
    web_app: Flask, users: dict[str, Account], runtime: Runtime
) -> None:
    staff = web_app.test_client()
    start = staff.get("/avvikelser/ny")
    assert start.status_code == 302 and "/login" in start.location
    login_page = staff.get(start.location)
    assert "Logga in" in login_page.get_data(as_text=True)
    logged_in = staff.post(
        "/login?next=/avvikelser/ny",
        data={"username": "rapportor", "password": PASSWORD, "next": "/avvikelser/ny"},
    )
    assert logged_in.status_code == 302 and logged_in.location == "/avvikelser/ny"
    form_page = staff.get("/avvikelser/ny").get_data(as_text=True)
    assert "Rapportera avvikelse" in form_page
    assert 'value="utredning" selected' in form_page  # the reporter's own unit preselected

    filed = staff.post("/avvikelser/ny", data=valid_form(runtime))
    assert filed.status_code == 302 and filed.location.endswith("/kvitto")
    receipt = staff.get(filed.location).get_data(as_text=True)
    number = re.search(r'class="number">(AV-\d{4}-\d{4})<', receipt).group(1)  # type: ignore[union-attr]
    assert "Individ- och familjeomsorg" in receipt  # the operation followed the unit

    mine = staff.get("/mina-rapporter").get_data(as_text=True)
    assert number in mine

    reviewer = web_app.test_client()
    reviewer.post("/login", data={"username": "chef", "password": PASSWORD})
    month = runtime.app.today().strftime("%Y-%m")
    inbox = reviewer.get(f"/inkorg?month={month}&unit=utredning&status=open&category=handlaggning")
    assert inbox.status_code == 200
    assert number in inbox.get_data(as_text=True)
    link = re.search(r'href="(/avvikelser/[0-9a-f-]{36})">' + number, inbox.get_data(as_text=True))
    page = reviewer.get(link.group(1)).get_data(as_text=True)  # type: ignore[union-attr]
    assert "Avvikelsen rapporterades" in page and "fel boxadress" in page


def test_inbox_filters_and_enhetschef_scope(
    client_for: Clients, runtime: Runtime, users: dict[str, Account]
) -> None:
    today = runtime.app.today()
    last_year = today.replace(year=today.year - 1, day=1)
    ours = file_deviation(runtime)
    closed = file_deviation(runtime, category="personal", subcategory=None)
    runtime.app.close_deviation(closed.id, actor="chef", summary="Klart")
    old = file_deviation(runtime, actor="utvecklare", reported_on=last_year, occurred_on=last_year)
    theirs = file_deviation(runtime, unit="hvb-notgarden", category="genomforande",
                            subcategory=None)

    def numbers(client: FlaskClient, query: str = "") -> set[str]:
        html = client.get(f"/inkorg{query}").get_data(as_text=True)
        return set(re.findall(r"AV-\d{4}-\d{4}", html))

    chef, developer = client_for("chef"), client_for("utvecklare")
    assert numbers(chef) == {ours.number, closed.number, old.number}  # not the HVB one
    assert numbers(developer) == {ours.number, closed.number, old.number, theirs.number}
    assert numbers(developer, "?operation=HVB") == {theirs.number}
    assert numbers(developer, "?unit=hvb-notgarden") == {theirs.number}
    assert numbers(developer, "?category=personal") == {closed.number}
    assert numbers(developer, "?status=closed") == {closed.number}
    assert numbers(developer, f"?month={last_year:%Y-%m}") == {old.number}
    assert numbers(chef, "?unit=hvb-notgarden") == set()  # outside the chef's units

    bad = chef.get("/inkorg?month=2026-13&status=nonsense")
    assert bad.status_code == 422
    assert set(summary_links(bad.get_data(as_text=True))) == {"month", "status"}


MISSING = {"unit": "", "category": "", "occurred_on": "", "description": ""}


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (MISSING, "unit", "Fältet måste fyllas i."),
        ({"occurred_on": "22/11/2026"}, "occurred_on", "Ange ett giltigt datum"),
        ({"unit": "okand-enhet"}, "unit", "Okänd enhet: okand-enhet"),
        ({"category": "okand"}, "category", "Okänt kvalitetsområde: okand"),
        ({"subcategory": ""}, "subcategory", "Kvalitetsområdet kräver en underkategori."),
        ({"category": "genomforande"}, "subcategory", "Kvalitetsområdet har inga underkategorier."),
        ({"subcategory": "okand"}, "subcategory", "Okänd underkategori: okand"),
        ({"description": "Gällde 19850101-1236 på boendet."}, "description",
         "ser ut som ett personnummer"),
        ({"immediate_actions": "Ringde 850101-1236."}, "immediate_actions",
         "ange ärendets referens (diarienummer) i stället"),
        ({"description": "x" * 5001}, "description", "Högst 5000 tecken är tillåtna."),
        ({"case_reference": "x" * 65}, "case_reference", "Högst 64 tecken är tillåtna."),
        ({"occurred_on": "2999-01-01"}, "occurred_on",
         "Avvikelsen kan inte ha inträffat efter att den rapporterades."),
    ],
    ids=lambda value: value if isinstance(value, str) and len(value) < 20 else None,
)
def test_staff_form_errors_are_summarised_kept_and_nothing_is_stored(
    shared_app: Flask, sqlite_runtime: Runtime, overrides: dict[str, str], field: str,
    message: str,
) -> None:
    # SQLite only (a table of refusals): the same code path runs on PostgreSQL above.
    runtime = sqlite_runtime
    client = shared_app.test_client()
    log_in(client, "rapportor")
    before = stored_events(runtime)
    form = valid_form(runtime, **overrides)
    response = client.post("/avvikelser/ny", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field in summary_links(html)
    assert message in html
    assert f'id="{field}-error"' in html  # the inline message next to the field
    assert stored_events(runtime) == before
    # What the person typed is still there (the long text too).
    kept = form["description"] if form["description"] else form["case_reference"]
    assert kept.replace("'", "&#39;") in html


def test_missing_fields_are_each_listed(client_for: Clients, runtime: Runtime) -> None:
    response = client_for("rapportor").post("/avvikelser/ny", data=valid_form(runtime, **MISSING))
    assert set(summary_links(response.get_data(as_text=True))) == {
        "unit", "category", "occurred_on", "description",
    }


def test_only_the_quality_developer_backdates(client_for: Clients, runtime: Runtime) -> None:
    past = (runtime.app.today() - timedelta(days=400)).isoformat()
    form = valid_form(runtime, occurred_on=past, reported_on=past)
    before = stored_events(runtime)
    refused = client_for("rapportor").post("/avvikelser/ny", data=form)
    assert refused.status_code == 422
    assert "Bara verksamhetsutvecklare och administratörer" in refused.get_data(as_text=True)
    assert stored_events(runtime) == before
    accepted = client_for("utvecklare").post("/avvikelser/ny", data=form)
    assert accepted.status_code == 302
    deviation_id = accepted.location.split("/")[2]
    deviation = runtime.app.get_deviation(UUID(deviation_id))
    assert deviation.reported_on.isoformat() == past
    assert deviation.number.startswith(f"AV-{past[:4]}-")
    future = client_for("utvecklare").post(
        "/avvikelser/ny", data=valid_form(runtime, reported_on="2999-01-01")
    )
    assert "Datumet kan inte vara i framtiden." in future.get_data(as_text=True)


def test_the_review_workflow_on_the_deviation_page(
    client_for: Clients, runtime: Runtime, users: dict[str, Account]
) -> None:
    deviation = file_deviation(runtime, category="genomforande", subcategory=None)
    chef, developer = client_for("chef"), client_for("utvecklare")
    page = f"/avvikelser/{deviation.id}"
    today = runtime.app.today().isoformat()

    def act(client: FlaskClient, action: str, **fields: str) -> None:
        version = runtime.app.get_deviation(deviation.id).version
        data = {f"{action}_{k}": v for k, v in fields.items()} | {"version": str(version)}
        response = client.post(f"{page}/{action}", data=data)
        assert response.status_code == 302, response.get_data(as_text=True)[:3000]

    act(developer, "reclassify", category="handlaggning", subcategory="registrering")
    act(chef, "analyse", analysis="Rutinen följdes inte vid frånvaro.")
    act(chef, "add_measure", description="Rutinen gås igenom på APT.", responsible="chef",
        due_on=today)
    act(chef, "complete_measure", measure="1")
    act(chef, "feedback", message="Tack för att du rapporterade.")
    act(chef, "close", summary="Åtgärden är genomförd.")
    act(chef, "reopen", reason="Det hände igen.")
    act(developer, "escalate", reason="Kan vara ett missförhållande.")

    html = developer.get(page).get_data(as_text=True)
    for shown in ("Omklassificerad", "Orsaksanalys", "Åtgärd tillagd", "Åtgärd genomförd",
                  "Återkoppling till rapportören", "Avslutad", "Återöppnad",
                  "Lyft till Lex Sarah-utredning", "En Lex Sarah-utredning är öppnad."):
        assert shown in html
    found = runtime.app.get_deviation(deviation.id)
    assert found.category == "handlaggning" and found.measures[0].completed_on is not None
    assert found.lex_sarah_case_id is not None
    assert f'href="/lex-sarah/{found.lex_sarah_case_id}"' in html
    assert "/lex-sarah/" not in chef.get(page).get_data(as_text=True)  # not the chef's pages

    # The reporter sees the feedback under "Mina rapporter".
    mine = client_for("rapportor").get("/mina-rapporter").get_data(as_text=True)
    assert "Tack för att du rapporterade." in mine


def test_withdrawal(client_for: Clients, runtime: Runtime, users: dict[str, Account]) -> None:
    deviation = file_deviation(runtime)
    response = client_for("chef").post(
        f"/avvikelser/{deviation.id}/withdraw",
        data={"withdraw_reason": "Registrerad två gånger.", "version": "1"},
    )
    assert response.status_code == 302
    assert runtime.app.get_deviation(deviation.id).status.value == "withdrawn"


def test_action_errors_show_on_the_page_and_store_nothing(
    client_for: Clients, runtime: Runtime, users: dict[str, Account]
) -> None:
    deviation = file_deviation(runtime)
    chef = client_for("chef")
    before = stored_events(runtime)
    empty = chef.post(f"/avvikelser/{deviation.id}/close",
                      data={"close_summary": "", "version": "1"})
    assert empty.status_code == 422
    assert summary_links(empty.get_data(as_text=True)) == ["close_summary"]
    # A step the case's state does not allow: a general message, no link.
    reopen = chef.post(f"/avvikelser/{deviation.id}/reopen",
                       data={"reopen_reason": "Varför inte", "version": "1"})
    assert reopen.status_code == 422
    assert "Bara en avslutad avvikelse kan öppnas igen." in reopen.get_data(as_text=True)
    measure = chef.post(
        f"/avvikelser/{deviation.id}/add_measure",
        data={"add_measure_description": "Gör något", "add_measure_responsible": "chef",
              "add_measure_due_on": "2000-01-01", "version": "1"},
    )
    html = measure.get_data(as_text=True)
    assert "add_measure_due_on" in summary_links(html)
    assert "Datumet kan inte vara före rapportdatumet" in html
    assert 'id="action-add_measure" open' in html and "Gör något" in html
    no_version = chef.post(f"/avvikelser/{deviation.id}/close", data={"close_summary": "Klart"})
    assert no_version.status_code == 422
    assert stored_events(runtime) == before
    assert chef.post(f"/avvikelser/{deviation.id}/nonsense", data={}).status_code == 404


def test_a_stale_edit_is_refused_with_the_text_kept(
    client_for: Clients, runtime: Runtime, users: dict[str, Account]
) -> None:
    deviation = file_deviation(runtime)
    chef, developer = client_for("chef"), client_for("utvecklare")
    # Both opened the page at version 1; the developer saves first.
    first = developer.post(f"/avvikelser/{deviation.id}/analyse",
                           data={"analyse_analysis": "Första analysen", "version": "1"})
    assert first.status_code == 302
    before = stored_events(runtime)
    second = chef.post(f"/avvikelser/{deviation.id}/analyse",
                       data={"analyse_analysis": "Min egen analys", "version": "1"})
    html = second.get_data(as_text=True)
    assert second.status_code == 422
    assert CONFLICT_MESSAGE in html
    assert "Min egen analys" in html  # nothing the chef wrote is lost
    assert "Första analysen" in html  # and the page shows what changed
    assert stored_events(runtime) == before
    # The form now carries the current version, so sending again works.
    assert 'name="version" value="2"' in html
    again = chef.post(f"/avvikelser/{deviation.id}/analyse",
                      data={"analyse_analysis": "Min egen analys", "version": "2"})
    assert again.status_code == 302


def test_subcategory_is_offered_only_for_categories_that_have_them(
    client_for: Clients, users: dict[str, Account]
) -> None:
    html = client_for("rapportor").get("/avvikelser/ny").get_data(as_text=True)
    assert 'data-subcategory-for="handlaggning"' in html
    assert '<optgroup label="Handläggning och dokumentation">' in html
    assert 'label="Genomförande av insats"' not in html.split('id="subcategory"')[1].split(
        "</select>")[0]


def test_personnummer_is_listed_with_the_other_errors(
    shared_app: Flask, sqlite_runtime: Runtime
) -> None:
    client = shared_app.test_client()
    log_in(client, "rapportor")
    response = client.post("/avvikelser/ny", data=valid_form(
        sqlite_runtime, subcategory="", description="Gäller 850101-1236.",
        case_reference="19850101-1236"))
    html = response.get_data(as_text=True)
    assert set(summary_links(html)) == {"subcategory", "description", "case_reference"}
    assert html.count("Det här ser ut som ett personnummer.") == 4  # summary + inline, twice
    assert "Ärendereferens: Det här ser ut som ett personnummer." in html


def test_action_errors_in_the_summary_name_their_field(
    client_for: Clients, runtime: Runtime, users: dict[str, Account]
) -> None:
    deviation = file_deviation(runtime)
    response = client_for("chef").post(
        f"/avvikelser/{deviation.id}/add_measure",
        data={"add_measure_description": "Test", "add_measure_responsible": "",
              "add_measure_due_on": "", "version": "1"},
    )
    html = response.get_data(as_text=True)
    assert 'href="#add_measure_responsible">Ansvarig: Fältet måste fyllas i.' in html
    assert 'href="#add_measure_due_on">Klar senast: Fältet måste fyllas i.' in html


HTML_ACTION_ERRORS: list[tuple[str, dict[str, str], str, str]] = [
    ("reclassify", {"category": ""}, "reclassify_category", "Fältet måste fyllas i."),
    ("reclassify", {"category": "handlaggning", "subcategory": ""}, "reclassify_subcategory",
     "Kvalitetsområdet kräver en underkategori."),
    ("reclassify", {"category": "handlaggning", "subcategory": "sekretess"},
     "reclassify_category", "Avvikelsen har redan den klassificeringen."),
    ("reclassify", {"category": "okand"}, "reclassify_category", "Okänt kvalitetsområde: okand"),
    ("analyse", {"analysis": "Se 850101-1236"}, "analyse_analysis", "ser ut som ett personnummer"),
    ("add_measure", {"description": "x", "responsible": "y" * 201, "due_on": "2999-01-01"},
     "add_measure_responsible", "Högst 200 tecken är tillåtna."),
    ("add_measure", {"description": "x", "responsible": "y", "due_on": "i morgon"},
     "add_measure_due_on", "Ange ett giltigt datum"),
    ("complete_measure", {"measure": "3"}, "complete_measure_measure",
     "Det finns ingen åtgärd nummer 3."),
    ("complete_measure", {"measure": "1", "completed_on": "2999-01-01"},
     "complete_measure_completed_on", "Datumet kan inte vara i framtiden."),
    ("feedback", {"message": ""}, "feedback_message", "Fältet måste fyllas i."),
    ("escalate", {"reason": "x", "opened_on": "2000-01-01"}, "escalate_opened_on",
     "Datumet kan inte vara före avvikelsens rapportdatum"),
    ("close", {"summary": "x" * 5001}, "close_summary", "Högst 5000 tecken är tillåtna."),
    ("reopen", {"reason": ""}, "reopen_reason", "Fältet måste fyllas i."),
    ("withdraw", {"reason": ""}, "withdraw_reason", "Fältet måste fyllas i."),
]


@pytest.mark.parametrize(("action", "fields", "field", "message"), HTML_ACTION_ERRORS,
                         ids=[f"{a}-{f}" for a, _, f, _ in HTML_ACTION_ERRORS])
def test_action_form_errors(
    shared_app: Flask, sqlite_runtime: Runtime, action: str, fields: dict[str, str], field: str,
    message: str,
) -> None:
    runtime = sqlite_runtime
    deviation = file_deviation(runtime)
    runtime.app.add_measure(deviation.id, actor="chef", description="Rutin", responsible="chef",
                            due_on=deviation.reported_on)
    if action == "reopen":
        runtime.app.close_deviation(deviation.id, actor="chef", summary="Klart")
    client = shared_app.test_client()
    log_in(client, "utvecklare")
    version = runtime.app.get_deviation(deviation.id).version
    before = stored_events(runtime)
    data = {f"{action}_{key}": value for key, value in fields.items()}
    response = client.post(f"/avvikelser/{deviation.id}/{action}",
                           data=data | {"version": str(version)})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field in summary_links(html)
    assert message in html
    assert f'id="{field}-error"' in html
    assert f'id="action-{action}" open' in html  # the form with the problem is shown open
    assert stored_events(runtime) == before


def test_people_see_their_own_report_at_once_or_are_told_the_list_lags(
    client_for: Clients, runtime: Runtime, users: dict[str, Account],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = client_for("rapportor")
    filed = client.post("/avvikelser/ny", data=valid_form(runtime))
    number = runtime.app.get_deviation(
        UUID(filed.location.split("/")[2])).number
    page = client.get("/mina-rapporter").get_data(as_text=True)
    assert number in page and "Listorna uppdateras just nu" not in page
    # A store too busy to catch up in time: the page still answers, and says so.
    monkeypatch.setattr("projections.runner.catch_up", lambda *_args, **_kw: False)
    lagging = client.get("/mina-rapporter").get_data(as_text=True)
    assert "Listorna uppdateras just nu" in lagging
