"""The conversation on a case: the handler asks the person who reported it, the case shows
"väntar på komplettering", the reporter answers on their own report page, both read the
thread, and the outcome reaches the reporter once the case is closed; the reporter never
reads the cause analysis. Every message is an event of the case's file."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from flask.testing import FlaskClient
from support import close_deviation, file_deviation

from events.casework import case_file_id
from tracker.runtime import Runtime

ANALYSIS = "Rutinen för utskick följdes inte av vikarien."


def test_question_answer_and_outcome_on_the_pages(
    runtime: Runtime, client_for: Callable[[str], FlaskClient], users: Any
) -> None:
    deviation = file_deviation(runtime)
    page = f"/avvikelser/{deviation.id}"
    chef, reporter = client_for("chef"), client_for("rapportor")

    asked = chef.post(f"{page}/fraga", data={"casework_question": "Vilket kök, vilken dag?"})
    assert asked.status_code == 302
    assert "Väntar på komplettering" in chef.get(page).get_data(as_text=True)
    seen = reporter.get(page).get_data(as_text=True)
    assert "Vilket kök, vilken dag?" in seen and "Väntar på komplettering" in seen
    assert 'name="casework_answer"' in seen
    assert 'name="casework_question"' not in seen  # the reporter does not ask

    answered = reporter.post(f"{page}/svar",
                             data={"casework_answer": "Köket på plan 2, i tisdags."})
    assert answered.status_code == 302
    handler_view = chef.get(page).get_data(as_text=True)
    assert "Köket på plan 2, i tisdags." in handler_view
    assert "Väntar på komplettering" not in handler_view

    assert chef.post(f"{page}/utfall", data={
        "casework_outcome": "Rutinen är genomgången med all personal."}).status_code == 302
    # Not before the case is closed.
    assert "Rutinen är genomgången" not in reporter.get(page).get_data(as_text=True)
    runtime.app.analyse_cause(deviation.id, actor="chef", analysis=ANALYSIS,
                              causes=["rutin_foljs_inte"])
    close_deviation(runtime, deviation.id)
    closed = reporter.get(page).get_data(as_text=True)
    assert "Rutinen är genomgången med all personal." in closed
    assert ANALYSIS not in closed and "Rutinen följdes inte." not in closed

    history = runtime.app.case_file_history("deviation", deviation.id)
    assert [entry.type for entry in history] == [
        "Opened", "QuestionAsked", "Answered", "OutcomeRecorded"]
    assert [entry.by for entry in history[1:]] == ["chef", "rapportor", "chef"]


def test_who_may_write_in_the_thread(
    runtime: Runtime, client_for: Callable[[str], FlaskClient], users: Any
) -> None:
    deviation = file_deviation(runtime)
    page = f"/avvikelser/{deviation.id}"
    # Nothing to answer yet.
    assert client_for("rapportor").post(
        f"{page}/svar", data={"casework_answer": "Hej"}).status_code == 409
    # Another unit's enhetschef, the admin and the Lex Sarah-ansvarig (reads, does not ask).
    for user in ("chef_hvb", "admin"):
        assert client_for(user).post(
            f"{page}/fraga", data={"casework_question": "Fråga?"}).status_code == 403, user
    assert client_for("lexsarah").post(
        f"{page}/fraga", data={"casework_question": "Fråga?"}).status_code == 403
    # The reporter does not ask; the handler does not answer.
    assert client_for("rapportor").post(
        f"{page}/fraga", data={"casework_question": "Fråga?"}).status_code == 403
    assert runtime.app.case_file("deviation", deviation.id) is None


def test_a_personnummer_in_a_question_is_refused_and_nothing_stored(
    runtime: Runtime, client_for: Callable[[str], FlaskClient], users: Any
) -> None:
    deviation = file_deviation(runtime)
    response = client_for("chef").post(
        f"/avvikelser/{deviation.id}/fraga",
        data={"casework_question": "Gäller det 19121212-1212?"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "personnummer" in html and "Gäller det 19121212-1212?" in html  # kept to correct
    assert runtime.app.case_file("deviation", deviation.id) is None
    empty = client_for("chef").post(f"/avvikelser/{deviation.id}/fraga",
                                    data={"casework_question": "  "})
    assert empty.status_code == 422
    huge = client_for("chef").post(f"/avvikelser/{deviation.id}/fraga",
                                   data={"casework_question": "x" * 6000})
    assert huge.status_code == 422
    assert runtime.app.case_file("deviation", deviation.id) is None


def test_a_closed_case_takes_no_question(
    runtime: Runtime, client_for: Callable[[str], FlaskClient], users: Any
) -> None:
    deviation = file_deviation(runtime)
    close_deviation(runtime, deviation.id)
    response = client_for("chef").post(f"/avvikelser/{deviation.id}/fraga",
                                       data={"casework_question": "Något mer?"})
    assert response.status_code == 409
    assert runtime.app.case_file("deviation", deviation.id) is None


def test_a_lex_sarah_question_reaches_the_reporter_on_their_own_report(
    runtime: Runtime, client_for: Callable[[str], FlaskClient], users: Any,
    lex_sarah_case: Callable[..., UUID],
) -> None:
    case_id = lex_sarah_case()
    deviation_id = runtime.app.get_lex_sarah_case(case_id).deviation_id
    investigator, reporter = client_for("lexsarah"), client_for("rapportor")
    assert investigator.post(f"/lex-sarah/{case_id}/fraga", data={
        "casework_question": "Var knivarna inlåsta kvällen innan?"}).status_code == 302
    assert reporter.get(f"/lex-sarah/{case_id}").status_code == 403
    own = reporter.get(f"/avvikelser/{deviation_id}").get_data(as_text=True)
    assert "Frågor från Lex Sarah-utredningen" in own
    assert "Var knivarna inlåsta kvällen innan?" in own
    answered = reporter.post(f"/lex-sarah/{case_id}/svar",
                             data={"casework_answer": "Nej, lådan stod öppen."})
    assert answered.status_code == 302
    assert answered.headers["Location"].startswith(f"/avvikelser/{deviation_id}")
    assert "Nej, lådan stod öppen." in investigator.get(f"/lex-sarah/{case_id}").get_data(
        as_text=True)
    case_file = runtime.app.case_file("lex_sarah", case_id)
    assert case_file is not None and case_file.id == case_file_id("lex_sarah", case_id)
    assert case_file.reporter == "rapportor" and not case_file.awaiting_reply


def test_a_waiting_question_is_on_att_gora_and_in_the_inbox(
    runtime: Runtime, client_for: Callable[[str], FlaskClient], users: Any
) -> None:
    deviation = file_deviation(runtime)
    other = file_deviation(runtime)
    runtime.app.ask_reporter("deviation", deviation.id, text="Vilken dag?", actor="chef")
    todo = client_for("rapportor").get("/").get_data(as_text=True)
    assert "Frågor som väntar på ditt svar" in todo
    assert f"/avvikelser/{deviation.id}#arendefil-deviation" in todo
    inbox = client_for("chef").get("/inkorg").get_data(as_text=True)
    row = inbox.split(deviation.number, 1)[1].split("</tr>", 1)[0]
    assert "Väntar på komplettering" in row
    assert "Väntar på komplettering" not in inbox.split(other.number, 1)[1].split("</tr>", 1)[0]
    runtime.app.answer_question("deviation", deviation.id, text="Tisdag.", actor="rapportor")
    assert "Frågor som väntar på ditt svar" not in client_for("rapportor").get("/").get_data(
        as_text=True)
