"""/healthz, /readyz and /metrics as a load balancer and Prometheus see them: ready only
while the store answers, the views are within TRACKER_READY_MAX_LAG of the log and a
scheduler leads; the metrics parse and count requests, filings, lag, the outbox and the
scheduler's runs and flagged breaches."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from prometheus_client.parser import text_string_to_metric_families
from support import file_deviation, wait_for

from projections.runner import catch_up
from projections.tables import view_schemas
from tracker.operations import health
from tracker.runtime import Runtime
from tracker.scheduler import SchedulerService
from tracker.storage.leader import leader_lock

MAX_LAG = 3


@pytest.fixture
def environ(environ: dict[str, str]) -> dict[str, str]:
    return environ | {"TRACKER_READY_MAX_LAG": str(MAX_LAG)}


@pytest.fixture
def leading(runtime: Runtime) -> Iterator[None]:
    """A scheduler leads (the lock a serving tracker's scheduler holds)."""
    lock = leader_lock(runtime.settings)
    assert lock.try_acquire()
    yield
    lock.release()


def samples(app: Flask) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = app.test_client().get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    found = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_healthz_answers_without_the_store(app: Flask, runtime: Runtime) -> None:
    response = app.test_client().get("/healthz")
    assert (response.status_code, response.get_json()) == (200, {"status": "ok"})
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_is_503_while_the_views_lag_beyond_the_bound_and_200_after(
    app: Flask, runtime: Runtime, leading: None
) -> None:
    catch_up(runtime, timeout=30)
    client = app.test_client()
    assert client.get("/readyz").status_code == 200
    for index in range(MAX_LAG + 2):  # nothing runs the views here: they fall behind
        file_deviation(runtime, description=f"Eftersläpning {index}.")
    lagging = client.get("/readyz")
    assert lagging.status_code == 503
    body = lagging.get_json()
    assert body["views"]["caught_up"] is False
    assert body["views"]["lag"]["deviation_list"] > MAX_LAG
    assert (body["store"], body["scheduler_leader"]) == (True, True)
    catch_up(runtime, timeout=30)
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["ready"] is True


def test_readyz_is_503_without_a_scheduler_leader(app: Flask, runtime: Runtime) -> None:
    catch_up(runtime, timeout=30)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["scheduler_leader"] is False


def test_metrics_parse_and_count_requests_filings_lag_outbox_and_the_scheduler(
    app: Flask, runtime: Runtime, api: Callable[..., Any],
    child_report: Callable[..., Any],
) -> None:
    runs_before, flagged_before = health.SCHEDULER.snapshot()
    child_report(days_ago=20)  # its förhandsbedömning is overdue: the scan flags it
    filed = api("rapportor", "POST", "/api/v1/deviations", json={
        "unit": "utredning", "category": "handlaggning", "subcategory": "sekretess",
        "occurred_on": runtime.app.today().isoformat(), "description": "Mätt.",
    })
    assert filed.status_code == 201
    service = SchedulerService(runtime).start()
    try:
        wait_for(lambda: service.scans >= 1)
    finally:
        service.shutdown()
    catch_up(runtime, timeout=30)

    found = samples(app)
    assert found[("tracker_http_requests_total", (
        ("method", "POST"), ("route", "/api/v1/deviations"), ("status", "201")))] >= 1
    assert found[("tracker_filing_seconds_count", ())] >= 1
    assert found[("tracker_view_lag_events", (("view", "deviation_list"),))] == 0
    assert ("tracker_outbox_messages", (("status", "pending"),)) in found
    assert found[("tracker_scheduler_runs_total", (("job", "scan"),))] >= runs_before.get(
        "scan", 0) + 1
    assert found[("tracker_scheduler_breaches_flagged_total", ())] >= flagged_before + 1
    assert found[("tracker_breach_deviations", ())] == 1
    assert found[("tracker_event_log_position", ())] == runtime.app.recorder.max_notification_id()


def test_a_view_rebuilding_after_an_upgrade_does_not_make_the_node_unready(
    app: Flask, runtime: Runtime, leading: None
) -> None:
    """While an upgraded view is rebuilt in the background its old list serves and its
    position stands still: a load balancer must not drop every node for that."""
    catch_up(runtime, timeout=30)
    with runtime.engine.begin() as connection:  # as an older release left it
        connection.execute(sa.update(view_schemas).where(
            view_schemas.c.projection_name == "deviation_list"
        ).values(schema=view_schemas.c.schema - 1))
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["views"]["rebuilding"] == ["deviation_list"]
    # its position standing still while events come in does not count against readiness
    state = health.readiness(runtime)
    behind = dict.fromkeys(state.view_lag, 0) | {"deviation_list": MAX_LAG + 50}
    assert replace(state, view_lag=behind).ready is True
    assert replace(state, view_lag=behind, rebuilding=frozenset()).ready is False
