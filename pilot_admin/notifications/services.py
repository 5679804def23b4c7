"""The in-app inbox and the daily e-mail digest: selectors for a user's own notifications, the
services that mark them read, and `digest_send`, which gathers what is not yet e-mailed into one
mail per user per day. Notifications themselves are written set-based by their producers (the
notify step of the reminder kit, pilot_admin/reminders/)."""

import datetime
import logging
import smtplib
import urllib.parse
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from pilot_admin.audit import services as audit
from pilot_admin.choices import AuditAction, GroupRobotKind
from pilot_admin.models import DINGTALK_ROBOT_PATH, WECOM_ROBOT_PATH, DigestDelivery, GroupRobot, Notification, User

logger = logging.getLogger(__name__)

# Failures worth another attempt later (the Celery task retries); a user whose mail failed gets
# no DigestDelivery row, so the next run sends them the same items.
MAIL_ERRORS = (smtplib.SMTPException, ConnectionError, TimeoutError)


def notification_list(*, user) -> QuerySet[Notification]:
    """The user's inbox, newest first (index notification_inbox_idx)."""
    return Notification.objects.visible_to(user).order_by("-created_at", "-id")


def unread(*, user) -> QuerySet[Notification]:
    """What the header badge counts (home/navigation.py counts it with the menu's badges in one
    statement)."""
    return Notification.objects.visible_to(user).filter(read_at__isnull=True)


def unread_count(*, user) -> int:
    """One COUNT on the partial index of unread rows. A cache in Redis would cost the same round
    trip and need invalidating after every bulk insert."""
    return unread(user=user).count()


def notification_mark_read(*, user, notification: Notification) -> bool:
    """Mark one of the user's own notifications read; True when this call did it."""
    changed = (
        Notification.objects.visible_to(user)
        .filter(pk=notification.pk, read_at__isnull=True)
        .update(read_at=timezone.now())
    )
    return changed == 1


def notification_mark_all_read(*, user) -> int:
    return Notification.objects.visible_to(user).filter(read_at__isnull=True).update(read_at=timezone.now())


def notification_file_as_read(*, created_since) -> int:
    """Mark every unread message written since `created_since` as read and mailed. For a loader
    that replays past years through the services (the demo's history): what those decisions told
    people was read years ago, and a first sign-in should not open on hundreds of them (nor the
    outbox text them)."""
    now = timezone.now()
    filed = Notification.objects.filter(created_at__gte=created_since, read_at__isnull=True).update(
        read_at=now, emailed_at=now
    )
    Notification.objects.filter(created_at__gte=created_since, dispatched_at__isnull=True).update(dispatched_at=now)
    return filed


def notify(*, users, source: str, title: str, body: str = "", link: str = "") -> int:
    """Tell each of `users` in their inbox (and so the next daily digest) about one event. The
    `source` names the event and is unique per user, so a retried call never doubles a message;
    callers put the decision time in it when the same record can be decided again."""
    created = Notification.objects.bulk_create(
        [Notification(user=user, source=source[:100], title=title[:200], body=body, link=link[:300]) for user in users],
        ignore_conflicts=True,
    )
    return len(created)


@dataclass(frozen=True)
class DigestResult:
    sent: int
    items: int


def _digest_subject(day: datetime.date, count: int) -> str:
    return f"试点工作提醒（{day:%Y-%m-%d}）：{count} 条"


def _absolute(link: str) -> str:
    if not link or "://" in link:
        return link
    return settings.SITE_URL.rstrip("/") + link


