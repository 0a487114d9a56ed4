"""The pages around the notifications: "Mina inställningar" (address and opt-outs) and the
administrator's list of what was sent."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from notification_support import SmtpServer
from support import PASSWORD, address, make_app

from tracker.notifications.follower import Notifier
from tracker.notifications.messages import Kind, optouts
from tracker.people.accounts import Account
from tracker.runtime import Runtime


@pytest.fixture
def mail_app(mail_runtime: Runtime) -> Flask:
    """The app on the runtime that mails (see conftest.py)."""
    return make_app(mail_runtime)


def login(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_a_person_sets_their_address_and_turns_a_kind_off(
    mail_app: Flask, mail_runtime: Runtime, people: dict[str, Account], notifier: Notifier,
    smtp: SmtpServer,
) -> None:
    client = login(mail_app, "chef")
    page = client.get("/installningar").get_data(as_text=True)
    assert "Aviseringar" in page and address("chef") in page
    assert "Ny avvikelse i en enhet jag ansvarar för" in page
    assert "Ny Lex Sarah-utredning" not in page  # not offered to an enhetschef

    bad = client.post("/installningar/epost", data={"email": "inte en adress"})
    assert bad.status_code == 422
    assert "Skriv en e-postadress" in bad.get_data(as_text=True)
    assert mail_runtime.accounts.get("chef").email == address("chef")  # nothing stored

    assert client.post("/installningar/epost", data={"email": "ny.chef@kommun.example"})\
        .status_code == 302
    assert mail_runtime.accounts.get("chef").email == "ny.chef@kommun.example"
    kept = [k.value for k in Kind if k is not Kind.DEVIATION_FILED]
    assert client.post("/installningar/aviseringar", data={"on": kept}).status_code == 302
    assert optouts(mail_runtime.engine, people["chef"].id) >= {Kind.DEVIATION_FILED}
    page = client.get("/installningar").get_data(as_text=True)
    assert 'value="deviation_filed">' in page  # unchecked now
    assert 'value="feedback_given" checked>' in page

    app = mail_runtime.app
    deviation = app.file_deviation(
        actor="rapportor", unit="utredning", category="personal", subcategory=None,
        occurred_on=app.today() - timedelta(days=1), description="Introduktion saknades.",
    )
    app.give_feedback(deviation.id, actor="chef2", message="Tack.")
    app.add_measure(deviation.id, actor="chef2", description="Introducera.",
                    responsible="chef", due_on=app.today() + timedelta(days=1))
    notifier.produce_all()
    notifier.scan_reminders()
    notifier.deliver()
    to_chef = [m for rcpts, m in smtp.inbox.messages if "ny.chef@kommun.example" in rcpts]
    assert [str(m["Subject"]).split()[1] for m in to_chef] == ["Åtgärd"]  # not the filing


def test_the_admin_sees_what_was_sent_and_what_failed_and_can_resend(
    mail_app: Flask, mail_runtime: Runtime, people: dict[str, Account], notifier: Notifier,
    smtp: SmtpServer,
) -> None:
    smtp.inbox.refuse[address("chef2")] = "550 5.1.1 Mailbox unavailable"
    app = mail_runtime.app
    app.file_deviation(
        actor="rapportor", unit="utredning", category="personal", subcategory=None,
        occurred_on=app.today(), description="Introduktion saknades.",
    )
    notifier.produce_all()
    notifier.deliver()
    admin = login(mail_app, "admin")
    page = admin.get("/admin/utskick/").get_data(as_text=True)
    assert "Misslyckade" in page and address("chef2") in page
    assert "550 5.1.1 Mailbox unavailable" in page  # the server's reply, as it gave it
    assert "Skickat" in page and address("chef") in page
    assert "Introduktion saknades" not in page
    for name in ("chef", "rapportor", "utvecklare"):
        assert login(mail_app, name).get("/admin/utskick/").status_code == 403

    failed_id = int(re.search(r"/admin/utskick/(\d+)/skicka-igen", page).group(1))  # type: ignore[union-attr]
    del smtp.inbox.refuse[address("chef2")]
    assert admin.post(f"/admin/utskick/{failed_id}/skicka-igen").status_code == 302
    notifier.deliver()
    assert len(smtp.inbox.to("chef2")) == 1
    assert admin.post(f"/admin/utskick/{failed_id}/skicka-igen").status_code == 404


def test_the_daily_digest_can_be_turned_off_by_those_who_get_it(
    mail_app: Flask, mail_runtime: Runtime, people: dict[str, Account], smtp: SmtpServer
) -> None:
    from tracker.notifications.digest import send_digests

    digest = "Daglig bevakning av tidsfristerna i mina enheter"
    assert digest not in login(mail_app, "utvecklare").get("/installningar")\
        .get_data(as_text=True)  # belongs to no unit: gets no digest
    chef = login(mail_app, "chef")
    assert digest in chef.get("/installningar").get_data(as_text=True)
    kept = [k.value for k in Kind if k is not Kind.DIGEST]
    assert chef.post("/installningar/aviseringar", data={"on": kept}).status_code == 302
    assert 'value="digest">' in chef.get("/installningar").get_data(as_text=True)  # unchecked

    mail_runtime.app.receive_child_report(  # its skyddsbedömning is due today
        actor="forste", unit="utredning", received_at=datetime.now(UTC), case_reference="B1",
    )
    [sent] = send_digests(mail_runtime, today=mail_runtime.app.today())
    assert sent.delivered == "smtp" and address("chef2") in sent.recipients
    assert address("chef") not in sent.recipients
    received = sorted(r for rcpts, _ in smtp.inbox.messages for r in rcpts)
    assert address("chef") not in received and address("chef2") in received
    assert all("Bevakning Utredningsenheten" in s for s in smtp.inbox.subjects())
