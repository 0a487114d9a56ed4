"""Wires settings, database, organisation data, accounts and the application together."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from tracker import tables
from tracker.accounts import Accounts
from tracker.application import TrackerApplication
from tracker.config import Settings
from tracker.database import exclusive, make_engine
from tracker.organisation import Organisation


@dataclass
class Runtime:
    settings: Settings
    engine: sa.Engine
    organisation: Organisation
    accounts: Accounts
    app: TrackerApplication

    def close(self) -> None:
        self.app.close()
        self.engine.dispose()


def ensure_schema(
    settings: Settings, engine: sa.Engine, extra_metadata: Iterable[sa.MetaData] = ()
) -> None:
    """Create every table once and seed the defaults, serialised across processes so that
    several starting together never race."""
    with exclusive(settings, engine, "schema"):
        tables.metadata.create_all(engine)
        for metadata in extra_metadata:
            metadata.create_all(engine)
        Organisation(engine).seed_defaults()
        # Constructing the application creates the event tables (CREATE TABLE IF NOT EXISTS).
        TrackerApplication(settings.eventsourcing_env(), organisation=Organisation(engine)).close()


def open_runtime(
    settings: Settings | None = None,
    *,
    clock: Callable[[], datetime] | None = None,
    create_schema: bool = True,
) -> Runtime:
    settings = settings or Settings.from_env()
    engine = make_engine(settings)
    if create_schema:
        from projections.tables import metadata as view_metadata  # the read side's tables

        ensure_schema(settings, engine, [view_metadata])
    organisation = Organisation(engine)
    env = settings.eventsourcing_env() | {"CREATE_TABLE": ""}
    app = TrackerApplication(
        env,
        organisation=organisation,
        clock=clock,
        protection_cutoff=settings.protection_cutoff,
    )
    return Runtime(settings, engine, organisation, Accounts(engine), app)
