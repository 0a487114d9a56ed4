"""The admin commands of `tracker`: users, tokens, units and the taxonomy; every command
explains itself."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner
from support import TrackerRunner

from tracker.cli import main
from tracker.config import Settings
from tracker.runtime import Runtime, open_runtime


def test_cli_user_token_and_unit_commands(
    runner: TrackerRunner, environ: dict[str, str]
) -> None:
    assert runner.invoke(["init"]).exit_code == 0
    added = runner.invoke(
        [
            "user",
            "add",
            "chef.hvb",
            "--role",
            "enhetschef",
            "--unit",
            "hvb-notgarden",
            "--password-stdin",
        ],
        input="ett-langt-losenord\n",
    )
    assert added.exit_code == 0, added.output
    assert "One-time password" not in added.output
    one_time = runner.invoke(["user", "add", "anna", "--role", "rapportor"])
    assert "One-time password:" in one_time.output
    listed = runner.invoke(["user", "list"]).output
    assert "chef.hvb\tenhetschef\thvb-notgarden" in listed

    token = runner.invoke(["token", "create", "chef.hvb"])
    assert token.exit_code == 0
    lines = token.output.splitlines()
    assert len(lines) == 1 and lines[0].startswith("trk_") and len(lines[0]) > 30
    rt = open_runtime(Settings.from_env(environ))
    try:
        account = rt.accounts.account_for_token(lines[0])
        assert account is not None and account.username == "chef.hvb"
        assert rt.accounts.authenticate("chef.hvb", "ett-langt-losenord") is not None
    finally:
        rt.close()

    bad_unit = runner.invoke(
        ["user", "add", "x1", "--role", "enhetschef", "--unit", "nope"]
    )
    assert bad_unit.exit_code != 0 and "Unknown unit code: nope" in bad_unit.output
    short = runner.invoke(
        ["user", "add", "x2", "--role", "admin", "--password-stdin"],
        input="kort\n",
    )
    assert short.exit_code != 0 and "at least 10" in short.output
    unknown = runner.invoke(["token", "create", "nobody"])
    assert unknown.exit_code != 0

    assert (
        runner.invoke(
            ["unit", "add", "ekonomi", "Ekonomienheten", "--operation", "IFO"]
        ).exit_code
        == 0
    )
    assert (
        "ekonomi\tIFO\tEkonomienheten" in runner.invoke(["unit", "list"]).output
    )
    assert runner.invoke(["unit", "rename", "ekonomi", "Ekonomi"]).exit_code == 0
    assert runner.invoke(["unit", "deactivate", "ekonomi"]).exit_code == 0
    listed_units = runner.invoke(["unit", "list"]).output
    assert "ekonomi\tIFO\tEkonomi (inactive)" in listed_units
    assert runner.invoke(["unit", "deactivate", "nope"]).exit_code != 0


def _command_paths(group: click.Group, prefix: list[str]) -> list[list[str]]:
    paths = [prefix]
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            paths += _command_paths(command, [*prefix, name])
        else:
            paths.append([*prefix, name])
    return paths


@pytest.mark.parametrize("command", _command_paths(main, []), ids=" ".join)
def test_every_command_explains_itself(command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output
    help_body = result.output.split("Options:")[0]
    assert len(help_body.split()) > 6  # a sentence, not just the usage line


def test_renaming_the_taxonomy_keeps_history_and_adds_a_version(
    runtime: Runtime, runner: TrackerRunner
) -> None:
    filed = runtime.app.file_deviation(
        actor="anna",
        unit="utredning",
        category="samverkan",
        subcategory=None,
        occurred_on=runtime.app.today(),
        description="Polisen fick inte kallelsen.",
    )
    renamed = runner.invoke(["taxonomy", "rename", "samverkan", "Samverkan externt"])
    assert renamed.exit_code == 0, renamed.output
    added = runner.invoke(
        ["taxonomy", "add-subcategory", "handlaggning", "journal", "Journalföring"]
    )
    assert added.exit_code == 0, added.output
    refused = runner.invoke(["taxonomy", "add-subcategory", "personal", "x", "X"])
    assert refused.exit_code != 0
    listing = runner.invoke(["taxonomy", "list"]).output
    assert "Version 3" in listing
    assert "samverkan\tSamverkan externt" in listing
    assert "  journal\tJournalföring" in listing
    assert runtime.app.get_deviation(filed.id).category == "samverkan"
    runtime.app.file_deviation(
        actor="anna",
        unit="utredning",
        category="handlaggning",
        subcategory="journal",
        occurred_on=runtime.app.today(),
        description="Anteckning saknades.",
    )
    assert runner.invoke(["taxonomy", "deactivate", "personal"]).exit_code == 0
    from events.errors import UnknownCode

    with pytest.raises(UnknownCode):
        runtime.app.file_deviation(
            actor="anna",
            unit="utredning",
            category="personal",
            subcategory=None,
            occurred_on=runtime.app.today(),
            description="Vikarie utan introduktion.",
        )
