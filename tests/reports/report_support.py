"""Reading documents back: PDF text and word boxes (poppler-utils), page images, pixel
checks for drawn ink and bars, Word documents (python-docx)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

# (unit, category, subcategory, reported on (January), what happened)
JANUARY_2018 = [
    ("utredning", "handlaggning", "forhandsbedomning", 3,
     "Förhandsbedömningen gjordes inte inom 14 dagar: handläggaren var föräldraledig."),
    ("utredning", "handlaggning", "forhandsbedomning", 8,
     "Förhandsbedömningen gjordes inte inom 14 dagar: handläggaren var sjuk."),
    ("utredning", "handlaggning", "forhandsbedomning", 10,
     "Vid ett LOB-omhändertagande märktes inte att personen hade barn."),
    ("utredning", "handlaggning", "forhandsbedomning", 15,
     "Vid ett LOB-omhändertagande uppmärksammades barnen först efter tidsfristen."),
    ("utredning", "handlaggning", "forhandsbedomning", 22,
     "Vårdnadshavaren kom inte till bokade möten."),
    ("utredning", "handlaggning", "registrering", 11,
     "En journal som tillhör en annan person låg i en klients akt."),
    ("utredning", "handlaggning", "registrering", 17,
     "En avslutad utredning var inte registrerad som avslutad i verksamhetssystemet."),
    ("utredning", "handlaggning", "sekretess", 19,
     "Ett brev med begäran om handlingar fick fel boxadress och kom till ekonomienheten."),
    ("utredning", "handlaggning", "annat", 24,
     "En anmälan skickades med e-post till en handläggare som gick på semester."),
    ("hvb-notgarden", "genomforande", None, 9,
     "Knivar låg framme på köksbänken; rutinen säger att de ska vara inlåsta."),
    ("hvb-notgarden", "genomforande", None, 23,
     "Knivar låg åter framme på köksbänken."),
    ("hvb-notgarden", "genomforande", None, 26,
     "Journalerna visade att ungdomarna inte kontaktats varje vecka enligt rutinen."),
    ("hvb-notgarden", "handlaggning", "annat", 29,
     "Ungdomarnas folkbokföringsadresser uppdaterades inte vid flytt; posten kom inte fram."),
]
CATEGORY_HEADINGS = {
    "Handläggning och dokumentation – Förhandsbedömning överskridit 14 dagar": 5,
    "Handläggning och dokumentation – Registrering och arkiv": 2,
    "Handläggning och dokumentation – Brister utifrån sekretess": 1,
    "Handläggning och dokumentation – Annat inom handläggning och dokumentation": 2,
    "Genomförande av insats": 3,
}
IN_FEBRUARY = datetime(2018, 2, 6, 9, 30, tzinfo=UTC)


@dataclass
class Pdf:
    path: Path
    text: str
    pages: list[str]  # text per page

    def images(self, dpi: int = 60) -> list[Image.Image]:
        prefix = self.path.with_suffix("")
        subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(self.path), str(prefix)],
                       check=True)
        files = sorted(self.path.parent.glob(prefix.name + "-*.png"))
        return [Image.open(f).convert("RGB") for f in files]

    def words(self) -> list[tuple[int, str, tuple[float, float, float, float]]]:
        """(page index, word, (x0, y0, x1, y1) in points) from pdftotext -bbox."""
        out = subprocess.run(["pdftotext", "-bbox", str(self.path), "-"], check=True,
                             capture_output=True, text=True).stdout
        found = []
        for index, page in enumerate(out.split("<page ")[1:]):
            for match in re.finditer(
                r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                r"([^<]*)</word>", page,
            ):
                x0, y0, x1, y1 = (float(match.group(i)) for i in range(1, 5))
                found.append((index, match.group(5), (x0, y0, x1, y1)))
        return found


def page_ends(pdf: Pdf) -> list[str]:
    """The last line of text on each page but the last: a heading or a table's caption there
    is cut off from what it heads."""
    ends = []
    for text in pdf.pages[:-1]:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        ends.append(lines[-1] if lines else "")
    return ends


def read_pdf(body: bytes, folder: Path, name: str = "document") -> Pdf:
    assert body.startswith(b"%PDF-")
    path = folder / f"{name}.pdf"
    path.write_bytes(body)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout
    return Pdf(path, text, text.split("\f"))


def _pixels(image: Image.Image, box: tuple[int, int, int, int] | None) -> np.ndarray:
    return np.asarray(image.crop(box) if box else image, dtype=np.int16)


def ink(image: Image.Image, box: tuple[int, int, int, int] | None = None) -> float:
    """Share of pixels that are not near-white."""
    pixels = _pixels(image, box)
    return float((pixels.min(axis=2) < 200).mean())


def saturated(pixels: np.ndarray) -> np.ndarray:
    """The charts' bars: saturated colours, never black text or grey lines."""
    return np.asarray((pixels.max(axis=2) - pixels.min(axis=2)) >= 60)


