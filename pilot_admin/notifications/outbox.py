"""The outbox: every notice on its way to a person's phone by SMS, WeCom or DingTalk.

- fill: each notification not yet dispatched gets one OutboxMessage per channel the person
  chose for its kind (within what the county allows, NOTIFY_CHANNEL_KINDS) and has an address
  for; the unique (notification, user, channel) makes a repeated fill add nothing. A person no
  channel reaches, e-mail included, is marked 未送达 for the county's page.
- claim: a conditional UPDATE sets a claim token and `claimed_until` on pending rows whose time
  has come and whose previous claim (if any) has expired; the rows carrying the token are this
  worker's. A worker killed mid-send leaves its claim to expire and another retries the row.
- send: the provider answers; sent is a conditional UPDATE WHERE status = pending, so a message
  marked sent is never sent again. Transient failures wait 2ⁿ × OUTBOX_RETRY_SECONDS; after
  OUTBOX_MAX_ATTEMPTS tries, or at once on a permanent failure, the row is failed.
- groups: a notice to a member of a unit with a group robot (GroupRobot) also gets one row for
  the unit's work group, keyed (robot, source) so five members make one group message; it is
  claimed, retried (robots' 20-a-minute throttling included) and given up like the others.
"""

import dataclasses
import datetime
import hashlib
import logging
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from pilot_admin import metrics
from pilot_admin.choices import ESCALATION_KINDS, Channel, OutboxChannel, OutboxStatus
from pilot_admin.models import GroupRobot, Notification, OutboxMessage, User
from pilot_admin.notifications.providers import (
    Outgoing,
    PermanentError,
    TransientError,
    enabled_channels,
    provider_for,
    robot_provider_for,
    robots_enabled,
)

logger = logging.getLogger(__name__)

FILL_BATCH = 500
CLAIM_BATCH = 50


def allowed_channels(kind: str) -> list[str]:
    """The channels the county allows for notices of `kind` (in Channel order)."""
    return [channel for channel in enabled_channels() if kind in settings.NOTIFY_CHANNEL_KINDS.get(channel, ())]


def channels_for(user: User, kind: str) -> list[str]:
    """The channels a notice of `kind` takes to `user`: those they chose (all the county allows
    when they never chose) that they have an address for. Overdue notices and escalations reach
    the first escalation channel they have an address for when their choice gives none."""
    chosen = user.notice_channels.get(kind) if isinstance(user.notice_channels, dict) else None
    picked = [
        channel
        for channel in allowed_channels(kind)
        if (chosen is None or channel in chosen) and user.channel_address(channel)
    ]
    if not picked and kind in ESCALATION_KINDS:
        enabled = enabled_channels()
        picked = [
            channel
            for channel in settings.NOTIFY_ESCALATION_CHANNELS
            if channel in enabled and user.channel_address(channel)
        ][:1]
    return picked


def content_hash(title: str, body: str) -> str:
    return hashlib.sha256(f"{title}\n{body}".encode()).hexdigest()


class _UnitGroups:
    """The group robots of the units a batch's recipients belong to: a department user's
    department, a township official's township government (a unit too)."""

    def __init__(self, users):
        departments = {user.department_id for user in users if user.department_id}
        townships = {user.township_id for user in users if user.township_id}
        robots = (
            GroupRobot.objects.filter(Q(department__in=departments) | Q(department__township__in=townships))
            .select_related("department")
            .order_by("pk")
            if robots_enabled() and (departments or townships)
            else []
        )
        self.by_department = {robot.department_id: robot for robot in robots}
        self.by_township = {robot.department.township_id: robot for robot in robots if robot.department.township_id}

    def robot_for(self, user: User) -> GroupRobot | None:
        return self.by_department.get(user.department_id) or self.by_township.get(user.township_id)


def _group_row(item: Notification, robot: GroupRobot, now: datetime.datetime) -> OutboxMessage:
    return OutboxMessage(
        notification=item,
        user=item.user,
        channel=robot.kind,
        address=f"{robot.department.name}工作群"[:64],
        kind=item.kind,
        content_hash=content_hash(item.title, item.body),
        next_attempt_at=now,
        robot=robot,
        source=item.source,
    )


@dataclass(frozen=True)
class FillResult:
    notifications: int
    messages: int
    undelivered: int


