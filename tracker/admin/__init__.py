"""Administration: units and taxonomy, administrative changes and their change log."""
