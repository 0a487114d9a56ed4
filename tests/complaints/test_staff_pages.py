"""The staff side of Klagomål och synpunkter: the verksamhetsutvecklare's inbox and the
registering of what came by phone, letter or visit; routing; the unit's enhetschef answers;
a deviation and Lex Sarah from the complaint; closing. Every role against every route, a
complaint of HVB Notgården invisible to another unit's enhetschef, reads in the läslogg."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import pytest
from support import ROLES

from events.complaint import Channel, ComplaintKind, ComplaintStatus, ContactWish, SenderCategory
from tracker.people import access_log
from tracker.runtime import Runtime

COMPLAINT_READERS = {"utvecklare", "lexsarah", "chef", "chef_hvb"}
SECRET = "Personalen skrek åt mig i tvättstugan"


def receive(runtime: Runtime, unit: str | None = "hvb-notgarden", **changes: Any) -> UUID:
    fields: dict[str, Any] = dict(
        actor="avsandare", kind=ComplaintKind.COMPLAINT, unit=unit,
        sender=SenderCategory.CHILD, channel=Channel.E_SERVICE, text=SECRET,
        contact_wish=ContactWish.CODE)
    complaint, _ = runtime.app.receive_complaint(**(fields | changes))
    return complaint.id


@pytest.fixture
def complaints(runtime: Runtime, users: Any) -> dict[str, UUID]:
    return {"hvb": receive(runtime), "ifo": receive(runtime, "utredning"),
            "unknown": receive(runtime, None)}


@pytest.mark.parametrize("user", ROLES)
def test_pages_by_role(
    user: str, client_for: Callable[[str], Any], complaints: dict[str, UUID],
) -> None:
    client = client_for(user)
    expected = {
        "/klagomal/": user in COMPLAINT_READERS,
        "/klagomal/ny": user == "utvecklare",
        f"/klagomal/{complaints['hvb']}": user in {"utvecklare", "lexsarah", "chef_hvb"},
        f"/klagomal/{complaints['ifo']}": user in {"utvecklare", "lexsarah", "chef"},
        f"/klagomal/{complaints['unknown']}": user in {"utvecklare", "lexsarah"},
    }
    for path, allowed in expected.items():
        status = client.get(path).status_code
        assert status == (200 if allowed else 403), (user, path, status)


def test_a_hvb_complaint_is_not_in_another_units_inbox(
    client_for: Callable[[str], Any], complaints: dict[str, UUID], runtime: Runtime,
) -> None:
    numbers = {key: runtime.app.get_complaint(cid).number for key, cid in complaints.items()}
    ifo_chief = client_for("chef").get("/klagomal/").get_data(as_text=True)
    assert numbers["ifo"] in ifo_chief and numbers["hvb"] not in ifo_chief
    assert numbers["unknown"] not in ifo_chief
    hvb_chief = client_for("chef_hvb").get("/klagomal/").get_data(as_text=True)
    assert numbers["hvb"] in hvb_chief and numbers["ifo"] not in hvb_chief
    every = client_for("utvecklare").get("/klagomal/").get_data(as_text=True)
    assert all(number in every for number in numbers.values())
    refused = client_for("chef").post(f"/klagomal/{complaints['hvb']}/svara",
                                      data={"answer_text": "Nej."})
    assert refused.status_code == 403
    assert runtime.app.get_complaint(complaints["hvb"]).conversation == []


def test_routed_then_answered_by_the_units_chief_then_closed(
    client_for: Callable[[str], Any], complaints: dict[str, UUID], runtime: Runtime,
) -> None:
    complaint_id = complaints["unknown"]
    developer = client_for("utvecklare")
    routed = developer.post(f"/klagomal/{complaint_id}/skicka", data={
        "route_unit": "hvb-notgarden", "route_category": "genomforande"})
    assert routed.status_code == 302
    chief = client_for("chef_hvb")
    page = chief.get(f"/klagomal/{complaint_id}").get_data(as_text=True)
    assert SECRET in page and "Mottagningsbekräftelse: klar" in page
    assert chief.post(f"/klagomal/{complaint_id}/skicka", data={
        "route_unit": "utredning", "route_category": "genomforande"}).status_code == 403
    empty = chief.post(f"/klagomal/{complaint_id}/svara", data={"answer_text": " "})
    assert empty.status_code == 422
    answered = chief.post(f"/klagomal/{complaint_id}/svara",
                          data={"answer_text": "Vi har pratat med personalen."})
    assert answered.status_code == 302
    closed = chief.post(f"/klagomal/{complaint_id}/avsluta", data={
        "close_outcome": "atgardat", "close_summary": "Samtal med personalgruppen."})
    assert closed.status_code == 302
    complaint = runtime.app.get_complaint(complaint_id)
    assert complaint.status is ComplaintStatus.CLOSED
    assert complaint.conversation[0][0] == "chef_hvb"


def test_a_deviation_and_lex_sarah_from_a_complaint(
    client_for: Callable[[str], Any], complaints: dict[str, UUID], runtime: Runtime,
) -> None:
    complaint_id = complaints["hvb"]
    developer = client_for("utvecklare")
    developer.post(f"/klagomal/{complaint_id}/skicka", data={
        "route_unit": "hvb-notgarden", "route_category": "genomforande"})
    opened = developer.post(f"/klagomal/{complaint_id}/avvikelse", data={
        "deviation_category": "genomforande",
        "deviation_description": "Personal höjde rösten mot ett barn."})
    assert opened.status_code == 302
    escalated = developer.post(f"/klagomal/{complaint_id}/lex-sarah",
                               data={"escalate_reason": "Kränkande bemötande."})
    assert escalated.status_code == 302
    complaint = runtime.app.get_complaint(complaint_id)
    assert complaint.deviation_number and complaint.lex_sarah_number
    page = developer.get(f"/klagomal/{complaint_id}").get_data(as_text=True)
    assert complaint.deviation_number in page and complaint.lex_sarah_number in page


def test_staff_register_a_phone_call_and_get_the_code_once(
    client_for: Callable[[str], Any], runtime: Runtime, users: Any,
) -> None:
    developer = client_for("utvecklare")
    response = developer.post("/klagomal/ny", data={
        "kind": "synpunkt", "channel": "telefon", "unit": "", "sender": "anhorig",
        "text": "Ringde om långa väntetider i telefon.", "contact_wish": "kod"})
    assert response.status_code == 201
    page = response.get_data(as_text=True)
    assert 'id="receipt-code"' in page
    refused = developer.post("/klagomal/ny", data={
        "kind": "synpunkt", "channel": "telefon", "sender": "anhorig",
        "text": "Gäller 19121212-1212.", "contact_wish": "kod"})
    assert refused.status_code == 422
    assert client_for("chef").post("/klagomal/ny", data={}).status_code == 403


def test_reads_are_in_the_laslogg(
    client_for: Callable[[str], Any], complaints: dict[str, UUID], runtime: Runtime,
) -> None:
    client_for("chef_hvb").get(f"/klagomal/{complaints['hvb']}")
    entries, _ = access_log.readers(runtime.engine, str(complaints["hvb"]))
    assert [(e.username, e.kind) for e in entries] == [("chef_hvb", "complaint")]
    number = runtime.app.get_complaint(complaints["hvb"]).number
    assert access_log.case_numbers(runtime.engine, entries) == {
        str(complaints["hvb"]): number}
