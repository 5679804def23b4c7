"""Writes of the core app that are not tied to one record type, and the small helper every
app's services use to refuse."""

import datetime

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from pilot_admin.models import ImportRun


def require(allowed: bool, message: str) -> None:
    """A service's own role check: the page or API checked already, but a service is also
    called from imports, tasks and the shell, so it refuses by itself (PermissionDenied, 403)."""
    if not allowed:
        raise PermissionDenied(message)


def purge_expired_data(*, now: datetime.datetime | None = None) -> dict:
    """Drop expired sessions and uploaded workbooks older than the retention window; the
    ImportRun rows stay (who imported what, when), only the stored file goes."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.IMPORT_RETENTION_DAYS)
    sessions, _ = Session.objects.filter(expire_date__lt=now).delete()
    files = 0
    old_runs = ImportRun.objects.filter(created_at__lt=cutoff).exclude(upload="")
    for run in old_runs.iterator():
        with transaction.atomic():
            run.upload.delete(save=False)
            ImportRun.objects.filter(pk=run.pk).update(upload="")
        files += 1
    return {"sessions": sessions, "import_files": files}
