"""What the read side is given, typed by small Protocols so that the read side needs
nothing of tracker/ or web/: the composition root passes its Runtime (engine and
application), and its organisation data where a query needs the taxonomy."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

import sqlalchemy as sa
from eventsourcing.persistence import ApplicationRecorder, Mapper

from events.taxonomy import Taxonomy


class EventLog(Protocol):
    """The application as the read side uses it: its name (the tracking key), the
    recorder it reads notifications from, and the mapper that decodes them."""

    @property
    def name(self) -> str: ...

    @property
    def recorder(self) -> ApplicationRecorder: ...

    @property
    def mapper(self) -> Mapper[UUID]: ...


class Store(Protocol):
    """The views' database (engine) and the event log they follow (app)."""

    @property
    def engine(self) -> sa.Engine: ...

    @property
    def app(self) -> EventLog: ...


class TaxonomySource(Protocol):
    """Where the current taxonomy comes from (the organisation data)."""

    def taxonomy(self) -> Taxonomy: ...
