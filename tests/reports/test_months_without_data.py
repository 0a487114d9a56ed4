"""Months before the tracker was taken into use, and months not yet begun, have no figure:
every page, chart and download says "uppgift saknas", never 0."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import date
from typing import Any

from projections.queries.coverage import DataMonths, months_with_data
from tracker.runtime import Runtime

MISSING = "uppgift saknas"


def test_which_months_have_data(runtime: Runtime) -> None:
    assert months_with_data(runtime.engine, date(2018, 2, 6)).first is None
    months = DataMonths(first=(2018, 1), last=(2018, 2))
    assert months.has(2018, 1)
    assert months.has(2018, 2)
    assert not months.has(2017, 12)
    assert not months.has(2018, 3)
    assert months.has_year(2018)
    assert not months.has_year(2017)
    assert months.mask(2018, [13, 0, 0] + [0] * 9) == [13, 0] + [None] * 10


def test_the_tracker_starts_with_its_first_deviation(
    runtime: Runtime, january_2018: list[str]
) -> None:
    from projections.runner import catch_up

    catch_up(runtime)
    months = months_with_data(runtime.engine, runtime.app.today())
    assert months.first == (2018, 1)
    assert months.last == (2018, 2)


def test_pages_and_downloads_say_uppgift_saknas(
    client_for: Callable[[str], Any], january_2018: list[str]
) -> None:
    client = client_for("utvecklare")
    yoy = client.get("/rapporter/ar-for-ar?first=2016&last=2018").get_data(as_text=True)
    row_2016 = re.search(r'<th scope="row">2016</th>(.*?)</tr>', yoy, re.S)
    assert row_2016
    assert re.findall(r"<td[^>]*>([^<]*)</td>", row_2016.group(1)) == [MISSING] * 13
    row_2018 = re.search(r'<th scope="row">2018</th>(.*?)</tr>', yoy, re.S)
    assert row_2018
    # January has its 13; February has begun and has data (none yet); March on has not
    assert re.findall(r"<td[^>]*>([^<]*)</td>", row_2018.group(1)) == (
        ["13", "0"] + [MISSING] * 10 + ["13"])
    text = client.get("/rapporter/ar-for-ar.csv?first=2017&last=2018").get_data().decode()
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert rows[1] == ["2017", *[MISSING] * 12, MISSING]
    assert rows[2] == ["2018", "13", "0", *[MISSING] * 10, "13"]

    december = client.get("/rapporter/manad?year=2017&month=12").get_data(as_text=True)
    assert "Uppgift saknas för december 2017" in december
    # the year asked for is the one the form shows (not this year, a click from the wrong one)
    assert '<option value="2017" selected>' in december
    assert '<option value="2016" selected>' in yoy
    assert 'role="img"' not in december  # no chart of zeros
    assert "n = uppgift saknas" in december
    csv_text = client.get("/rapporter/manad.csv?year=2017&month=12").get_data().decode()
    assert {line.rsplit(";", 1)[1] for line in csv_text[1:].splitlines()[1:]} == {MISSING}

    annual = client.get("/rapporter/ar?year=2017").get_data(as_text=True)
    assert "Uppgift saknas för 2017" in annual
    assert '<option value="2017" selected>' in annual
    assert "TOTALT" not in annual
    january = client.get("/rapporter/manad?year=2018&month=1").get_data(as_text=True)
    assert "<strong>13</strong> avvikelser kom in under januari 2018" in january
