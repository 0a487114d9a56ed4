"""Signing in with the municipality's account (OpenID Connect): the routes are in web.oidc;
this module only hands its blueprint to the app (pages are registered from here)."""

from web.oidc import bp

__all__ = ["bp"]
