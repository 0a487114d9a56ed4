"""The "Att göra" start page: for each person, what waits for them, by what they hold and
by their role, each line linked to its case, and a plain Swedish empty state."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from html import unescape
from uuid import UUID

from flask import Flask
from flask.testing import FlaskClient

from events.lex_sarah import FindingKind, FindingNature, Grade, IvoInvestigation
from tracker.people.accounts import Account
from tracker.runtime import Runtime

Client = Callable[[str], FlaskClient]


def text_of(client: FlaskClient, path: str = "/") -> str:
    response = client.get(path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def section(page: str, title: str) -> str:
    """The text of one section (up to the next section's heading, or the end)."""
    # The heading reads "Title (n)"; the list of sections at the top reads "Title: n".
    found = re.search(re.escape(title) + ("" if title.endswith(")") else r"[^:()]*\(\d+\)"),
                      page)
    assert found, page
    rest = page[found.end():]
    return re.split(r" (?=[A-ZÅÄÖ][a-zåäö-]+(?: [a-zåäö-]+)* \(\d+\) )", rest, maxsplit=1)[0]


def file(runtime: Runtime, unit: str = "utredning", actor: str = "rapportor") -> UUID:
    app = runtime.app
    return app.file_deviation(
        actor=actor, unit=unit, category="samverkan", subcategory=None,
        occurred_on=app.today(), description="Skolan och socialtjänsten hade olika uppgifter.",
    ).id


def test_a_unit_manager_sees_new_deviations_of_her_units_until_each_step_is_taken(
    runtime: Runtime, client_for: Client, users: dict[str, Account]
) -> None:
    app = runtime.app
    mine = file(runtime)
    file(runtime, unit="hvb-notgarden")
    number = app.get_deviation(mine).number
    chef = client_for("chef")

    page = text_of(chef)
    waiting = section(page, "Avvikelser som väntar på handläggning (1)")
    assert number in waiting
    assert "saknar orsaksanalys, åtgärd och återkoppling till rapportören" in waiting
    assert f'href="/avvikelser/{mine}"' in chef.get("/").get_data(as_text=True)

    app.analyse_cause(mine, actor="chef", analysis="Rutinen saknades.", causes=["rutin_saknas"])
    app.add_measure(mine, actor="chef", description="Skriv rutin.", responsible="chef",
                    due_on=app.today() + timedelta(days=2))
    page = text_of(chef)
    assert "saknar återkoppling till rapportören" in section(page, "Avvikelser som väntar")
    measures = section(page, "Åtgärder du ansvarar för (1)")
    assert f"{number} Åtgärd 1 i Utredningsenheten: Skriv rutin. 3 dagar eller mindre" in measures
    assert "2 dagar kvar" in measures

    app.give_feedback(mine, actor="chef", message="Tack.")
    page = text_of(chef)
    assert "Avvikelser som väntar" not in page
    assert "Åtgärder du ansvarar för (1)" in page
    # The other unit's manager sees only her own unit's.
    assert number not in text_of(client_for("chef_hvb"))
    # The quality developer sees every unit's.
    developer = section(text_of(client_for("utvecklare")), "Avvikelser som väntar")
    assert "HVB Notgården" in developer and number not in developer


def test_a_recorded_reason_stands_in_for_the_missing_measure_and_feedback(
    runtime: Runtime, client_for: Client, users: dict[str, Account]
) -> None:
    app = runtime.app
    mine = file(runtime)
    number = app.get_deviation(mine).number
    chef = client_for("chef")
    app.analyse_cause(mine, actor="chef", analysis="Engångshändelse.", causes=["annat"])
    app.record_no_measures_needed(mine, actor="chef", reason="Rutinen finns och följdes.")
    assert "saknar återkoppling till rapportören" in section(
        text_of(chef), "Avvikelser som väntar"
    )

    app.record_feedback_impossible(mine, actor="chef", reason="Anonym rapport på papper.")
    page = text_of(chef)
    assert "Avvikelser som väntar" not in page
    assert number not in page


def test_a_handler_sees_the_child_reports_they_handle_with_days_left_in_words(
    runtime: Runtime, client_for: Client, users: dict[str, Account]
) -> None:
    app = runtime.app
    now = datetime.now(UTC)
    soon = app.receive_child_report(actor="forste", unit="utredning",
                                    received_at=now - timedelta(days=12), case_reference="B1")
    late = app.receive_child_report(actor="forste", unit="utredning",
                                    received_at=now - timedelta(days=16), case_reference="B2")
    nobody = app.receive_child_report(actor="forste", unit="utredning",
                                      received_at=now - timedelta(days=1), case_reference="B3")
    for report in (soon, late):
        app.assess_protection(report.id, actor="forste", assessed_at=report.received_at,
                              immediate_protection_needed=False)
        app.assign_handler(report.id, actor="forste", handler="chef")

    page = text_of(client_for("chef"))
    handled = section(page, "Anmälningar du handlägger (2)")
    assert re.search(rf"{late.number} Förhandsbedömning i Utredningsenheten Försenad "
                     r"senast \S+, 2 dagar försenad", handled), handled
    assert re.search(rf"{soon.number} Förhandsbedömning i Utredningsenheten 3 dagar eller mindre"
                     r" senast \S+, 2 dagar kvar", handled), handled
    assert handled.index(late.number) < handled.index(soon.number)  # fewest days left first
    html = client_for("chef").get("/").get_data(as_text=True)
    assert 'class="band band-overdue"' in html and f'href="/anmalningar/{late.id}"' in html

    forste = text_of(client_for("forste"))
    unassigned = section(forste, "Anmälningar utan handläggare (1)")
    assert f"{nobody.number} Utredningsenheten: tilldela handläggare" in unassigned
    assert "Anmälningar du handlägger" not in forste


def test_a_lex_sarah_investigator_sees_the_next_missing_step_and_the_ivo_target(
    runtime: Runtime, client_for: Client, users: dict[str, Account]
) -> None:
    app = runtime.app
    today = app.today()
    deviation_id = file(runtime)
    case = app.escalate_to_lex_sarah(deviation_id, actor="utvecklare", reason="Risk.",
                                     opened_on=today)
    lex = client_for("lexsarah")

    def line() -> str:
        return section(text_of(lex), "Lex Sarah-utredningar")

    assert "Lex Sarah-utredningar utan utredare (1)" in text_of(lex)
    assert f"{case.number} Nästa steg: Dokumentera vad som gjorts för att undanröja" in line()
    # The remedy's clock while it runs (genast: today), then the IVO target's.
    assert f"avhjälpa genast, senast {today.isoformat()}, sista dag i dag" in line()
    app.record_protective_action(case.id, actor="lexsarah", description="Rutinen skärptes.",
                                 taken_on=today)
    assert "Nästa steg: Utse utredare" in line()
    assert "tidsmål för IVO senast" in line() and "14 dagar kvar" in line()
    app.assign_investigator(case.id, actor="utvecklare", investigator="lexsarah")
    page = text_of(lex)
    assert "utan utredare" not in page
    assert "Lex Sarah-utredningar du utreder (1)" in page
    for kind in (FindingKind.HANDELSE, FindingKind.ORSAK):
        app.document_finding(case.id, actor="lexsarah", kind=kind, text="Text.", dated_on=today,
                             source="Journal", nature=FindingNature.FACT, author="lexsarah",
                             author_title="Kvalitetsutvecklare")
    assert ("Nästa steg: Dokumentera när det hände, hur det uppmärksammades, tidigare liknande "
            "händelser, risk att det händer igen och åtgärder") in line()
    for kind in (FindingKind.UPPTACKT, FindingKind.UPPREPNING, FindingKind.ATGARD):
        app.document_finding(case.id, actor="lexsarah", kind=kind, text="Text.", dated_on=today,
                             source="Journal", nature=FindingNature.FACT, author="lexsarah",
                             author_title="Kvalitetsutvecklare")
    app.mark_finding_not_applicable(case.id, actor="lexsarah", kind=FindingKind.TIDIGARE,
                                    reason="Inga tidigare.", author="lexsarah",
                                    author_title="Kvalitetsutvecklare")
    assert "Nästa steg: Dokumentera när det hände" in line()  # ej tillämpligt covers a kind
    app.document_finding(case.id, actor="lexsarah", kind=FindingKind.TIDPUNKT, text="Text.",
                         dated_on=today, source="Journal", nature=FindingNature.FACT,
                         author="lexsarah", author_title="Kvalitetsutvecklare")
    assert "Nästa steg: Föreslå bedömning" in line()
    app.decide_lex_sarah(case.id, actor="lexsarah", grade=Grade.ALLVARLIGT, reasoning="Skäl.",
                         decided_on=today)
    assert "Nästa steg: Anmäl till IVO" in line()
    app.report_to_ivo(case.id, actor="lexsarah", sent_on=today, ivo_reference="IVO 1",
                      diary_number="SN 1", investigation=IvoInvestigation.TO_FOLLOW)
    assert "Nästa steg: Skicka utredningen till IVO (anmälan sändes med ”kompletteras”)" \
        in line()
    app.complete_ivo_report(case.id, actor="lexsarah")
    assert "Nästa steg: Informera den enskilde eller företrädaren" in line()
    assert "tidsmål för IVO" not in line()
    html = lex.get("/").get_data(as_text=True)
    assert f'href="/lex-sarah/{case.id}"' in html


def test_a_reporter_sees_new_feedback_until_she_opens_the_report(
    runtime: Runtime, client_for: Client, users: dict[str, Account]
) -> None:
    app = runtime.app
    deviation_id = file(runtime)
    number = app.get_deviation(deviation_id).number
    reporter = client_for("rapportor")
    assert "Du har inget som väntar på dig just nu." in text_of(reporter)

    app.give_feedback(deviation_id, actor="chef", message="Tack för rapporten.")
    page = text_of(reporter)
    assert f"{number} Utredningsenheten: 1 återkoppling senaste återkoppling " \
        f"{app.today().isoformat()}" in section(page, "Ny återkoppling på dina rapporter (1)")
    assert reporter.get(f"/avvikelser/{deviation_id}").status_code == 200
    assert "Ny återkoppling" not in text_of(reporter)
    # Someone else opening it does not count as the reporter having seen it.
    app.give_feedback(deviation_id, actor="chef", message="Vi har också bytt rutin.")
    assert client_for("chef").get(f"/avvikelser/{deviation_id}").status_code == 200
    assert f"{number} Utredningsenheten: 2 återkopplingar" in text_of(reporter)


def test_the_empty_state_says_so_in_plain_swedish_for_every_role(
    client_for: Client, users: dict[str, Account]
) -> None:
    for username in users:
        page = text_of(client_for(username))
        assert "Att göra" in page
        assert "Du har inget som väntar på dig just nu." in page, username


def test_the_admin_sees_mail_that_could_not_be_sent(
    runtime: Runtime, client_for: Client, users: dict[str, Account]
) -> None:
    from tracker.notifications.follower import Notifier
    from tracker.notifications.messages import Kind, Mail

    notifier = Notifier(runtime)
    notifier.queue_once([Mail("test:1:chef", Kind.DEVIATION_FILED, "chef", "chef@x.example",
                               "[Avvikelser] Ny avvikelse", "Text.\n")])
    with runtime.engine.begin() as connection:
        from tracker.storage.tables import notification_outbox

        connection.execute(notification_outbox.update().values(status="failed"))
    admin = client_for("admin")
    assert "1 meddelande se felet och skicka igen" in section(
        text_of(admin), "E-post som inte kunde skickas"
    )
    assert 'href="/admin/utskick/?status=failed"' in admin.get("/").get_data(as_text=True)


def test_with_the_demo_data_each_role_sees_what_it_must_do(
    runtime: Runtime, app: Flask
) -> None:
    from tracker.demo import DEMO_USERS, seed_demo

    seed_demo(runtime, lambda _: None)
    expected = {
        "medarbetare": ["Ny återkoppling på dina rapporter", "Frågor som väntar på ditt svar"],
        "enhetschef": ["Åtgärder du ansvarar för", "Åtgärder att följa upp",
                       "Avvikelser som väntar på handläggning",
                       "Klagomål och synpunkter som väntar"],
        "forste": ["Anmälningar du handlägger", "Åtgärder att följa upp",
                   "Anmälningar utan handläggare"],
        "utvecklare": ["Åtgärder att följa upp", "Avvikelser som väntar på handläggning",
                       "Klagomål och synpunkter som väntar"],
        "lexsarah": ["Lex Sarah-utredningar du utreder"],
        "admin": [],
    }
    for username, _, _, password in DEMO_USERS:
        client = app.test_client()
        assert client.post(
            "/login", data={"username": username, "password": password}
        ).status_code == 302
        html = client.get("/").get_data(as_text=True)
        headings = re.findall(r'<h2 id="[^"]+" tabindex="-1">([^<]+) <span', html)
        assert headings == expected[username], (username, headings)
        lines = re.findall(r'<span class="case"><a href="([^"]+)">', html)
        if expected[username]:
            assert lines  # every line links to its case, and the case opens for this person
            for href in lines[:5]:
                assert client.get(href).status_code == 200, (username, href)
        else:
            assert "Du har inget som väntar på dig just nu." in html
    lex = text_of(_client(app, "lexsarah", DEMO_USERS))
    assert "Nästa steg: Dokumentera när det hände, hur det uppmärksammades" in lex
    assert "Nästa steg: Avsluta utredningen" in lex
    chef = text_of(_client(app, "enhetschef", DEMO_USERS))
    assert "Försenad" in chef and "saknar orsaksanalys" in chef


def _client(app: object, username: str, demo_users: object) -> FlaskClient:
    password = {u: p for u, _, _, p in demo_users}[username]  # type: ignore[attr-defined]
    client: FlaskClient = app.test_client()  # type: ignore[attr-defined]
    client.post("/login", data={"username": username, "password": password})
    return client
