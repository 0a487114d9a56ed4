"""A measure's lifecycle: föreslagen -> planerad -> genomförd (or avslagen with a reason),
its follow-up with the effect judgement, and measures recorded before the lifecycle
existed (version 1 of MeasureAdded) still reading as planned measures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from eventsourcing.persistence import StoredEvent
from support import file_deviation

from events.deviation import Deviation, Effect, MeasureStatus
from events.errors import AlreadyRecorded, Inconsistent, StepOutOfOrder, ValidationFailed
from tracker.application import TrackerApplication
from tracker.runtime import Runtime

pytestmark = pytest.mark.usefixtures("runtime")


def as_version_1(application: TrackerApplication, event: Deviation.Event) -> StoredEvent:
    """The event as version 1 stored it: no goal, follow-up date or status."""
    mapper = application.mapper
    stored = mapper.to_stored_event(event)
    state = mapper.transcoder.decode(mapper.cipher.decrypt(stored.state) if mapper.cipher
                                     else stored.state)
    del state["goal"], state["follow_up_on"], state["status"]
    state["class_version"] = 1
    encoded = mapper.transcoder.encode(state)
    return StoredEvent(stored.originator_id, stored.originator_version, stored.topic,
                       mapper.cipher.encrypt(encoded) if mapper.cipher else encoded)


def test_a_measure_recorded_before_the_lifecycle_reads_as_planned(
    application: TrackerApplication, runtime: Runtime
) -> None:
    deviation = file_deviation(runtime)
    application.add_measure(deviation.id, actor="chef", description="Ny rutin.",
                            responsible="chef", due_on=application.today())
    events = list(application.repository.event_store.get(deviation.id))
    (added,) = [e for e in events if isinstance(e, Deviation.MeasureAdded)]
    old = application.mapper.to_domain_event(as_version_1(application, added))
    assert isinstance(old, Deviation.MeasureAdded)
    assert (old.status, old.goal, old.follow_up_on) == (MeasureStatus.PLANNED, None, None)
    assert old.description == "Ny rutin."


def test_proposed_planned_completed_and_followed_up(runtime: Runtime) -> None:
    app = runtime.app
    today = app.today()
    deviation = file_deviation(runtime, occurred_on=today - timedelta(days=40),
                               reported_on=today - timedelta(days=40), actor="utvecklare")
    app.add_measure(deviation.id, actor="chef", description="Ny rutin för post.",
                    goal="Inga brev till fel adress.", responsible="chef",
                    due_on=today - timedelta(days=30), follow_up_on=today - timedelta(days=1),
                    proposed=True)
    found = app.get_deviation(deviation.id).measures[0]
    assert found.status is MeasureStatus.PROPOSED
    assert found.goal == "Inga brev till fel adress."
    app.plan_measure(deviation.id, actor="chef", measure=1)
    with pytest.raises(StepOutOfOrder):  # only a completed measure is followed up
        app.follow_up_measure(deviation.id, actor="chef", measure=1, result="Klart.",
                              effect=Effect.YES, effect_text="Inga fler.")
    app.complete_measure(deviation.id, actor="chef", measure=1,
                         completed_on=today - timedelta(days=30))
    assert app.get_deviation(deviation.id).measures[0].follow_up_due_on() == today - timedelta(
        days=1)
    with pytest.raises(ValidationFailed) as missing:  # too early: when to look again?
        app.follow_up_measure(deviation.id, actor="chef", measure=1, result="Delvis.",
                              effect=Effect.TOO_EARLY, effect_text="Kort tid.")
    assert missing.value.field == "next_follow_up_on"
    app.follow_up_measure(deviation.id, actor="chef", measure=1, result="Delvis.",
                          effect=Effect.TOO_EARLY, effect_text="Kort tid.",
                          next_follow_up_on=today + timedelta(days=30))
    measure = app.get_deviation(deviation.id).measures[0]
    assert measure.follow_up_due_on() == today + timedelta(days=30)
    app.follow_up_measure(deviation.id, actor="chef", measure=1, result="Rutinen följs.",
                          effect=Effect.YES, effect_text="Inga fler felskick.")
    measure = app.get_deviation(deviation.id).measures[0]
    assert measure.follow_up_due_on() is None
    assert [f.effect for f in measure.follow_ups or []] == [Effect.TOO_EARLY, Effect.YES]
    with pytest.raises(AlreadyRecorded):
        app.follow_up_measure(deviation.id, actor="chef", measure=1, result="Igen.",
                              effect=Effect.NO, effect_text="Igen.")


def test_a_turned_down_measure_has_its_reason_and_no_longer_waits(runtime: Runtime) -> None:
    app = runtime.app
    deviation = file_deviation(runtime)
    app.add_measure(deviation.id, actor="chef", description="Köp ett nytt system.",
                    responsible="chef", due_on=app.today(), proposed=True)
    with pytest.raises(ValidationFailed):
        app.reject_measure(deviation.id, actor="chef", measure=1, reason=" ")
    app.reject_measure(deviation.id, actor="chef", measure=1, reason="För dyrt i år.")
    measure = app.get_deviation(deviation.id).measures[0]
    assert (measure.status, measure.rejected_reason) == (MeasureStatus.REJECTED, "För dyrt i år.")
    with pytest.raises(StepOutOfOrder):
        app.complete_measure(deviation.id, actor="chef", measure=1)
    with pytest.raises(Inconsistent):
        app.plan_measure(deviation.id, actor="chef", measure=2)
