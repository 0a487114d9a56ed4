"""A follow-up that comes due is in the daily digest of the measure's unit (by number, never
the measure's text), and leaves it once the effect is judged."""

from __future__ import annotations

from datetime import timedelta

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
    assert f"{deviation.number}  åtgärd 1  följs upp senast {today.isoformat()} (i dag)" in body
    assert "åtgärd 2" not in body and "Hemlig åtgärdstext." not in body
    assert digest.subject.endswith("0 tidsfrister, varav 0 försenade, 1 uppföljning av åtgärder")

    app.follow_up_measure(deviation.id, actor="chef", measure=1, result="Följs.",
                          effect=Effect.YES, effect_text="Inga fler.")
    assert build_digests(runtime, today) == []
