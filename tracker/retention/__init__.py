"""Gallring: each case's content sealed under a key of its own (keys, sealing), erased by
destroying that key (erasure), under the municipality's retention rules (plan: what is due,
and when; apply: erasing it)."""
