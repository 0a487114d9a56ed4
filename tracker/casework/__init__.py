"""A case's file beside its events: attachments checked (type from content, metadata
stripped) and their bytes kept, sealed when a cipher key is set."""
