"""Signing in with the municipality's account (OpenID Connect): the routes are in web.sign_in.oidc;
this module only hands its blueprint to the app (pages are registered from here)."""

from web.sign_in.oidc import bp

__all__ = ["bp"]
