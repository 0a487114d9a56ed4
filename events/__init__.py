"""The domain model: aggregates, their past-tense events and invariants. Imports nothing
from the rest of the project."""
