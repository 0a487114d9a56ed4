"""The Lex Sarah investigation on one page: every required kind still uncovered at once, the
author and title once (filled from the signed-in person), a check-answers page, then one save
of one event per item, all or nothing; and the same as one API operation."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from lex_sarah_support import cover_remaining_kinds_in

from events.lex_sarah import REQUIRED_KINDS, FindingKind, Grade
from tracker.runtime import Runtime


@pytest.fixture
def case_id(users: Any, lex_sarah_case: Callable[..., UUID]) -> UUID:
    return lex_sarah_case()


@pytest.fixture
def client(client_for: Callable[[str], Any]) -> Any:
    return client_for("lexsarah")


def _summary(html: str) -> str:
    match = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert match, "no error summary on the page"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(0)))


def _inputs(html: str) -> dict[str, str]:
    """The form's values as a browser would send them (text, textareas, checked radios)."""
    values: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if not name or name.group(1) == "csrf_token":
            continue
        if 'type="radio"' in tag and "checked" not in tag:
            continue
        values[name.group(1)] = _unescape(value.group(1)) if value else ""
    for name, text in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html,
                                 re.S):
        values[name] = _unescape(text)
    return values


def _unescape(text: str) -> str:
    return (text.replace("&#34;", '"').replace("&#39;", "'").replace("&lt;", "<")
            .replace("&gt;", ">").replace("&amp;", "&"))


TYPED = {
    "source": "Samtal med personal",
    "orsak_text": "Rutinen för att låsa in knivar var inte känd av vikarier.",
    "tidigare_text": "Inga tidigare liknande händelser i enheten.",
    "upprepning_reason": "Bedöms i beslutet; ingen separat uppgift.",
}


def test_every_kind_at_once_review_then_one_save(
    client: Any, case_id: UUID, runtime: Runtime
) -> None:
    app = runtime.app
    today = app.today()
    earlier = app.file_deviation(  # the same unit and kvalitetsområde, a month before
        actor="rapportor", unit="utredning", category="genomforande", subcategory=None,
        occurred_on=today - timedelta(days=40), description="Knivar i diskstället.",
        reported_on=today - timedelta(days=30),
    )
    elsewhere = app.file_deviation(
        actor="rapportor", unit="hvb-notgarden", category="genomforande", subcategory=None,
        occurred_on=today - timedelta(days=40), description="Annan enhet.",
        reported_on=today - timedelta(days=30),
    )
    page = client.get(f"/lex-sarah/{case_id}")
    assert f'href="/lex-sarah/{case_id}/utredning"' in page.get_data(as_text=True)

    entry = client.get(f"/lex-sarah/{case_id}/utredning")
    html = entry.get_data(as_text=True)
    assert entry.status_code == 200
    for kind in REQUIRED_KINDS:
        assert f'name="{kind.value}_text"' in html
    values = _inputs(html)
    # Filled from the person and from what the tracker knows; the date is today's.
    assert values["author"] == "lexsarah"
    assert values["handelse_text"] == "Knivar låg framme i köket."
    assert values["orsak_nature"] == "assessment" and values["tidpunkt_nature"] == "fact"
    assert values["orsak_date"] == app.today().isoformat()
    assert earlier.number in values["tidigare_text"]
    assert elsewhere.number not in values["tidigare_text"]
    assert values["tidigare_source"] == "Avvikelseregistret"
    values |= TYPED | {"author_title": "Kvalitetsutvecklare", "atgard_text": ""}

    version = app.get_lex_sarah_case(case_id).version
    review = client.post(f"/lex-sarah/{case_id}/utredning/granska", data=values)
    text = review.get_data(as_text=True)
    assert review.status_code == 200, _summary(text)
    assert "Rutinen för att låsa in knivar" in text and "Ej tillämpligt:" in text
    assert "Lämnas tomma" in text and "Åtgärder (med datum)" in text.split("Lämnas tomma")[1]
    assert text.count(">Ändra<") >= 6
    assert app.get_lex_sarah_case(case_id).version == version  # nothing saved yet

    # "Ändra" brings the form back as typed.
    again = client.post(f"/lex-sarah/{case_id}/utredning", data=_inputs(text))
    assert _inputs(again.get_data(as_text=True))["orsak_text"] == TYPED["orsak_text"]

    saved = client.post(f"/lex-sarah/{case_id}/utredning/spara", data=_inputs(text))
    assert saved.status_code == 302
    case = app.get_lex_sarah_case(case_id)
    assert case.version == version + 6  # one event per item, in one save
    assert [f.kind for f in case.findings] == [
        FindingKind.HANDELSE, FindingKind.TIDPUNKT, FindingKind.UPPTACKT, FindingKind.ORSAK,
        FindingKind.TIDIGARE]
    assert {f.author_title for f in case.findings} == {"Kvalitetsutvecklare"}
    assert [f.source for f in case.findings[3:]] == ["Samtal med personal", "Avvikelseregistret"]
    assert case.not_applicable[FindingKind.UPPREPNING].reason == TYPED["upprepning_reason"]
    assert case.uncovered_kinds() == [FindingKind.ATGARD]
    shown = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Utredningens uppgifter är sparade." in shown

    # The page now asks only for what is left, with the title remembered.
    values = _inputs(client.get(f"/lex-sarah/{case_id}/utredning").get_data(as_text=True))
    assert values["author_title"] == "Kvalitetsutvecklare"
    assert "atgard_text" in values and "orsak_text" not in values


