"""Documents people hand on: the report to the committee and the annual section of the
kvalitetsberättelse as PDF (WeasyPrint, from the same HTML the page shows), Word (python-docx)
and Excel (XlsxWriter). Presentation only: the content comes from tracker/ and projections/.
"""
