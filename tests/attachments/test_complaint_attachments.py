"""Attachments on a klagomål (a scanned letter, a photo): added and read by those who handle
the complaint in its unit; another unit's enhetschef neither sees nor downloads them. The
sender is outside the tracker, so a complaint's file holds attachments only."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from files import pdf
from flask.testing import FlaskClient

from events.complaint import Channel, ComplaintKind, ContactWish, SenderCategory
from tracker.runtime import Runtime


def test_a_complaints_attachments_stay_with_its_unit(
    runtime: Runtime, client_for: Callable[[str], FlaskClient], users: Any
) -> None:
    complaint, _ = runtime.app.receive_complaint(
        actor="avsandare", kind=ComplaintKind.COMPLAINT, unit="hvb-notgarden",
        sender=SenderCategory.RELATIVE, channel=Channel.LETTER,
        text="Brevet bifogas inskannat.", contact_wish=ContactWish.CODE)
    page = f"/klagomal/{complaint.id}"
    chef_hvb = client_for("chef_hvb")
    assert "Bilagor" in chef_hvb.get(page).get_data(as_text=True)
    added = chef_hvb.post(f"{page}/bilagor", content_type="multipart/form-data",
                          data={"casework_file": (io.BytesIO(pdf()), "brevet.pdf")})
    assert added.status_code == 302, added.get_data(as_text=True)[-2000:]
    (attachment,) = runtime.app.case_file("complaint", complaint.id).attachments.values()
    shown = chef_hvb.get(page).get_data(as_text=True)
    assert "brevet.pdf" in shown
    download = f"{page}/bilagor/{attachment.sha256}"
    expected = {"chef_hvb": 200, "utvecklare": 200, "chef": 403, "rapportor": 403,
                "admin": 403}
    for user, status in expected.items():
        assert client_for(user).get(download).status_code == status, user
    # another unit's chief cannot add either
    refused = client_for("chef").post(f"{page}/bilagor", content_type="multipart/form-data",
                                      data={"casework_file": (io.BytesIO(pdf()), "x.pdf")})
    assert refused.status_code == 403
