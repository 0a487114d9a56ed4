"""A view whose version went up, or that is new to a store, is rebuilt beside the old one:
the old rows serve (the runners leave them alone) until the migration switches it in."""

from __future__ import annotations

import sqlalchemy as sa
from projection_oracles import snapshot
from support import TrackerRunner
from test_rebuild_cli import fill

from projections import tables
from projections.migration import migrate_pending
from projections.rebuild import rebuild
from projections.runner import catch_up, views_rebuilding
from projections.schema import pending_views
from projections.views import VIEWS
from tracker.config import Settings
from tracker.runtime import Runtime, open_runtime


def _pending(runtime: Runtime) -> frozenset[str]:
    with runtime.engine.connect() as connection:
        return pending_views(connection)


def _listed(runtime: Runtime) -> int:
    with runtime.engine.connect() as connection:
        count = connection.execute(
            sa.select(sa.func.count()).select_from(tables.deviations)
        ).scalar()
    return int(count or 0)


def test_a_changed_view_serves_its_old_rows_until_the_migration_switches_it(
    runtime: Runtime, settings: Settings, runner: TrackerRunner
) -> None:
    fill(runtime, 12)
    assert _pending(runtime) == frozenset()  # a store made by this version: nothing to build
    versions = tables.view_schemas
    with runtime.engine.begin() as connection:  # as the release before recorded it
        connection.execute(
            versions.update().where(versions.c.projection_name == "deviation_list")
            .values(schema=VIEWS["deviation_list"].schema - 1)
        )
    runtime.close()

    upgraded = open_runtime(settings)
    try:
        assert _pending(upgraded) == {"deviation_list"}
        assert views_rebuilding(upgraded)
        app = upgraded.app
        app.file_deviation(
            actor="rapportor", unit="utredning", category="handlaggning",
            subcategory="sekretess", occurred_on=app.today(), description="Efter uppgraderingen.",
        )
        # The other views follow the log; the pending one keeps its old rows, untouched.
        assert catch_up(upgraded, timeout=60)
        assert _listed(upgraded) == 12
        status = runner.invoke(["projections", "status"]).output
        [line] = [line for line in status.splitlines() if line.startswith("deviation_list\t")]
        assert "being rebuilt after an upgrade" in line
        assert status.count("being rebuilt") == 1

        assert migrate_pending(upgraded) == ["deviation_list"]
        assert not views_rebuilding(upgraded)
        assert catch_up(upgraded, timeout=60)
        assert _listed(upgraded) == 13
        migrated = snapshot(upgraded.engine)
        rebuild(upgraded)
        assert snapshot(upgraded.engine) == migrated  # the same as a rebuild from scratch
        assert migrate_pending(upgraded) == []  # nothing left, nothing run twice
    finally:
        upgraded.close()


def test_a_view_new_to_a_store_is_built_from_the_whole_log_by_the_migration(
    runtime: Runtime, settings: Settings
) -> None:
    fill(runtime, 5)
    before = snapshot(runtime.engine)
    versions = tables.view_schemas
    with runtime.engine.begin() as connection:  # a release that had no such view
        for table in reversed(VIEWS["monthly_counts"].tables):
            table.drop(connection)
        connection.execute(
            versions.delete().where(versions.c.projection_name == "monthly_counts")
        )
    runtime.close()

    upgraded = open_runtime(settings)
    try:
        assert _pending(upgraded) == {"monthly_counts"}
        assert catch_up(upgraded, timeout=60)  # its tables are there (empty) to be read
        assert migrate_pending(upgraded) == ["monthly_counts"]
        assert snapshot(upgraded.engine) == before
    finally:
        upgraded.close()
