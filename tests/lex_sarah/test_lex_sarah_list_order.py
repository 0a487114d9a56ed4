"""The Lex Sarah list by urgency: a serious decision not yet reported to IVO first, then
cases with no measure to remedy the wrong, then by days open (longest first); each row with
its days open and the next missing step."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from uuid import UUID

from flask.testing import FlaskClient

from events.lex_sarah import REQUIRED_KINDS, FindingNature, Grade, InformedParty
from tracker.runtime import Runtime


def open_case(runtime: Runtime, days_ago: int) -> UUID:
    app = runtime.app
    opened = app.today() - timedelta(days=days_ago)
    deviation = app.file_deviation(
        actor="utvecklare", unit="hvb-notgarden", category="genomforande", subcategory=None,
        occurred_on=opened, reported_on=opened, description="Knivar låg framme i köket.",
    )
    return app.escalate_to_lex_sarah(
        deviation.id, actor="utvecklare", reason="Risk för de unga.", opened_on=opened
    ).id


def remedied(runtime: Runtime, case_id: UUID) -> None:
    runtime.app.record_protective_action(
        case_id, actor="lexsarah", description="Knivarna låstes in.",
        taken_on=runtime.app.get_lex_sarah_case(case_id).opened_on,
    )


def investigated(runtime: Runtime, case_id: UUID) -> None:
    """Every aspect SOSFS 2011:5 asks for documented, so a decision can be made."""
    app = runtime.app
    for kind in REQUIRED_KINDS:
        app.document_finding(
            case_id, actor="lexsarah", kind=kind, text="Det som hände och varför.",
            dated_on=app.get_lex_sarah_case(case_id).opened_on, source="Personal",
            nature=FindingNature.FACT, author="lexsarah", author_title="Utredare",
        )


def rows(html: str) -> list[tuple[str, str, str]]:
    """(number, days open, next step) per row, top to bottom."""
    found = re.findall(
        r'<tr class="urgency-\d" data-case="([^"]+)">.*?<td data-label="Dagar öppen">(\d+) '
        r'.*?<td data-label="Nästa steg">(.*?)</td>', html, re.S)
    return [(number, days, re.sub(r"<[^>]+>", "", step)) for number, days, step in found]


def test_the_list_puts_the_most_urgent_case_first(
    client_for: Callable[[str], FlaskClient], runtime: Runtime
) -> None:
    app = runtime.app
    old_remedied = open_case(runtime, 80)  # 80 days, remedied, nothing assessed yet
    remedied(runtime, old_remedied)
    young_remedied = open_case(runtime, 5)
    remedied(runtime, young_remedied)
    unremedied = open_case(runtime, 20)  # no measure recorded at all
    serious = open_case(runtime, 10)  # decided serious, IVO not told
    remedied(runtime, serious)
    investigated(runtime, serious)
    app.decide_lex_sarah(serious, actor="lexsarah", grade=Grade.ALLVARLIGT,
                         reasoning="Allvarlig risk.")
    number = {case_id: app.get_lex_sarah_case(case_id).number
              for case_id in (old_remedied, young_remedied, unremedied, serious)}

    listed = rows(client_for("lexsarah").get("/lex-sarah/").get_data(as_text=True))
    assert [row[0] for row in listed] == [
        number[serious], number[unremedied], number[old_remedied], number[young_remedied]]
    by_number = {row[0]: row for row in listed}
    assert by_number[number[serious]][1] == "10"
    assert "Anmäl till IVO snarast" in by_number[number[serious]][2]
    assert "Ingen åtgärd registrerad" in by_number[number[unremedied]][2]
    assert by_number[number[old_remedied]][1] == "80"
    assert by_number[number[old_remedied]][2] == "Utredare"  # the next missing step


def test_closed_cases_come_last_when_shown(
    client_for: Callable[[str], FlaskClient], runtime: Runtime
) -> None:
    app = runtime.app
    closed = open_case(runtime, 100)
    remedied(runtime, closed)
    investigated(runtime, closed)
    app.decide_lex_sarah(closed, actor="lexsarah", grade=Grade.INTE_MISSFORHALLANDE,
                         reasoning="Inget missförhållande.")
    app.record_informed(closed, actor="lexsarah", who=InformedParty.INDIVIDUAL,
                        on=app.get_lex_sarah_case(closed).opened_on)
    app.close_lex_sarah(closed, actor="lexsarah", summary="Avslutad.")
    under_way = open_case(runtime, 3)
    client = client_for("lexsarah")
    default = rows(client.get("/lex-sarah/").get_data(as_text=True))
    assert [row[0] for row in default] == [app.get_lex_sarah_case(under_way).number]
    everything = rows(client.get("/lex-sarah/?visa=alla").get_data(as_text=True))
    assert [row[0] for row in everything] == [
        app.get_lex_sarah_case(under_way).number, app.get_lex_sarah_case(closed).number]