def outbox_fill(*, now: datetime.datetime | None = None) -> FillResult:
    """Dispatch every notification not yet dispatched to the outbox, a batch per transaction."""
    now = now or timezone.now()
    notifications = messages = undelivered = 0
    while True:
        with transaction.atomic():
            batch = list(
                Notification.objects.filter(dispatched_at__isnull=True)
                .select_related("user")
                .order_by("id")[:FILL_BATCH]
            )
            if not batch:
                break
            rows, lost = [], []
            groups = _UnitGroups({item.user for item in batch})
            # The same notice reaches each of a unit's members; its group hears it once (here,
            # and across batches and runs by the unique (robot, source)).
            grouped = set()
            for item in batch:
                channels = channels_for(item.user, item.kind)
                robot = groups.robot_for(item.user) if item.kind in settings.NOTIFY_ROBOT_KINDS else None
                if robot is not None and (robot.pk, item.source) not in grouped:
                    grouped.add((robot.pk, item.source))
                    rows.append(_group_row(item, robot, now))
                if not channels and not item.user.email and robot is None:
                    lost.append(item.pk)
                rows += [
                    OutboxMessage(
                        notification=item,
                        user=item.user,
                        channel=channel,
                        address=item.user.channel_address(channel),
                        kind=item.kind,
                        content_hash=content_hash(item.title, item.body),
                        next_attempt_at=now,
                    )
                    for channel in channels
                ]
            created = OutboxMessage.objects.bulk_create(rows, ignore_conflicts=True)
            ids = [item.pk for item in batch]
            Notification.objects.filter(pk__in=ids, dispatched_at__isnull=True).update(dispatched_at=now)
            if lost:
                Notification.objects.filter(pk__in=lost).update(undelivered=True)
        notifications += len(batch)
        messages += len(created)
        undelivered += len(lost)
    return FillResult(notifications=notifications, messages=messages, undelivered=undelivered)


def _claimable(now: datetime.datetime) -> Q:
    return Q(status=OutboxStatus.PENDING, next_attempt_at__lte=now) & (
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    )


def outbox_claim(*, now: datetime.datetime, limit: int = CLAIM_BATCH) -> tuple[str, list[OutboxMessage]]:
    """Claim up to `limit` messages due at `now`: one conditional UPDATE, whose condition is
    checked again on each row it changes (a row another worker claimed meanwhile is left out).
    Returns the claim's token and the claimed rows."""
    token = uuid.uuid4().hex
    due = OutboxMessage.objects.filter(_claimable(now)).order_by("next_attempt_at", "id").values("id")[:limit]
    OutboxMessage.objects.filter(_claimable(now), pk__in=due).update(
        claim_token=token,
        claimed_until=now + datetime.timedelta(seconds=settings.OUTBOX_CLAIM_SECONDS),
        attempts=F("attempts") + 1,
    )
    rows = list(
        OutboxMessage.objects.filter(claim_token=token, status=OutboxStatus.PENDING)
        .select_related("notification", "robot__department")
        .order_by("id")
    )
    return token, rows


def backoff(attempts: int) -> datetime.timedelta:
    """The wait after the `attempts`-th failed try: doubling from OUTBOX_RETRY_SECONDS, capped."""
    seconds = settings.OUTBOX_RETRY_SECONDS * 2 ** max(0, attempts - 1)
    return datetime.timedelta(seconds=min(seconds, settings.OUTBOX_RETRY_MAX_SECONDS))


def _finish(row: OutboxMessage, token: str, **fields) -> bool:
    """Close this claim on `row` with `fields`; only while the claim is still ours and the row
    still pending (never undoing a sent row)."""
    changed = OutboxMessage.objects.filter(pk=row.pk, claim_token=token, status=OutboxStatus.PENDING).update(
        claimed_until=None, claim_token="", **fields
    )
    return changed == 1


def _claim_dingtalk_day(row: OutboxMessage, now: datetime.datetime) -> bool:
    """Take today's DingTalk slot for this content and person; False when another row has it."""
    try:
        with transaction.atomic():
            OutboxMessage.objects.filter(pk=row.pk).update(limit_day=timezone.localdate(now))
    except IntegrityError:
        return False
    return True


ROBOT_WINDOW = datetime.timedelta(minutes=1)


def _robot_full(row: OutboxMessage) -> bool:
    """Whether this row's robot has had its NOTIFY_ROBOT_PER_MINUTE messages in the last minute
    (wall clock, as the providers count), so sending now would only be throttled."""
    since = timezone.now() - ROBOT_WINDOW
    sent = OutboxMessage.objects.filter(robot=row.robot_id, status=OutboxStatus.SENT, sent_at__gt=since)
    return sent.count() >= settings.NOTIFY_ROBOT_PER_MINUTE


