"""What the municipality's IT runs the tracker with: backup and restore, health and metrics."""
