"""The `tracker` command lists every process and admin command, as the script and as
`python -m tracker.cli`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

COMMANDS = {
    "access-log", "backup", "bench", "demo", "import", "init", "ivo-categories", "projections",
    "restore", "retention", "scheduler", "serve", "taxonomy", "token", "unit", "user", "verify",
    "worker",
}


def listed(output: str) -> set[str]:
    section = output.split("Commands:", 1)[1]
    return {line.split()[0] for line in section.splitlines() if line.startswith("  ")}


def test_tracker_help_lists_every_command_both_ways() -> None:
    script = Path(sys.executable).with_name("tracker")
    for command in ([str(script), "--help"], [sys.executable, "-m", "tracker.cli", "--help"]):
        result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)
        assert listed(result.stdout) == COMMANDS
