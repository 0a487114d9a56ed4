"""The plumbing every command shares: get -> call -> save with optimistic concurrency,
numbered filings, the audit trail. Command mixins (tracker/application/<aggregate>.py and
any new one) import from here, never from the package, so adding one cannot go circular."""

from __future__ import annotations

import random
import threading
import time as time_module
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any, Concatenate, ParamSpec, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Recording
from eventsourcing.utils import strtobool

from events.clocks import DEFAULT_PROTECTION_CUTOFF, local_date
from events.numbering import NumberSeries, SeriesKind
from tracker.admin.organisation import Organisation
from tracker.storage import transcodings
from tracker.storage.case_keys import CaseKeyRing
from tracker.storage.sealing import CaseRepository, SealingMapper

A = TypeVar("A", bound=Aggregate)
R = TypeVar("R")
P = ParamSpec("P")

SCHEDULER_ACTOR = "scheduler"
NUMBERING_ATTEMPTS = 50


class NotFound(LookupError):
    """No case of that kind with that id."""


class ConflictError(Exception):
    """Someone else changed the case since it was read: nothing was saved."""

    def __init__(self, expected: int | None = None, actual: int | None = None) -> None:
        self.expected, self.actual = expected, actual
        super().__init__("The case was changed by someone else; reload it and try again.")


@dataclass(frozen=True)
class HistoryEntry:
    type: str
    at: datetime
    by: str | None
    data: dict[str, Any]
    version: int


