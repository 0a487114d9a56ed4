"""A deviation handled and closed on one page (Hantera och avsluta): the cause analysis,
one measure or why none is needed, the feedback and the closing, reviewed and then saved
together as one event per step; on any error nothing is stored and the typed text stays.
Until anything is handled the same form stands open on the deviation's own page for
whoever handles it; once an analysis is saved in steps, the page keeps its steps."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import UUID

from flask.testing import FlaskClient
from support import stored_events

from tracker.people import access_log
from tracker.runtime import Runtime
from web.forms import CONFLICT_MESSAGE


def _file(runtime: Runtime) -> UUID:
    app = runtime.app
    return app.file_deviation(
        actor="rapportor", unit="utredning", category="genomforande", subcategory=None,
        occurred_on=app.today(), description="Journalen sparades inte.",
    ).id


def _hidden_and_prefilled(page: str, action: str) -> dict[str, Any]:
    """What the form posting to `action` holds by itself (hidden inputs, prefilled values,
    checked boxes), as a browser would send it untouched."""
    match = re.search(rf'<form[^>]*action="{re.escape(action)}[#"][^>]*>(.*?)</form>', page,
                      re.S)
    assert match, f"no form to {action}"
    values: dict[str, Any] = {}
    for tag in re.findall(r"<input[^>]*>", match.group(1)):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if not name or name.group(1) == "csrf_token" or ((
                'type="radio"' in tag or 'type="checkbox"' in tag) and "checked" not in tag):
            continue
        text = html.unescape(value.group(1)) if value else ""
        if name.group(1) in values:  # several boxes of one name
            values[name.group(1)] = [*([values[name.group(1)]]
                                       if isinstance(values[name.group(1)], str)
                                       else values[name.group(1)]), text]
        else:
            values[name.group(1)] = text
    for name, text in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>',
                                 match.group(1), re.S):
        values[name] = html.unescape(text)
    return values


def _entry(client: FlaskClient, deviation_id: UUID) -> dict[str, Any]:
    page = client.get(f"/avvikelser/{deviation_id}/hantera")
    assert page.status_code == 200
    return _hidden_and_prefilled(page.get_data(as_text=True),
                                 f"/avvikelser/{deviation_id}/hantera/granska")


def _typed() -> dict[str, Any]:
    return {"causes": ["mansklig_faktor"], "analysis": "Systemet loggade ut utan varning.",
            "description": "Ny rutin för att spara."}


def test_handled_and_closed_in_one_save_one_event_per_step(
    client_for: Callable[[str], FlaskClient], users: Any, runtime: Runtime
) -> None:
    app = runtime.app
    deviation_id = _file(runtime)
    chef = client_for("chef")
    detail = chef.get(f"/avvikelser/{deviation_id}").get_data(as_text=True)
    # The deviation page holds the form itself, as its own page does.
    assert _hidden_and_prefilled(detail, f"/avvikelser/{deviation_id}/hantera/granska") == (
        _entry(chef, deviation_id))
    form = _entry(chef, deviation_id)
    # The defaults: the signed-in person, today + 30 days, a feedback draft.
    assert form["responsible"] == "chef"
    assert form["due_on"] == (app.today() + timedelta(days=30)).isoformat()
    assert "Tack för din rapport" in form["message"]
    before = stored_events(runtime)
    review = chef.post(f"/avvikelser/{deviation_id}/hantera/granska", data=form | _typed())
    assert review.status_code == 200
    page = review.get_data(as_text=True)
    assert "Inget är sparat än" in page and stored_events(runtime) == before
    # The closing summary is drafted from the analysis and the measure.
    sent = _hidden_and_prefilled(page, f"/avvikelser/{deviation_id}/hantera/spara")
    assert "Systemet loggade ut utan varning." in sent["summary"]
    assert "Ny rutin för att spara." in sent["summary"]
    saved = chef.post(f"/avvikelser/{deviation_id}/hantera/spara", data=sent)
    assert saved.status_code == 302
    deviation = app.get_deviation(deviation_id)
    assert deviation.status.value == "closed"
    assert deviation.causes == ("mansklig_faktor",)
    assert [(m.description, m.responsible) for m in deviation.measures] == [
        ("Ny rutin för att spara.", "chef")]
    assert deviation.feedback[0][0] == "chef"
    types = [entry.type for entry in app.history(deviation_id)][-4:]
    assert types == ["CauseAnalysed", "MeasureAdded", "FeedbackGiven", "Closed"]
    assert stored_events(runtime) == before + 4
    # Closed: neither form nor link, and the page says why it cannot be used.
    detail = chef.get(f"/avvikelser/{deviation_id}").get_data(as_text=True)
    assert f"/avvikelser/{deviation_id}/hantera" not in detail
    assert "inte öppen" in chef.get(f"/avvikelser/{deviation_id}/hantera").get_data(
        as_text=True)


def test_no_measure_needed_is_recorded_with_its_reason(
    client_for: Callable[[str], FlaskClient], users: Any, runtime: Runtime
) -> None:
    deviation_id = _file(runtime)
    chef = client_for("utvecklare")
    form = _entry(chef, deviation_id) | _typed() | {"measure": "ingen", "description": ""}
    refused = chef.post(f"/avvikelser/{deviation_id}/hantera/granska", data=form)
    assert refused.status_code == 422
    assert "Skriv varför ingen åtgärd behövs." in refused.get_data(as_text=True)
    form["why_no_measure"] = "Engångshändelse, rutinen finns redan."
    page = chef.post(f"/avvikelser/{deviation_id}/hantera/granska", data=form)
    sent = _hidden_and_prefilled(page.get_data(as_text=True),
                                 f"/avvikelser/{deviation_id}/hantera/spara")
    assert chef.post(f"/avvikelser/{deviation_id}/hantera/spara", data=sent).status_code == 302
    deviation = runtime.app.get_deviation(deviation_id)
    assert deviation.status.value == "closed" and not deviation.measures
    assert deviation.no_measures_reason == "Engångshändelse, rutinen finns redan."


def test_errors_are_named_per_field_in_swedish_and_nothing_is_stored(
    client_for: Callable[[str], FlaskClient], users: Any, runtime: Runtime
) -> None:
    deviation_id = _file(runtime)
    chef = client_for("chef")
    before = stored_events(runtime)
    form = _entry(chef, deviation_id) | {
        "analysis": "Det gällde 19121212-1212 i journalen.", "message": "",
        "responsible": "", "due_on": "x" * 100_000, "causes": ["finns_inte"],
    }
    for step in ("granska", "spara"):
        response = chef.post(f"/avvikelser/{deviation_id}/hantera/{step}", data=form)
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        for field in ("analysis", "causes", "description", "responsible", "due_on", "message"):
            assert f'href="#{field}"' in page, field
        assert "personnummer" in page
        assert "Skriv återkopplingen till den som rapporterade avvikelsen." in page
        assert "Det gällde 19121212-1212 i journalen." in page  # kept to be corrected
    assert stored_events(runtime) == before
    wrong = chef.post(f"/avvikelser/{deviation_id}/hantera/granska",
                      data=_entry(chef, deviation_id) | _typed() | {"measure": "kanske"})
    assert wrong.status_code == 422
    assert "Välj om en åtgärd behövs." in wrong.get_data(as_text=True)
    # The feedback's draft, kept, is no error when another field is missing.
    kept = chef.post(f"/avvikelser/{deviation_id}/hantera/granska",
                     data=_entry(chef, deviation_id) | {"analysis": "Orsak"})
    assert kept.status_code == 422
    assert 'href="#message"' not in kept.get_data(as_text=True)


def test_a_conflict_keeps_the_typed_text_and_stores_nothing(
    client_for: Callable[[str], FlaskClient], users: Any, runtime: Runtime
) -> None:
    app = runtime.app
    deviation_id = _file(runtime)
    chef = client_for("chef")
    form = _entry(chef, deviation_id) | _typed()
    page = chef.post(f"/avvikelser/{deviation_id}/hantera/granska", data=form)
    sent = _hidden_and_prefilled(page.get_data(as_text=True),
                                 f"/avvikelser/{deviation_id}/hantera/spara")
    app.assign_deviation(deviation_id, actor="utvecklare", assignee="chef")  # meanwhile
    before = stored_events(runtime)
    conflict = chef.post(f"/avvikelser/{deviation_id}/hantera/spara", data=sent)
    assert conflict.status_code == 409
    text = conflict.get_data(as_text=True)
    assert CONFLICT_MESSAGE in text and "Systemet loggade ut utan varning." in text
    assert stored_events(runtime) == before
    assert app.get_deviation(deviation_id).status.value == "open"
    # Sent again as it stands, it saves on the case as it is now.
    again = _hidden_and_prefilled(text, f"/avvikelser/{deviation_id}/hantera/granska")
    page = chef.post(f"/avvikelser/{deviation_id}/hantera/granska", data=again)
    sent = _hidden_and_prefilled(page.get_data(as_text=True),
                                 f"/avvikelser/{deviation_id}/hantera/spara")
    assert chef.post(f"/avvikelser/{deviation_id}/hantera/spara", data=sent).status_code == 302


def test_only_who_may_close_it_opens_the_page(
    client_for: Callable[[str], FlaskClient], users: Any, runtime: Runtime
) -> None:
    deviation_id = _file(runtime)
    for name in ("rapportor", "chef_hvb", "lexsarah"):
        assert client_for(name).get(f"/avvikelser/{deviation_id}/hantera").status_code == 403


def _form_stands_open(client: FlaskClient, deviation_id: UUID) -> bool:
    page = client.get(f"/avvikelser/{deviation_id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    return f'action="/avvikelser/{deviation_id}/hantera/granska#fel"' in text


def test_the_form_stands_open_on_the_deviation_page_for_who_handles_it(
    client_for: Callable[[str], FlaskClient], users: Any, runtime: Runtime
) -> None:
    """The enhetschef of the unit and the verksamhetsutvecklare: the form, open (no fold,
    no link to follow); the rapportör and the read-only Lex Sarah-ansvarig: the page as
    before. The page's read is logged as before."""
    deviation_id = _file(runtime)
    for name in ("chef", "utvecklare"):
        before = len(access_log.search(runtime.engine, limit=1000)[0])
        assert _form_stands_open(client_for(name), deviation_id), name
        logged = access_log.search(runtime.engine, limit=1000)[0]
        assert len(logged) == before + 1
        assert (logged[0].username, logged[0].kind, logged[0].case_id) == (
            name, "deviation", str(deviation_id))
        page = client_for(name).get(f"/avvikelser/{deviation_id}").get_data(as_text=True)
        form_at = page.index("/hantera/granska")
        assert "<details" not in page[page.index('id="hantera"'):form_at]
        assert f'href="/avvikelser/{deviation_id}/hantera"' not in page  # no link needed
    for name in ("rapportor", "lexsarah"):
        page = client_for(name).get(f"/avvikelser/{deviation_id}").get_data(as_text=True)
        assert "/hantera" not in page, name


