from django.db import models


class Phase(models.TextChoices):
    """The phases of S0 §五 (R-G1…R-G3) and the biennial summary (R-F5)."""

    PLAN = "plan", "制定方案"
    IMPLEMENT = "implement", "分类推进"
    ASSESS = "assess", "考核验收"
    SUMMARY = "summary", "总结通报"


class CadenceKind(models.TextChoices):
    ONCE = "once", "一次性（截止日报送）"
    EVERY_N_MONTHS = "every_n_months", "每N个月（月底前）"
    FIXED_DATES = "fixed_dates", "每年固定日期"


class TaskStatus(models.TextChoices):
    OPEN = "open", "进行中"
    CLOSED_OUT = "closed_out", "已销号"


class AssignmentRole(models.TextChoices):
    LEAD = "lead", "牵头单位"
    COOPERATING = "cooperating", "配合单位"
    TOWNSHIP = "township", "落实乡镇"


class ReportStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交"
    RETURNED = "returned", "退回"
    ACCEPTED = "accepted", "已采纳"


class UnlockRequestStatus(models.TextChoices):
    PENDING = "pending", "待处理"
    GRANTED = "granted", "已同意"
    REFUSED = "refused", "未同意"
