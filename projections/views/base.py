"""The base of every projection: the tables it owns and the event topics it needs.

Every handler writes through `self.view.transaction(tracking)`, so the view change and the
tracking position land in one transaction: alone per event, or as part of a runner's batch.
Events a projection does not handle fall through to the base method and change nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection
from eventsourcing.utils import get_topic

from projections import tables as t
from projections.recorder import ViewRecorder


def sub(subcategory: str | None) -> str:
    return subcategory or t.NO_SUBCATEGORY


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


class View(Projection[ViewRecorder]):
    """Base of our projections: the tables it owns and the topics it needs."""

    tables: ClassVar[tuple[sa.Table, ...]] = ()
    # The view's version, the shape of `tables`: raised with any change to their columns (or
    # to what a column holds), so that a store made before rebuilds the view from the log in
    # the background and switches to it (projections/schema.py).
    schema: ClassVar[int] = 1
    handles: ClassVar[tuple[type, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.topics = tuple(get_topic(event_class) for event_class in cls.handles)

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        """Not an event this view needs: record the position only."""
        with self.view.transaction(tracking):
            pass