def bar_columns(image: Image.Image, box: tuple[int, int, int, int], height: int = 12) -> int:
    """How many pixel columns hold a coloured run at least `height` pixels tall: a drawn
    bar (vertical or horizontal) gives several."""
    mask = saturated(_pixels(image, box))
    if mask.shape[0] < height:
        return 0
    # a run of `height` coloured pixels in a column <=> a window sum equal to `height`
    cumulative = np.vstack([np.zeros((1, mask.shape[1]), dtype=int), mask.cumsum(axis=0)])
    windows = cumulative[height:] - cumulative[:-height]
    return int((windows >= height).any(axis=0).sum())


def docx_document(body: bytes) -> Any:
    import docx

    return docx.Document(io.BytesIO(body))


def page_version(html: str) -> str:
    """The report's version in a page's hidden field."""
    match = re.search(r'name="version" value="(\d+)"', html)
    assert match
    return match.group(1)


def confirm_review(client: Any, page: str, masked: str = "Inget behövde maskeras.") -> Any:
    """The secrecy review of the month's latest draft, confirmed on its page."""
    version = page_version(client.get(page).get_data(as_text=True))
    response = client.post(f"{page}/granskning", data={
        "masked": masked, "confirmed": "true", "version": version})
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    return response
@dataclass
class Tag:
    """An element of a tagged PDF's structure tree: its kind (H1, Table, TH, Figure, ...),
    the text of the marked content under it, its /Alt and its attributes (/A)."""

    kind: str
    text: str = ""
    alt: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    children: list[Tag] = field(default_factory=list)

    def walk(self) -> Iterator[Tag]:
        yield self
        for child in self.children:
            yield from child.walk()

    def all(self, kind: str) -> list[Tag]:
        return [tag for tag in self.walk() if tag.kind == kind]


def _marked_texts(page: Any) -> dict[int, str]:
    """Text per marked-content id on one page, as pypdf decodes it."""
    texts: dict[int, str] = {}
    open_ids: list[int | None] = []

    def before(operator: bytes, args: Any, *_: Any) -> None:
        if operator == b"BDC":
            properties = args[1] if len(args) > 1 else None
            open_ids.append(properties.get("/MCID") if isinstance(properties, dict) else None)
        elif operator == b"BMC":
            open_ids.append(None)
        elif operator == b"EMC" and open_ids:
            open_ids.pop()

    def text(value: str, *_: Any) -> None:
        mcid = next((m for m in reversed(open_ids) if m is not None), None)
        if mcid is not None and value:
            texts[mcid] = texts.get(mcid, "") + value

    page.extract_text(visitor_operand_before=before, visitor_text=text)
    return texts


