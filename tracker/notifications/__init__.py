"""E-mail: the follower turning events into mail, the messages, the outbox, the digest."""
