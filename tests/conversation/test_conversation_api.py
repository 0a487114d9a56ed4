"""The case file in the API: the thread and the attachments under the deviation, Lex Sarah and
child-report addresses, with the pages' rules (the reporter's view, 403 outside the unit,
field errors), and in the OpenAPI document with the upload's media types."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any
from uuid import UUID

from PIL import Image
from support import close_deviation, file_deviation

from tracker.runtime import Runtime


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (2, 2), (0, 90, 48)).save(out, "PNG")
    return out.getvalue()


PNG_1PX = _png()


def test_thread_through_the_api(runtime: Runtime, api: Callable[..., Any]) -> None:
    deviation = file_deviation(runtime)
    base = f"/api/v1/deviations/{deviation.id}/thread"
    asked = api("chef", "POST", f"{base}/questions", json={"text": "Vilken dag?"})
    assert asked.status_code == 201
    assert asked.get_json()["awaiting_reply"] is True
    assert api("chef_hvb", "POST", f"{base}/questions", json={"text": "?"}).status_code == 403
    assert api("rapportor", "POST", f"{base}/questions", json={"text": "?"}).status_code == 403
    refused = api("chef", "POST", f"{base}/questions", json={"text": "Är det 19121212-1212?"})
    assert refused.status_code == 422 and "text" in refused.get_json()["errors"]
    answered = api("rapportor", "POST", f"{base}/answers", json={"text": "I tisdags."})
    assert answered.status_code == 201
    thread = answered.get_json()
    assert [m["kind"] for m in thread["messages"]] == ["question", "answer"]
    assert thread["awaiting_reply"] is False
    assert api("rapportor", "POST", f"{base}/answers", json={"text": "Igen"}).status_code == 409
    assert api("chef", "POST", f"{base}/outcome", json={"text": "Rutinen är ändrad."})\
        .status_code == 200
    assert api("rapportor", "GET", base).get_json()["outcome"] is None
    close_deviation(runtime, deviation.id)
    assert api("rapportor", "GET", base).get_json()["outcome"] == "Rutinen är ändrad."
    assert api("chef_hvb", "GET", base).status_code == 403
    assert api("chef", "POST", f"{base}/questions", json={"text": "Mer?"}).status_code == 409


def test_attachments_through_the_api(
    runtime: Runtime, api: Callable[..., Any], child_report: Callable[..., UUID],
    lex_sarah_case: Callable[..., UUID],
) -> None:
    cases = {
        "deviations": file_deviation(runtime).id,
        "lex-sarah": lex_sarah_case(),
        "child-reports": child_report("utredning"),
    }
    users = {"deviations": "chef", "lex-sarah": "lexsarah", "child-reports": "forste"}
    for prefix, case_id in cases.items():
        base = f"/api/v1/{prefix}/{case_id}/attachments"
        user = users[prefix]
        added = api(user, "POST", f"{base}?file_name=punkt.png", data=PNG_1PX,
                    headers={"Content-Type": "image/png"})
        assert added.status_code == 201, (prefix, added.get_json())
        sha = added.get_json()["sha256"]
        assert added.headers["Location"].endswith(f"{base}/{sha}")
        assert api(user, "POST", f"{base}?file_name=punkt.png", data=PNG_1PX,
                   headers={"Content-Type": "image/png"}).status_code == 409
        assert [a["sha256"] for a in api(user, "GET", base).get_json()] == [sha]
        download = api(user, "GET", f"{base}/{sha}")
        assert download.status_code == 200 and download.mimetype == "image/png"
        assert download.headers["Content-Disposition"].startswith("attachment")
        assert api("chef_hvb", "GET", f"{base}/{sha}").status_code == 403
        assert api("admin", "GET", base).status_code == 403
        html = api(user, "POST", f"{base}?file_name=x.png", data=b"<html><script>1</script>",
                   headers={"Content-Type": "image/png"})
        assert html.status_code == 422 and "file" in html.get_json()["errors"]
        named = api(user, "POST", f"{base}?file_name=19121212-1212.png", data=PNG_1PX,
                    headers={"Content-Type": "image/png"})
        assert named.status_code in (409, 422)
        assert api(user, "DELETE", f"{base}/{sha}").status_code == 204
        assert api(user, "DELETE", f"{base}/{sha}").status_code == 409
        assert api(user, "GET", f"{base}/{sha}").status_code == 404


def test_a_personnummer_file_name_is_refused_on_its_field(
    runtime: Runtime, api: Callable[..., Any]
) -> None:
    deviation = file_deviation(runtime)
    base = f"/api/v1/deviations/{deviation.id}/attachments"
    named = api("chef", "POST", f"{base}?file_name=19121212-1212.png", data=PNG_1PX,
                headers={"Content-Type": "image/png"})
    assert named.status_code == 422
    assert list(named.get_json()["errors"]) == ["file_name"]
    assert runtime.app.case_file("deviation", deviation.id) is None


def test_the_document_names_every_case_file_operation(api: Callable[..., Any]) -> None:
    paths = api("utvecklare", "GET", "/api/openapi.json").get_json()["paths"]
    ids = {"deviations": "deviation_id", "lex-sarah": "case_id", "child-reports": "report_id"}
    for prefix, name in ids.items():
        base = f"/{prefix}/{{{name}}}/attachments"
        upload = paths[base]["post"]["requestBody"]["content"]
        assert {"multipart/form-data", "application/pdf", "image/png", "image/jpeg"} <= set(upload)
        assert "image/png" in paths[f"{base}/{{sha256}}"]["get"]["responses"]["200"]["content"]
        assert "delete" in paths[f"{base}/{{sha256}}"]
    for prefix in ("deviations", "lex-sarah"):
        assert {"get"} <= set(paths[f"/{prefix}/{{{ids[prefix]}}}/thread"])
        for step in ("questions", "answers", "outcome"):
            assert "post" in paths[f"/{prefix}/{{{ids[prefix]}}}/thread/{step}"]
    assert "/child-reports/{report_id}/thread" not in paths
