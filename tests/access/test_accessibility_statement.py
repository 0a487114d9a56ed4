"""The accessibility statement (tillgänglighetsredogörelse, DOS-lagen): open to everyone,
signed in or not, in DIGG's structure with the municipality's name and contact details from
the settings, and linked from the footer of every page: the sign-in page, every signed-in
role's pages, the error pages and the statement itself."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from html import unescape
from typing import Any
from uuid import UUID

import pytest
from flask import Flask
from support import ROLES, log_in

from events.complaint import Channel, ComplaintKind, ContactWish, SenderCategory
from tracker.runtime import Runtime

STATEMENT = "/tillganglighet"
LINK = f'<a href="{STATEMENT}">Tillgänglighetsredogörelse</a>'
# DIGG's model: its parts in its order
PARTS = [
    "Tillgänglighetsredogörelse", "Hur tillgänglig är tjänsten?",
    "Vad kan du göra om du inte kan använda delar av tjänsten?",
    "Rapportera brister i tjänstens tillgänglighet", "Tillsyn",
    "Teknisk information om tjänstens tillgänglighet", "Innehåll som inte är tillgängligt",
    "Bristande förenlighet med lagkraven", "Oskälig belastning",
    "Innehåll som inte omfattas av lagstiftningen", "Hur vi testat tjänsten",
]


@pytest.fixture
def environ(environ: dict[str, str]) -> dict[str, str]:
    return environ | {
        "TRACKER_MUNICIPALITY_NAME": "Exempelby kommun",
        "TRACKER_ACCESSIBILITY_EMAIL": "tillganglighet@exempelby.example",
        "TRACKER_ACCESSIBILITY_PHONE": "0240-860 00",
        "TRACKER_ACCESSIBILITY_REVIEWED_ON": "2026-11-30",
    }


def _text(html: str) -> str:
    html = re.sub(r"</?time\b[^>]*>", "", html)  # a date's element is part of its sentence
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).replace("\xad", "").split())


def test_the_statement_is_open_to_everyone_with_the_settings_contact_details(
    client: Any, client_for: Callable[[str], Any]
) -> None:
    callers = {"anonymous": client} | {role: client_for(role) for role in ROLES}
    for who, caller in callers.items():
        response = caller.get(STATEMENT)
        assert response.status_code == 200, who
        assert response.mimetype == "text/html", who
    html = client.get(STATEMENT).get_data(as_text=True)
    headings = [_text(h) for h in re.findall(r"<h[1-4][^>]*>(.*?)</h[1-4]>", html, re.S)]
    assert headings == PARTS
    text = _text(html)
    assert text.count("Exempelby kommun står bakom tjänsten") == 1
    assert "delvis förenlig med lagen om tillgänglighet till digital offentlig service" in text
    # how to reach the municipality, twice: another format, and reporting a shortcoming
    assert html.count('href="mailto:tillganglighet@exempelby.example"') == 2
    assert text.count("Telefon: 0240-860 00") == 2
    assert "Myndigheten för digital förvaltning (Digg)" in text
    assert 'href="https://www.digg.se/tdosanmalan"' in html
    assert "Exempelby kommun granskade redogörelsen senast 2026-11-30." in text


def test_someone_who_must_change_their_password_can_still_read_it(
    client: Any, users: Any, runtime: Runtime
) -> None:
    one_time = "engångs-lösen-för-kollegan"
    runtime.accounts.set_password("chef", one_time, must_change=True)
    log_in(client, "chef", one_time)
    assert "/konto/losenord" in client.get("/").location  # every other page sends them there
    assert client.get(STATEMENT).status_code == 200


def test_the_route_table_of_the_statement(app: Flask) -> None:
    """Its one route, GET for everyone (the test above), nothing that writes."""
    rules = {(rule.rule, method) for rule in app.url_map.iter_rules()
             if rule.endpoint.startswith("accessibility.")
             for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}}
    assert rules == {(STATEMENT, "GET")}


SKIP = re.compile(r"\.(csv|xlsx|pdf|docx|json|svg|png|ico|js|css)$|\.<|^/(api|static|logout)")


def _seed(runtime: Runtime) -> dict[str, Any]:
    app = runtime.app
    today = app.today()
    deviation = app.file_deviation(
        actor="rapportor", unit="utredning", category="handlaggning", subcategory="sekretess",
        occurred_on=today, description="Ett brev gick till fel adress.",
    )
    other = app.file_deviation(
        actor="rapportor", unit="utredning", category="genomforande", subcategory=None,
        occurred_on=today, description="Knivar låg framme.",
    )
    case = app.escalate_to_lex_sarah(other.id, actor="utvecklare", reason="Allvarlig risk.")
    report = app.receive_child_report(
        actor="forste", unit="utredning", received_at=app.now() - timedelta(days=3),
        case_reference="IFO 2026/0512-12",
    )
    complaint, _ = app.receive_complaint(
        actor="avsandare", kind=ComplaintKind.COMPLAINT, unit="utredning",
        sender=SenderCategory.CLIENT, channel=Channel.E_SERVICE, text="Ingen svarade.",
        contact_wish=ContactWish.CODE)
    return {"deviation_id": deviation.id, "case_id": case.id, "report_id": report.id,
            "import_id": UUID(int=1), "username": "chef", "year": today.year,
            "month": today.month, "row_id": 1, "token_id": 1, "complaint_id": complaint.id,
            "number": 1, "sha256": "0" * 64, "kind": "deviation"}


def _pages(app: Flask, values: dict[str, Any]) -> list[str]:
    """Every page of the URL map that a browser shows (no download, API or asset), with
    the seeded cases' ids filled in; an argument nobody gave fails the test, so a new page
    with one is walked too once it is given here."""
    adapter = app.url_map.bind("localhost")
    paths, unknown = set(), []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or SKIP.search(rule.rule):
            continue
        arguments = dict(values, code="handlaggning" if "kategori" in rule.rule else "utredning")
        if set(rule.arguments) - set(arguments):
            unknown.append(rule.rule)
            continue
        paths.add(adapter.build(rule.endpoint, {n: arguments[n] for n in rule.arguments}))
    assert not unknown, f"give these pages values in _seed: {unknown}"
    return sorted(paths)


def test_every_page_links_to_the_statement_in_its_footer(
    app: Flask, client: Any, client_for: Callable[[str], Any], runtime: Runtime
) -> None:
    pages = _pages(app, _seed(runtime))
    assert len(pages) > 40
    callers = {"anonymous": client} | {role: client_for(role) for role in ROLES}
    seen: dict[int, int] = {}
    missing = []
    for path in [*pages, "/finns-inte"]:
        for who, caller in callers.items():
            response = caller.get(path)
            if response.mimetype != "text/html" or response.status_code in (301, 302, 303):
                continue
            seen[response.status_code] = seen.get(response.status_code, 0) + 1
            footer = response.get_data(as_text=True).rsplit('<footer class="site-footer', 1)
            if len(footer) != 2 or LINK not in footer[1]:
                missing.append(f"{who} {path} ({response.status_code})")
    assert missing == []
    # pages as they are meant to be seen, and the refusals and the missing page too
    assert seen[200] > 100 and seen[403] > 10 and seen[404] >= len(callers)
