"""Retention rules are organisation data: proposals marked as such until the municipality sets
them, each change a new version (the set's and the rule's own, "R1 v2"), in the change list."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from events.errors import ValidationFailed
from events.retention import ContentKind
from tests.support import TrackerRunner
from tracker.admin import change_log
from tracker.admin.changes import Administration
from tracker.admin.retention_rules import DEFAULT_RETENTION_RULES, LABELS, Point, Unit
from tracker.runtime import Runtime


def test_defaults_are_proposals_for_the_archivist(runtime: Runtime, runner: TrackerRunner) -> None:
    rules = runtime.organisation.retention_rules()
    assert rules == DEFAULT_RETENTION_RULES
    assert all(rule.proposal for rule in rules)
    assert rules.rule(ContentKind.LEX_SARAH).keep
    # The läslogg's proposal is the period it already had.
    assert rules.rule(ContentKind.ACCESS_LOG).follows_setting
    shown = runner.invoke(["retention", "rules"])
    assert shown.exit_code == 0, shown.output
    assert shown.output.count("Förslag – arkivarien beslutar") == len(ContentKind)
    assert "R1 v1   deviation     5 years from closed" in shown.output
    assert "3650 days (TRACKER_ACCESS_LOG_DAYS)" in shown.output


def test_a_set_rule_is_a_new_version_in_the_change_list(
    runtime: Runtime, runner: TrackerRunner, users: Any, client_for: Callable[[str], Any],
) -> None:
    result = runner.invoke(["retention", "rules", "--kind", "deviation", "--years", "3",
                            "--from", "received"])
    assert result.exit_code == 0, result.output
    assert "Set R1 v2: deviation 3 years from received." in result.output
    admin = Administration.of(runtime, actor="admin", source="web")
    admin.set_retention_rule(ContentKind.LEX_SARAH, amount=18, unit=Unit.MONTHS,
                             point=Point.DECIDED)
    rules = runtime.organisation.retention_rules()
    assert rules.version == 3
    deviation = rules.rule(ContentKind.DEVIATION)
    assert (deviation.name, deviation.amount, deviation.unit, deviation.point,
            deviation.proposal) == ("R1 v2", 3, Unit.YEARS, Point.RECEIVED, False)
    assert rules.rule(ContentKind.LEX_SARAH).name == "R3 v2"
    assert rules.rule(ContentKind.COMPLAINT).proposal  # untouched: still the proposal
    admin.set_retention_rule(ContentKind.DEVIATION, keep=True)
    assert runtime.organisation.retention_rules().rule(ContentKind.DEVIATION).name == "R1 v3"

    changes, _ = change_log.changes(runtime.engine, subject="R1")
    assert [c.action for c in changes] == ["retention.rule_changed"] * 2
    newest, first = changes
    assert first.before is not None and first.after is not None
    assert (first.before["amount"], first.before["proposal"]) == (5, True)
    assert (first.after["amount"], first.after["point"], first.after["version"]) == (
        3, "received", 2)
    assert newest.after is not None and newest.after["keep"] is True
    page = client_for("admin").get("/admin/andringar").get_data(as_text=True)
    assert page.count("Gallringsregel ändrad") == 3


@pytest.mark.parametrize(
    ("kind", "options", "field"),
    [
        (ContentKind.DEVIATION, {"amount": 5, "unit": Unit.YEARS, "point": Point.DECIDED},
         "point"),
        (ContentKind.ACCESS_LOG, {"amount": 2, "unit": Unit.YEARS, "point": Point.CLOSED},
         "point"),
        (ContentKind.DEVIATION, {"amount": 0, "unit": Unit.YEARS, "point": Point.CLOSED},
         "amount"),
        (ContentKind.DEVIATION, {"amount": 101, "unit": Unit.YEARS, "point": Point.CLOSED},
         "amount"),
        (ContentKind.DEVIATION, {"amount": 1201, "unit": Unit.MONTHS, "point": Point.CLOSED},
         "amount"),
        (ContentKind.DEVIATION, {"amount": 5, "unit": Unit.YEARS}, "point"),
        (ContentKind.DEVIATION, {}, "amount"),
    ],
)
def test_a_bad_rule_is_refused_and_nothing_is_stored(
    runtime: Runtime, kind: ContentKind, options: dict[str, Any], field: str,
) -> None:
    admin = Administration.of(runtime, actor="admin", source="web")
    with pytest.raises(ValidationFailed) as refused:
        admin.set_retention_rule(kind, **options)
    assert refused.value.field == field
    assert runtime.organisation.retention_rules() == DEFAULT_RETENTION_RULES
    assert change_log.changes(runtime.engine, subject=LABELS[kind])[1] == 0


def test_confirming_a_proposal_sets_it_once(runtime: Runtime) -> None:
    admin = Administration.of(runtime, actor="admin", source="web")
    confirmed = admin.set_retention_rule(ContentKind.LEX_SARAH, keep=True)
    assert (confirmed.keep, confirmed.proposal, confirmed.name) == (True, False, "R3 v2")
    with pytest.raises(ValidationFailed):
        admin.set_retention_rule(ContentKind.LEX_SARAH, keep=True)
    assert runtime.organisation.retention_rules().version == 2


@pytest.mark.parametrize(
    "arguments",
    [
        ["--kind", "deviation"],
        ["--kind", "deviation", "--years", "2", "--keep"],
        ["--kind", "deviation", "--years", "2", "--months", "3", "--from", "closed"],
        ["--kind", "deviation", "--years", "two", "--from", "closed"],
        ["--kind", "nothing", "--keep"],
        ["--kind", "deviation", "--years", "2", "--from", "decided"],
    ],
)
def test_the_command_refuses_a_bad_rule(runtime: Runtime, runner: TrackerRunner,
                                        arguments: list[str]) -> None:
    result = runner.invoke(["retention", "rules", *arguments])
    assert result.exit_code != 0
    assert runtime.organisation.retention_rules() == DEFAULT_RETENTION_RULES
