"""Read-model tables (views). Filled in by the projections work."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()