@dataclass
class DeliverResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0

    @property
    def claimed(self) -> int:
        return self.sent + self.retried + self.failed + self.skipped


def _send_one(row: OutboxMessage, token: str, now: datetime.datetime, result: DeliverResult) -> None:
    if row.attempts > settings.OUTBOX_MAX_ATTEMPTS:
        # Claimed before by workers that never finished (killed each time): stop here.
        _finish(row, token, status=OutboxStatus.FAILED, last_error="多次尝试均未完成发送。")
        result.failed += 1
        return
    if row.robot_id and _robot_full(row):
        # Not a failed try: the group waits for the next minute without using up its attempts.
        note = f"群机器人每分钟最多发送 {settings.NOTIFY_ROBOT_PER_MINUTE} 条，稍后发送。"
        _finish(row, token, next_attempt_at=now + ROBOT_WINDOW, attempts=F("attempts") - 1, last_error=note)
        result.retried += 1
        return
    provider = robot_provider_for(row.robot) if row.robot_id else provider_for(row.channel)
    if provider is None:
        _finish(row, token, status=OutboxStatus.FAILED, last_error=f"{OutboxChannel(row.channel).label}渠道已停用。")
        result.failed += 1
        return
    if row.channel == Channel.DINGTALK and not _claim_dingtalk_day(row, now):
        note = "相同内容今天已通过钉钉发给此人（钉钉每天只送达一次）。"
        _finish(row, token, status=OutboxStatus.SKIPPED, last_error=note)
        result.skipped += 1
        return
    notification = row.notification
    message = Outgoing(
        address=row.address,
        kind=row.kind,
        title=notification.title,
        body=notification.body,
        link=notification.absolute_link,
    )
    try:
        message_id = provider.send(message)
    except TransientError as error:
        logger.warning("outbox %s (%s) try %s failed: %s", row.pk, row.channel, row.attempts, error)
        if row.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            _finish(row, token, status=OutboxStatus.FAILED, last_error=str(error)[:500], provider=provider.name)
            result.failed += 1
        else:
            _finish(
                row,
                token,
                next_attempt_at=now + backoff(row.attempts),
                last_error=str(error)[:500],
                provider=provider.name,
                limit_day=None,
            )
            result.retried += 1
        return
    except PermanentError as error:
        logger.warning("outbox %s (%s) refused: %s", row.pk, row.channel, error)
        _finish(row, token, status=OutboxStatus.FAILED, last_error=str(error)[:500], provider=provider.name)
        result.failed += 1
        return
    # Sent: recorded whoever holds the claim now, so nothing sends this row again.
    OutboxMessage.objects.filter(pk=row.pk, status=OutboxStatus.PENDING).update(
        status=OutboxStatus.SENT,
        sent_at=timezone.now(),
        provider=provider.name,
        provider_message_id=message_id[:100],
        last_error="",
        claimed_until=None,
        claim_token="",
    )
    result.sent += 1


def outbox_deliver(*, now: datetime.datetime | None = None, limit: int = CLAIM_BATCH) -> DeliverResult:
    """Claim one batch of due messages and send each; what this call did."""
    now = now or timezone.now()
    result = DeliverResult()
    token, rows = outbox_claim(now=now, limit=limit)
    for row in rows:
        before = dataclasses.asdict(result)
        _send_one(row, token, now, result)
        # _send_one counts each row under exactly one outcome.
        outcome = next(name for name, count in dataclasses.asdict(result).items() if count > before[name])
        metrics.OUTBOX.labels(row.channel, outcome).inc()
    return result


def outbox_run(*, now: datetime.datetime | None = None) -> dict:
    """Fill, then deliver batch after batch until nothing due is left (the beat's every-minute
    task)."""
    fill = outbox_fill(now=now)
    total = DeliverResult()
    while True:
        batch = outbox_deliver(now=now)
        if not batch.claimed:
            break
        for name in ("sent", "retried", "failed", "skipped"):
            setattr(total, name, getattr(total, name) + getattr(batch, name))
    return {
        "dispatched": fill.notifications,
        "queued": fill.messages,
        "undelivered": fill.undelivered,
        "sent": total.sent,
        "retried": total.retried,
        "failed": total.failed,
        "skipped": total.skipped,
    }
