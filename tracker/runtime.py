"""Wires settings, database, organisation data, accounts and the application together.

`open_runtime` is called only by the composition root (tracker/cli/): one Runtime per
process, handed to the web app, the projection worker and the scheduler.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from events.complaint import receipt_key
from tracker.admin.organisation import Organisation
from tracker.application import TrackerApplication
from tracker.config import Settings
from tracker.people.accounts import Accounts
from tracker.storage import tables
from tracker.storage.case_keys import CaseKeyRing
from tracker.storage.chain import ensure_chain
from tracker.storage.database import exclusive, make_engine
from tracker.storage.generations import Generations


@dataclass(eq=False)  # compared and hashed by identity: the read side keys a cache on it
class Runtime:
    settings: Settings
    engine: sa.Engine
    organisation: Organisation
    accounts: Accounts
    app: TrackerApplication
    # The caches' generation numbers; a web request pins them once (web/__init__.py).
    generations: Generations

    def close(self) -> None:
        self.app.close()
        self.generations.close()
        self.engine.dispose()


class CipherKeyMismatch(RuntimeError):
    """The stored events cannot be read with this process's TRACKER_CIPHER_KEY."""


def check_cipher_key(app: TrackerApplication, settings: Settings) -> None:
    """Read the first stored event back before anything else runs: a store written with
    a cipher key opened with another key, or without one (or the other way round), stops
    the process at start with an error naming the setting, instead of serving error pages
    or writing events no other process can read."""
    first = app.recorder.select_notifications(start=1, limit=1)
    if not first:
        return
    try:
        app.mapper.to_domain_event(first[0])
    except Exception as error:
        given = "set" if settings.cipher_key else "not set"
        raise CipherKeyMismatch(
            f"The stored events cannot be read with TRACKER_CIPHER_KEY ({given}): the store "
            "was written with another key, or with none. Set TRACKER_CIPHER_KEY to the key "
            f"the store was written with. ({type(error).__name__})"
        ) from error


def _accounts(settings: Settings, engine: sa.Engine, generations: Generations) -> Accounts:
    return Accounts(
        engine, generations, secret=settings.secret_key,
        session_idle=timedelta(minutes=settings.session_idle_minutes),
        session_max=timedelta(hours=settings.session_max_hours),
    )


def open_runtime(
    settings: Settings | None = None,
    *,
    clock: Callable[[], datetime] | None = None,
    create_schema: bool = True,
) -> Runtime:
    settings = settings or Settings.from_env()
    engine = make_engine(settings)
    generations = Generations(engine)
    organisation = Organisation(engine, generations)
    key_ring = CaseKeyRing(engine, generations, settings.cipher_key)

    def application(create_table: bool) -> TrackerApplication:
        env = settings.eventsourcing_env() | ({} if create_table else {"CREATE_TABLE": ""})
        return TrackerApplication(
            env,
            organisation=organisation,
            clock=clock,
            protection_cutoff=settings.protection_cutoff,
            sunday_rule=settings.sunday_rule,
            key_ring=key_ring,
        )

    if create_schema:
        from projections.schema import prepare_views  # the read side's tables

        # Every table is created once and the defaults seeded, serialised across processes
        # so that several starting together never race. Constructing the application
        # creates the event tables (CREATE TABLE IF NOT EXISTS).
        with exclusive(settings, engine, "schema"):
            tables.metadata.create_all(engine)
            tables.upgrade(engine, settings.postgres_schema)
            with engine.begin() as connection:
                prepare_views(connection, settings.postgres_schema)
            organisation.seed_defaults()
            app = application(create_table=True)
            # A store from before the hash chain: its events are chained once, now.
            ensure_chain(engine, app.recorder.events_table_name)  # type: ignore[attr-defined]
    else:
        app = application(create_table=False)
    check_cipher_key(app, settings)
    app.receipt_key = receipt_key(settings.secret_key)
    return Runtime(
        settings, engine, organisation, _accounts(settings, engine, generations), app,
        generations,
    )
