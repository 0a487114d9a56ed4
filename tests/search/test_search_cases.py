"""Sök ärendenummer (/sok and GET /api/v1/search): an exact number opens the case its reader
may open; a case they may not open answers byte for byte like a number that does not
exist; partial numbers and case references list only what the reader's lists show; a bad
search is refused field by field, and nothing personnummer-like reaches the läslogg. Each
test runs on both stores, and the reference searches also with the columns encrypted."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.cryptography import AESCipher
from flask.testing import FlaskClient
from support import ROLES, file_deviation

from tracker.people import access_log
from tracker.runtime import Runtime

KEY = AESCipher.create_key(32)


@pytest.fixture(params=[False, True], ids=["plain", "encrypted"])
def environ(environ: dict[str, str], request: pytest.FixtureRequest) -> dict[str, str]:
    return environ | ({"TRACKER_CIPHER_KEY": KEY} if request.param else {})


@pytest.fixture
def cases(
    runtime: Runtime, users: Any, lex_sarah_case: Callable[..., UUID],
    child_report: Callable[..., UUID],
) -> dict[str, Any]:
    """A deviation in each of two units (the IFO one reported by rapportor, the HVB one by
    chef_hvb, each with a case reference), a Lex Sarah case (and the IFO deviation it was
    opened from, filed by rapportor), and a child report in each unit."""
    app = runtime.app
    ifo = file_deviation(runtime, case_reference="SN-2026/117")
    hvb = file_deviation(runtime, unit="hvb-notgarden", actor="chef_hvb",
                         case_reference="SN-2026/118")
    case_id = lex_sarah_case()
    case = app.get_lex_sarah_case(case_id)
    found = {
        "ifo": ifo, "hvb": hvb, "case": case,
        "case_deviation": app.get_deviation(case.deviation_id),
        "report_ifo": app.get_child_report(child_report("utredning",
                                                        case_reference="IFO-2026-555")),
        "report_hvb": app.get_child_report(child_report("hvb-notgarden",
                                                        case_reference="HVB-2026-556")),
    }
    return found


def _body(response: Any) -> str:
    """The page, its CSRF token masked (the token is signed with the second it was made in)."""
    return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token" value=""',
                  response.get_data(as_text=True))


def test_an_exact_number_opens_the_case(
    client_for: Callable[[str], FlaskClient], cases: dict[str, Any]
) -> None:
    chef, utvecklare = client_for("chef"), client_for("utvecklare")
    response = chef.get("/sok", query_string={"q": cases["ifo"].number})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/avvikelser/{cases['ifo'].id}")
    # as people type it: lower case, spaces, the sequence without its zeros
    prefix, year, sequence = cases["report_ifo"].number.split("-")
    typed = f" {prefix.lower()} {year}-{int(sequence)} "
    response = chef.get("/sok", query_string={"q": typed})
    assert response.headers["Location"].endswith(f"/anmalningar/{cases['report_ifo'].id}")
    response = utvecklare.get("/sok", query_string={"q": cases["case"].number})
    assert response.headers["Location"].endswith(f"/lex-sarah/{cases['case'].id}")


@pytest.mark.parametrize(("user", "hidden"), [
    ("chef", "hvb"),  # the enhetschef of another unit
    ("chef", "case"),  # a Lex Sarah case: not the enhetschef's role
    ("chef_hvb", "report_ifo"),
    ("rapportor", "hvb"),  # the rapportör who did not report it
    ("rapportor", "report_ifo"),
    ("admin", "ifo"),  # the admin reads no case content
])
def test_a_case_out_of_reach_answers_like_an_unknown_number(
    user: str, hidden: str, client_for: Callable[[str], FlaskClient],
    api: Callable[..., Any], cases: dict[str, Any],
) -> None:
    number = cases[hidden].number
    prefix, year, _ = number.split("-")
    unknown = f"{prefix}-{year}-9999"
    client = client_for(user)
    seen, never = client.get("/sok?q=" + number), client.get("/sok?q=" + unknown)
    assert seen.status_code == never.status_code == 200
    assert _body(seen).replace(number, unknown) == _body(never)
    assert "Inga ärenden hittades" in _body(seen)
    seen, never = (api(user, "GET", "/api/v1/search?q=" + n) for n in (number, unknown))
    assert seen.status_code == never.status_code == 200
    assert seen.get_json() == never.get_json() == {"exact": None, "results": [], "more": False}


def test_the_reporter_finds_their_own_report_in_another_unit(
    client_for: Callable[[str], FlaskClient], cases: dict[str, Any]
) -> None:
    response = client_for("chef_hvb").get("/sok", query_string={"q": cases["hvb"].number})
    assert response.headers["Location"].endswith(f"/avvikelser/{cases['hvb'].id}")


def test_a_partial_number_lists_only_cases_in_scope(
    client_for: Callable[[str], FlaskClient], api: Callable[..., Any], cases: dict[str, Any]
) -> None:
    # a number's year is its reporting day's: around New Year the cases span two years
    years = sorted({case.number.split("-")[1] for case in cases.values()})
    chef = client_for("chef")
    page = "".join(_body(chef.get("/sok", query_string={"q": f"-{year}-"})) for year in years)
    for visible in ("ifo", "case_deviation", "report_ifo"):
        assert cases[visible].number in page
    for hidden in ("hvb", "report_hvb", "case"):
        assert cases[hidden].number not in page
    found_by_year = (api("utvecklare", "GET", f"/api/v1/search?q=-{year}-").get_json()
                     for year in years)
    numbers = {hit["number"] for found in found_by_year for hit in found["results"]}
    assert numbers == {case.number for case in cases.values()}
    found = api("rapportor", "GET", "/api/v1/search?q=AV").get_json()
    assert [hit["number"] for hit in found["results"]] == sorted(
        [cases["ifo"].number, cases["case_deviation"].number])


def test_a_case_reference_finds_deviations_and_child_reports_in_scope(
    client_for: Callable[[str], FlaskClient], api: Callable[..., Any], cases: dict[str, Any]
) -> None:
    page = _body(client_for("chef").get("/sok", query_string={"q": "sn-2026/11"}))
    assert cases["ifo"].number in page and "SN-2026/117" in page
    assert cases["hvb"].number not in page and "SN-2026/118" not in page
    found = api("utvecklare", "GET", "/api/v1/search?q=2026-55").get_json()
    assert sorted((hit["number"], hit["matched"], hit["case_reference"])
                  for hit in found["results"]) == sorted([
        (cases["report_ifo"].number, "case_reference", "IFO-2026-555"),
        (cases["report_hvb"].number, "case_reference", "HVB-2026-556"),
    ])
    found = api("chef_hvb", "GET", "/api/v1/search?q=IFO-2026").get_json()
    assert found["results"] == []


def test_the_api_answers_with_the_case_and_its_address(
    api: Callable[..., Any], cases: dict[str, Any]
) -> None:
    response = api("chef", "GET", "/api/v1/search?q=" + cases["ifo"].number)
    assert response.status_code == 200
    exact = response.get_json()["exact"]
    assert exact == {
        "kind": "deviation", "id": str(cases["ifo"].id), "number": cases["ifo"].number,
        "unit": "utredning", "case_reference": "SN-2026/117", "matched": "number",
        "url": f"/avvikelser/{cases['ifo'].id}",
    }
    assert response.get_json()["results"] == [exact]


BAD_SEARCHES = {
    "": "Fältet måste fyllas i.",
    "   ": "Fältet måste fyllas i.",
    "A" * 101: "Högst 100 tecken är tillåtna.",
    "AV-2026\x00": "Skriv sökningen på en rad, utan styrtecken.",
    "AV\t2026": "Skriv sökningen på en rad, utan styrtecken.",
    "AV-2026\n0001": "Skriv sökningen på en rad, utan styrtecken.",
}
PERSONNUMMER = ["19121212-1212", "121212-1212", "191212121212", "1212121212",
                "12 12 12 - 1212"]


@pytest.mark.parametrize("q", [*BAD_SEARCHES, *PERSONNUMMER])
def test_a_bad_search_is_refused_by_field_and_not_logged(
    q: str, client_for: Callable[[str], FlaskClient], api: Callable[..., Any],
    cases: dict[str, Any], runtime: Runtime,
) -> None:
    before = access_log.search(runtime.engine)[1]
    response = api("utvecklare", "GET", "/api/v1/search", query_string={"q": q},
                   headers={"Accept-Language": "sv"})
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert list(errors) == ["q"]
    if q in BAD_SEARCHES:
        assert errors["q"] == [BAD_SEARCHES[q]]
    else:
        assert "personnummer" in errors["q"][0]
    page = client_for("utvecklare").get("/sok", query_string={"q": q})
    assert page.status_code == 422
    assert 'href="#q"' in _body(page)  # the error summary links to the field
    # the page says what to do in an empty field; the API names the rule
    shown = "Fyll i fältet." if errors["q"] == ["Fältet måste fyllas i."] else errors["q"][0]
    assert shown in _body(page).replace("&#34;", '"').replace("&#39;", "'")
    assert access_log.search(runtime.engine)[1] == before


def test_a_search_without_a_token_is_401(client: FlaskClient, cases: dict[str, Any]) -> None:
    assert client.get("/api/v1/search?q=AV").status_code == 401


def test_a_search_is_logged_as_a_list_read_with_what_was_searched(
    client_for: Callable[[str], FlaskClient], api: Callable[..., Any],
    cases: dict[str, Any], runtime: Runtime,
) -> None:
    client_for("chef").get("/sok", query_string={"q": "SN-2026"})
    api("utvecklare", "GET", "/api/v1/search?q=IFO")
    entries, _ = access_log.search(runtime.engine, kind="list")
    assert [(e.username, e.parameters, e.channel) for e in entries[:2]] == [
        ("utvecklare", {"q": "IFO"}, "api"), ("chef", {"q": "SN-2026"}, "page"),
    ]


def test_the_search_is_in_the_header_and_the_api_document(
    client_for: Callable[[str], FlaskClient], api: Callable[..., Any], users: Any
) -> None:
    page = _body(client_for("rapportor").get("/"))
    assert '<label for="header-q">Sök ärendenummer</label>' in page
    assert 'action="/sok"' in page
    assert client_for("rapportor").get("/sok").status_code == 200
    document = api("rapportor", "GET", "/api/openapi.json").get_json()
    operation = document["paths"]["/search"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"q"}
    assert {"200", "401", "403", "422"} <= set(operation["responses"])


PAGES = {"AV": "/avvikelser/", "AN": "/anmalningar/", "LS": "/lex-sarah/"}


@pytest.mark.parametrize("user", ROLES)
def test_an_exact_number_opens_exactly_the_cases_whose_page_opens(
    user: str, client_for: Callable[[str], FlaskClient], cases: dict[str, Any]
) -> None:
    client = client_for(user)
    for name, case in cases.items():
        address = PAGES[case.number[:2]] + str(case.id)
        opens = client.get(address).status_code == 200
        search = client.get("/sok", query_string={"q": case.number})
        assert search.status_code == (302 if opens else 200), (user, name)
        if opens:
            assert search.headers["Location"].endswith(address)
