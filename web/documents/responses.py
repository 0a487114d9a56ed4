"""Download responses for documents: right Content-Type, a Content-Disposition filename,
never cached (secrecy, OSL)."""

from __future__ import annotations

from flask import Response

from web.documents.csv_export import content_disposition

MIMETYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def download(body: bytes, filename: str, kind: str) -> Response:
    response = Response(body, mimetype=MIMETYPES[kind])
    response.headers["Content-Disposition"] = content_disposition(f"{filename}.{kind}")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
