"""The supervision app's reminder table (supervision/reminders.py): one row per committee,
obligation, period and step, unique, so a doubled scan adds nothing (the reminder kit's rule)."""

from django.db import models

from pilot_admin.choices import ReminderKind


class SupervisionReminder(models.Model):
    """`subject` is what is owed (term: re-election; meeting: the month's meeting; review: the
    period's expense review) and `period` which one: the term's end, the month or the review
    period's first day."""

    committee = models.ForeignKey(
        "supervision.Committee", verbose_name="村务监督委员会", on_delete=models.CASCADE, related_name="+"
    )
    subject = models.CharField(
        "事项", max_length=10, choices=[("term", "换届"), ("meeting", "会议"), ("review", "财务支出复核")]
    )
    period = models.DateField("期间")
    kind = models.CharField("类型", max_length=20, choices=ReminderKind.choices)
    scan_date = models.DateField("扫描日期")
    created_at = models.DateTimeField("生成时间", auto_now_add=True)
    notified_at = models.DateTimeField("通知时间", null=True, blank=True)

    class Meta:
        app_label = "supervision"
        verbose_name = "监委会提醒"
        verbose_name_plural = "监委会提醒"
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "subject", "period", "kind"],
                name="svreminder_once_per_committee_subject_period_kind",
                violation_error_message="该提醒已生成。",
            ),
        ]
        indexes = [models.Index(fields=["notified_at"], name="sv_reminder_notified_idx")]

    def __str__(self):
        return f"{self.committee} {self.get_subject_display()} {self.period} {self.get_kind_display()}"
