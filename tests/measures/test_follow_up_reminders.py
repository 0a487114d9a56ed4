"""A follow-up that comes due is in the daily digest of the measure's unit (by number, never
the measure's text), and leaves it once the effect is judged."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from support import file_deviation

from events.deviation import Effect
from tracker.notifications.digest import build_digests
from tracker.runtime import Runtime


def test_a_due_follow_up_is_in_its_units_digest_until_judged(runtime: Runtime) -> None:
    app = runtime.app
    today = app.today()
    day = today - timedelta(days=20)
    deviation = file_deviation(runtime, actor="utvecklare", occurred_on=day, reported_on=day)
    app.add_measure(deviation.id, actor="chef", description="Hemlig åtgärdstext.",
                    responsible="chef", due_on=day, follow_up_on=today)
    app.add_measure(deviation.id, actor="chef", description="Senare.", responsible="chef",
                    due_on=day, follow_up_on=today + timedelta(days=1))
    assert build_digests(runtime, today) == []  # not completed yet: nothing to judge
    for number in (1, 2):
        app.complete_measure(deviation.id, actor="chef", measure=number, completed_on=day)

    (digest,) = build_digests(runtime, today)
    assert digest.unit == "utredning"
    body = digest.body(runtime.settings.warning_days)
    assert (f"{deviation.number}  åtgärd 1  följs upp senast {today.isoformat()}"
            " (sista dag i dag)") in body
    assert "åtgärd 2" not in body and "Hemlig åtgärdstext." not in body
    assert digest.subject.endswith("0 tidsfrister, varav 0 försenade, 1 uppföljning av åtgärder")

    app.follow_up_measure(deviation.id, actor="chef", measure=1, result="Följs.",
                          effect=Effect.YES, effect_text="Inga fler.")
    assert build_digests(runtime, today) == []


def test_the_measures_list_filters_by_status_follow_up_and_owner(
    runtime: Runtime, client_for: Any, api: Any,
) -> None:
    app = runtime.app
    today = app.today()
    day = today - timedelta(days=20)
    deviation = file_deviation(runtime, actor="utvecklare", occurred_on=day, reported_on=day)
    for text, responsible, proposed in (("Föreslagen åtgärd.", "chef", True),
                                        ("Genomförd åtgärd.", "Enhetschef", False),
                                        ("Avslagen åtgärd.", "chef", True)):
        app.add_measure(deviation.id, actor="chef", description=text, responsible=responsible,
                        due_on=day, follow_up_on=today, proposed=proposed)
    app.complete_measure(deviation.id, actor="chef", measure=2, completed_on=day)
    app.reject_measure(deviation.id, actor="chef", measure=3, reason="Behövs inte.")
    chef = client_for("chef")

    def listed(query: str) -> list[str]:
        html = chef.get(f"/atgarder{query}").get_data(as_text=True)
        return re.findall(r'<td data-label="Åtgärd">([^<]+)</td>', html)

    assert listed("") == ["Föreslagen åtgärd."]  # open: neither completed nor turned down
    assert listed("?lage=alla&status=rejected") == ["Avslagen åtgärd."]
    assert listed("?lage=alla&forfallo=follow_up") == ["Genomförd åtgärd."]
    assert listed("?lage=alla&ansvarig=mina") == ["Föreslagen åtgärd.", "Avslagen åtgärd."]
    assert chef.get("/atgarder?status=klar").status_code == 422
    rows = api("chef", "GET", "/api/v1/measures?due=follow_up").get_json()
    assert [(r["description"], r["status"]) for r in rows] == [("Genomförd åtgärd.", "completed")]
    assert api("chef", "GET", "/api/v1/measures?status=klar").status_code == 422
    assert api("admin", "GET", "/api/v1/measures").status_code == 403
