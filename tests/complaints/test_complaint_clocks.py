"""A complaint's two targets, in working days from the day it came in (settings, default 2
and 15): on the complaint page, on Att göra for the verksamhetsutvecklare and the unit's
enhetschef, and on Bevakning; met by routing (or kvittering) and by the first answer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from events.calendar import add_working_days
from events.complaint import Channel, ComplaintKind, ContactWish, SenderCategory
from projections import queries
from projections.runner import catch_up
from tracker.runtime import Runtime


def register(runtime: Runtime, days_ago: int, unit: str | None = "hvb-notgarden",
             wish: ContactWish = ContactWish.CODE) -> Any:
    complaint, _ = runtime.app.receive_complaint(
        actor="utvecklare", kind=ComplaintKind.COMPLAINT, unit=unit,
        sender=SenderCategory.RELATIVE, channel=Channel.LETTER, text="Brev om bemötandet.",
        contact_wish=wish, received_on=runtime.app.today() - timedelta(days=days_ago))
    return complaint


def test_the_clocks_count_working_days_and_stop_when_met(runtime: Runtime) -> None:
    today = runtime.app.today()
    old = register(runtime, 40)
    new = register(runtime, 0, wish=ContactWish.NONE)
    catch_up(runtime)
    rows = {row["number"]: row for row in queries.complaints(runtime.engine, today)}
    acknowledge, answer = rows[old.number]["clocks"]
    assert acknowledge.due == add_working_days(old.received_on, 2)
    assert answer.due == add_working_days(old.received_on, 15)
    assert acknowledge.band == answer.band == "overdue"
    # No answer wanted: no answer clock.
    assert [clock.kind for clock in rows[new.number]["clocks"]] == ["acknowledge"]
    runtime.app.route_complaint(old.id, actor="utvecklare", unit="hvb-notgarden",
                                category="genomforande")
    runtime.app.answer_complaint(old.id, actor="chef_hvb", text="Svar.")
    catch_up(runtime)
    rows = {row["number"]: row for row in queries.complaints(runtime.engine, today)}
    assert [clock.band for clock in rows[old.number]["clocks"]] == ["done_late", "done_late"]
    board = queries.complaint_board(runtime.engine, today, acknowledge_days=2, answer_days=15)
    assert [(row["number"], row["clock"]) for row in board] == [
        (new.number, queries.ACKNOWLEDGE_CLOCK)]


def test_att_gora_and_bevakning_show_the_targets_in_scope(
    client_for: Callable[[str], Any], runtime: Runtime,
) -> None:
    late = register(runtime, 40)
    elsewhere = register(runtime, 40, unit="utredning")
    nowhere = register(runtime, 1, unit=None)
    hvb = client_for("chef_hvb")
    todo = hvb.get("/").get_data(as_text=True)
    assert "Klagomål och synpunkter som väntar" in todo
    assert late.number in todo and elsewhere.number not in todo
    assert nowhere.number not in todo
    board = hvb.get("/bevakning/").get_data(as_text=True)
    assert late.number in board and "Klagomål: svar" in board
    assert elsewhere.number not in board
    developer = client_for("utvecklare")
    assert all(c.number in developer.get("/").get_data(as_text=True)
               for c in (late, elsewhere, nowhere))
    assert nowhere.number in developer.get("/bevakning/").get_data(as_text=True)
    assert late.number not in client_for("forste").get("/bevakning/").get_data(as_text=True)
    # A message from the sender after the answer asks for an answer again.
    code_complaint, code = runtime.app.receive_complaint(
        actor="avsandare", kind=ComplaintKind.VIEW, unit="hvb-notgarden",
        sender=SenderCategory.CHILD, channel=Channel.E_SERVICE, text="Idé om läxhjälp.",
        contact_wish=ContactWish.CODE)
    runtime.app.route_complaint(code_complaint.id, actor="utvecklare", unit="hvb-notgarden",
                                category="genomforande")
    runtime.app.answer_complaint(code_complaint.id, actor="chef_hvb", text="Bra idé!")
    assert code_complaint.number not in hvb.get("/").get_data(as_text=True)
    runtime.app.add_sender_message(code, text="När börjar det?")
    assert "svara på avsändarens nya meddelande" in hvb.get("/").get_data(as_text=True)
