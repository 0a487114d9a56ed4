"""The Lex Sarah investigation ("Utredning enligt lex Sarah") and the anmälan's content as PDF
(WeasyPrint, from the same HTML the pages show) and Word (docx_writer). They render plain
content (web/cases/lex_sarah_document.py builds it) and `meta`: the date and which version."""

from __future__ import annotations

import io
from typing import Any

from flask import render_template

from web.documents import docx_writer
from web.documents.pdf import render_pdf


def investigation_html(doc: dict[str, Any], meta: dict[str, Any]) -> str:
    return render_template("lex_sarah/investigation_pdf.html", doc=doc, meta=meta)


def investigation_pdf(doc: dict[str, Any], meta: dict[str, Any]) -> bytes:
    return render_pdf(investigation_html(doc, meta))


def _who_line(label: str, who: str, recorded: str | None) -> str:
    return f"{label}: {who}" + (f" · registrerad {recorded}" if recorded else "")


def investigation_docx(doc: dict[str, Any], meta: dict[str, Any]) -> bytes:
    heading = doc["heading"]
    writer = docx_writer.Writer(
        title=f"{doc['title']} {heading['case_number']}",
        header_left=f"{heading['administration']} · {heading['case_number']} · "
        f"{meta['version_label']}",
    )
    writer.heading_block(
        left=[heading["committee"], heading["administration"]],
        right=["UTREDNING ENLIGT LEX SARAH", f"Datum: {meta['date']}",
               f"Dnr: {heading['diary_number'] or '–'}",
               f"IVO:s diarienummer: {heading['ivo_reference'] or '–'}",
               meta["version_label"]],
        recipient=heading["committee"],
    )
    writer.heading(f"{doc['title']} – {heading['case_number']}", 1)
    writer.heading("Ärendet i korthet", 2)
    writer.table(["Uppgift", "Innehåll"], [list(row) for row in doc["brief"]])
    for line in doc["legal"]:
        writer.paragraphs(line)
    writer.heading("Utredningens uppgifter", 2)
    writer.paragraphs("Varje uppgift anges med datum, källa, om den är en faktauppgift eller "
                      "en bedömning och vem som har dokumenterat den (namn, titel).")
    for index, section in enumerate(doc["sections"], start=1):
        writer.heading(f"{index}. {section['heading']}", 3)
        for item in section["items"]:
            writer.paragraphs(f"Uppgift {item['number']} · {item['nature']}")
            writer.paragraphs(item["text"])
            writer.paragraphs(f"Datum: {item['date']} · Källa: {item['source']}")
            writer.paragraphs(_who_line("Dokumenterad av", item["author"], item["recorded"]))
        na = section["not_applicable"]
        if na:
            writer.paragraphs(f"Ej tillämpligt. Skäl: {na['reason']}")
            writer.paragraphs(_who_line("Dokumenterad av", na["author"], na["recorded"]))
        elif not section["items"]:
            writer.paragraphs("Inga uppgifter dokumenterade än.")
    writer.heading("Åtgärder för att undanröja missförhållandet", 2)
    writer.paragraphs("\n".join(f"{a['date']}: {a['text']}" for a in doc["protective_actions"])
                      or "Ingen åtgärd registrerad.")
    writer.heading("Förslag till bedömning", 2)
    proposal = doc["proposal"]
    if proposal:
        writer.paragraphs(proposal["grade"])
        writer.paragraphs(proposal["reasoning"])
        writer.paragraphs(_who_line("Föreslaget av", proposal["by"], proposal["recorded"]))
    else:
        writer.paragraphs("Inget förslag registrerat.")
    writer.heading("Beslut", 2)
    decision = doc["decision"]
    if decision:
        writer.paragraphs(decision["grade"])
        writer.paragraphs("Motivering:")
        writer.paragraphs(decision["reasoning"])
        writer.paragraphs(f"Beslutsdatum: {decision['date']}")
        writer.paragraphs(f"Beslutad av: {decision['by']}")
    else:
        writer.paragraphs("Inget beslut fattat än.")
    writer.heading("Anmälan till IVO", 2)
    ivo = doc["ivo"]
    if ivo:
        writer.paragraphs(f"Skickad {ivo['sent_on']}. IVO:s diarienummer {ivo['ivo_reference']}, "
                          f"eget diarienummer {ivo['diary_number']}.")
        line = f"Utredningen: {ivo['investigation']}"
        if ivo["document_version"]:
            line += f" (version {ivo['document_version']})"
        if ivo["completed_on"]:
            line += f"; kompletteringen skickad {ivo['completed_on']}"
            if ivo["completion_document_version"]:
                line += f" (version {ivo['completion_document_version']})"
        writer.paragraphs(line + ".")
    else:
        writer.paragraphs("Ska anmälas till IVO; inte registrerad som skickad."
                          if doc["ivo_required"] else "Ingen anmälan till IVO.")
    writer.heading("Information till den enskilde", 2)
    if doc["informed"]:
        writer.paragraphs("\n".join(f"{i['who']}: informerad {i['date']}"
                                    for i in doc["informed"]))
    elif doc["not_informed_reason"]:
        writer.paragraphs(f"Ingen har informerats. Skäl: {doc['not_informed_reason']}")
    else:
        writer.paragraphs("Ingen registrerad som informerad än.")
    if doc["closing"]:
        writer.heading("Utredningen avslutad", 2)
        writer.paragraphs(f"Avslutad {doc['closing']['date']}.")
        writer.paragraphs(doc["closing"]["summary"])
    writer.heading("Bilagor", 2)
    writer.paragraphs("\n".join(a["name"] for a in doc["attachments"]) or "Inga bifogade filer.")
    writer.paragraphs(f"{doc['timeline']['name']} ({doc['timeline']['path']})")
    buffer = io.BytesIO()
    writer.save(buffer)
    return buffer.getvalue()


def ivo_form_html(page: dict[str, Any]) -> str:
    return render_template("lex_sarah/ivo_form_pdf.html", **page)


def ivo_form_pdf(page: dict[str, Any]) -> bytes:
    return render_pdf(ivo_form_html(page))


def ivo_form_docx(page: dict[str, Any]) -> bytes:
    heading = page["heading"]
    writer = docx_writer.Writer(
        title=f"{page['title']} {page['case_number']}",
        header_left=f"{heading.administration} · {page['case_number']}",
    )
    writer.heading_block(
        left=[heading.committee, heading.administration],
        right=["UNDERLAG TILL ANMÄLAN", f"Datum: {page['meta']['date']}",
               f"Ärende: {page['case_number']}"],
        recipient="Inspektionen för vård och omsorg (IVO)",
    )
    writer.heading(f"{page['title']} – {page['case_number']}", 1)
    writer.paragraphs("Uppgifterna nedan följer IVO:s blankett och kan kopieras till IVO:s "
                      "e-tjänst. Uppgifter som trackern inte har är markerade.")
    for group in page["form"]:
        writer.heading(group["heading"], 2)
        writer.table(["Fält", "Uppgift"], [
            [f["label"], f["value"] if not f["missing"] else f["missing"]]
            for f in group["fields"]
        ])
    buffer = io.BytesIO()
    writer.save(buffer)
    return buffer.getvalue()
