"""The `tracker` command, and the composition root: these modules are the only code that
opens a Runtime (`tracker.cli.common.open_from_env`) and the only code below web/ that
imports web/. Each process builds one Runtime and hands it to what it runs.

  admin.py        init, user, token, unit, taxonomy, ivo-categories
  serve.py        serve (web app + embedded workers); demo.py: demo
  worker.py       worker (every background worker of workers.py in one process)
  scheduler.py    scheduler (the deadline scheduler alone, or --once / --digest)
  projections.py  projections run|rebuild|status
  bench.py        bench
  history_imports.py  import counts|rows|list|undo
  access_log.py   access-log prune (the läslogg's retention)
  retention.py    retention rules|plan|apply (gallring)
  operations.py   backup, restore, verify (the event log's hash chain)
"""

from __future__ import annotations

import click

from tracker.cli import admin, operations
from tracker.cli.access_log import access_log_cli
from tracker.cli.bench import bench_command
from tracker.cli.demo import demo_command
from tracker.cli.history_imports import import_cli
from tracker.cli.projections import projections_cli
from tracker.cli.retention import retention_cli
from tracker.cli.scheduler import scheduler_command
from tracker.cli.serve import serve_command
from tracker.cli.worker import worker_command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Avvikelse- och Lex Sarah-tracker for a municipality's social services.

    Configuration comes from environment variables (TRACKER_DATABASE_URL,
    TRACKER_CIPHER_KEY, ...; see README.md). Without TRACKER_DATABASE_URL
    everything is stored in an SQLite file under ./instance.
    """


for command in [
    *admin.COMMANDS,
    serve_command,
    demo_command,
    worker_command,
    scheduler_command,
    projections_cli,
    bench_command,
    import_cli,
    access_log_cli,
    retention_cli,
    *operations.COMMANDS,
]:
    main.add_command(command)
