"""What the import page and the import API share: how large a file may be (who may import:
web.policy.IMPORTS_HISTORY)."""

from __future__ import annotations

# The one size limit of an import file, on the page and in the API (the README states it).
MAX_IMPORT_BYTES = 16 * 1024 * 1024
MAX_IMPORT_MB = MAX_IMPORT_BYTES // (1024 * 1024)
# A request carrying such a file: room for the multipart headers and the form's other fields.
UPLOAD_REQUEST_BYTES = MAX_IMPORT_BYTES + 64 * 1024
# The page's confirm form carries the previewed file back as base64 (4 bytes per 3).
CONFIRM_REQUEST_BYTES = (MAX_IMPORT_BYTES + 2) // 3 * 4 + 64 * 1024
TOO_LARGE = f"Filen är större än {MAX_IMPORT_MB} MB; dela upp den."
