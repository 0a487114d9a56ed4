"""Gallring: the retention rules applied to the cases (plan.py: what is due, and when)."""
