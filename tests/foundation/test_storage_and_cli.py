"""Storage configuration, encryption at rest, schema creation, and the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from eventsourcing.cryptography import AESCipher

from tracker.cli import main
from tracker.config import Settings
from tracker.runtime import open_runtime

SECRET_TEXT = "Journal för fel person låg i pärmen på kontoret"


def _file_secret(settings: Settings) -> None:
    rt = open_runtime(settings)
    try:
        rt.app.file_deviation(
            actor="anna",
            unit="utredning",
            category="handlaggning",
            subcategory="registrering",
            occurred_on=date.today() - timedelta(days=1),
            description=SECRET_TEXT,
        )
    finally:
        rt.close()


def _raw_bytes(settings: Settings) -> bytes:
    path = settings.sqlite_path
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*") if p.is_file())


@pytest.mark.parametrize("encrypted", [False, True])
def test_with_a_cipher_key_the_sqlite_file_does_not_hold_the_text(
    tmp_path: Path, encrypted: bool
) -> None:
    env = {"TRACKER_INSTANCE_PATH": str(tmp_path)}
    if encrypted:
        env["TRACKER_CIPHER_KEY"] = AESCipher.create_key(32)
    settings = Settings.from_env(env)
    _file_secret(settings)
    # The file holds the text exactly when it is not encrypted (so this test can fail).
    assert (SECRET_TEXT.encode() in _raw_bytes(settings)) is not encrypted
    rt = open_runtime(settings)
    try:
        [entry] = [h for h in rt.app.history(_only_deviation_id(rt)) if h.type == "Reported"]
        assert entry.data["description"] == SECRET_TEXT
    finally:
        rt.close()


def _only_deviation_id(rt):  # type: ignore[no-untyped-def]
    from events.deviation import Deviation

    for notification in rt.app.recorder.select_notifications(start=1, limit=100):
        event = rt.app.mapper.to_domain_event(notification)
        if isinstance(event, Deviation.Reported):
            return event.originator_id
    raise AssertionError("no deviation stored")


def test_settings_map_the_database_url_to_the_event_store() -> None:
    pg = Settings.from_env(
        {
            "TRACKER_DATABASE_URL": "postgresql://u:p%40ss@db.example:6543/tracker?schema=s1",
            "TRACKER_SECRET_KEY": "k",
        }
    )
    env = pg.eventsourcing_env()
    assert env["PERSISTENCE_MODULE"] == "eventsourcing.postgres"
    assert (env["POSTGRES_HOST"], env["POSTGRES_PORT"], env["POSTGRES_DBNAME"]) == (
        "db.example",
        "6543",
        "tracker",
    )
    assert (env["POSTGRES_USER"], env["POSTGRES_PASSWORD"], env["POSTGRES_SCHEMA"]) == (
        "u",
        "p@ss",
        "s1",
    )
    assert pg.sqlalchemy_url() == "postgresql+psycopg://u:p%40ss@db.example:6543/tracker"


def test_several_processes_creating_the_schema_at_once_all_succeed(
    environ: dict[str, str],
) -> None:
    env = os.environ | environ
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "tracker.cli", "init"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(4)
    ]
    results = [(p.wait(timeout=120), p.stderr.read().decode()) for p in processes]  # type: ignore[union-attr]
    assert [code for code, _ in results] == [0, 0, 0, 0], results
    out = CliRunner().invoke(main, ["unit", "list"], env=environ)
    assert out.exit_code == 0
    assert len(out.output.strip().splitlines()) == 7  # seeded exactly once


def test_cli_user_token_and_unit_commands(environ: dict[str, str]) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["init"], env=environ).exit_code == 0
    added = runner.invoke(
        main,
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
        env=environ,
    )
    assert added.exit_code == 0, added.output
    assert "One-time password" not in added.output
    one_time = runner.invoke(main, ["user", "add", "anna", "--role", "rapportor"], env=environ)
    assert "One-time password:" in one_time.output
    listed = runner.invoke(main, ["user", "list"], env=environ).output
    assert "chef.hvb\tenhetschef\thvb-notgarden" in listed

    token = runner.invoke(main, ["token", "create", "chef.hvb"], env=environ)
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
        main, ["user", "add", "x1", "--role", "enhetschef", "--unit", "nope"], env=environ
    )
    assert bad_unit.exit_code != 0 and "Unknown unit code: nope" in bad_unit.output
    short = runner.invoke(
        main,
        ["user", "add", "x2", "--role", "admin", "--password-stdin"],
        input="kort\n",
        env=environ,
    )
    assert short.exit_code != 0 and "at least 10" in short.output
    unknown = runner.invoke(main, ["token", "create", "nobody"], env=environ)
    assert unknown.exit_code != 0

    assert (
        runner.invoke(
            main, ["unit", "add", "ekonomi", "Ekonomienheten", "--operation", "IFO"], env=environ
        ).exit_code
        == 0
    )
    assert (
        "ekonomi\tIFO\tEkonomienheten" in runner.invoke(main, ["unit", "list"], env=environ).output
    )
    assert runner.invoke(main, ["unit", "rename", "ekonomi", "Ekonomi"], env=environ).exit_code == 0
    assert runner.invoke(main, ["unit", "deactivate", "ekonomi"], env=environ).exit_code == 0
    listed_units = runner.invoke(main, ["unit", "list"], env=environ).output
    assert "ekonomi\tIFO\tEkonomi (inactive)" in listed_units
    assert runner.invoke(main, ["unit", "deactivate", "nope"], env=environ).exit_code != 0


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


def test_renaming_the_taxonomy_keeps_history_and_adds_a_version(runtime) -> None:  # type: ignore[no-untyped-def]
    env = {
        "TRACKER_DATABASE_URL": runtime.settings.database_url,
        "TRACKER_INSTANCE_PATH": str(runtime.settings.instance_path),
        "TRACKER_SECRET_KEY": "k",
    }
    runner = CliRunner()
    filed = runtime.app.file_deviation(
        actor="anna",
        unit="utredning",
        category="samverkan",
        subcategory=None,
        occurred_on=runtime.app.today(),
        description="Polisen fick inte kallelsen.",
    )
    renamed = runner.invoke(main, ["taxonomy", "rename", "samverkan", "Samverkan externt"], env=env)
    assert renamed.exit_code == 0, renamed.output
    added = runner.invoke(
        main, ["taxonomy", "add-subcategory", "handlaggning", "journal", "Journalföring"], env=env
    )
    assert added.exit_code == 0, added.output
    refused = runner.invoke(main, ["taxonomy", "add-subcategory", "personal", "x", "X"], env=env)
    assert refused.exit_code != 0
    listing = runner.invoke(main, ["taxonomy", "list"], env=env).output
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
    assert runner.invoke(main, ["taxonomy", "deactivate", "personal"], env=env).exit_code == 0
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