def test_errors_per_field_and_nothing_stored(
    client: Any, case_id: UUID, runtime: Runtime
) -> None:
    app = runtime.app
    version = app.get_lex_sarah_case(case_id).version
    values = _inputs(client.get(f"/lex-sarah/{case_id}/utredning").get_data(as_text=True))
    bad = values | {
        "author_title": "", "source": "",
        "orsak_text": "Barnet 19900101-1239 var hemma.",
        "tidigare_text": "Inga.", "tidigare_reason": "Och ej tillämpligt.",
        "upprepning_text": "Risk finns.", "upprepning_date": "2999-01-01",
        "atgard_text": "x" * 100_000,
    }
    for path in ("granska", "spara"):
        response = client.post(f"/lex-sarah/{case_id}/utredning/{path}", data=bad)
        html = response.get_data(as_text=True)
        assert response.status_code == 422
        summary = _summary(html)
        assert 'href="#author_title"' in html and 'href="#orsak_text"' in html
        assert 'href="#tidigare_reason"' in html and 'href="#upprepning_date"' in html
        assert 'href="#source"' in html  # the kinds without a source of their own
        assert 'href="#atgard_text"' in html  # far too long
        assert "personnummer" in summary.lower()
        assert "Barnet 19900101-1239" in html  # what was typed stays
        assert summary.index("Befattning") < summary.index("Orsaker")  # in field order
        assert "Skriv befattning eller titel" in summary
    assert app.get_lex_sarah_case(case_id).version == version

    nothing = {k: v for k, v in values.items() if not k.endswith(("_text", "_reason"))}
    response = client.post(f"/lex-sarah/{case_id}/utredning/granska", data=nothing)
    assert response.status_code == 422
    assert "minst en" in _summary(response.get_data(as_text=True))


def test_an_unknown_case_is_404_on_page_and_api(
    client: Any, api: Callable[..., Any], case_id: UUID
) -> None:
    other = "00000000-0000-4000-8000-000000000000"
    assert client.get(f"/lex-sarah/{other}/utredning").status_code == 404
    for path in ("granska", "spara"):
        assert client.post(f"/lex-sarah/{other}/utredning/{path}",
                           data={"orsak_text": "x"}).status_code == 404
    response = api("lexsarah", "POST", f"/api/v1/lex-sarah/{other}/findings/batch",
                   json=_body())
    assert response.status_code == 404


def test_a_conflict_keeps_what_was_typed(client: Any, case_id: UUID, runtime: Runtime) -> None:
    app = runtime.app
    values = _inputs(client.get(f"/lex-sarah/{case_id}/utredning").get_data(as_text=True))
    values |= TYPED | {"author_title": "Kvalitetsutvecklare"}
    app.assign_investigator(case_id, actor="utvecklare", investigator="Någon annan")
    before = app.get_lex_sarah_case(case_id).version
    response = client.post(f"/lex-sarah/{case_id}/utredning/spara", data=values)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Någon annan har ändrat ärendet" in _summary(html)
    kept = _inputs(html)
    assert kept["orsak_text"] == TYPED["orsak_text"]
    assert kept["version"] == str(before)
    assert app.get_lex_sarah_case(case_id).version == before
    assert client.post(f"/lex-sarah/{case_id}/utredning/spara", data=kept).status_code == 302


