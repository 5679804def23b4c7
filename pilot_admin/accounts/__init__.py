"""Signing in and keeping accounts safe: login throttling, two-factor login, password change,
idle sessions, API tokens, and the audit of every login."""