def test_once_handled_in_steps_the_page_keeps_its_steps(
    client_for: Callable[[str], FlaskClient], users: Any, runtime: Runtime
) -> None:
    """An analysis saved through the step form: the page's step forms, the next one open,
    and the link to the one-page form for the rest."""
    deviation_id = _file(runtime)
    chef = client_for("chef")
    analysed = chef.post(f"/avvikelser/{deviation_id}/analyse", data={
        "analyse_causes": ["mansklig_faktor"], "analyse_analysis": "Ingen varning gavs.",
        "version": str(runtime.app.get_deviation(deviation_id).version)})
    assert analysed.status_code == 302
    assert analysed.headers["Location"].endswith("#steg-atgarder")
    assert not _form_stands_open(chef, deviation_id)
    page = chef.get(f"/avvikelser/{deviation_id}").get_data(as_text=True)
    assert f'href="/avvikelser/{deviation_id}/hantera"' in page
    assert '<details id="action-add_measure" open>' in page


def test_links_to_the_first_step_land_on_the_form(
    client_for: Callable[[str], FlaskClient], users: Any, runtime: Runtime
) -> None:
    """The inbox and a step saved before the analysis (a reclassification) lead to the
    form, where the step's "saved" message then stands; the step list's analysis form
    stays folded beneath it."""
    deviation_id = _file(runtime)
    utvecklare = client_for("utvecklare")
    inbox = utvecklare.get("/inkorg").get_data(as_text=True)
    assert f'href="/avvikelser/{deviation_id}#hantera"' in inbox
    moved = utvecklare.post(f"/avvikelser/{deviation_id}/reclassify", data={
        "reclassify_category": "handlaggning", "reclassify_subcategory": "sekretess",
        "version": str(runtime.app.get_deviation(deviation_id).version)})
    assert moved.status_code == 302
    assert moved.headers["Location"].endswith(f"/avvikelser/{deviation_id}#hantera")
    page = utvecklare.get(f"/avvikelser/{deviation_id}").get_data(as_text=True)
    notice = page.index("Avvikelsen är omklassificerad.")
    assert page.index('id="hantera"') < notice < page.index("/hantera/granska")
    assert '<details id="action-analyse">' in page
