"""An extension is a decision taken in time: accepted up to and including the deadline day,
refused from the day after (the breach stands), and it records who decided and when. Both
clocks: the förhandsbedömning and the utredningstid."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from events.child_report import ChildReport, PreliminaryDecision
from events.clocks import STOCKHOLM
from events.errors import DeadlinePassed, ValidationFailed
from events.taxonomy import Operation

RECEIVED = datetime(2026, 3, 2, 10, 0, tzinfo=STOCKHOLM)  # deadline 2026-03-16
DEADLINE = date(2026, 3, 16)


def report(received: datetime = RECEIVED, *, sunday_rule: bool = False) -> ChildReport:
    return ChildReport.receive(
        number="AN-2026-0001", unit="utredning", operation=Operation.IFO, received_at=received,
        case_reference="IFO-2026-1", ongoing_investigation=False,
        now=datetime(2026, 12, 1, tzinfo=STOCKHOLM), actor="forste", sunday_rule=sunday_rule,
    )


def extend(r: ChildReport, today: date, **changes: object) -> None:
    r.extend_deadline(**({
        "reason": "Synnerliga skäl: tolk saknas", "new_deadline": date(2026, 4, 1),
        "decided_by": "Enhetschef Eva", "decided_on": today, "today": today, "actor": "forste",
    } | changes))


def test_an_extension_on_the_deadline_day_is_accepted_and_records_the_decider() -> None:
    r = report()
    extend(r, DEADLINE, decided_by="nämnden", decided_on=date(2026, 3, 15))
    assert r.deadline == date(2026, 4, 1)
    assert (r.extension_decided_by, r.extension_decided_on) == ("nämnden", date(2026, 3, 15))
    assert not r.is_preliminary_breached(date(2026, 3, 20))
    [event] = [e for e in r.collect_events() if type(e).__name__ == "DeadlineExtended"]
    assert (event.decided_by, event.decided_on, event.previous_deadline) == (
        "nämnden", date(2026, 3, 15), DEADLINE
    )


def test_an_extension_the_day_after_the_deadline_is_refused_and_the_breach_stands() -> None:
    r = report()
    before = r.version
    with pytest.raises(DeadlinePassed) as refused:
        extend(r, date(2026, 3, 17))
    assert "2026-03-16" in str(refused.value) and "deviation" in str(refused.value)
    assert r.version == before and r.deadline == DEADLINE
    assert r.is_preliminary_breached(date(2026, 3, 17))


def test_the_refusal_points_to_the_breach_deviation_once_filed() -> None:
    from uuid import uuid4

    r = report()
    deviation = uuid4()
    r.flag_preliminary_breach(flagged_on=date(2026, 3, 17), deviation_id=deviation, actor="s")
    with pytest.raises(DeadlinePassed) as refused:
        extend(r, date(2026, 3, 22))
    assert refused.value.deviation_id == deviation


def test_the_decider_is_required_and_the_decision_cannot_be_in_the_future() -> None:
    r = report()
    with pytest.raises(ValidationFailed) as missing:
        extend(r, date(2026, 3, 10), decided_by="  ")
    assert missing.value.field == "decided_by"
    with pytest.raises(ValidationFailed) as future:
        extend(r, date(2026, 3, 10), decided_on=date(2026, 3, 11))
    assert future.value.field == "decided_on"


def test_with_the_sunday_rule_the_moved_deadline_day_still_takes_an_extension() -> None:
    r = report(datetime(2026, 3, 7, 10, 0, tzinfo=STOCKHOLM), sunday_rule=True)
    assert r.deadline == date(2026, 3, 23)
    extend(r, date(2026, 3, 23))
    assert r.deadline == date(2026, 4, 1)


def opened_investigation() -> ChildReport:
    r = report()
    # The decision opens the investigation: four months from the day of the decision.
    r.decide(decision=PreliminaryDecision.OPEN_INVESTIGATION, decided_on=date(2026, 3, 12),
             today=date(2026, 3, 12), actor="forste")
    assert r.investigation_deadline == date(2026, 7, 12)
    return r


def extend_investigation(r: ChildReport, today: date) -> None:
    r.extend_investigation(
        reason="Särskilda skäl: väntar på BUP", new_deadline=date(2026, 8, 31),
        decided_by="nämnden", decided_on=today, today=today, actor="forste",
    )


def test_the_investigation_extension_on_its_last_day_is_accepted() -> None:
    r = opened_investigation()
    extend_investigation(r, date(2026, 7, 12))
    assert r.investigation_deadline == date(2026, 8, 31)
    assert r.investigation_original_deadline == date(2026, 7, 12)
    assert (r.investigation_extension_decided_by, r.investigation_extension_decided_on) == (
        "nämnden", date(2026, 7, 12)
    )


def test_the_investigation_extension_the_day_after_is_refused() -> None:
    r = opened_investigation()
    with pytest.raises(DeadlinePassed, match="2026-07-12"):
        extend_investigation(r, date(2026, 7, 13))
    assert r.investigation_deadline == date(2026, 7, 12)
    assert r.is_investigation_breached(date(2026, 7, 13))