def test_the_title_comes_from_the_persons_latest_decision_elsewhere(
    client: Any, client_for: Callable[[str], Any], lex_sarah_case: Callable[..., UUID],
    runtime: Runtime,
) -> None:
    app = runtime.app
    earlier = lex_sarah_case()
    cover_remaining_kinds_in(app, earlier, actor="lexsarah")  # titled Kvalitetsutvecklare
    app.decide_lex_sarah(earlier, actor="lexsarah", grade=Grade.INTE_MISSFORHALLANDE,
                         reasoning="Inget missförhållande.", decided_by_title="Enhetschef")
    fresh = lex_sarah_case()
    values = _inputs(client.get(f"/lex-sarah/{fresh}/utredning").get_data(as_text=True))
    assert values["author_title"] == "Enhetschef"
    # Someone who never gave a title gets an empty field, not another person's.
    other = client_for("utvecklare").get(f"/lex-sarah/{fresh}/utredning")
    values = _inputs(other.get_data(as_text=True))
    assert values["author"] == "utvecklare" and values["author_title"] == ""


def test_a_decided_case_takes_no_more(client: Any, case_id: UUID, runtime: Runtime) -> None:
    app = runtime.app
    cover_remaining_kinds_in(app, case_id)
    app.decide_lex_sarah(case_id, actor="ls", grade=Grade.INTE_MISSFORHALLANDE,
                         reasoning="Inget.")
    html = client.get(f"/lex-sarah/{case_id}/utredning").get_data(as_text=True)
    assert "kan inte längre läggas till" in html and "Granska uppgifterna" not in html
    response = client.post(f"/lex-sarah/{case_id}/utredning/spara", data={
        "author": "a", "author_title": "b", "source": "c", "orsak_text": "d",
        "orsak_nature": "fact"})
    assert response.status_code == 409


def _body(**extra: Any) -> dict[str, Any]:
    return {
        "author": "Utredare Ett", "author_title": "Socialsekreterare",
        "items": [
            {"kind": "handelse", "text": "Knivar låg framme.", "source": "Journal",
             "nature": "fact"},
            {"kind": "orsak", "text": "Rutinen var okänd.", "source": "Samtal",
             "nature": "assessment", "date": "2020-01-01"},
            {"kind": "tidigare", "not_applicable_reason": "Första gången."},
        ],
        **extra,
    }


def test_api_saves_every_item_or_none(
    api: Callable[..., Any], case_id: UUID, runtime: Runtime
) -> None:
    app = runtime.app
    path = f"/api/v1/lex-sarah/{case_id}/findings/batch"
    version = app.get_lex_sarah_case(case_id).version

    bad = _body()
    bad["items"][1]["text"] = "Personnummer 900101-1239."
    bad["items"][2]["text"] = "Och en uppgift."
    response = api("lexsarah", "POST", path, json=bad)
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) == {"items.1.text", "items.2.not_applicable_reason"}
    for wrong in ({"items": []}, {"items": "x"}, {"items": [{"kind": "nej"}] * 2},
                  {"items": [_body()["items"][0]] * 51}, {"author": "x" * 10_000}):
        response = api("lexsarah", "POST", path, json=_body() | wrong)
        assert response.status_code == 422, wrong
    assert app.get_lex_sarah_case(case_id).version == version

    # An item the case contradicts: 409 on that item, nothing of the others stored.
    app.mark_finding_not_applicable(case_id, actor="ls", kind=FindingKind.TIDIGARE,
                                    reason="Ej aktuellt.", author="ls", author_title="U")
    version += 1
    response = api("lexsarah", "POST", path, json=_body())
    assert response.status_code == 409
    assert list(response.get_json()["errors"]) == ["items.2.kind"]
    assert api("lexsarah", "POST", path, json=_body(expected_version=version - 1)
               ).status_code == 409
    assert app.get_lex_sarah_case(case_id).version == version

    body = _body(expected_version=version)
    body["items"] = body["items"][:2]
    response = api("lexsarah", "POST", path, json=body)
    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    assert answer["version"] == version + 2
    assert [f["kind"] for f in answer["findings"]] == ["handelse", "orsak"]
    assert answer["findings"][0]["date"] == app.today().isoformat()
    assert "upprepning" in answer["uncovered_kinds"]


def test_api_operation_is_in_the_openapi_document(client: Any) -> None:
    document = client.get("/api/openapi.json").get_json()
    operation = document["paths"]["/lex-sarah/{case_id}/findings/batch"]["post"]
    assert "201" in operation["responses"] and "422" in operation["responses"]
