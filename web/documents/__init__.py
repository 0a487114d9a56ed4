"""What people take away: charts, CSV and Excel downloads, the report tables, and the
committee report and annual section as PDF (WeasyPrint, from the same HTML the page shows)
and Word (python-docx). Presentation only: the content comes from tracker/ and projections/.
"""
