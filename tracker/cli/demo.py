"""`tracker demo`: demo users and a realistic year of cases, then serve."""

from __future__ import annotations

import click

from tracker.cli.common import open_from_env
from tracker.cli.serve import serve
from tracker.config import Settings
from tracker.demo import seed_demo


@click.command("demo")
@click.option("--no-serve", is_flag=True, help="Only seed the demo data; do not start the server.")
def demo_command(no_serve: bool) -> None:
    """Seed demo users and a realistic year of cases, then serve (like `serve --demo`).

    The demo users' passwords are printed. Cases are added only to a store without any.
    """
    if no_serve:
        rt = open_from_env()
        try:
            seed_demo(rt, click.echo)
        finally:
            rt.close()
        return
    serve(Settings.from_env(), demo=True, echo=click.echo)
