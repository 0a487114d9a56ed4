"""Without TRACKER_BASE_URL, the links in e-mails from `tracker serve --port P` lead to P,
where the server listens, not to TRACKER_PORT (one web process and several)."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa
from served import Served

from tracker.notifications.follower import Notifier
from tracker.people.accounts import Account
from tracker.runtime import Runtime
from tracker.storage.tables import notification_outbox

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("processes", [1, 2])
def test_mail_links_use_the_port_given_on_the_command_line(
    runtime: Runtime, environ: dict[str, str], users: dict[str, Account], processes: int,
) -> None:
    Notifier(runtime).ensure_position()  # switched on before the filing below
    extra = ("--workers", str(processes)) if processes > 1 else ()
    with Served(environ | {"TRACKER_EMBEDDED_WORKERS": "true"}, *extra,
                port_flag=True) as served:
        assert served.environ["TRACKER_PORT"] != str(served.port)
        served.wait_ready()
        filed = runtime.app.file_deviation(
            actor="rapportor", unit="utredning", category="samverkan", subcategory=None,
            occurred_on=runtime.app.today(), description="Skolan fick fel uppgifter.",
        )
        deadline = time.monotonic() + 90
        while True:  # no mail server: the embedded notifier writes the mail to the log
            with runtime.engine.connect() as connection:
                bodies = connection.execute(sa.select(notification_outbox.c.body)).scalars().all()
            if bodies:
                break
            assert time.monotonic() < deadline, served.output()
            time.sleep(0.2)
    links = {line.split(": ", 1)[1] for body in bodies for line in body.splitlines()
             if line.startswith("Öppna avvikelsen: ")}
    assert links == {f"http://127.0.0.1:{served.port}/avvikelser/{filed.id}"}
