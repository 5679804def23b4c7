"""`manage.py send_reminders`: the daily reminder run of every app for a given day, by hand (the
same run as the Celery beat task); in the core because the run is the reminder kit's."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from pilot_admin.choices import ReminderKind
from pilot_admin.reminders.services import send_due_reminders
from pilot_admin.reminders.sources import reminder_sources


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"日期“{value}”格式不对，应为 YYYY-MM-DD。") from exc


class Command(BaseCommand):
    help = "按某日运行每日提醒：扫描到期和逾期的报告、整改和走访，生成站内消息并发送邮件摘要（与每日定时任务相同）。"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="扫描日期 YYYY-MM-DD，默认今天（本县时区）。")

    def handle(self, *args, date=None, **options):
        today = _date(date) if date else timezone.localdate()
        run = send_due_reminders(today=today)
        self.stdout.write(
            f"{today:%Y-%m-%d} 提醒扫描完成：新增提醒 {run.created} 条；"
            f"通知提醒 {run.notify.reminders} 条，生成站内消息 {run.notify.notifications} 条；"
            f"发送邮件摘要 {run.digest.sent} 封，共 {run.digest.items} 条消息。"
        )
        # What each source made, kind by kind: the total alone hid which obligations were due.
        labels = {source.name: source.label for source in reminder_sources.all()}
        for source in run.sources:
            if source.created_by_kind:
                kinds = "，".join(
                    f"{ReminderKind(kind).label} {count} 条" for kind, count in source.created_by_kind.items()
                )
                self.stdout.write(f"  {labels.get(source.source, source.source)}：新增 {kinds}")