def structure_tree(body: bytes) -> Tag:
    """The PDF's logical structure (its StructTreeRoot) with each element's text."""
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(body))
    pages = {page.indirect_reference.idnum: index for index, page in enumerate(reader.pages)}
    texts = [_marked_texts(page) for page in reader.pages]

    def build(node: Any, page: int | None) -> Tag | str:
        node = node.get_object()
        if isinstance(node, int):
            return texts[page][node] if page is not None and node in texts[page] else ""
        if "/MCID" in node:  # a marked-content reference on a page of its own
            on = pages[node.raw_get("/Pg").idnum] if "/Pg" in node else page
            return texts[on].get(node["/MCID"], "") if on is not None else ""
        if node.get("/Type") == "/OBJR":
            return ""
        if "/Pg" in node:
            page = pages[node.raw_get("/Pg").idnum]
        tag = Tag(str(node.get("/S", "/StructTreeRoot"))[1:],
                  alt=str(node["/Alt"]) if "/Alt" in node else None,
                  attributes={str(k)[1:]: v for k, v in dict(node.get("/A", {})).items()})
        kids = node.get("/K", [])
        parts = []
        for kid in kids if isinstance(kids, list) else [kids]:
            built = build(kid, page)
            if isinstance(built, Tag):
                tag.children.append(built)
                parts.append(built.text)
            else:
                parts.append(built)
        tag.text = " ".join(" ".join(parts).split())
        return tag

    root = build(reader.trailer["/Root"]["/StructTreeRoot"], None)
    assert isinstance(root, Tag)
    return root


def libreoffice(files: list[Path], to: str) -> list[Path]:
    """Each file converted by LibreOffice, headless (`to`: pdf, fodt, ...), beside it; a
    profile of its own per folder, so parallel tests do not share one."""
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice (soffice) is needed: .ci/run installs libreoffice-writer-nogui"
    folder = files[0].parent
    subprocess.run([soffice, f"-env:UserInstallation=file://{folder / 'lo-profile'}",
                    "--headless", "--convert-to", to, "--outdir", str(folder),
                    *map(str, files)], check=True, capture_output=True, timeout=240)
    converted = [path.with_suffix("." + to) for path in files]
    assert all(path.exists() for path in converted), converted
    return converted


ODF = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "meta": "urn:oasis:names:tc:opendocument:xmlns:meta:1.0",
    "dc": "http://purl.org/dc/elements/1.1/",
    "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
    "svg": "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
}


@dataclass
class OpenDocument:
    """A Word file as LibreOffice read it (its flat ODF export): properties, the pictures'
    descriptions, each table's header rows and body rows as text."""

    meta: dict[str, str]
    pictures: list[tuple[str, str]]  # (name, description)
    tables: list[tuple[list[list[str]], list[list[str]]]]  # (header rows, body rows)


def _rows(element: ET.Element) -> list[list[str]]:
    return [[" ".join("".join(cell.itertext()).split())
             for cell in row.findall("table:table-cell", ODF)]
            for row in element.findall("table:table-row", ODF)]


def read_open_document(path: Path) -> OpenDocument:
    root = ET.parse(path).getroot()  # noqa: S314 - LibreOffice's export of our own file
    meta_element = root.find("office:meta", ODF)
    children = list(meta_element) if meta_element is not None else []
    meta = {child.tag.split("}")[1]: child.text or "" for child in children}
    pictures = []
    for frame in root.iter(f"{{{ODF['draw']}}}frame"):
        if frame.find("draw:image", ODF) is not None:
            desc = frame.find("svg:desc", ODF)
            pictures.append((frame.get(f"{{{ODF['draw']}}}name", ""),
                             desc.text or "" if desc is not None else ""))
    tables = []
    for table in root.iter(f"{{{ODF['table']}}}table"):
        head = table.find("table:table-header-rows", ODF)
        tables.append((_rows(head) if head is not None else [], _rows(table)))
    return OpenDocument(meta, pictures, tables)


def pdf_words(path: Path) -> list[str]:
    """Every word of a PDF as pdftotext separates them (a word broken over two lines of a
    table cell comes out as two)."""
    out = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True,
                         text=True).stdout
    return out.split()
