"""Health checks for the load balancer and the province's monitoring (README "健康检查与监控").

- `/health/` (liveness, what the load balancer probes): this node can serve, its database
  answers. The worker or beat being down must not take every node out of the balancer.
- `/health/ready/` (readiness, what monitoring alerts on): database, cache, broker, a worker
  seen lately, beat's last publish, the outbox backlog and stuck imports.

Each part is a django-health-check plugin; the views answer 200 or 503 naming the failing parts
in Chinese (plain text) or JSON (`?format=json`). A part the installation does not use (no
Redis on the embedded default) says 未配置 instead of failing.

Heartbeats: a worker stamps the cache after every task (beat sends deliver-outbox every minute)
and when it starts; beat stamps it after every message it publishes. They need a cache shared
by the processes (Redis): HEALTH_HEARTBEATS, on with REDIS_URL."""

import asyncio
import dataclasses
import datetime
import logging
import os
import socket
import time

from asgiref.sync import sync_to_async
from celery import signals
from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from health_check import Database
from health_check.base import HealthCheck
from health_check.contrib.redis import Redis
from health_check.exceptions import HealthCheckException, ServiceUnavailable
from health_check.views import HealthCheckView

from pilot_admin.choices import ImportStatus, OutboxStatus
from pilot_admin.scoping import public

logger = logging.getLogger(__name__)

NOT_CONFIGURED = "未配置"
WORKER_KEY = "health:worker"
BEAT_KEY = "health:beat"
# A process stamps at most this often: every task of a busy worker need not write the cache.
STAMP_EVERY = 10.0
# Long enough that a stale stamp still tells its age.
STAMP_TTL = 7 * 24 * 3600


class Part:
    """What every part adds to the package's check: a machine key, a Chinese name, and a note
    for a part that passed (未配置, a count)."""

    key = ""
    label = ""
    note = ""


@dataclasses.dataclass
class DatabasePart(Part, Database):
    key, label = "database", "数据库"

    def run(self):
        try:
            super().run()
        except HealthCheckException as error:
            raise ServiceUnavailable("无法连接或查询失败") from error


@dataclasses.dataclass
class CachePart(Part, HealthCheck):
    key, label = "cache", "缓存"

    async def run(self):
        if not settings.REDIS_URL:
            self.note = f"{NOT_CONFIGURED}（未设 REDIS_URL，使用进程内缓存）"
            return
        from redis.asyncio import Redis as RedisClient

        probe = Redis(
            client_factory=lambda: RedisClient.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        )
        try:
            await probe.run()
        except HealthCheckException as error:
            raise ServiceUnavailable("Redis 无法连接") from error
        except Exception as error:  # the client's own errors (refused, reset) are not all caught above
            raise ServiceUnavailable("Redis 无法连接") from error


@dataclasses.dataclass
class BrokerPart(Part, HealthCheck):
    key, label = "broker", "任务队列"

    def run(self):
        from pilot_admin.celery import app

        url = settings.CELERY_BROKER_URL
        if url.startswith("filesystem://"):
            self.note = "本机文件队列"
        try:
            with app.connection_for_write() as connection:
                connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, interval_max=0)
        except Exception as error:  # kombu raises the transport's own errors
            raise ServiceUnavailable("无法连接任务队列") from error


def _stamp_age(key: str) -> float | None:
    stamp = cache.get(key)
    if not isinstance(stamp, dict) or "at" not in stamp:
        return None
    return max(0.0, time.time() - stamp["at"])


class _HeartbeatPart(Part, HealthCheck):
    cache_key = ""
    max_age_setting = ""
    missing = ""

    async def run(self):
        if not settings.HEALTH_HEARTBEATS:
            self.note = f"{NOT_CONFIGURED}（心跳需要各进程共用的缓存，设 REDIS_URL 后启用）"
            return
        age = await sync_to_async(_stamp_age)(self.cache_key)
        limit = getattr(settings, self.max_age_setting)
        if age is None:
            raise ServiceUnavailable(self.missing)
        if age > limit:
            raise ServiceUnavailable(f"最后一次心跳在 {int(age)} 秒前，超过 {limit} 秒")
        self.note = f"{int(age)} 秒前"


@dataclasses.dataclass
class WorkerPart(_HeartbeatPart):
    key, label = "worker", "后台任务进程（worker）"
    cache_key, max_age_setting = WORKER_KEY, "HEALTH_WORKER_MAX_AGE"
    missing = "没有收到任何后台任务进程的心跳"


@dataclasses.dataclass
class BeatPart(_HeartbeatPart):
    key, label = "beat", "定时任务（beat）"
    cache_key, max_age_setting = BEAT_KEY, "HEALTH_BEAT_MAX_AGE"
    missing = "没有收到定时任务进程的心跳"


def outbox_backlog(now: datetime.datetime) -> tuple[int, int]:
    """(pending messages, those due longer than HEALTH_OUTBOX_MAX_MINUTES ago). A message
    waiting out its retry backoff is not late until its next try is due."""
    from pilot_admin.models import OutboxMessage

    pending = OutboxMessage.objects.filter(status=OutboxStatus.PENDING)
    late = now - datetime.timedelta(minutes=settings.HEALTH_OUTBOX_MAX_MINUTES)
    return pending.count(), pending.filter(next_attempt_at__lt=late).count()


