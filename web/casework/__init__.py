"""A case's file on the pages and in the API: the conversation with the reporter and the
attachments, for every kind of case (`KINDS` in case_file.py)."""
