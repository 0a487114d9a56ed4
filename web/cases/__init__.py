"""Per-case modules: each aggregate's action table, schemas, plain dicts and labels."""
