"""The reminder kit: one set-based engine (scan → claim → notify) for every deadline the county
follows. Each app declares one source in its own reminders.py (what it reminds of, whom it
tells and in which words) and registers it here; the core owns the steps, the daily run, its
Celery task and `manage.py send_reminders`, so the apps never import one another to be run.

- `sql`: the SQL helpers the sources build their statements from;
- `sources`: ReminderSource, the scan, claim and notify steps, and the registry;
- `services`: the daily run.
"""
