"""Small real files of every accepted kind (and some that are not), made in the test."""

from __future__ import annotations

import io
import zipfile

from PIL import Image

GPS_PLACE = (59.0, 19.0, 45.0)


def png_with_gps(maker: str = "KameraTillverkareAB") -> bytes:
    image = Image.new("RGB", (64, 48), (200, 40, 40))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: GPS_PLACE, 3: "E", 4: (18.0, 4.0, 7.0)}  # GPSInfo
    exif[0x010F] = maker  # Make
    out = io.BytesIO()
    image.save(out, "PNG", exif=exif.tobytes())
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (40, 40, 200))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: GPS_PLACE, 3: "E", 4: (18.0, 4.0, 7.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def pdf(text: str = "Rutin for knivlådan", padding: int = 0) -> bytes:
    """A tiny one-page PDF, its text stream uncompressed (so a marker in it is plain)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1") + b" " * padding
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    body = b"%PDF-1.4\n"
    for number, obj in enumerate(objects, 1):
        body += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    return body + b"trailer << /Root 1 0 R >>\n%%EOF\n"


def docx() -> bytes:
    from docx import Document

    document = Document()
    document.add_paragraph("Rutin för utskick.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Kniv", "Antal"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", "hej")
    return out.getvalue()


HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
