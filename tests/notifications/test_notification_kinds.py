"""Each kind of e-mail, caused by its event (or its reminder threshold), sent once to the
right people with the right words, over a real SMTP server on loopback. No mail ever
carries a case's free text."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from urllib.parse import urlsplit
from uuid import UUID

import pytest
from lex_sarah_support import cover_remaining_kinds_in
from notification_support import BASE_URL, SmtpServer
from support import address, log_in, make_app

from events.lex_sarah import FindingKind, FindingNature, Grade
from tracker.notifications.follower import Notifier
from tracker.notifications.outbox import recent_mail
from tracker.people.accounts import Account
from tracker.runtime import Runtime

SECRET_DESCRIPTION = "Knivar låg framme på köksbänken i HVB-hemmets kök"
SECRET_FEEDBACK = "Vi har pratat med personalgruppen om knivlådan"


def run(notifier: Notifier) -> None:
    notifier.produce_all()
    while notifier.deliver().sent:
        pass


def file(runtime: Runtime, unit: str = "utredning", actor: str = "rapportor") -> UUID:
    app = runtime.app
    today = app.today()
    return app.file_deviation(
        actor=actor, unit=unit, category="genomforande", subcategory=None,
        occurred_on=today - timedelta(days=1), description=SECRET_DESCRIPTION,
        immediate_actions="Knivarna låstes in direkt.", case_reference="SN 2026/17",
    ).id


def texts(message: EmailMessage) -> str:
    return str(message["Subject"]) + "\n" + message.get_content()


def link_in(message: EmailMessage) -> str:
    links = [w for w in message.get_content().split() if w.startswith(BASE_URL + "/")]
    assert links, message.get_content()
    return links[0]


def assert_no_free_text(smtp: SmtpServer) -> None:
    assert smtp.inbox.messages
    for _, message in smtp.inbox.messages:
        content = texts(message)
        for secret in (SECRET_DESCRIPTION, "Knivar", "knivlådan", "SN 2026/17", SECRET_FEEDBACK,
                       "Knivarna låstes", "Allvarlig risk", "BoU 2026"):
            assert secret not in content


def test_a_filed_deviation_mails_the_unit_managers_of_its_unit_once(
    mail_runtime: Runtime, notifier: Notifier, smtp: SmtpServer, people: dict[str, Account]
) -> None:
    deviation_id = file(mail_runtime)
    number = mail_runtime.app.get_deviation(deviation_id).number
    run(notifier)
    run(notifier)  # a second pass finds nothing new

    recipients = sorted(r for rcpts, _ in smtp.inbox.messages for r in rcpts)
    assert recipients == sorted([address("chef"), address("chef2")])  # not chef_hvb, not utvecklare
    message = smtp.inbox.to("chef")[0]
    assert message["Subject"] == f"[Avvikelser] Ny avvikelse {number} i Utredningsenheten"
    body = message.get_content()
    assert f"Avvikelse: {number}" in body
    assert "Enhet: Utredningsenheten" in body
    assert "Kvalitetsområde: Genomförande av insats" in body
    assert link_in(message) == f"{BASE_URL}/avvikelser/{deviation_id}"
    assert message["From"] == "avvikelser@kommun.example"
    assert message["Message-ID"]
    assert_no_free_text(smtp)


def test_the_quality_developer_is_mailed_about_new_deviations_when_the_setting_says_so(
    mail_runtime: Runtime, people: dict[str, Account], smtp: SmtpServer
) -> None:
    settings = dataclasses.replace(mail_runtime.settings, notify_developers=True)
    mail_runtime.settings = settings
    notifier = Notifier(mail_runtime)
    notifier.ensure_position()
    file(mail_runtime, unit="hvb-notgarden")
    run(notifier)
    assert sorted(r for rcpts, _ in smtp.inbox.messages for r in rcpts) == sorted([
        address("chef_hvb"), address("utvecklare"),
    ])


def test_nobody_is_mailed_about_their_own_action(
    mail_runtime: Runtime, notifier: Notifier, smtp: SmtpServer, people: dict[str, Account]
) -> None:
    file(mail_runtime, actor="chef")  # the unit manager files in her own unit
    run(notifier)
    assert [r for rcpts, _ in smtp.inbox.messages for r in rcpts] == [address("chef2")]


def test_feedback_mails_the_reporter_without_the_feedback_text(
    mail_runtime: Runtime, notifier: Notifier, smtp: SmtpServer, people: dict[str, Account]
) -> None:
    deviation_id = file(mail_runtime)
    mail_runtime.app.give_feedback(deviation_id, actor="chef", message=SECRET_FEEDBACK)
    run(notifier)

    mails = smtp.inbox.to("rapportor")
    assert len(mails) == 1
    number = mail_runtime.app.get_deviation(deviation_id).number
    assert mails[0]["Subject"] == f"[Avvikelser] Återkoppling på din avvikelse {number}"
    body = mails[0].get_content()
    assert f"Du har fått återkoppling på avvikelsen {number} som du rapporterade." in body
    assert "Enhet: Utredningsenheten" in body
    assert link_in(mails[0]) == f"{BASE_URL}/avvikelser/{deviation_id}"
    assert_no_free_text(smtp)


def test_an_escalation_mails_every_lex_sarah_responsible_with_the_ivo_target(
    mail_runtime: Runtime, notifier: Notifier, smtp: SmtpServer, people: dict[str, Account]
) -> None:
    app = mail_runtime.app
    deviation_id = file(mail_runtime)
    case = app.escalate_to_lex_sarah(
        deviation_id, actor="utvecklare", reason="Allvarlig risk för de unga.",
        opened_on=app.today(),
    )
    run(notifier)
    lex = [m for _, m in smtp.inbox.messages if "Lex Sarah" in str(m["Subject"])]
    assert sorted(r for rcpts, m in smtp.inbox.messages if m in lex for r in rcpts) == sorted([
        address("lexsarah"), address("lexsarah2"),
    ])
    body = lex[0].get_content()
    target = app.today() + timedelta(days=14)
    assert f"Lex Sarah-utredning: {case.number}" in body
    assert f"{target.isoformat()} (14 dagar kvar)" in body
    assert link_in(lex[0]) == f"{BASE_URL}/lex-sarah/{case.id}"
    assert_no_free_text(smtp)


def test_reassigning_a_child_report_tells_the_new_handler_and_the_previous_one(
    mail_runtime: Runtime, notifier: Notifier, smtp: SmtpServer, people: dict[str, Account]
) -> None:
    app = mail_runtime.app
    report = app.receive_child_report(
        actor="forste", unit="utredning", received_at=datetime.now(UTC) - timedelta(days=4),
        case_reference="BoU 2026/5",
    )
    app.assign_handler(report.id, actor="forste", handler="handlaggare.anna")
    run(notifier)
    first = smtp.inbox.to("handlaggare.anna")
    assert [m["Subject"] for m in first] == [
        f"[Avvikelser] Anmälan {report.number} är tilldelad dig"
    ]
    assert "(10 dagar kvar)" in first[0].get_content()

    app.assign_handler(report.id, actor="forste", handler="handlaggare.bo")
    run(notifier)
    assert [m["Subject"] for m in smtp.inbox.to("handlaggare.bo")] == [
        f"[Avvikelser] Anmälan {report.number} är tilldelad dig"
    ]
    old = smtp.inbox.to("handlaggare.anna")
    assert [m["Subject"] for m in old][1:] == [
        f"[Avvikelser] Anmälan {report.number} är inte längre din"
    ]
    assert "inte längre din" in old[1].get_content()
    # A handler opens the report they handle, whatever their role (these two are
    # rapportörer); the previous one gets no link to it.
    assert link_in(first[0]) == f"{BASE_URL}/anmalningar/{report.id}"
    assert [w for w in old[1].get_content().split() if w.startswith(BASE_URL)] == [
        f"{BASE_URL}/installningar"
    ]
    assert len(smtp.inbox.messages) == 3
    assert_no_free_text(smtp)


def test_a_handler_who_is_not_a_user_gets_nothing_and_nothing_fails(
    mail_runtime: Runtime, notifier: Notifier, smtp: SmtpServer, people: dict[str, Account]
) -> None:
    app = mail_runtime.app
    report = app.receive_child_report(
        actor="forste", unit="utredning", received_at=datetime.now(UTC) - timedelta(hours=2),
        case_reference="BoU 2026/6",
    )
    mail_runtime.accounts.add("vikarie", people["rapportor"].role, "ett-langt-losenord")
    app.assign_handler(report.id, actor="forste", handler="vikarie")  # no address
    run(notifier)
    assert smtp.inbox.messages == []
    assert recent_mail(mail_runtime.engine) == []


def test_measure_reminders_go_to_the_responsible_user_once_soon_and_once_overdue(
    mail_runtime: Runtime, notifier: Notifier, smtp: SmtpServer, people: dict[str, Account]
) -> None:
    app = mail_runtime.app
    deviation_id = file(mail_runtime)
    today = app.today()
    app.add_measure(
        deviation_id, actor="chef", description="Lås in knivarna varje kväll.",
        responsible="chef2", due_on=today + timedelta(days=3),
    )
    app.add_measure(
        deviation_id, actor="chef", description="Inventera saxarna.",
        responsible="Köksansvarig på Notgården", due_on=today + timedelta(days=1),  # not a user
    )
    app.add_measure(
        deviation_id, actor="chef", description="Utbilda personalen.",
        responsible="chef2", due_on=today + timedelta(days=30),  # not yet
    )
    run(notifier)
    smtp.inbox.messages.clear()  # the filing mails

    for _ in range(2):
        notifier.scan_reminders(today)
        run(notifier)
    number = app.get_deviation(deviation_id).number
    assert [m["Subject"] for m in smtp.inbox.to("chef2")] == [
        f"[Avvikelser] Åtgärd 1 i avvikelse {number} ska snart vara klar"
    ]
    assert f"{(today + timedelta(days=3)).isoformat()} (3 dagar kvar)" in (
        smtp.inbox.to("chef2")[0].get_content()
    )
    notifier.scan_reminders(today + timedelta(days=4))  # now it is late
    notifier.scan_reminders(today + timedelta(days=5))
    run(notifier)
    late = smtp.inbox.to("chef2")[1:]
    assert [m["Subject"] for m in late] == [
        f"[Avvikelser] Åtgärd 1 i avvikelse {number} är försenad"
    ]
    assert "1 dag försenad" in late[0].get_content()
    assert len(smtp.inbox.messages) == 2
    app.complete_measure(deviation_id, actor="chef2", measure=1, completed_on=today)
    notifier.scan_reminders(today + timedelta(days=40))
    run(notifier)
    assert len(smtp.inbox.to("chef2")) == 3  # only measure 3 now
    assert "Åtgärd 3" in str(smtp.inbox.to("chef2")[2]["Subject"])
    assert_no_free_text(smtp)


def test_the_ivo_target_reminder_goes_to_every_lex_sarah_responsible_once(
    mail_runtime: Runtime, notifier: Notifier, smtp: SmtpServer, people: dict[str, Account]
) -> None:
    app = mail_runtime.app
    today = app.today()
    deviation_id = file(mail_runtime)
    case = app.escalate_to_lex_sarah(
        deviation_id, actor="utvecklare", reason="Allvarlig risk.", opened_on=today,
    )
    quiet = app.escalate_to_lex_sarah(
        file(mail_runtime), actor="utvecklare", reason="Mindre allvarlig.", opened_on=today,
    )
    app.document_finding(
        quiet.id, actor="lexsarah", kind=FindingKind.HANDELSE, text="Det som hände.",
        dated_on=today, source="Journal", nature=FindingNature.FACT, author="lexsarah",
        author_title="Kvalitetsutvecklare",
    )
    cover_remaining_kinds_in(app, quiet.id, actor="lexsarah")
    app.decide_lex_sarah(  # not serious: no IVO report due
        quiet.id, actor="lexsarah", grade=Grade.MISSFORHALLANDE, reasoning="Skäl.",
        decided_on=today,
    )
    run(notifier)
    smtp.inbox.messages.clear()

    notifier.scan_reminders(today + timedelta(days=10))  # 4 days left: not yet
    run(notifier)
    assert smtp.inbox.messages == []
    for day in (11, 12, 14):  # within TRACKER_WARNING_DAYS: one reminder
        notifier.scan_reminders(today + timedelta(days=day))
    run(notifier)
    assert sorted(r for rcpts, _ in smtp.inbox.messages for r in rcpts) == sorted([
        address("lexsarah"), address("lexsarah2"),
    ])
    subject = str(smtp.inbox.messages[0][1]["Subject"])
    assert subject == f"[Avvikelser] Lex Sarah {case.number}: tidsmålet för IVO-anmälan närmar sig"
    assert "(3 dagar kvar)" in smtp.inbox.messages[0][1].get_content()
    notifier.scan_reminders(today + timedelta(days=15))
    notifier.scan_reminders(today + timedelta(days=16))
    run(notifier)
    assert len(smtp.inbox.messages) == 4
    assert "har passerats" in str(smtp.inbox.messages[2][1]["Subject"])
    assert "1 dag försenad" in smtp.inbox.messages[2][1].get_content()
    assert_no_free_text(smtp)


def test_every_link_opens_its_page_for_the_person_it_was_sent_to(
    mail_runtime: Runtime, notifier: Notifier, smtp: SmtpServer, people: dict[str, Account]
) -> None:
    """Signed in as the recipient, each link in each mail answers 200: the case page when
    the recipient may open it, otherwise Att göra (an enhetschef cannot open the other
    units' deviations). A child report's handler opens it while it is theirs: the one it
    was taken from is refused by the link of the mail that gave it to them."""
    app = mail_runtime.app
    today = app.today()
    every_kind(mail_runtime, notifier, scan_on_day=12)
    report = app.receive_child_report(
        actor="forste", unit="utredning", received_at=datetime.now(UTC) - timedelta(hours=1),
        case_reference="BoU 2026/8",
    )
    app.assign_handler(report.id, actor="chef", handler="forste")  # she can open it
    elsewhere = file(mail_runtime)
    app.add_measure(elsewhere, actor="chef", description="Fråga HVB-hemmet.",
                    responsible="chef_hvb", due_on=today + timedelta(days=1))
    run(notifier)
    notifier.scan_reminders(today)
    run(notifier)
    sent = {(row["address"], row["subject"]): row["username"]
            for row in recent_mail(mail_runtime.engine, limit=1000)}
    flask_app = make_app(mail_runtime)
    adapter = flask_app.url_map.bind("avvikelser.kommun.example")
    opened: dict[str, set[str]] = {}
    for rcpts, message in smtp.inbox.messages:
        username = sent[rcpts[0], str(message["Subject"])]
        client = flask_app.test_client()
        log_in(client, username)
        for word in message.get_content().split():
            if word.startswith(BASE_URL):
                path = urlsplit(word).path
                endpoint, _ = adapter.match(path)
                taken_from = username == "handlaggare.bo" and endpoint == "child_reports.report"
                assert client.get(path).status_code == (403 if taken_from else 200), (
                    username, path)
                if taken_from:
                    continue
                opened.setdefault(endpoint, set()).add(username)
    assert opened["child_reports.report"] == {"forste", "handlaggare.anna"}
    assert opened["home.index"] == {"chef_hvb"}
    assert opened["deviations.detail"] == {"chef", "chef2", "rapportor"}
    assert opened["lex_sarah.case"] == {"lexsarah", "lexsarah2"}
    assert len(opened["settings.index"]) == 9  # every recipient


# --- every kind at once: once each, to the right people, none of the free text ------------

# Every free text a case can carry, each in a field of its own; none may reach a mail.
FREE_TEXT = {
    "description": "Knivar låg framme på köksbänken i HVB-hemmets kök",
    "immediate_actions": "Personalen låste in knivarna direkt",
    "case_reference": "SN 2026/4711",
    "feedback": "Vi har pratat med personalgruppen om knivlådan",
    "measure": "Inventera knivar och saxar varje kväll",
    "reason": "Ungdomarna kunde ha skadat sig svårt på knivarna",
    "child_reference": "BoU 2026/0815",
}
# Who the scenario below mails, and about what: once each (the first handler twice: the
# report is hers, then no longer hers).
EVERY_KIND = [
    ("chef", "deviation_filed"), ("chef2", "deviation_filed"),
    ("rapportor", "feedback_given"),
    ("lexsarah", "lex_sarah_opened"), ("lexsarah2", "lex_sarah_opened"),
    ("lexsarah", "ivo_deadline"), ("lexsarah2", "ivo_deadline"),
    ("handlaggare.anna", "child_report_assigned"),
    ("handlaggare.bo", "child_report_assigned"), ("handlaggare.bo", "child_report_assigned"),
    ("chef2", "measure_due"),
]


def every_kind(runtime: Runtime, notifier: Notifier, *, scan_on_day: int) -> None:
    """One of each cause: a deviation filed (its unit managers), feedback (its reporter), a
    measure (its responsible user), an escalation (the Lex Sarah-ansvariga), a child report
    assigned then reassigned (the new and the old handler); then the reminders' scan
    `scan_on_day` days on (the IVO target and the measure) and delivery."""
    app = runtime.app
    today = app.today()
    deviation = app.file_deviation(
        actor="rapportor", unit="utredning", category="genomforande", subcategory=None,
        occurred_on=today - timedelta(days=1), description=FREE_TEXT["description"],
        immediate_actions=FREE_TEXT["immediate_actions"],
        case_reference=FREE_TEXT["case_reference"],
    )
    app.give_feedback(deviation.id, actor="chef", message=FREE_TEXT["feedback"])
    app.add_measure(deviation.id, actor="chef", description=FREE_TEXT["measure"],
                    responsible="chef2", due_on=today + timedelta(days=scan_on_day + 1))
    app.escalate_to_lex_sarah(deviation.id, actor="utvecklare", reason=FREE_TEXT["reason"],
                              opened_on=today)
    report = app.receive_child_report(
        actor="forste", unit="utredning", received_at=datetime.now(UTC) - timedelta(days=2),
        case_reference=FREE_TEXT["child_reference"],
    )
    app.assign_handler(report.id, actor="forste", handler="handlaggare.bo")
    app.assign_handler(report.id, actor="forste", handler="handlaggare.anna")
    run(notifier)
    notifier.scan_reminders(today + timedelta(days=scan_on_day))
    run(notifier)


def who_got_what(runtime: Runtime, smtp: SmtpServer) -> list[tuple[str, str]]:
    """(username, kind) of every mail the server received, by the outbox's record of it."""
    sent = {(row["address"], row["subject"]): (row["username"], row["kind"])
            for row in recent_mail(runtime.engine, limit=1000)}
    return sorted(sent[rcpts[0], str(m["Subject"])] for rcpts, m in smtp.inbox.messages)


def test_each_kind_goes_once_to_the_right_people_and_no_mail_carries_free_text(
    mail_runtime: Runtime, notifier: Notifier, smtp: SmtpServer, people: dict[str, Account]
) -> None:
    every_kind(mail_runtime, notifier, scan_on_day=12)  # 2 days before the IVO target
    assert who_got_what(mail_runtime, smtp) == sorted(EVERY_KIND)
    assert all(len(rcpts) == 1 for rcpts, _ in smtp.inbox.messages)
    # The daily digest over the same server: the child report's skyddsbedömning is due.
    from tracker.notifications.digest import send_digests

    digests = send_digests(mail_runtime, today=mail_runtime.app.today())
    assert [d.delivered for d in digests] == ["smtp"]
    assert "Bevakning Utredningsenheten" in str(smtp.inbox.messages[-1][1]["Subject"])
    for _, message in smtp.inbox.messages:
        content = texts(message)
        for field, text in FREE_TEXT.items():
            assert text not in content, (field, content)
            # Not even a part of one (a mail cut off in the middle would still leak).
            for word in text.split():
                if len(word) > 6:
                    assert word not in content, (field, word, content)


def test_the_ivo_target_and_the_warning_days_come_from_the_settings(
    mail_runtime: Runtime, people: dict[str, Account], smtp: SmtpServer
) -> None:
    """TRACKER_IVO_TARGET_DAYS=30 and TRACKER_WARNING_DAYS=7 instead of 14 and 3."""
    mail_runtime.settings = dataclasses.replace(
        mail_runtime.settings, ivo_target_days=30, warning_days=7
    )
    notifier = Notifier(mail_runtime)
    notifier.ensure_position()
    app = mail_runtime.app
    today = app.today()
    deviation_id = file(mail_runtime)
    case = app.escalate_to_lex_sarah(deviation_id, actor="utvecklare", reason="Risk.",
                                     opened_on=today)
    app.add_measure(deviation_id, actor="chef", description="Skriv rutinen.",
                    responsible="chef2", due_on=today + timedelta(days=10))
    run(notifier)
    opened = smtp.inbox.to("lexsarah")[0].get_content()
    assert f"{(today + timedelta(days=30)).isoformat()} (30 dagar kvar)" in opened
    smtp.inbox.messages.clear()

    notifier.scan_reminders(today + timedelta(days=2))  # the measure: 8 days left
    run(notifier)
    assert smtp.inbox.messages == []
    notifier.scan_reminders(today + timedelta(days=3))  # 7 days left: within the warning
    run(notifier)
    [soon] = smtp.inbox.to("chef2")
    assert str(soon["Subject"]).endswith("ska snart vara klar")
    assert f"{(today + timedelta(days=10)).isoformat()} (7 dagar kvar)" in soon.get_content()
    assert smtp.inbox.to("lexsarah") == []
    notifier.scan_reminders(today + timedelta(days=22))  # the IVO target: 8 days left
    run(notifier)
    assert smtp.inbox.to("lexsarah") == []
    notifier.scan_reminders(today + timedelta(days=23))  # 7 days left
    run(notifier)
    [reminder] = smtp.inbox.to("lexsarah")
    assert str(reminder["Subject"]) == (
        f"[Avvikelser] Lex Sarah {case.number}: tidsmålet för IVO-anmälan närmar sig"
    )
    assert f"{(today + timedelta(days=30)).isoformat()} (7 dagar kvar)" in (
        reminder.get_content()
    )


@pytest.mark.parametrize(("person", "kind"), [
    ("chef", "deviation_filed"), ("rapportor", "feedback_given"),
    ("lexsarah", "lex_sarah_opened"), ("lexsarah", "ivo_deadline"),
    ("handlaggare.bo", "child_report_assigned"), ("chef2", "measure_due"),
])
def test_a_person_who_turned_a_kind_off_gets_none_of_it_and_the_rest_as_before(
    mail_runtime: Runtime, notifier: Notifier, smtp: SmtpServer, people: dict[str, Account],
    person: str, kind: str,
) -> None:
    from tracker.notifications.messages import Kind, set_optouts

    set_optouts(mail_runtime.engine, people[person].id, {Kind(kind)})
    every_kind(mail_runtime, notifier, scan_on_day=12)
    assert who_got_what(mail_runtime, smtp) == sorted(
        sent for sent in EVERY_KIND if sent != (person, kind)
    )


def test_imported_history_mails_nobody(
    mail_runtime: Runtime, notifier: Notifier, smtp: SmtpServer, people: dict[str, Account]
) -> None:
    """Deviations imported from an earlier spreadsheet are history, not news: the unit
    managers get no "Ny avvikelse" for each of its rows."""
    from events.history_import import ImportKind

    sheet = (
        "rapporterad,inträffad,enhet,kvalitetsområde,underkategori,beskrivning,status,"
        "lex_sarah,diarienummer\n"
        + "".join(f"2016-0{m}-04,2016-0{m}-02,utredning,samverkan,,Gammal brist {m},"
                  "avslutad,nej,\n" for m in range(1, 4))
    ).encode()
    record = mail_runtime.app.store_import(ImportKind.ROWS, sheet, "gamla.csv",
                                           actor="utvecklare")
    assert len(record.deviation_ids) == 3
    file(mail_runtime)  # a new one still mails
    run(notifier)
    assert who_got_what(mail_runtime, smtp) == [
        ("chef", "deviation_filed"), ("chef2", "deviation_filed"),
    ]


def test_a_person_without_an_address_or_no_longer_active_gets_nothing(
    mail_runtime: Runtime, notifier: Notifier, smtp: SmtpServer, people: dict[str, Account]
) -> None:
    mail_runtime.accounts.set_active("chef2", False)
    mail_runtime.accounts.set_email("lexsarah2", None)
    every_kind(mail_runtime, notifier, scan_on_day=12)
    assert who_got_what(mail_runtime, smtp) == sorted(
        sent for sent in EVERY_KIND if sent[0] not in {"chef2", "lexsarah2"}
    )
