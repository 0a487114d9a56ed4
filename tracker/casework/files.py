"""What an attachment is, judged from its bytes, never from its name: PDF, Word (.docx),
Excel (.xlsx), JPEG or PNG. Office files are zip archives read with the history import's
bounds (tracker/history_import/reading.py) and told apart by their parts; images are decoded
and written anew, so EXIF (the camera's GPS position, the device), text chunks and anything
hidden after the image are gone. Every refusal is a Swedish sentence for the person."""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass

from tracker.history_import.reading import Unreadable, inspect_archive

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
JPEG = "image/jpeg"
PNG = "image/png"
# Each type with the file name endings that may carry it, and its Swedish name.
ENDINGS: dict[str, tuple[str, ...]] = {
    PDF: (".pdf",),
    DOCX: (".docx",),
    XLSX: (".xlsx",),
    JPEG: (".jpg", ".jpeg"),
    PNG: (".png",),
}
TYPE_NAMES = {PDF: "PDF", DOCX: "Word-dokument", XLSX: "Excel-arbetsbok", JPEG: "JPEG-bild",
              PNG: "PNG-bild"}
ACCEPTED = "PDF, Word (.docx), Excel (.xlsx), JPEG och PNG"
# An image larger than this (pixels) is refused before it is decoded (a "pixel bomb").
MAX_PIXELS = 40_000_000
_MB = 1024 * 1024
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f\"*:<>?|]")


class Refused(Exception):
    """The file is not taken; the message says why, in Swedish."""


@dataclass(frozen=True)
class CheckedFile:
    data: bytes  # what is stored: an image as written anew
    media_type: str
    file_name: str
    sha256: str

    @property
    def size(self) -> int:
        return len(self.data)


def too_large(limit: int) -> str:
    return (f"Filen är större än {limit // _MB} MB, som är gränsen för bilagor. Förminska "
            "bilden eller dela upp dokumentet.")


def detect(data: bytes) -> str | None:
    """The media type the content is, or None."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"PK\x03\x04"):
        return _office(data)
    return None


def _office(data: bytes) -> str | None:
    try:
        names = set(inspect_archive(data))
    except Unreadable as refused:
        raise Refused(f"Filen kan inte tas emot: {refused}") from None
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise Refused("Filen är trasig och kan inte läsas.") from None
    if "[Content_Types].xml" not in names:
        return None
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise Refused("Filer med makron tas inte emot. Spara filen som .docx eller .xlsx "
                      "utan makron.")
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    return None


def clean_name(file_name: str) -> str:
    """The name as the person's computer gave it, without folders or control characters."""
    name = unicodedata.normalize("NFC", file_name).replace("\\", "/").rsplit("/", 1)[-1]
    return _UNSAFE_NAME.sub("_", name).strip().strip(".") or "bilaga"


def check(data: bytes, file_name: str, *, limit: int) -> CheckedFile:
    """The file as it is stored, or Refused."""
    if not data:
        raise Refused("Filen är tom.")
    if len(data) > limit:
        raise Refused(too_large(limit))
    media_type = detect(data)
    if media_type is None:
        raise Refused(f"Den här sortens fil tas inte emot. Bilagor kan vara {ACCEPTED}; "
                      "typen avgörs av filens innehåll, inte av namnet.")
    name = clean_name(file_name)
    ending = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ending not in ENDINGS[media_type]:
        raise Refused(f"Filen heter {ending or 'något utan filändelse'} men är en "
                      f"{TYPE_NAMES[media_type]}. Byt namn så att filändelsen stämmer "
                      f"({' eller '.join(ENDINGS[media_type])}).")
    if media_type in (JPEG, PNG):
        data = _rewrite_image(data, media_type)
    return CheckedFile(data, media_type, name, hashlib.sha256(data).hexdigest())


def _rewrite_image(data: bytes, media_type: str) -> bytes:
    """Decode and write again: only the pixels (turned upright first, as the camera's
    orientation tag said) go into the new file; no EXIF, XMP, comments or text chunks."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    fmt = "JPEG" if media_type == JPEG else "PNG"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[fmt]) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise Refused(f"Bilden är {width}×{height} bildpunkter, mer än vad som tas "
                                  "emot. Förminska den.")
                image.load()
                upright = ImageOps.exif_transpose(image)
    except Refused:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError,
            Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Refused("Bilden är trasig och kan inte läsas.") from None
    upright.info = {}
    if fmt == "JPEG" and upright.mode not in ("RGB", "L", "CMYK"):
        upright = upright.convert("RGB")
    out = io.BytesIO()
    upright.save(out, fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return out.getvalue()
