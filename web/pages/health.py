"""For the municipality's monitoring: `/healthz` (the process answers), `/readyz` (store
reachable, views caught up within TRACKER_READY_MAX_LAG, a scheduler leads), both without
signing in and without case data, and `/metrics` in Prometheus's text format, for the
bearer token TRACKER_METRICS_TOKEN or, when none is set, the loopback address only."""

from __future__ import annotations

import hmac
import ipaddress
import time
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Flask, current_app, g, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector

from tracker.operations import health
from web.runtime import runtime

bp = Blueprint("health", __name__)

# Filing a deviation: the report form and the API's POST (answered with success).
FILING = {
    ("deviations.new", 302), ("deviations.new", 303), ("api.deviations_create_deviation", 201)
}
_EXTENSION = "tracker_metrics"


class StoreCollector(Collector):
    """Read from the store at each scrape: what every process shares."""

    def collect(self) -> Iterator[Metric]:
        rt = runtime()
        state = health.readiness(rt)
        yield GaugeMetricFamily("tracker_ready", "1 when /readyz answers 200", value=state.ready)
        yield GaugeMetricFamily(
            "tracker_event_log_position", "The event log's last position", value=state.head
        )
        lag = GaugeMetricFamily(
            "tracker_view_lag_events", "Events a view is behind the log's head", labels=["view"]
        )
        for view, behind in sorted(state.view_lag.items()):
            lag.add_metric([view], behind)
        yield lag
        yield GaugeMetricFamily(
            "tracker_scheduler_leader_present", "1 when some process leads the scheduler",
            value=state.leader,
        )
        queue = GaugeMetricFamily(
            "tracker_outbox_messages", "E-mails in the outbox by status", labels=["status"]
        )
        if state.store:
            counts = health.outbox_counts(rt.engine)
            for status in ("pending", "sending", "sent", "failed"):
                queue.add_metric([status], counts.get(status, 0))
            yield queue
            yield GaugeMetricFamily(
                "tracker_breach_deviations",
                "Deviations the scheduler filed for missed deadlines (all processes)",
                value=health.breach_deviations(rt.engine),
            )
        runs, flagged = health.SCHEDULER.snapshot()
        counted = CounterMetricFamily(
            "tracker_scheduler_runs", "Scheduler job runs in this process", labels=["job"]
        )
        for job, count in sorted(runs.items()):
            counted.add_metric([job], count)
        yield counted
        yield CounterMetricFamily(
            "tracker_scheduler_breaches_flagged",
            "Missed deadlines the scheduler flagged in this process", value=flagged,
        )


class WebMetrics:
    """One registry per app: requests by route and status, filing latency, and the store's
    numbers read at each scrape."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.requests = Counter(
            "tracker_http_requests", "Requests answered, by route (its rule), method and status",
            ["route", "method", "status"], registry=self.registry,
        )
        self.filing = Histogram(
            "tracker_filing_seconds", "Time to file a deviation (form or API), answered",
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
            registry=self.registry,
        )
        self.registry.register(StoreCollector())


@bp.record_once
def _install(state: Any) -> None:
    app: Flask = state.app
    app.extensions[_EXTENSION] = WebMetrics()


@bp.before_app_request
def _started() -> None:
    g.metrics_started = time.perf_counter()


@bp.after_app_request
def _count(response: Any) -> Any:
    metrics: WebMetrics | None = current_app.extensions.get(_EXTENSION)
    started = g.get("metrics_started")
    if metrics is None or started is None:
        return response
    rule = request.url_rule.rule if request.url_rule is not None else "unmatched"
    metrics.requests.labels(rule, request.method, str(response.status_code)).inc()
    if request.method == "POST" and (request.endpoint, response.status_code) in FILING:
        metrics.filing.observe(time.perf_counter() - started)
    return response


def _no_store(response: Any) -> Any:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/healthz")
def healthz() -> Any:
    return _no_store(jsonify(status="ok"))


@bp.route("/readyz")
def readyz() -> Any:
    state = health.readiness(runtime())
    body = {
        "ready": state.ready,
        "store": state.store,
        "views": {
            "caught_up": state.views_caught_up,
            "max_lag": state.max_lag,
            "lag": state.view_lag,
            "rebuilding": sorted(state.rebuilding),
        },
        "scheduler_leader": state.leader,
    }
    return _no_store(jsonify(body)), 200 if state.ready else 503


def _loopback(address: str | None) -> bool:
    try:
        return address is not None and ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


@bp.route("/metrics")
def metrics() -> Any:
    token = runtime().settings.metrics_token
    if token:
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            answer = _no_store(current_app.response_class("unauthorized\n", 401,
                                                          mimetype="text/plain"))
            answer.headers["WWW-Authenticate"] = "Bearer"
            return answer
    elif not _loopback(request.remote_addr):
        return _no_store(current_app.response_class(
            "forbidden: set TRACKER_METRICS_TOKEN to read the metrics from elsewhere\n", 403,
            mimetype="text/plain",
        ))
    metrics_: WebMetrics = current_app.extensions[_EXTENSION]
    return _no_store(current_app.response_class(
        generate_latest(metrics_.registry), 200, headers={"Content-Type": CONTENT_TYPE_LATEST}
    ))
