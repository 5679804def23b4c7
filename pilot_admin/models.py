import datetime
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from pilot_admin.choices import (
    DUTY_ROLES,
    AuditAction,
    Channel,
    GroupRobotKind,
    ImportStatus,
    NoticeKind,
    OutboxChannel,
    OutboxStatus,
    Role,
)
from pilot_admin.crypto import EncryptedCharField
from pilot_admin.querysets import AUDIT_APPEND_ONLY, AuditEntryQuerySet, ImportRunQuerySet
from pilot_admin.scoping import ScopedQuerySet


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        abstract = True


class VersionedModel(models.Model):
    """A record edited by several people: `version` is what optimistic locking compares
    (pilot_admin.locking.claim_version), so a second editor cannot overwrite the first."""

    version = models.PositiveIntegerField(
        "版本", default=1, editable=False, help_text="每次保存加一；编辑时核对，防止覆盖他人的修改。"
    )

    class Meta:
        abstract = True


class PilotUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        # A superuser made with createsuperuser acts as the county admin.
        extra_fields.setdefault("role", Role.COUNTY_ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A person or system that signs in; the role and its unit decide what it sees."""

    role = models.CharField("角色", max_length=20, choices=Role.choices, default=Role.COUNTY_VIEWER)
    county = models.ForeignKey(
        "villages.County",
        verbose_name="所属县",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text="为空表示可见本系统中全部县（省级接口客户端或超级用户）。",
    )
    township = models.ForeignKey(
        "villages.Township",
        verbose_name="所属乡镇",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    department = models.ForeignKey(
        "villages.Department",
        verbose_name="所属部门",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    phone = models.CharField(
        "手机号",
        max_length=20,
        blank=True,
        validators=[RegexValidator(r"^1[3-9]\d{9}$", "请填写 11 位中国大陆手机号，如 13812345678。")],
        help_text="短信提醒发到这个号码；列表中只显示前三位和后四位。",
    )
    wecom_userid = models.CharField(
        "企业微信账号", max_length=64, blank=True, help_text="企业微信通讯录中的 UserID，应用消息发给它。"
    )
    dingtalk_userid = models.CharField(
        "钉钉账号", max_length=64, blank=True, help_text="钉钉通讯录中的 userid，工作通知发给它。"
    )
    notice_channels = models.JSONField(
        "提醒渠道选择",
        default=dict,
        blank=True,
        help_text="每类提醒经哪些渠道送达：{提醒类别: [渠道, …]}；未选过的类别按县里允许的全部渠道。",
    )
    is_unit_leader = models.BooleanField(
        "单位负责人", default=False, help_text="逾期升级提醒发给本单位（部门或乡镇）的负责人。"
    )
    password_changed_at = models.DateTimeField(
        "密码设置时间", null=True, blank=True, help_text="超过 PASSWORD_MAX_AGE_DAYS 天须修改密码。"
    )
    must_change_password = models.BooleanField(
        "须修改密码", default=False, help_text="管理员新建账户或重设密码后，用户登录时须先改为自己的密码。"
    )
    inactivity_disabled_at = models.DateTimeField(
        "因长期未使用停用时间", null=True, blank=True, help_text="连续 ACCOUNT_INACTIVE_DAYS 天未使用，夜间自动停用。"
    )
    reactivated_at = models.DateTimeField(
        "重新启用时间", null=True, blank=True, help_text="停用后重新启用，从此时起重新计算未使用天数。"
    )

    objects = PilotUserManager()

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        constraints = [
            models.CheckConstraint(
                condition=~Q(role=Role.TOWNSHIP) | Q(township__isnull=False),
                name="user_township_role_has_township",
                violation_error_message="乡镇角色的用户必须指定所属乡镇。",
            ),
            models.CheckConstraint(
                condition=~Q(role=Role.DEPARTMENT) | Q(department__isnull=False),
                name="user_department_role_has_department",
                violation_error_message="部门角色的用户必须指定所属部门。",
            ),
            models.CheckConstraint(
                condition=~Q(role__in=sorted(DUTY_ROLES))
                | Q(county__isnull=False, township__isnull=True, department__isnull=True),
                name="user_duty_role_has_county_only",
                violation_error_message="管理员职责账户（系统、安全、审计管理员）必须指定所属县，且不属于乡镇或部门。",
            ),
        ]

    def __str__(self):
        return self.get_full_name() or self.username

    def set_password(self, raw_password):
        """Every new password, whoever sets it, starts the age clock (PASSWORD_MAX_AGE_DAYS)."""
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    def check_password(self, raw_password):
        # A successful check may re-hash the same password with stronger parameters (through
        # set_password, saving the hash only): that is not a new password, the clock keeps running.
        changed_at = self.password_changed_at
        try:
            return super().check_password(raw_password)
        finally:
            self.password_changed_at = changed_at

    async def acheck_password(self, raw_password):
        changed_at = self.password_changed_at
        try:
            return await super().acheck_password(raw_password)
        finally:
            self.password_changed_at = changed_at

    @property
    def masked_phone(self) -> str:
        """The mobile number as lists show it: 138****5678."""
        return f"{self.phone[:3]}****{self.phone[-4:]}" if len(self.phone) == 11 else self.phone

    def channel_address(self, channel: str) -> str:
        """Where `channel` reaches this person ("" when they gave no address for it)."""
        return {Channel.SMS: self.phone, Channel.WECOM: self.wecom_userid, Channel.DINGTALK: self.dingtalk_userid}[
            channel
        ]

    @property
    def password_expires_at(self) -> datetime.datetime | None:
        """When the password must be replaced; None when passwords do not age or none is set."""
        days = settings.PASSWORD_MAX_AGE_DAYS
        if not days or not self.has_usable_password():
            return None
        return (self.password_changed_at or self.date_joined) + datetime.timedelta(days=days)

    @property
    def is_county_admin(self) -> bool:
        return self.is_active and (self.is_superuser or self.role == Role.COUNTY_ADMIN)

    @property
    def is_duty_admin(self) -> bool:
        """Holds one of the three administrator duties, and so no business role: such an account
        sees no county data. A superuser (break-glass) is never one, whatever its role says."""
        return self.role in DUTY_ROLES and not self.is_superuser

    @property
    def is_county_level(self) -> bool:
        """County-wide reading rights: the office, county viewers and API clients."""
        return self.is_county_admin or self.role in (Role.COUNTY_VIEWER, Role.API_CLIENT)


def new_token_key() -> str:
    return secrets.token_hex(20)


def token_expiry(start: datetime.datetime | None = None) -> datetime.datetime | None:
    """When a token issued or renewed at `start` expires: API_TOKEN_MAX_AGE_DAYS later (0: never)."""
    days = settings.API_TOKEN_MAX_AGE_DAYS
    return (start or timezone.now()) + datetime.timedelta(days=days) if days else None


class ApiToken(models.Model):
    """An API client's credential, sent as `Authorization: Token <key>` (DRF's wire format). One
    per user; it expires, the system administrator renews or replaces it, and its last use is kept."""

    key = models.CharField("令牌", max_length=40, primary_key=True, default=new_token_key)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE, related_name="auth_token"
    )
    created_at = models.DateTimeField("签发时间", default=timezone.now)
    expires_at = models.DateTimeField(
        "到期时间", null=True, blank=True, default=token_expiry, help_text="为空表示永不过期。"
    )
    last_used_at = models.DateTimeField("最近使用时间", null=True, blank=True)

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"
        ordering = ["user"]

    def __str__(self):
        # Never the key: this text goes into logs and the audit trail.
        return f"{self.user} 的接口令牌"

    def is_expired(self, now: datetime.datetime | None = None) -> bool:
        return self.expires_at is not None and (now or timezone.now()) >= self.expires_at


class AuditEntry(models.Model):
    """One change to one record: who, what field from what to what, when, from where."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_entries",
    )
    actor_name = models.CharField("操作人姓名", max_length=150, blank=True)
    action = models.CharField("操作", max_length=10, choices=AuditAction.choices)
    content_type = models.ForeignKey(ContentType, verbose_name="记录类型", on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField("记录编号", max_length=64)
    object_repr = models.CharField("记录", max_length=200)
    changes = models.JSONField("变更内容", default=dict, blank=True)
    note = models.CharField("说明", max_length=500, blank=True)
    ip_address = models.GenericIPAddressField("来源地址", null=True, blank=True)
    user_agent = models.CharField("客户端", max_length=300, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "修改记录"
        verbose_name_plural = "修改记录"
        ordering = ["-created_at", "-id"]
        indexes = [
            # audit_entries_for(obj): the change record shown on each record's page.
            models.Index(fields=["content_type", "object_id", "-created_at"], name="audit_object_idx"),
        ]

    def __str__(self):
        return f"{self.actor_name} {self.get_action_display()} {self.object_repr}"

    def save(self, *args, **kwargs):
        # Append-only: a row, once written, is never rewritten (the trigger says so again).
        if not self._state.adding:
            raise PermissionDenied(AUDIT_APPEND_ONLY)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied(AUDIT_APPEND_ONLY)

    @property
    def shown_changes(self):
        """The changes as people read them (local time, choice labels, 是/否): see audit.display."""
        from pilot_admin.audit.display import shown_changes

        return shown_changes(self)


class ImportRun(TimeStampedModel):
    """An uploaded workbook and what checking or importing it gave, kept so the user can
    download it back with every bad cell marked."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="导入人",
        on_delete=models.PROTECT,
        related_name="import_runs",
    )
    kind = models.CharField("导入类型", max_length=50)
    filename = models.CharField("文件名", max_length=255)
    upload = models.FileField("上传文件", upload_to="imports/%Y/%m/")
    dry_run = models.BooleanField("仅试导入", default=False)
    status = models.CharField("结果", max_length=10, choices=ImportStatus.choices)
    created_count = models.PositiveIntegerField("新增", default=0)
    updated_count = models.PositiveIntegerField("更新", default=0)
    errors = models.JSONField("错误", default=list, blank=True)
    rows_total = models.PositiveIntegerField("数据行数", default=0)
    rows_done = models.PositiveIntegerField("已处理行数", default=0)

    objects = ImportRunQuerySet.as_manager()

    class Meta:
        verbose_name = "导入记录"
        verbose_name_plural = "导入记录"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.filename}（{self.get_status_display()}）"

    def get_absolute_url(self):
        return reverse("import_run_detail", args=[self.pk])

    @property
    def in_progress(self) -> bool:
        """Waiting for or being worked on by a Celery worker (a large upload)."""
        return self.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)


class NotificationQuerySet(ScopedQuerySet):
    def visibility_q(self, user) -> Q | None:
        """An inbox is private: everyone, the county office included, sees only their own."""
        return Q(user=user)


class Notification(models.Model):
    """One message in a user's in-app inbox, e-mailed later in the daily digest. `source` names
    what caused it (e.g. "reminder:42"), unique per user, so a retried notify never doubles it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="收件人", on_delete=models.CASCADE, related_name="notifications"
    )
    source = models.CharField("来源", max_length=100)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    link = models.CharField("链接", max_length=300, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)
    emailed_at = models.DateTimeField("邮件发送时间", null=True, blank=True)
    # The reminder kit inserts with raw SQL: db_default keeps its rows (and any other raw
    # insert) valid without naming the column.
    kind = models.CharField(
        "提醒类别", max_length=20, choices=NoticeKind.choices, default=NoticeKind.NOTICE, db_default=NoticeKind.NOTICE
    )
    dispatched_at = models.DateTimeField(
        "分发渠道时间", null=True, blank=True, help_text="已按收件人的渠道写入发件箱的时间；为空表示待分发。"
    )
    undelivered = models.BooleanField(
        "未送达",
        default=False,
        db_default=False,
        help_text="收件人没有可用的渠道（手机号、企业微信、钉钉、邮箱都没有），只在站内消息中。",
    )

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = "站内消息"
        verbose_name_plural = "站内消息"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "source"],
                name="notification_once_per_user_source",
                violation_error_message="该消息已发给此用户。",
            ),
        ]
        indexes = [
            # notification_list: a user's inbox, newest first.
            models.Index(fields=["user", "-created_at"], name="notification_inbox_idx"),
            # unread_count: the header badge on every page.
            models.Index(fields=["user"], condition=Q(read_at__isnull=True), name="notification_unread_idx"),
            # digest_send: what is still to be e-mailed.
            models.Index(fields=["user"], condition=Q(emailed_at__isnull=True), name="notification_unemailed_idx"),
            # outbox_fill: what is still to be put in the outbox.
            models.Index(fields=["id"], condition=Q(dispatched_at__isnull=True), name="notification_undispatched_idx"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def absolute_link(self) -> str:
        """The link as it works outside the site (e-mail, SMS, WeCom, DingTalk)."""
        if not self.link or "://" in self.link:
            return self.link
        return settings.SITE_URL.rstrip("/") + self.link


class DigestDelivery(models.Model):
    """The one digest e-mail a user gets on a day; its unique key is the claim that makes a
    second digest run on the same day send nothing."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="收件人", on_delete=models.CASCADE, related_name="digests"
    )
    date = models.DateField("日期")
    sent_at = models.DateTimeField("发送时间", auto_now_add=True)
    items = models.PositiveIntegerField("消息条数", default=0)

    class Meta:
        verbose_name = "邮件摘要"
        verbose_name_plural = "邮件摘要"
        ordering = ["-date", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "date"],
                name="digestdelivery_once_per_user_day",
                violation_error_message="该用户当天的邮件摘要已发送。",
            ),
        ]

    def __str__(self):
        return f"{self.user} {self.date:%Y-%m-%d}"


def _document_template_path(instance, filename):
    return f"document_templates/{instance.county_id}/{instance.kind}.docx"


class DocumentTemplateQuerySet(ScopedQuerySet):
    def visibility_q(self, user) -> Q | None:
        # The county's templates are the county office's to see and replace.
        if user.is_superuser:
            return None
        if user.county_id is None or not user.is_county_admin:
            return Q(pk__in=[])
        return Q(county=user.county_id)


class DocumentTemplate(TimeStampedModel):
    """A county's own .docx template for one document kind (pilot_admin.documents), used
    instead of the default one; checked for the kind's placeholders when uploaded."""

    county = models.ForeignKey(
        "villages.County", verbose_name="县", on_delete=models.PROTECT, related_name="document_templates"
    )
    kind = models.CharField("文书类型", max_length=50)
    file = models.FileField("模板文件", upload_to=_document_template_path)
    original_name = models.CharField("上传的文件名", max_length=255)
    sha256 = models.CharField("文件校验值（SHA-256）", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )

    objects = DocumentTemplateQuerySet.as_manager()

    class Meta:
        verbose_name = "文书模板"
        verbose_name_plural = "文书模板"
        ordering = ["county", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "kind"],
                name="documenttemplate_one_per_county_kind",
                violation_error_message="本县该类文书已有模板，请替换原模板。",
            ),
        ]

    def __str__(self):
        from pilot_admin.documents import document_kinds

        kind = document_kinds.get(self.kind)
        return f"{self.county}：{kind.label if kind else self.kind}模板"