def _plain(value: Any) -> Any:
    """JSON-friendly form of an event attribute for the history view."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if hasattr(value, "value") and type(value).__module__.startswith("events."):
        return value.value
    return value


def back_off(attempt: int) -> None:
    """Jittered wait before taking a number again, so that clerks filing at the same moment
    (8 concurrent API clients on PostgreSQL exhausted 20 immediate retries) spread out."""
    time_module.sleep(random.uniform(0, 0.002 * (attempt + 1)))


# Filings that wait for one number series at one moment are saved together, at most this
# many in one transaction (_save_numbered).
NUMBERED_BATCH = 32


class _BuildFailed(Exception):
    """A filing of a batch could not be built: it has its error; number the rest again."""


class _Numbered:
    """One filing waiting for its number: what to build, and once saved, its events (or
    the error that stopped it)."""

    __slots__ = ("build", "error", "events", "ids")

    def __init__(self, build: Callable[[str], Sequence[Aggregate]]) -> None:
        self.build = build
        self.events: list[Any] | None = None
        self.error: BaseException | None = None
        self.ids: set[UUID] = set()

    def outcome(self) -> list[Any]:
        if self.error is not None:
            raise self.error
        assert self.events is not None
        return self.events


def _working_copy(series: NumberSeries) -> NumberSeries:
    """A copy to issue from (the attributes are immutable values; the pending events are
    its own), so a failed save leaves the saved one as it was."""
    copy = object.__new__(NumberSeries)
    copy.__dict__.update(series.__dict__)
    copy.__dict__["_pending_events"] = []
    return copy


class ApplicationBase(Application[UUID]):
    mapper: SealingMapper
    is_snapshotting_enabled = True
    snapshotting_intervals = {NumberSeries: 100}  # noqa: RUF012 - library's class attribute

    def __init__(
        self,
        env: dict[str, str] | None = None,
        *,
        organisation: Organisation,
        clock: Callable[[], datetime] | None = None,
        protection_cutoff: time = DEFAULT_PROTECTION_CUTOFF,
        sunday_rule: bool = False,
        key_ring: CaseKeyRing,
    ) -> None:
        self.key_ring = key_ring  # the mapper, made by the library's __init__, needs it
        super().__init__(env)
        self.organisation = organisation
        self.clock = clock or (lambda: datetime.now(UTC))
        self.protection_cutoff = protection_cutoff
        # Lag (1930:173): statutory periods ending on a holiday end the next working day.
        self.sunday_rule = sunday_rule
        # The number series as last saved by this process, and a lock per series so that
        # this process's filings take turns instead of clashing (_save_numbered).
        self._series_saved: dict[UUID, NumberSeries] = {}
        self._series_locks: dict[UUID, threading.Lock] = {}
        self._series_locks_lock = threading.Lock()
        self._series_waiting: dict[UUID, list[_Numbered]] = {}

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        """The library's save, without its runtime Protocol checks for our own aggregates
        (on Python 3.11 those checks were 5 % of a filing's CPU); anything else, and any
        keyword, goes the library's way."""
        if kwargs or not all(isinstance(obj, Aggregate) for obj in objs):
            return super().save(*objs, **kwargs)
        processing_event: ProcessingEvent[UUID] = ProcessingEvent()
        for aggregate in objs:
            processing_event.events.extend(aggregate.collect_events())
            processing_event.aggregates[aggregate.id] = aggregate
        recordings = self._record(processing_event)
        self._take_snapshots(processing_event)
        self._notify(recordings)
        return recordings

    def _take_snapshots(self, processing_event: ProcessingEvent[UUID]) -> None:
        """Snapshot an aggregate that has just reached its interval from the copy just
        saved (the library reads it back from the store: up to 100 events, every 100th
        filing). A batch of filings carries the number series past its interval in one
        save: the snapshot is then of the series as saved, a few versions on (a snapshot
        is good at any version; the next is still taken at the next multiple)."""
        replay: list[Any] = []
        taken: set[UUID] = set()
        for domain_event in processing_event.events:
            aggregate = processing_event.aggregates.get(domain_event.originator_id)
            if aggregate is None or aggregate.id in taken:
                continue
            interval = self.snapshotting_intervals.get(type(aggregate))
            if not interval or domain_event.originator_version % interval:
                continue
            snapshot_class = getattr(type(aggregate), "Snapshot", type(self).snapshot_class)
            if self.snapshots is None or snapshot_class is None:
                replay.append(domain_event)
                continue
            self.snapshots.put([snapshot_class.take(aggregate)])
            taken.add(aggregate.id)
        if replay:
            left: ProcessingEvent[UUID] = ProcessingEvent()
            left.events, left.aggregates = replay, processing_event.aggregates
            super()._take_snapshots(left)

    def construct_repository(self) -> CaseRepository:
        """The library's repository (as its construct_repository makes it from the env),
        its cache emptied when gallring destroys case keys."""
        maxsize = self.env.get(self.AGGREGATE_CACHE_MAXSIZE)
        return CaseRepository(
            event_store=self.events, snapshot_store=self.snapshots,
            cache_maxsize=int(maxsize) if maxsize else None,
            fastforward=strtobool(self.env.get(self.AGGREGATE_CACHE_FASTFORWARD, "y")),
            fastforward_skipping=strtobool(
                self.env.get(self.AGGREGATE_CACHE_FASTFORWARD_SKIPPING, "n")),
            deepcopy_from_cache=strtobool(
                self.env.get(self.DEEPCOPY_FROM_AGGREGATE_CACHE, "y")),
            key_ring=self.key_ring,
        )

    def construct_mapper(self) -> SealingMapper:
        """The library's mapper, with each case's content sealed under its own key."""
        return SealingMapper(
            transcoder=self.construct_transcoder(), cipher=self.factory.cipher(),
            compressor=self.factory.compressor(), key_ring=self.key_ring,
        )

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcodings.register(transcoder)

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        return local_date(self.now())

    def _get(self, cls: type[A], aggregate_id: UUID) -> A:
        try:
            aggregate: Aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise NotFound(aggregate_id) from None
        if not isinstance(aggregate, cls):
            raise NotFound(aggregate_id)
        return aggregate

    def _save(self, *aggregates: Aggregate) -> None:
        try:
            self.save(*aggregates)
        except IntegrityError:
            raise ConflictError from None

    def _command(
        self,
        cls: type[A],
        aggregate_id: UUID,
        expected_version: int | None,
        command: Callable[Concatenate[A, P], object],
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> A:
        """The one command spine: get the aggregate, refuse a stale `expected_version`,
        call its `command` method with the arguments, save. Returns the aggregate."""
        aggregate = self._get(cls, aggregate_id)
        if expected_version is not None and aggregate.version != expected_version:
            raise ConflictError(expected_version, aggregate.version)
        command(aggregate, *args, **kwargs)
        self._save(aggregate)
        return aggregate

    def _series(self, kind: SeriesKind, year: int) -> NumberSeries:
        # Whoever reads the series to save it moves it on: this process's saved copy is then
        # stale (a clash would show it; dropping it spares the clash).
        self._series_saved.pop(NumberSeries.create_id(kind, year), None)
        try:
            return self.repository.get(NumberSeries.create_id(kind, year))
        except AggregateNotFoundError:
            return NumberSeries(kind, year)

    def _series_lock(self, series_id: UUID) -> threading.Lock:
        with self._series_locks_lock:
            return self._series_locks.setdefault(series_id, threading.Lock())

    def _save_numbered(
        self, kind: SeriesKind, year: int, build: Callable[[str], Sequence[Aggregate]]
    ) -> list[Any]:
        """Issue the next number and save it with what `build` made, in one transaction;
        on a clash with a concurrent filing, build again from fresh state.

        Filings of this process that wait for the same series are saved together: whoever
        holds the series' lock takes every filing waiting at that moment, gives each the
        next number and saves them all with the series in one transaction (one durable
        commit for all: a commit waits for the disk, and the series lets only one through
        at a time). The others find theirs saved when they get the lock. A filing whose
        build fails gets its error and the rest are built again without it, so numbers stay
        gap-free. The series this process saved last is used again without reading the
        store: the save itself is the check (the next version of the series can be stored
        only once), so a series another process moved on fails to save and is read
        afresh. Numbers stay unique and gap-free; a single process never reads its series
        back. Returns the events saved for this filing (and the series')."""
        series_id = NumberSeries.create_id(kind, year)
        mine = _Numbered(build)
        with self._series_locks_lock:
            self._series_waiting.setdefault(series_id, []).append(mine)
        with self._series_lock(series_id):
            if mine.events is None and mine.error is None:
                with self._series_locks_lock:
                    waiting = self._series_waiting[series_id]
                    batch = waiting[:NUMBERED_BATCH]
                    if mine not in batch:
                        batch[-1] = mine
                    for numbered in batch:
                        waiting.remove(numbered)
                self._save_batch(series_id, kind, year, batch)
        return mine.outcome()

    def _save_batch(
        self, series_id: UUID, kind: SeriesKind, year: int, batch: list[_Numbered]
    ) -> None:
        """Number and save `batch` in one transaction (see _save_numbered); each filing
        gets its events, or the error that stopped it."""
        reused = False
        pending = list(batch)

        def attempt() -> list[Any]:
            nonlocal reused
            saved = self._series_saved.pop(series_id, None)
            reused = saved is not None
            series = _working_copy(saved) if saved is not None else self._series(kind, year)
            built: list[Aggregate] = []
            for numbered in pending:
                try:
                    aggregates = numbered.build(series.issue())
                except Exception as error:
                    # Its number is not used: the others are numbered again without it.
                    numbered.error = error
                    pending.remove(numbered)
                    if saved is not None:
                        self._series_saved[series_id] = saved
                    raise _BuildFailed from error
                numbered.ids = {aggregate.id for aggregate in aggregates}
                built.extend(aggregates)
            recordings = self.save(series, *built)
            self._series_saved[series_id] = series
            return [recording.domain_event for recording in recordings]

        while pending:
            try:
                if len(pending) > 1:
                    try:
                        saved = attempt()
                    except IntegrityError:
                        # A clash in a batch: the series moved on in another process, or
                        # two of its filings change one case (two escalations of the same
                        # deviation). Each on its own then, as if none had been batched.
                        for numbered in list(pending):
                            self._save_batch(series_id, kind, year, [numbered])
                        return
                else:
                    # Only a clash on fresh state means another filing at this moment:
                    # back off then.
                    saved = self._until_saved(attempt, after_clash=lambda: not reused)
            except _BuildFailed:
                continue  # the failed filing has its error and left `pending`
            except BaseException as error:
                for numbered in pending:
                    numbered.error = error
                return
            for numbered in pending:
                numbered.events = [
                    event for event in saved
                    if event.originator_id in numbered.ids or event.originator_id == series_id
                ]
            return

    def _until_saved(
        self, attempt: Callable[[], R], *, after_clash: Callable[[], bool] | None = None
    ) -> R:
        """The one retry of a save that can clash with a concurrent writer (a number just
        taken, a case just moved on): `attempt` reads fresh state, builds and saves; on a
        clash `after_clash` runs (True, or none given: back off first) and it is tried
        again, at most NUMBERING_ATTEMPTS times, then ConflictError."""
        for tries in range(NUMBERING_ATTEMPTS):
            try:
                return attempt()
            except IntegrityError:
                if after_clash is None or after_clash():
                    back_off(tries)
        raise ConflictError

    def history(self, aggregate_id: UUID) -> list[HistoryEntry]:
        """Every event of one case, oldest first: the audit trail."""
        entries = history_entries(self.repository.event_store.get(aggregate_id))
        if not entries:
            raise NotFound(aggregate_id)
        return entries


def history_entries(domain_events: Iterable[Any]) -> list[HistoryEntry]:
    """History entries of events of one case, in the order given."""
    entries = []
    for domain_event in domain_events:
        state = dict(domain_event.__dict__)
        for key in ("originator_id", "originator_version", "timestamp", "originator_topic"):
            state.pop(key, None)
        actor = state.pop("actor", None)
        entries.append(
            HistoryEntry(
                type=type(domain_event).__name__,
                at=domain_event.timestamp,
                by=actor,
                data={k: _plain(v) for k, v in state.items()},
                version=domain_event.originator_version,
            )
        )
    return entries
