"""Bevakning shows the Lex Sarah clocks: a remedy not recorded the day the case was opened
("genast"), and a case not reported to IVO within TRACKER_IVO_TARGET_DAYS while it may be
serious (not yet judged, or a serious grade proposed or decided) — each at its band
boundaries, and gone once done or judged not serious."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
import time_machine

from events.lex_sarah import Grade, IvoInvestigation
from projections import queries
from projections.runner import catch_up
from tracker.runtime import Runtime

OPENED = date(2026, 3, 2)


def at(day: date) -> Any:
    return time_machine.travel(datetime(day.year, day.month, day.day, 9, tzinfo=UTC), tick=False)


@pytest.fixture
def case(runtime: Runtime) -> UUID:
    app = runtime.app
    with at(OPENED):
        deviation = app.file_deviation(
            actor="rapportor", unit="hvb-notgarden", category="genomforande", subcategory=None,
            occurred_on=OPENED, description="Knivar låg framme i köket.",
        )
        opened = app.escalate_to_lex_sarah(deviation.id, actor="utvecklare", reason="Risk.")
        app.assign_investigator(opened.id, actor="lexsarah", investigator="Utredare Ulla")
    return opened.id


def board(runtime: Runtime, today: date, target: int = 14) -> list[tuple[str, int, str]]:
    assert catch_up(runtime, timeout=30)
    return [
        (row["clock"], row["days_left"], row["band"])
        for row in queries.lex_sarah_board(runtime.engine, today, ivo_target_days=target)
    ]


def test_the_remedy_is_due_genast_the_day_the_case_is_opened(
    runtime: Runtime, case: UUID
) -> None:
    # Not judged yet: the IVO target runs beside the remedy from the opening.
    assert board(runtime, OPENED) == [
        ("lex_sarah_avhjalpande", 0, "due_today"), ("lex_sarah_ivo", 14, "later")
    ]
    assert board(runtime, OPENED + timedelta(days=1)) == [
        ("lex_sarah_avhjalpande", -1, "overdue"), ("lex_sarah_ivo", 13, "later")
    ]
    with at(OPENED + timedelta(days=2)):
        runtime.app.record_protective_action(
            case, actor="lexsarah", description="Knivarna låstes in.",
            taken_on=OPENED + timedelta(days=2),
        )
    assert board(runtime, OPENED + timedelta(days=2)) == [("lex_sarah_ivo", 12, "later")]


def test_a_serious_case_is_due_at_ivo_within_the_target(runtime: Runtime, case: UUID) -> None:
    app = runtime.app
    with at(OPENED):
        app.record_protective_action(case, actor="lexsarah", description="Inlåsta.",
                                     taken_on=OPENED)
        app.propose_grade(case, actor="lexsarah", grade=Grade.MISSFORHALLANDE, reasoning="r")
    assert board(runtime, OPENED + timedelta(days=20)) == []  # not serious: nothing due
    with at(OPENED):
        app.propose_grade(case, actor="lexsarah", grade=Grade.RISK_ALLVARLIGT, reasoning="r")
    assert board(runtime, OPENED + timedelta(days=10)) == [("lex_sarah_ivo", 4, "later")]
    assert board(runtime, OPENED + timedelta(days=11)) == [("lex_sarah_ivo", 3, "soon")]
    assert board(runtime, OPENED + timedelta(days=14)) == [("lex_sarah_ivo", 0, "due_today")]
    assert board(runtime, OPENED + timedelta(days=15)) == [("lex_sarah_ivo", -1, "overdue")]
    assert board(runtime, OPENED + timedelta(days=15), target=30) == [
        ("lex_sarah_ivo", 15, "later")
    ]
    with at(OPENED + timedelta(days=16)):
        app.report_to_ivo(case, actor="lexsarah", sent_on=OPENED + timedelta(days=16),
                          ivo_reference="IVO 1", diary_number="SN 1",
                          investigation=IvoInvestigation.TO_FOLLOW)
    assert board(runtime, OPENED + timedelta(days=16)) == []


def test_the_board_page_shows_lex_sarah_clocks_to_the_roles_that_work_on_them(
    runtime: Runtime, case: UUID, client_for: Callable[[str], Any], users: Any
) -> None:
    with at(OPENED + timedelta(days=1)):
        page = client_for("utvecklare").get("/bevakning/").get_data(as_text=True)
        lex = client_for("lexsarah").get("/bevakning/")
        forste = client_for("forste").get("/bevakning/").get_data(as_text=True)
    assert "Lex Sarah: avhjälpa genast" in page and f'href="/lex-sarah/{case}"' in page
    assert "1 dag försenad" in page and "Utredare Ulla" in page
    assert lex.status_code == 200
    assert "Lex Sarah: avhjälpa genast" in lex.get_data(as_text=True)
    assert "Lex Sarah: avhjälpa genast" not in forste
    assert f'href="/lex-sarah/{case}"' not in forste
