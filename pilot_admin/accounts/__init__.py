"""Signing in and keeping accounts safe: login throttling, two-factor login per role, password
change and age, accounts disabled when unused, idle sessions, expiring API tokens, and the audit
of every login."""
