"""Applying the gallring plan: each case's due content erased under its rule, the läslogg's
old entries removed, then the storage compacted once (so the removed bytes leave the files).

Idempotent and resumable: the plan leaves out what a case's retention record says was
erased, and erasing a kind already erased does nothing, so a run killed half-way is finished
by the next one with every due case erased once. A case on hold is left for a later run."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Protocol
from uuid import UUID

import sqlalchemy as sa

from events.errors import DomainError
from events.retention import ContentKind
from projections.runner import catch_up
from tracker.admin.organisation import Organisation
from tracker.application import TrackerApplication
from tracker.config import Settings
from tracker.people import access_log
from tracker.retention.erasure import HoldActive, compact_storage, erase_case
from tracker.retention.plan import Plan, access_log_cutoff, plan_for

log = logging.getLogger(__name__)


class Gallring(Protocol):
    """What a run needs of the Runtime (tracker.runtime imports this floor, not we it)."""

    @property
    def engine(self) -> sa.Engine: ...
    @property
    def app(self) -> TrackerApplication: ...
    @property
    def organisation(self) -> Organisation: ...
    @property
    def settings(self) -> Settings: ...


@dataclass
class ApplyResult:
    plan: Plan
    # (case number, rule, kinds) of each erasure made
    erased: list[tuple[str, str, tuple[str, ...]]] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # number, why (a hold since)
    access_log_removed: int = 0
    compacted: bool = False

    @property
    def count(self) -> int:
        return len(self.erased)


def apply_plan(runtime: Gallring, *, actor: str) -> ApplyResult:
    """Erase what the plan says is due today, as `actor` ("scheduler", or a person)."""
    # The plan reads the views: they must have seen every erasure and hold made so far.
    if not catch_up(runtime, timeout=60.0):
        log.warning("The views are not fully caught up; applying the plan they give.")
    rules = runtime.organisation.retention_rules()
    today = runtime.app.today()
    plan = plan_for(runtime.engine, rules, today)
    result = ApplyResult(plan)
    groups: dict[tuple[UUID, str, str], set[ContentKind]] = defaultdict(set)
    for row in plan.due:
        groups[(row.case_id, row.number, row.rule)].add(row.content)
    for (case_id, number, rule), kinds in groups.items():
        try:
            done = erase_case(runtime.app, case_id, kinds, rule=rule, actor=actor)
        except (HoldActive, DomainError) as error:  # a hold placed since the plan was read
            log.warning("Not gallrat: %s (%s): %s", number, rule, error)
            result.refused.append((number, type(error).__name__))
            continue
        if done:
            result.erased.append((number, rule, tuple(sorted(kinds))))
            log.info("Gallrat %s under %s: %s", number, rule, ", ".join(sorted(kinds)))
    days = access_log_cutoff(rules, runtime.settings.access_log_days, today)
    if days is not None:
        result.access_log_removed = access_log.prune(runtime.engine, days)
    if result.erased or result.access_log_removed:
        compact_storage(runtime.engine)
        result.compacted = True
    return result
