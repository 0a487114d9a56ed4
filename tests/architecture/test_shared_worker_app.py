"""The suite builds the Flask app once per worker (tests/support.py WorkerApp): a setting
that quietly differs per test gives every test an app of its own, ~0.3-0.9 s each."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from flask import Flask
from support import INSTANCE_DEFAULTS, WorkerApp, tracker_environ

from tracker.config import Settings


def test_a_test_with_the_default_settings_is_served_by_the_workers_app(
    app: Flask, worker_app: WorkerApp,
) -> None:
    assert app is worker_app.app


def test_every_default_inside_the_instance_folder_is_known_to_the_worker_app(
    tmp_path: Path,
) -> None:
    instance = tmp_path / "instance"
    settings = Settings.from_env(tracker_environ(f"sqlite:///{tmp_path / 't.db'}", instance))
    inside = {
        field.name for field in dataclasses.fields(settings)
        if field.name != "instance_path"
        and isinstance(value := getattr(settings, field.name), Path)
        and value.is_relative_to(settings.instance_path)
    }
    assert inside == set(INSTANCE_DEFAULTS)
