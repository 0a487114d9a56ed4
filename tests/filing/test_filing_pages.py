"""Filing a deviation on the staff form, on SQLite and PostgreSQL: from the login page to
the receipt and the reviewer's inbox, every validation error (summary linked to the
fields, input kept, nothing stored), backdating, and the reporter's own list."""

from __future__ import annotations

import re
from datetime import date, timedelta
from uuid import UUID

import pytest
from flask import Flask
from support import PASSWORD, Clients, log_in, stored_events, summary_links

from tracker.people.accounts import Account
from tracker.runtime import Runtime

# Future but within the bounds every date field keeps (1990 to the end of next year).
NEXT_YEAR = f"{date.today().year + 1}-06-01"


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
    app: Flask, users: dict[str, Account], runtime: Runtime
) -> None:
    staff = app.test_client()
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
    number = re.search(r'class="number"><span class="nowrap">(AV-\d{4}-\d{4})<', receipt).group(1)  # type: ignore[union-attr]
    assert "Individ- och familjeomsorg" in receipt  # the operation followed the unit

    mine = staff.get("/mina-rapporter").get_data(as_text=True)
    assert number in mine

    reviewer = app.test_client()
    reviewer.post("/login", data={"username": "chef", "password": PASSWORD})
    month = runtime.app.today().strftime("%Y-%m")
    inbox = reviewer.get(f"/inkorg?month={month}&unit=utredning&status=open&category=handlaggning")
    assert inbox.status_code == 200
    assert number in inbox.get_data(as_text=True)
    # The link opens the deviation at its next step (#hantera, #steg-...).
    link = re.search(r'href="(/avvikelser/[0-9a-f-]{36})(#hantera|#steg-[a-z]+)?">'
                     r'<span class="nowrap">' + number,
                     inbox.get_data(as_text=True))
    page = reviewer.get(link.group(1)).get_data(as_text=True)  # type: ignore[union-attr]
    assert "Avvikelsen rapporterades" in page and "fel boxadress" in page


MISSING = {"unit": "", "category": "", "occurred_on": "", "description": ""}


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (MISSING, "unit", "Välj ett alternativ."),
        (MISSING, "description", "Fyll i fältet."),
        (MISSING, "occurred_on", "Ange ett datum."),
        ({"occurred_on": "22/11/2026"}, "occurred_on", "Ange ett fullständigt datum"),
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
        ({"occurred_on": NEXT_YEAR}, "occurred_on", "Datumet får inte vara senare än i dag."),
        ({"occurred_on": "2999-01-01"}, "occurred_on", "Ange ett datum mellan 1990-01-01 och"),
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
        "/avvikelser/ny", data=valid_form(runtime, reported_on=NEXT_YEAR)
    )
    assert "Datumet får inte vara senare än i dag." in future.get_data(as_text=True)


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
