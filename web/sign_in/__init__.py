"""Signing in and out: the signed-in user and role guard, passwords, OpenID Connect."""
