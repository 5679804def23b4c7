from django.db import models


class Role(models.TextChoices):
    COUNTY_ADMIN = "county_admin", "县级管理员（领导小组办公室）"
    COUNTY_VIEWER = "county_viewer", "县级查看"
    DEPARTMENT = "department", "县直部门"
    TOWNSHIP = "township", "乡镇"
    INSPECTOR = "inspector", "检查验收组"
    API_CLIENT = "api_client", "接口客户端"
    # The three separated administrator duties (等保 2.0 三级 "三权分立"): each manages one side
    # of the system and sees no county data; see SECURITY.md.
    SYSTEM_ADMIN = "system_admin", "系统管理员"
    SECURITY_ADMIN = "security_admin", "安全管理员"
    AUDIT_ADMIN = "audit_admin", "审计管理员"


# The administrator duties, one per account; every other role is a business role.
DUTY_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})


class AuditAction(models.TextChoices):
    CREATE = "create", "新增"
    UPDATE = "update", "修改"
    DELETE = "delete", "删除"
    IMPORT = "import", "导入"
    LOGIN = "login", "登录"
    LOGOUT = "logout", "退出"
    LOGIN_FAILED = "login_fail", "登录失败"
    EXPORT = "export", "导出"
    READ = "read", "查阅"
    DENIED = "denied", "拒绝访问"
    WRITE_FAILED = "write_fail", "操作未成功"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "处理中"
    FAILED = "failed", "有错误，未写入"
    CHECKED = "checked", "试导入通过，未写入"
    DONE = "done", "已导入"


class ReminderKind(models.TextChoices):
    """The steps of every reminder source: warnings before a deadline, then escalations after it."""

    DUE_SOON = "due_soon", "即将到期"
    DUE_TOMORROW = "due_tomorrow", "明天到期"
    OVERDUE = "overdue", "已逾期"
    ESCALATE_LEADER = "escalate_leader", "逾期升级：单位负责人"
    ESCALATE_COUNTY = "escalate_county", "逾期升级：县牵头单位和县办"


class DurationUnit(models.TextChoices):
    """How a program counts a duration (report lock, rectification deadline, R-K9's "20个工作日"):
    calendar days, or working days on the legal calendar (pilot_admin/workdays.py)."""

    CALENDAR = "calendar", "自然日"
    WORKING = "working", "工作日"


class NoticeKind(models.TextChoices):
    """What a notification is about, for choosing its channels: the reminder kinds, and the
    county's decisions that notify() announces."""

    DUE_SOON = "due_soon", "即将到期"
    DUE_TOMORROW = "due_tomorrow", "明天到期"
    OVERDUE = "overdue", "已逾期"
    ESCALATE_LEADER = "escalate_leader", "逾期升级：单位负责人"
    ESCALATE_COUNTY = "escalate_county", "逾期升级：县牵头单位和县办"
    NOTICE = "notice", "处理结果通知"


# Overdue and its escalations always reach some configured channel, whatever a person chose.
ESCALATION_KINDS = frozenset({NoticeKind.OVERDUE, NoticeKind.ESCALATE_LEADER, NoticeKind.ESCALATE_COUNTY})


class Channel(models.TextChoices):
    """Where a notice goes beyond the inbox, one outbox row each. E-mail is not here: it is the
    daily digest, one mail per person (pilot_admin/notifications/services.py)."""

    SMS = "sms", "短信"
    WECOM = "wecom", "企业微信"
    DINGTALK = "dingtalk", "钉钉"


class GroupRobotKind(models.TextChoices):
    """A unit's work-group robot: one webhook message per notice reaches the whole group."""

    WECOM = "wecom_robot", "企业微信群机器人"
    DINGTALK = "dingtalk_robot", "钉钉群机器人"


class OutboxChannel(models.TextChoices):
    """What an outbox row travels by: a person's channel, or a unit's group robot."""

    SMS = Channel.SMS.value, Channel.SMS.label
    WECOM = Channel.WECOM.value, Channel.WECOM.label
    DINGTALK = Channel.DINGTALK.value, Channel.DINGTALK.label
    WECOM_ROBOT = GroupRobotKind.WECOM.value, GroupRobotKind.WECOM.label
    DINGTALK_ROBOT = GroupRobotKind.DINGTALK.value, GroupRobotKind.DINGTALK.label


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "待发送"
    SENT = "sent", "已送达"
    FAILED = "failed", "发送失败"
    SKIPPED = "skipped", "未重复发送"


class MonthStatsScope(models.TextChoices):
    """Which townships a monthly statistic covers (guardianship and supervision stats): one
    choice set so the API schema names its enum once (settings ENUM_NAME_OVERRIDES)."""

    COUNTY = "county", "全县"
    TOWNSHIP = "township", "一个乡镇"
