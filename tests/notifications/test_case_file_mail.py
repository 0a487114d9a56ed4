"""A question to the reporter and its answer are mailed, without the case's text: the
reporter is asked to read the question on their own report; whoever asked hears the answer
came. Both are on Att göra / the case page; nobody is mailed about their own message."""

from __future__ import annotations

from datetime import timedelta

from notification_support import BASE_URL, SmtpServer

from tracker.notifications.follower import Notifier
from tracker.people.accounts import Account
from tracker.runtime import Runtime

QUESTION = "Vilket kök gällde det, och vilken dag?"
ANSWER = "Köket på avdelning två, i tisdags kväll."


def _run(notifier: Notifier) -> None:
    notifier.produce_all()
    while notifier.deliver().sent:
        pass


def test_question_and_answer_are_mailed_without_their_text(
    mail_runtime: Runtime, notifier: Notifier, people: dict[str, Account], smtp: SmtpServer
) -> None:
    app = mail_runtime.app
    deviation = app.file_deviation(
        actor="rapportor", unit="utredning", category="samverkan", subcategory=None,
        occurred_on=app.today() - timedelta(days=1), description="Beskrivningen.",
    )
    _run(notifier)
    before = len(smtp.inbox.messages)
    app.ask_reporter("deviation", deviation.id, text=QUESTION, actor="chef")
    _run(notifier)
    [question] = smtp.inbox.messages[before:]
    message = question[1]
    assert message["To"] == "rapportor@kommun.example"
    content = str(message["Subject"]) + message.get_content()
    assert deviation.number in content and QUESTION not in content
    assert f"{BASE_URL}/avvikelser/{deviation.id}" in content

    app.answer_question("deviation", deviation.id, text=ANSWER, actor="rapportor")
    _run(notifier)
    [answer] = smtp.inbox.messages[before + 1:]
    assert answer[1]["To"] == "chef@kommun.example"
    content = str(answer[1]["Subject"]) + answer[1].get_content()
    assert ANSWER not in content and "Svar från rapportören" in content
