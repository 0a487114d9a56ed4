"""The SQLAlchemy tracking recorder: the eventsourcing TrackingRecorder contract, and the
conditional position update that makes a late second writer roll back."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
import sqlalchemy as sa
from eventsourcing.persistence import Tracking

from projections import tables as t
from projections.recorder import TrackingConflict, ViewRecorder
from projections.runner import catch_up
from projections.views import DeviationList
from tracker.runtime import Runtime


def reported(runtime: Runtime) -> tuple[object, Tracking]:
    deviation = runtime.app.file_deviation(
        actor="rapportor", unit="utredning", category="personal", subcategory=None,
        occurred_on=date(2026, 1, 5), reported_on=date(2026, 1, 5), description="Fel.",
    )
    [notification] = [
        n for n in runtime.app.recorder.select_notifications(start=1, limit=100)
        if n.originator_id == deviation.id
    ]
    event = runtime.app.mapper.to_domain_event(notification)
    return event, Tracking(runtime.app.name, notification.id)


def listed(runtime: Runtime) -> int:
    with runtime.engine.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(t.deviations)).scalar()


def test_one_event_is_recorded_with_its_position_and_never_twice(runtime: Runtime) -> None:
    recorder = ViewRecorder(runtime.engine, "deviation_list")
    view = DeviationList(recorder)
    event, tracking = reported(runtime)
    app_name = tracking.application_name
    assert recorder.max_tracking_id(app_name) is None
    assert not recorder.has_tracking_id(app_name, tracking.notification_id)

    view.process_event(event, tracking)

    assert listed(runtime) == 1
    assert recorder.max_tracking_id(app_name) == tracking.notification_id
    assert recorder.has_tracking_id(app_name, tracking.notification_id)
    recorder.wait(app_name, tracking.notification_id, timeout=0.5)
    with pytest.raises(TrackingConflict):
        view.process_event(event, tracking)
    assert listed(runtime) == 1
    with pytest.raises(TimeoutError):
        recorder.wait(app_name, tracking.notification_id + 1, timeout=0.3)


def test_a_second_batch_from_the_same_position_waits_then_rolls_back(runtime: Runtime) -> None:
    event, tracking = reported(runtime)
    app_name, position = tracking.application_name, tracking.notification_id
    first = DeviationList(ViewRecorder(runtime.engine, "deviation_list"))
    second = DeviationList(ViewRecorder(runtime.engine, "deviation_list"))
    first.view.ensure_row(app_name)
    claimed, outcome = threading.Event(), []

    def late_writer() -> None:
        assert claimed.wait(10)
        try:
            with second.view.batch(app_name, old=0, new=position):
                second.process_event(event, tracking)
        except TrackingConflict as conflict:
            outcome.append(conflict)

    other = threading.Thread(target=late_writer)
    other.start()
    with first.view.batch(app_name, old=0, new=position):
        claimed.set()  # the other writer now blocks on the claimed position
        first.process_event(event, tracking)
        other.join(0.3)
        assert other.is_alive()
    other.join(30)
    assert len(outcome) == 1 and isinstance(outcome[0], TrackingConflict)
    assert listed(runtime) == 1
    assert first.view.max_tracking_id(app_name) == position


def test_catch_up_gives_up_in_time_while_another_writer_holds_the_position(
    runtime: Runtime,
) -> None:
    assert catch_up(runtime)  # the views exist and are current
    event, tracking = reported(runtime)
    holder = DeviationList(ViewRecorder(runtime.engine, "deviation_list"))
    old = holder.view.position(tracking.application_name) or 0
    results: list[tuple[bool, float]] = []

    def request() -> None:
        started = time.monotonic()
        results.append((catch_up(runtime, timeout=0.5), time.monotonic() - started))

    with holder.view.batch(tracking.application_name, old=old, new=tracking.notification_id):
        holder.process_event(event, tracking)
        waiting = threading.Thread(target=request)
        waiting.start()
        waiting.join(20)
    [(caught_up, seconds)] = results
    assert not caught_up
    assert seconds < 5  # bounded by its timeout, not by the other writer
    assert catch_up(runtime)  # once the other writer is done, all is current
    assert listed(runtime) == 1
