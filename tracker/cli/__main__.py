"""`python -m tracker.cli`: the same as the `tracker` script."""

from tracker.cli import main

main()
