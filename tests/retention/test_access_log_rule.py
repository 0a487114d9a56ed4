"""The läslogg's retention rule (R7): its proposal is the period TRACKER_ACCESS_LOG_DAYS
already gave it; set by the municipality, the one prune (`tracker access-log prune`, and
gallring's apply) keeps what the rule says, or everything when the läslogg is kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from events.retention import ContentKind
from tests.support import TrackerRunner
from tracker.admin.changes import Administration
from tracker.admin.retention_rules import Point, Unit
from tracker.people import access_log
from tracker.runtime import Runtime


def _entries(runtime: Runtime, *days_ago: int) -> None:
    now = datetime.now(UTC)
    for days in days_ago:
        access_log.record(runtime.engine, username="chef", kind="list", what=f"/{days}",
                          remote_addr="-", channel="page", at=now - timedelta(days=days))


def _left(runtime: Runtime) -> list[str]:
    return sorted(entry.what for entry in access_log.search(runtime.engine, limit=100)[0])


def test_the_prune_follows_the_laslogg_rule(runtime: Runtime, runner: TrackerRunner) -> None:
    _entries(runtime, 3700, 800, 400, 10)
    proposal = runner.invoke(["access-log", "prune"])
    assert proposal.exit_code == 0, proposal.output
    assert "older than 3650 days" in proposal.output
    assert _left(runtime) == ["/10", "/400", "/800"]

    admin = Administration.of(runtime, actor="arkivarie", source="cli")
    admin.set_retention_rule(ContentKind.ACCESS_LOG, amount=2, unit=Unit.YEARS,
                             point=Point.RECEIVED)
    two_years = runner.invoke(["access-log", "prune"])
    assert two_years.exit_code == 0, two_years.output
    assert _left(runtime) == ["/10", "/400"]

    admin.set_retention_rule(ContentKind.ACCESS_LOG, keep=True)
    kept = runner.invoke(["access-log", "prune"])
    assert kept.exit_code == 0 and "nothing removed" in kept.output
    assert _left(runtime) == ["/10", "/400"]
    # An explicit period still wins, as before.
    assert runner.invoke(["access-log", "prune", "--days", "30"]).exit_code == 0
    assert _left(runtime) == ["/10"]