def _send_digest(user: User, day: datetime.date, items: list[Notification]) -> None:
    context = {
        "user": user,
        "date": day,
        "items": [(item, _absolute(item.link)) for item in items],
        "inbox_url": _absolute(reverse("notification_list")),
    }
    message = EmailMultiAlternatives(
        subject=_digest_subject(day, len(items)),
        body=render_to_string("pilot_admin/email/digest.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )
    message.attach_alternative(render_to_string("pilot_admin/email/digest.html", context), "text/html")
    message.send()


def _digest_one(user: User, day: datetime.date, now: datetime.datetime) -> int:
    """Claim (user, day) and mail every not-yet-e-mailed notification, all in one transaction:
    a failed send rolls the claim back, so the next run tries again. Returns the items sent (0
    when the day was already claimed or nothing is left)."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                delivery = DigestDelivery.objects.create(user=user, date=day)
        except IntegrityError:
            return 0  # another run has sent, or is sending, this user's digest for the day
        items = list(
            Notification.objects.select_for_update()
            .filter(user=user, emailed_at__isnull=True)
            .order_by("created_at", "id")
        )
        if not items:
            transaction.set_rollback(True)
            return 0
        _send_digest(user, day, items)
        Notification.objects.filter(pk__in=[item.pk for item in items]).update(emailed_at=now)
        delivery.items = len(items)
        delivery.save(update_fields=["items"])
    return len(items)


def digest_send(*, today: datetime.date, now: datetime.datetime | None = None) -> DigestResult:
    """One e-mail per user per day with all their notifications not yet e-mailed. Users without
    an address are skipped (their notifications stay in the inbox); a second run on the same
    day sends nothing. The loop is over recipients, one mail each: that is what mail costs."""
    now = now or timezone.now()
    pending = Notification.objects.filter(user=OuterRef("pk"), emailed_at__isnull=True)
    recipients = (
        User.objects.filter(is_active=True)
        .exclude(email="")
        .filter(Exists(pending))
        .exclude(Exists(DigestDelivery.objects.filter(user=OuterRef("pk"), date=today)))
        .order_by("pk")
    )
    sent = items = 0
    first_error = None
    for user in recipients:
        try:
            count = _digest_one(user, today, now)
        except MAIL_ERRORS as error:
            logger.warning("digest for user %s on %s not sent: %s", user.pk, today, error)
            first_error = first_error or error
            continue
        if count:
            sent += 1
            items += count
    if first_error is not None:
        # The others went out; raising lets the Celery task retry the ones that failed.
        raise first_error
    return DigestResult(sent=sent, items=items)


def robot_token_from_url(kind: str, url: str) -> str:
    """The key (WeCom) or access_token (DingTalk) of a robot's webhook, which must be the
    provider's address (or the deployment's WECOM_ROBOT_BASE / DINGTALK_ROBOT_BASE)."""
    if kind == GroupRobotKind.WECOM:
        base, path, name = settings.WECOM_ROBOT_BASE.rstrip("/"), WECOM_ROBOT_PATH, "key"
    else:
        base, path, name = settings.DINGTALK_ROBOT_BASE.rstrip("/"), DINGTALK_ROBOT_PATH, "access_token"
    url = (url or "").strip()
    expected = f"{base}{path}?{name}=…"
    if base.startswith("https://") and not url.startswith("https://"):
        raise ValidationError({"webhook": f"webhook 地址须以 https:// 开头，形如 {expected}"})
    parts = urllib.parse.urlsplit(url)
    token = (urllib.parse.parse_qs(parts.query).get(name) or [""])[0].strip()
    if f"{parts.scheme}://{parts.netloc}{parts.path}" != f"{base}{path}" or not token:
        raise ValidationError({"webhook": f"不是{GroupRobotKind(kind).label}的 webhook 地址，应形如 {expected}"})
    return token


@transaction.atomic
def group_robot_save(*, actor, department, kind: str, webhook: str = "", secret: str = "") -> GroupRobot:
    """Set the group robot of `department` (a township government or a department). An empty
    webhook or secret keeps the one stored, so the page never has to show a credential back."""
    if not GroupRobot.objects.can_edit_unit(actor, department):
        raise PermissionDenied
    robot = GroupRobot.objects.filter(department=department).first()
    before = audit.snapshot(robot) if robot is not None else None
    robot = robot or GroupRobot(department=department)
    kind_changed = robot.kind != kind
    robot.kind = kind
    if webhook.strip() or kind_changed:
        robot.token = robot_token_from_url(kind, webhook)
    if secret.strip():
        robot.secret = secret.strip()
    robot.full_clean()
    robot.save()
    audit.record(
        actor=actor,
        instance=robot,
        action=AuditAction.UPDATE if before is not None else AuditAction.CREATE,
        before=before,
    )
    return robot


@transaction.atomic
def group_robot_delete(*, actor, robot: GroupRobot) -> None:
    if not GroupRobot.objects.can_edit_unit(actor, robot.department):
        raise PermissionDenied
    audit.record(actor=actor, instance=robot, action=AuditAction.DELETE, before=audit.snapshot(robot))
    robot.delete()