class WorkdayOverride(TimeStampedModel):
    """The county's own change to the legal working-day calendar (pilot_admin/workdays.py): a
    local day off (is_workday False on a weekday), a working weekend, or next year's schedule
    entered before the chinesecalendar package has it. One table for the installation: the
    county office runs it, and the State Council's calendar under it is national."""

    date = models.DateField("日期", unique=True)
    is_workday = models.BooleanField("当天上班", help_text="勾选：当天为工作日（如调休上班）；不勾选：当天放假。")
    name = models.CharField("名称", max_length=50, help_text="如：2027年春节、调休上班、县庆放假。")
    note = models.CharField("依据或说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "工作日历调整"
        verbose_name_plural = "工作日历调整"
        ordering = ["-date"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {'上班' if self.is_workday else '放假'}（{self.name}）"

    def get_absolute_url(self):
        return reverse("accounts:workday_calendar") + f"?year={self.date.year}"


class GroupRobotQuerySet(ScopedQuerySet):
    def visibility_q(self, user):
        # The county office sees every unit's group; a township its own government's; a
        # department its own. Duty administrators see no county data.
        if user.is_county_admin:
            return Q(department__county=user.county_id) if user.county_id else Q()
        if user.role == Role.TOWNSHIP:
            return Q(department__township=user.township_id)
        if user.role == Role.DEPARTMENT:
            return Q(department=user.department_id)
        return Q(pk__in=[])

    def edit_q(self, user):
        if not user.is_county_admin:
            return Q(pk__in=[])
        return self.visibility_q(user)

    def can_edit_unit(self, user, department) -> bool:
        """The county office sets the groups of its own county's units."""
        return user.is_county_admin and (user.county_id is None or department.county_id == user.county_id)


class GroupRobot(TimeStampedModel):
    """A unit's work group (a township government's or a department's) reached by its robot
    webhook: the county's decisions and reminders addressed to the unit go there once each
    (pilot_admin/notifications/outbox.py). The webhook's key and the DingTalk signing secret are
    credentials: encrypted at rest (pilot_admin/crypto.py), shown masked."""

    department = models.OneToOneField(
        "villages.Department", verbose_name="单位", on_delete=models.CASCADE, related_name="group_robot"
    )
    kind = models.CharField("机器人类别", max_length=20, choices=GroupRobotKind.choices)
    token = EncryptedCharField(
        "webhook 密钥", max_length=200, help_text="企业微信 webhook 的 key，或钉钉 webhook 的 access_token。"
    )
    secret = EncryptedCharField(
        "加签密钥", max_length=200, blank=True, help_text="钉钉机器人“加签”的密钥（SEC 开头）。"
    )

    objects = GroupRobotQuerySet.as_manager()

    class Meta:
        verbose_name = "群机器人"
        verbose_name_plural = "群机器人"
        ordering = ["department"]

    def __str__(self):
        return f"{self.department}（{self.get_kind_display()}）"

    def clean(self):
        super().clean()
        if self.kind == GroupRobotKind.DINGTALK and not self.secret:
            raise ValidationError({"secret": "钉钉群机器人须填写加签密钥（SEC 开头），本系统只发送加签的消息。"})
        if self.kind == GroupRobotKind.DINGTALK and not self.secret.startswith("SEC"):
            raise ValidationError({"secret": "钉钉加签密钥以 SEC 开头，请从机器人的“安全设置 → 加签”处复制。"})
        if self.kind == GroupRobotKind.WECOM:
            self.secret = ""

    @property
    def webhook_url(self) -> str:
        if self.kind == GroupRobotKind.WECOM:
            return f"{settings.WECOM_ROBOT_BASE.rstrip('/')}{WECOM_ROBOT_PATH}?key={self.token}"
        return f"{settings.DINGTALK_ROBOT_BASE.rstrip('/')}{DINGTALK_ROBOT_PATH}?access_token={self.token}"

    @property
    def masked_webhook(self) -> str:
        name = "key" if self.kind == GroupRobotKind.WECOM else "access_token"
        return self.webhook_url.split("?", 1)[0] + f"?{name}={mask_secret(self.token)}"

    @property
    def masked_secret(self) -> str:
        return mask_secret(self.secret)


WECOM_ROBOT_PATH = "/cgi-bin/webhook/send"
DINGTALK_ROBOT_PATH = "/robot/send"


def mask_secret(value: str) -> str:
    """Enough of a credential to recognise it (its first and last four characters), never all."""
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * len(value)
    return f"{value[:4]}{'*' * 8}{value[-4:]}"


class OutboxMessage(models.Model):
    """One notice on its way to one person by one channel (SMS, WeCom, DingTalk). Sending is
    claimed with a conditional UPDATE that sets `claimed_until`; a worker killed mid-send leaves
    the claim to expire and another worker retries it. Once `status` is sent nothing sends it
    again (pilot_admin/notifications/outbox.py)."""

    notification = models.ForeignKey(
        Notification, verbose_name="站内消息", on_delete=models.CASCADE, related_name="outbox"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="收件人", on_delete=models.CASCADE, related_name="outbox"
    )
    channel = models.CharField("渠道", max_length=20, choices=OutboxChannel.choices)
    address = models.CharField("地址", max_length=64, help_text="写入发件箱时收件人在该渠道的手机号或账号。")
    kind = models.CharField("提醒类别", max_length=20, choices=NoticeKind.choices)
    content_hash = models.CharField("内容摘要", max_length=64, help_text="标题和内容的 SHA-256，判断是否相同内容。")
    status = models.CharField("状态", max_length=20, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveIntegerField("已尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次尝试时间")
    claimed_until = models.DateTimeField("认领到期时间", null=True, blank=True)
    claim_token = models.CharField("认领标记", max_length=32, blank=True)
    provider = models.CharField("服务商", max_length=20, blank=True)
    provider_message_id = models.CharField("服务商消息编号", max_length=100, blank=True)
    last_error = models.CharField("最近一次错误", max_length=500, blank=True)
    created_at = models.DateTimeField("写入时间", auto_now_add=True)
    sent_at = models.DateTimeField("送达时间", null=True, blank=True)
    limit_day = models.DateField(
        "限额日期", null=True, blank=True, help_text="钉钉工作通知：相同内容每人每天只送达一次，发送前占用当天。"
    )
    robot = models.ForeignKey(
        GroupRobot,
        verbose_name="群机器人",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outbox",
        help_text="发往单位工作群的消息：一条通知每个群只发一次。",
    )
    source = models.CharField("来源", max_length=100, blank=True, help_text="群消息：所属通知的来源，每群一次。")

    class Meta:
        verbose_name = "发件箱消息"
        verbose_name_plural = "发件箱消息"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "user", "channel"],
                name="outbox_once_per_notification_user_channel",
                violation_error_message="该消息已经由此渠道发给此用户。",
            ),
            # DingTalk delivers the same content to a person once a day: the day is claimed
            # before sending, so a second row with that content waits or is skipped.
            models.UniqueConstraint(
                fields=["user", "content_hash", "limit_day"],
                condition=Q(channel="dingtalk"),
                name="outbox_dingtalk_same_content_once_a_day",
                violation_error_message="相同内容今天已经通过钉钉发给此用户。",
            ),
            # One message per notice per group, however many of the unit's members it reached.
            models.UniqueConstraint(
                fields=["robot", "source"],
                condition=Q(robot__isnull=False),
                name="outbox_once_per_notice_per_group",
                violation_error_message="该通知已经发往这个群。",
            ),
        ]
        indexes = [
            # outbox_claim: the pending rows whose time has come.
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="outbox_pending_idx"),
            # notification_delivery: the county's page of failed and pending messages.
            models.Index(fields=["status", "-created_at"], name="outbox_status_idx"),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} → {self.user}：{self.notification}"

    @property
    def masked_address(self) -> str:
        """A mobile number as lists show it (138****5678); account ids as they are."""
        if self.channel == OutboxChannel.SMS and len(self.address) == 11:
            return f"{self.address[:3]}****{self.address[-4:]}"
        return self.address