@dataclasses.dataclass
class OutboxPart(Part, HealthCheck):
    key, label = "outbox", "发件箱"

    async def run(self):
        pending, late = await sync_to_async(outbox_backlog)(timezone.now())
        if late:
            minutes = settings.HEALTH_OUTBOX_MAX_MINUTES
            raise ServiceUnavailable(f"{late} 条待发送消息超过 {minutes} 分钟未发出")
        self.note = f"待发送 {pending} 条"


def imports_stuck(now: datetime.datetime) -> tuple[int, int]:
    """(imports queued or running, those with no progress for HEALTH_IMPORT_STUCK_MINUTES): a
    running import stamps updated_at as it reads, so silence means no worker has it."""
    from pilot_admin.models import ImportRun

    open_runs = ImportRun.objects.filter(status__in=[ImportStatus.QUEUED, ImportStatus.RUNNING])
    stale = now - datetime.timedelta(minutes=settings.HEALTH_IMPORT_STUCK_MINUTES)
    return open_runs.count(), open_runs.filter(updated_at__lt=stale).count()


@dataclasses.dataclass
class ImportsPart(Part, HealthCheck):
    key, label = "imports", "后台导入"

    async def run(self):
        pending, stuck = await sync_to_async(imports_stuck)(timezone.now())
        if stuck:
            minutes = settings.HEALTH_IMPORT_STUCK_MINUTES
            raise ServiceUnavailable(f"{stuck} 个导入超过 {minutes} 分钟没有进展")
        self.note = f"排队或处理中 {pending} 个"


class PartsView(HealthCheckView):
    """The package's view, answering 503 (not 500) and in our shapes."""

    checks = ()

    async def get(self, request, *args, **kwargs):
        with self.get_executor() as executor:
            self.results = await asyncio.gather(*(check.get_result(executor) for check in self.get_checks()))
        failing = [result for result in self.results if result.error]
        status = 503 if failing else 200
        wants_json = request.GET.get("format") == "json" or "application/json" in request.headers.get("accept", "")
        if wants_json or self.json_only:
            return JsonResponse(self.payload(failing), status=status, json_dumps_params={"ensure_ascii": False})
        return HttpResponse(self.text(failing), status=status, content_type="text/plain; charset=utf-8")

    json_only = False

    def payload(self, failing) -> dict:
        parts = {}
        for result in self.results:
            check = result.check
            if result.error:
                parts[check.key] = {"name": check.label, "status": "error", "message": _message(result.error)}
            else:
                configured = not check.note.startswith(NOT_CONFIGURED)
                parts[check.key] = {
                    "name": check.label,
                    "status": "ok" if configured else "not_configured",
                    "message": check.note or "正常",
                }
        return {
            "status": "error" if failing else "ok",
            "failing": [result.check.key for result in failing],
            "failing_names": [result.check.label for result in failing],
            "checks": parts,
        }

    def text(self, failing) -> str:
        lines = [f"有故障：{'、'.join(result.check.label for result in failing)}" if failing else "正常"]
        for result in self.results:
            check = result.check
            state = f"故障——{_message(result.error)}" if result.error else (check.note or "正常")
            lines.append(f"{check.label}：{state}")
        return "\n".join(lines) + "\n"


def _message(error: HealthCheckException) -> str:
    # A timeout or an unexpected exception comes from the package itself, in English.
    if isinstance(error, ServiceUnavailable) and error.message.startswith("Timed out"):
        return "检查超时"
    return error.message if error.message != "unknown error" else "检查出错（详见日志）"


class LivenessView(PartsView):
    """`/health/`: what the load balancer probes. Answers `{"status": "ok"}` when healthy (the
    contract .ci/production_check.sh and the monitoring rely on)."""

    checks = (DatabasePart,)
    json_only = True

    def payload(self, failing) -> dict:
        return super().payload(failing) if failing else {"status": "ok"}


class ReadinessView(PartsView):
    """`/health/ready/`: every part the county's work depends on."""

    checks = (DatabasePart, CachePart, BrokerPart, WorkerPart, BeatPart, OutboxPart, ImportsPart)


liveness = public(LivenessView.as_view())
readiness = public(ReadinessView.as_view())
liveness.access_log_exempt = readiness.access_log_exempt = True


# --- heartbeats ----------------------------------------------------------------------------

_last_stamp: dict[str, float] = {}
_in_beat = False


def heartbeat_stamp(key: str, *, force: bool = False) -> None:
    """Record that this process is alive under `key` (at most every STAMP_EVERY seconds)."""
    if not settings.HEALTH_HEARTBEATS:
        return
    now = time.time()
    if not force and now - _last_stamp.get(key, 0.0) < STAMP_EVERY:
        return
    _last_stamp[key] = now
    try:
        cache.set(key, {"at": now, "host": socket.gethostname(), "pid": os.getpid()}, STAMP_TTL)
    except Exception:  # a heartbeat must never fail the task it follows
        logger.warning("heartbeat %s not recorded", key, exc_info=True)


@signals.worker_ready.connect
def _worker_ready(**kwargs):
    heartbeat_stamp(WORKER_KEY, force=True)


@signals.task_postrun.connect
def _task_done(**kwargs):
    if not _in_beat:
        heartbeat_stamp(WORKER_KEY)


@signals.beat_init.connect
def _beat_started(**kwargs):
    global _in_beat
    _in_beat = True
    heartbeat_stamp(BEAT_KEY, force=True)


@signals.after_task_publish.connect
def _published(**kwargs):
    if _in_beat:
        heartbeat_stamp(BEAT_KEY)
