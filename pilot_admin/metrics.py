"""Prometheus metrics for the province's monitoring (README "健康检查与监控").

Requests and latency by view come from django-prometheus's middleware; the counters here are
the county's work: Celery tasks by name and result, reminders recorded by kind, imports by kind
and result, outbox messages by channel and result. `/metrics` answers only a caller bearing
METRICS_TOKEN or from METRICS_ALLOWED_IPS: the figures are not for the public.

Under gunicorn (several processes) and prefork Celery workers, set PROMETHEUS_MULTIPROC_DIR to
one empty folder per machine for web and worker alike: each process writes its figures there
and `/metrics` adds them up (prometheus_client's multiprocess mode)."""

import hmac
import ipaddress

from celery import signals
from django.conf import settings
from django.http import HttpResponse
from django_prometheus.exports import ExportToDjangoView
from prometheus_client import Counter

from pilot_admin.scoping import public

CELERY_TASKS = Counter("pilot_admin_celery_tasks", "Celery tasks finished, by task and result.", ["task", "result"])
REMINDERS = Counter("pilot_admin_reminders", "Reminders recorded by the daily run, by kind.", ["kind"])
IMPORTS = Counter("pilot_admin_imports", "Excel imports finished, by kind and result.", ["kind", "result"])
OUTBOX = Counter(
    "pilot_admin_outbox_messages", "Outbox sending attempts, by channel and result.", ["channel", "result"]
)


def _allowed(request) -> bool:
    from pilot_admin.middleware import client_ip  # the audit trail's, below this module's importers

    token = settings.METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if given and hmac.compare_digest(given.encode(), token.encode()):
            return True
    address = client_ip(request)
    if address and settings.METRICS_ALLOWED_IPS:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in ipaddress.ip_network(network, strict=False) for network in settings.METRICS_ALLOWED_IPS)
    return False


@public
def export(request):
    """The Prometheus text format, for METRICS_TOKEN bearers and METRICS_ALLOWED_IPS only."""
    if not _allowed(request):
        return HttpResponse("无权查看监控指标。", status=403, content_type="text/plain; charset=utf-8")
    return ExportToDjangoView(request)


@signals.task_success.connect
def _task_succeeded(sender=None, **kwargs):
    CELERY_TASKS.labels(getattr(sender, "name", str(sender)), "succeeded").inc()


@signals.task_failure.connect
def _task_failed(sender=None, **kwargs):
    CELERY_TASKS.labels(getattr(sender, "name", str(sender)), "failed").inc()


@signals.task_retry.connect
def _task_retried(sender=None, **kwargs):
    CELERY_TASKS.labels(getattr(sender, "name", str(sender)), "retried").inc()
