"""Attachments on a case: the type from the content (never the name), images kept without
their metadata, a size limit with a Swedish refusal, downloads only as attachments and only
for those who read the case (each in the läslogg), removal as an event that takes the bytes
and keeps the fact, the personnummer guard on file names."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa
from files import HTML, docx, jpeg_with_gps, pdf, plain_zip, png_with_gps, xlsx
from flask.testing import FlaskClient
from PIL import Image
from support import file_deviation

from tracker.people import access_log
from tracker.runtime import Runtime
from tracker.storage.tables import attachment_blobs


def _upload(client: FlaskClient, page: str, data: bytes, name: str) -> Any:
    return client.post(f"{page}/bilagor", data={"casework_file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _blobs(runtime: Runtime) -> list[bytes]:
    with runtime.engine.connect() as connection:
        return list(connection.execute(sa.select(attachment_blobs.c.content)).scalars())


def _only_attachment(runtime: Runtime, deviation_id: UUID) -> Any:
    case_file = runtime.app.case_file("deviation", deviation_id)
    assert case_file is not None
    [attachment] = case_file.active_attachments()
    return attachment


def test_a_png_with_gps_exif_is_stored_without_it(
    runtime: Runtime, client_for: Callable[[str], FlaskClient], users: Any
) -> None:
    original = png_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the test can fail
    deviation = file_deviation(runtime)
    page = f"/avvikelser/{deviation.id}"
    chef = client_for("chef")
    assert _upload(chef, page, original, "knivlådan.png").status_code == 302
    [stored] = _blobs(runtime)
    assert b"eXIf" not in stored and b"KameraTillverkareAB" not in stored
    image = Image.open(io.BytesIO(stored))
    assert image.format == "PNG" and image.size == (64, 48) and not image.getexif()
    attachment = _only_attachment(runtime, deviation.id)
    assert (attachment.file_name, attachment.media_type) == ("knivlådan.png", "image/png")

    download = chef.get(f"{page}/bilagor/{attachment.sha256}")
    assert download.status_code == 200
    assert download.data == stored
    assert download.mimetype == "image/png"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    entries, _ = access_log.search(runtime.engine, username="chef")
    assert any(e.case_id == str(deviation.id) and (e.parameters or {}).get("bilaga")
               == attachment.sha256 for e in entries)


def test_a_jpeg_loses_its_location_too(
    runtime: Runtime, client_for: Callable[[str], FlaskClient], users: Any
) -> None:
    deviation = file_deviation(runtime)
    response = _upload(client_for("rapportor"), f"/avvikelser/{deviation.id}",
                       jpeg_with_gps(), "kuvert.JPG")
    assert response.status_code == 302
    [stored] = _blobs(runtime)
    assert not Image.open(io.BytesIO(stored)).getexif().get_ifd(0x8825)
    assert _only_attachment(runtime, deviation.id).added_by == "rapportor"


@pytest.mark.parametrize(("data", "name", "words"), [
    (HTML, "bild.png", "typen avgörs av filens innehåll"),
    (b"MZ\x90\x00" + b"\x00" * 100, "rutin.pdf", "typen avgörs av filens innehåll"),
    (plain_zip(), "rutin.docx", "typen avgörs av filens innehåll"),
    (pdf(), "rutin.png", "är en PDF"),
    (png_with_gps(), "bild.pdf", "är en PNG-bild"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "trasig.png", "trasig"),
    (b"", "tom.pdf", "Filen är tom"),
], ids=["html-as-png", "exe-as-pdf", "zip-as-docx", "pdf-as-png", "png-as-pdf", "broken-png",
        "empty"])
def test_what_is_not_what_it_says_is_refused_and_nothing_kept(
    runtime: Runtime, client_for: Callable[[str], FlaskClient], users: Any,
    data: bytes, name: str, words: str,
) -> None:
    deviation = file_deviation(runtime)
    response = _upload(client_for("chef"), f"/avvikelser/{deviation.id}", data, name)
    assert response.status_code == 422
    assert words in response.get_data(as_text=True)
    assert _blobs(runtime) == []
    assert runtime.app.case_file("deviation", deviation.id) is None


@pytest.mark.parametrize(("make", "name", "media_type"), [
    (pdf, "rutin.pdf", "application/pdf"),
    (docx, "rutin.docx",
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (xlsx, "knivar.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
])
def test_documents_are_kept_as_they_came(
    runtime: Runtime, client_for: Callable[[str], FlaskClient], users: Any,
    make: Callable[[], bytes], name: str, media_type: str,
) -> None:
    deviation = file_deviation(runtime)
    data = make()
    assert _upload(client_for("chef"), f"/avvikelser/{deviation.id}", data, name)\
        .status_code == 302
    assert _blobs(runtime) == [data]
    assert _only_attachment(runtime, deviation.id).media_type == media_type


def test_a_personnummer_in_the_file_name_is_refused(
    runtime: Runtime, client_for: Callable[[str], FlaskClient], users: Any
) -> None:
    deviation = file_deviation(runtime)
    response = _upload(client_for("chef"), f"/avvikelser/{deviation.id}", pdf(),
                       "utredning 19121212-1212.pdf")
    assert response.status_code == 422
    assert "personnummer" in response.get_data(as_text=True)
    assert _blobs(runtime) == []


@pytest.fixture
def environ(environ: dict[str, str]) -> dict[str, str]:
    return environ | {"TRACKER_ATTACHMENT_MAX_MB": "1"}


def test_a_file_over_the_limit_is_refused_in_swedish(
    runtime: Runtime, client_for: Callable[[str], FlaskClient], users: Any,
    api: Callable[..., Any],
) -> None:
    deviation = file_deviation(runtime)
    big = pdf(padding=1024 * 1024)
    response = _upload(client_for("chef"), f"/avvikelser/{deviation.id}", big, "stor.pdf")
    assert response.status_code == 413
    assert "Filen är större än 1 MB" in response.get_data(as_text=True)
    huge = pdf(padding=3 * 1024 * 1024)  # past the request's own limit: not even read
    response = _upload(client_for("chef"), f"/avvikelser/{deviation.id}", huge, "stor.pdf")
    assert response.status_code == 413
    assert "Filen är större än 1 MB" in response.get_data(as_text=True)
    answer = api("chef", "POST", f"/api/v1/deviations/{deviation.id}/attachments?file_name=a.pdf",
                 data=big, headers={"Content-Type": "application/pdf"})
    assert answer.status_code == 413
    assert "1 MB" in answer.get_json()["errors"]["file"][0]
    assert _blobs(runtime) == []


def test_only_those_who_read_the_case_download(
    runtime: Runtime, client_for: Callable[[str], FlaskClient], users: Any
) -> None:
    deviation = file_deviation(runtime)
    page = f"/avvikelser/{deviation.id}"
    assert _upload(client_for("chef"), page, pdf(), "rutin.pdf").status_code == 302
    attachment = _only_attachment(runtime, deviation.id)
    path = f"{page}/bilagor/{attachment.sha256}"
    expected = {"chef": 200, "utvecklare": 200, "lexsarah": 200, "chef_hvb": 403,
                "forste": 403, "admin": 403,
                # the reporter reads only what they attached themselves
                "rapportor": 403}
    for user, status in expected.items():
        assert client_for(user).get(path).status_code == status, user
    assert client_for("chef").get(f"{page}/bilagor/{'0' * 64}").status_code == 404


def test_removing_takes_the_bytes_and_keeps_the_fact(
    runtime: Runtime, client_for: Callable[[str], FlaskClient], users: Any
) -> None:
    deviation = file_deviation(runtime)
    page = f"/avvikelser/{deviation.id}"
    chef = client_for("chef")
    assert _upload(chef, page, pdf(), "rutin.pdf").status_code == 302
    attachment = _only_attachment(runtime, deviation.id)
    assert client_for("chef_hvb").post(
        f"{page}/bilagor/{attachment.sha256}/ta-bort").status_code == 403
    assert chef.post(f"{page}/bilagor/{attachment.sha256}/ta-bort").status_code == 302
    assert _blobs(runtime) == []
    assert chef.get(f"{page}/bilagor/{attachment.sha256}").status_code == 404
    history = runtime.app.case_file_history("deviation", deviation.id)
    assert [e.type for e in history] == ["Opened", "AttachmentAdded", "AttachmentRemoved"]
    assert history[1].data["sha256"] == history[2].data["sha256"] == attachment.sha256
    html = chef.get(page).get_data(as_text=True)
    assert "<del>rutin.pdf</del>" in html
    # The same file may come again afterwards.
    assert _upload(chef, page, pdf(), "rutin.pdf").status_code == 302
    assert len(_blobs(runtime)) == 1
