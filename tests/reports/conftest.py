"""The January 2018 example of DOMAIN.md, filed through the API as it would have been, with
the clock in February 2018 so that the dates are valid; and tools to read documents back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from report_support import IN_FEBRUARY, JANUARY_2018


@pytest.fixture
def january_2018(api: Callable[..., Any], time_machine: Any) -> list[str]:
    """Files the 13 deviations (9 IFO, 4 HVB) as the quality developer, who may give the
    reported date; the first one gets a cause analysis and a measure. Returns their ids."""
    time_machine.move_to(IN_FEBRUARY, tick=True)
    ids = []
    for unit, category, subcategory, day, text in JANUARY_2018:
        reported = f"2018-01-{day:02d}"
        response = api("utvecklare", "POST", "/api/v1/deviations", json={
            "unit": unit, "category": category, "subcategory": subcategory,
            "occurred_on": reported, "reported_on": reported, "description": text,
        })
        assert response.status_code == 201, response.get_json()
        ids.append(response.get_json()["id"])
    first = ids[0]
    response = api("chef", "POST", f"/api/v1/deviations/{first}/cause-analysis",
                   json={"analysis": "Ärendet låg orört under frånvaron; ingen ersättare.",
                         "causes": ["franvaro_bemanning"]})
    assert response.status_code == 200, response.get_json()
    response = api("chef", "POST", f"/api/v1/deviations/{first}/measures", json={
        "description": "Ersättare utses vid all frånvaro över en vecka.",
        "responsible": "Enhetschefen", "due_on": "2018-02-28",
    })
    assert response.status_code == 201, response.get_json()
    return ids


