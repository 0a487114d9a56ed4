"""Casework on the deviation pages, on SQLite and PostgreSQL: the reviewer's inbox and its
scope, every action on the deviation page, each action's errors (summary linked to the
fields, input kept, nothing stored) and a stale edit."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from support import (
    Clients,
    close_deviation,
    file_deviation,
    log_in,
    stored_events,
    summary_links,
)

from tracker.people.accounts import Account
from tracker.runtime import Runtime
from web.forms import CONFLICT_MESSAGE

# Future but within the bounds every date field keeps (1990 to the end of next year).
NEXT_YEAR = f"{date.today().year + 1}-06-01"


def test_inbox_filters_and_enhetschef_scope(
    client_for: Clients, runtime: Runtime, users: dict[str, Account]
) -> None:
    today = runtime.app.today()
    last_year = today.replace(year=today.year - 1, day=1)
    ours = file_deviation(runtime)
    closed = file_deviation(runtime, category="personal", subcategory=None)
    close_deviation(runtime, closed.id)
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
    act(chef, "analyse", analysis="Rutinen följdes inte vid frånvaro.",
        causes="rutin_foljs_inte")
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
    # the link is named by the investigation's number, not by an action
    number = runtime.app.get_lex_sarah_case(found.lex_sarah_case_id).number
    assert re.search(f'href="/lex-sarah/{found.lex_sarah_case_id}"><span class="nowrap">'
                     f'{number}</span></a>', html)
    # the history names a measure's text "Åtgärd" (not "Vad hände", the report's field)
    measure_entry = html.split("<strong>Åtgärd tillagd</strong>", 1)[1].split("</li>", 1)[0]
    assert "<dt>Åtgärd</dt>" in measure_entry and "Vad hände" not in measure_entry
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
                           data={"analyse_analysis": "Första analysen", "analyse_causes": "annat",
                                 "version": "1"})
    assert first.status_code == 302
    before = stored_events(runtime)
    second = chef.post(f"/avvikelser/{deviation.id}/analyse",
                       data={"analyse_analysis": "Min egen analys", "analyse_causes": "annat",
                                 "version": "1"})
    html = second.get_data(as_text=True)
    assert second.status_code == 422
    assert CONFLICT_MESSAGE in html
    assert "Min egen analys" in html  # nothing the chef wrote is lost
    assert "Första analysen" in html  # and the page shows what changed
    assert stored_events(runtime) == before
    # The form now carries the current version, so sending again works.
    assert 'name="version" value="2"' in html
    again = chef.post(f"/avvikelser/{deviation.id}/analyse",
                      data={"analyse_analysis": "Min egen analys", "analyse_causes": "annat",
                                 "version": "2"})
    assert again.status_code == 302


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
    assert 'href="#add_measure_responsible">Ansvarig: Fyll i fältet.' in html
    assert 'href="#add_measure_due_on">Klar senast: Ange ett datum.' in html


HTML_ACTION_ERRORS: list[tuple[str, dict[str, str], str, str]] = [
    ("reclassify", {"category": ""}, "reclassify_category", "Välj ett alternativ."),
    ("reclassify", {"category": "handlaggning", "subcategory": ""}, "reclassify_subcategory",
     "Kvalitetsområdet kräver en underkategori."),
    ("reclassify", {"category": "handlaggning", "subcategory": "sekretess"},
     "reclassify_category", "Avvikelsen har redan den klassificeringen."),
    ("reclassify", {"category": "okand"}, "reclassify_category", "Okänt kvalitetsområde: okand"),
    ("analyse", {"analysis": "Se 850101-1236"}, "analyse_analysis", "ser ut som ett personnummer"),
    ("add_measure", {"description": "x", "responsible": "y" * 201, "due_on": "2999-01-01"},
     "add_measure_responsible", "Högst 200 tecken är tillåtna."),
    ("add_measure", {"description": "x", "responsible": "y", "due_on": "i morgon"},
     "add_measure_due_on", "Ange ett fullständigt datum, t.ex. 2026-11-20"),
    ("complete_measure", {"measure": "3"}, "complete_measure_measure",
     "Det finns ingen åtgärd nummer 3."),
    ("complete_measure", {"measure": "1", "completed_on": NEXT_YEAR},
     "complete_measure_completed_on", "Datumet får inte vara senare än i dag."),
    ("complete_measure", {"measure": "1", "completed_on": "61120-11-20"},
     "complete_measure_completed_on", "Ange ett fullständigt datum"),
    ("complete_measure", {"measure": "1", "completed_on": "1989-12-31"},
     "complete_measure_completed_on", "Ange ett datum mellan 1990-01-01 och"),
    ("feedback", {"message": ""}, "feedback_message", "Fyll i fältet."),
    ("escalate", {"reason": "x", "opened_on": "2000-01-01"}, "escalate_opened_on",
     "Datumet kan inte vara före avvikelsens rapportdatum"),
    ("close", {"summary": "x" * 5001}, "close_summary", "Högst 5000 tecken är tillåtna."),
    ("reopen", {"reason": ""}, "reopen_reason", "Fyll i fältet."),
    ("withdraw", {"reason": ""}, "withdraw_reason", "Fyll i fältet."),
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
        close_deviation(runtime, deviation.id)
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


