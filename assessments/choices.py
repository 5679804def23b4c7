from django.db import models


class TemplateStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    PUBLISHED = "published", "已发布"


class InspectionStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交"
    CONFIRMED = "confirmed", "已确认"


class Grade(models.TextChoices):
    """R-F3: ≥ excellent_min 优秀, ≥ pass_min 合格, below 不合格 (thresholds on the program)."""

    EXCELLENT = "excellent", "优秀"
    PASS = "pass", "合格"
    FAIL = "fail", "不合格"


class RectificationStatus(models.TextChoices):
    OPEN = "open", "整改中"
    SUBMITTED = "submitted", "已报整改结果"
    VERIFIED = "verified", "已验收"
