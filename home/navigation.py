"""The main menu: groups by work area, each item shown only to the roles that may open it.

The menu is data: add a page by adding one `Item(...)` line to its group in MENU. A group whose
items the user may open none of is not shown, so a role sees only its own work areas. The
template (templates/base.html) shows what `menu_html` writes from it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType

from django.contrib import admin
from django.db import connection
from django.db.models import Func, IntegerField, QuerySet
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from guardianship import permissions as guardianship_permissions
from pilot_admin import excel, stats_cache
from pilot_admin.accounts import permissions as duty_permissions
from pilot_admin.accounts.middleware import PASSWORD_CHANGE_URL_NAMES, password_change_reason, pending_step
from pilot_admin.documents import services as document_services
from pilot_admin.memo import ProcessMemo
from pilot_admin.notifications import services as notifications
from pilot_admin.notifications.views import can_view_group_robots
from pilot_admin.reversing import reverse_static
from supervision import permissions as supervision_permissions
from tasks import permissions as task_permissions
from tasks import selectors as task_selectors
from villages import permissions as village_permissions
from villages import selectors_nominations

Allowed = Callable[[object], bool]  # takes the request


def business(can: Callable[[object], bool] | None = None) -> Allowed:
    """A business page: never an administrator duty's (they see no county data), and only
    for users `can(user)` lets in, when given."""
    return lambda request: not request.user.is_duty_admin and (can is None or can(request.user))


def duty(can: Callable[[object], bool]) -> Allowed:
    """A page of one of the separated administrator duties (a superuser holds all three)."""
    return lambda request: can(request.user)


@dataclass(frozen=True)
class Item:
    label: str
    url_name: str
    allowed: Allowed
    # The element id tests and other pages refer to; optional.
    id: str = ""
    # What a count beside the label counts (e.g. what waits for the user), called with user=…;
    # every badge of the header is counted in one statement (HeaderCounts).
    badge: Callable[..., QuerySet] | None = None


@dataclass(frozen=True)
class Group:
    key: str
    label: str
    items: tuple[Item, ...]


MENU: tuple[Group, ...] = (
    Group(
        "villages",
        "村庄与试点",
        (
            Item("乡镇", "villages:township_list", business()),
            Item("村", "villages:village_list", business()),
            Item("试点村台账", "villages:pilot_list", business()),
            Item("试点申报", "villages:nomination_list", business(village_permissions.can_nominate), "nav-nominations"),
            Item(
                "申报审核",
                "villages:nomination_queue",
                business(village_permissions.can_review_nominations),
                "nav-nomination-queue",
                selectors_nominations.pending_nominations,
            ),
            Item("试点比例达标", "villages:quota_report", business()),
            Item("建设达标", "villages:standards_table", business()),
            Item("村年度指标", "villages:indicator_list", business()),
        ),
    ),
    Group(
        "tasks",
        "任务",
        (
            Item("我的任务", "tasks:my_tasks", business(task_permissions.can_report)),
            Item("任务台账", "tasks:ledger", business()),
            Item("报告审核", "tasks:review_queue", business(task_permissions.can_review_reports)),
            Item(
                "补报申请",
                "tasks:unlock_request_queue",
                business(task_permissions.can_manage_tasks),
                "nav-unlock-requests",
                task_selectors.pending_unlock_requests,
            ),
            Item("报送情况", "tasks:completeness", business()),
        ),
    ),
    Group(
        "assessments",
        "检查验收",
        (
            Item("检查验收", "assessments:inspection_list", business()),
            Item("检查结果", "assessments:ranking", business()),
        ),
    ),
    Group(
        "guardianship",
        "特困人员",
        (
            Item("特困人员", "guardianship:register", business(guardianship_permissions.can_view_guardianship)),
            Item("走访台账", "guardianship:visit_matrix", business(guardianship_permissions.can_view_guardianship)),
            Item("监护照护概况", "guardianship:overview", business(guardianship_permissions.can_view_guardianship)),
            Item("摸底排查", "guardianship:screening", business(guardianship_permissions.can_view_guardianship)),
            Item("督查问题", "guardianship:finding_list", business(guardianship_permissions.can_view_guardianship)),
        ),
    ),
    Group(
        "supervision",
        "村务监督",
        (
            Item(
                "村务监督委员会", "supervision:committee_list", business(supervision_permissions.can_view_supervision)
            ),
            Item("村干部名册", "supervision:cadre_list", business(supervision_permissions.can_view_supervision)),
            Item("试点与推广", "supervision:rollout", business(supervision_permissions.can_view_supervision)),
        ),
    ),
    Group(
        "admin",
        "管理",
        (
            Item("导入", "import_list", business(excel.can_import_any)),
            Item("文书模板", "document_template_list", business(document_services.can_manage_templates)),
            Item("提醒送达", "notification_delivery", business(lambda user: user.is_county_admin)),
            Item("群机器人", "group_robot_list", business(can_view_group_robots)),
            Item("账户管理", "accounts:account_list", duty(duty_permissions.can_manage_accounts)),
            Item("接口令牌", "accounts:token_list", duty(duty_permissions.can_manage_accounts)),
            Item("工作日历", "accounts:workday_calendar", duty(duty_permissions.can_manage_accounts)),
            Item("登录锁定", "accounts:lockout_list", duty(duty_permissions.can_manage_login_security)),
            Item("两步验证重置", "accounts:two_factor_accounts", duty(duty_permissions.can_manage_login_security)),
            Item("长期未使用停用", "accounts:inactive_list", duty(duty_permissions.can_manage_login_security)),
            Item("密码策略", "accounts:password_policy", duty(duty_permissions.can_manage_login_security)),
            Item("审计日志", "audit_log", duty(duty_permissions.can_read_audit_log)),
            Item("后台", "admin:index", lambda request: admin.site.has_permission(request)),
        ),
    ),
)


INBOX = "inbox"


class _Count(Func):
    """COUNT(*) without GROUP BY: Func, not Aggregate, so the ORM adds no grouping."""

    template = "COUNT(*)"
    output_field = IntegerField()


def count_together_sql(querysets: dict[str, QuerySet]) -> tuple[str, list]:
    """One statement of each queryset's COUNT (one scalar subquery each)."""
    parts, params = [], []
    for queryset in querysets.values():
        sql, sql_params = queryset.order_by().values(n=_Count()).query.sql_with_params()
        parts.append(f"({sql})")
        params.extend(sql_params)
    return "SELECT " + ", ".join(parts), params


def _run_counts(keys: list[str], sql: str, params: list) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return dict(zip(keys, row, strict=True))


# The header's statement per user and day, compiled once per process: building and compiling its
# three querysets cost more CPU than any other part of a list page's header. What the badges
# count depends only on the user's scope (their `visible_to`) and today's date, both in the key;
# tests/home/test_header_counts.py checks the kept statement against a fresh one for every role.
_HEADER_SQL: ProcessMemo = ProcessMemo(2048)


def _header_statement(request) -> tuple[list[str], str, list]:
    user = request.user
    key = (user.pk, stats_cache.scope_key(user), user.is_active, user.is_staff, timezone.localdate())

    def compile_() -> tuple[list[str], str, list]:
        querysets = {INBOX: notifications.unread(user=user)}
        for group in MENU:
            for item in group.items:
                if item.badge and item.allowed(request):
                    querysets[item.url_name] = item.badge(user=user)
        return (list(querysets), *count_together_sql(querysets))

    return _HEADER_SQL.get(key, compile_)


class HeaderCounts:
    """The header's counts for one request: the inbox's unread messages and the badges of the
    menu items the user may open, counted together at the first one shown (none on a page
    without the header)."""

    def __init__(self, request):
        self.request = request
        self._counts: dict[str, int] | None = None

    def __getitem__(self, key: str) -> int:
        if self._counts is None:
            self._counts = _run_counts(*_header_statement(self.request))
        return self._counts[key]


def header_counts(request) -> HeaderCounts:
    """The request's HeaderCounts, made once (the menu and the inbox link share it)."""
    counts = getattr(request, "_header_counts", None)
    if counts is None:
        counts = request._header_counts = HeaderCounts(request)
    return counts


def _user_key(user) -> tuple:
    """Everything the menu's and the pages' permission checks read from a user: the role and
    units (stats_cache.scope_key), whether active and staff (the admin site), and a department's
    remit (guardianship.permissions.reads_by_remit)."""
    remit = tuple(user.department.remit or ()) if user.department_id else ()
    return (user.pk, stats_cache.scope_key(user), user.is_active, user.is_staff, remit)


# Per user key, kept by the process: which menu items the user may open, and the pages' flags.
# tests/home/test_menu_kept.py checks the kept against a fresh computation for every role.
_ALLOWED: ProcessMemo = ProcessMemo(4096)


def _kept(kind: str, request, compute):
    return _ALLOWED.get((kind, *_user_key(request.user)), compute)


def allowed_groups(request) -> tuple:
    """MENU's groups with the items the request's user may open; a group with none is left out."""
    return tuple(
        (group, items) for group in MENU if (items := tuple(item for item in group.items if item.allowed(request)))
    )


def _allowed_groups(request) -> tuple:
    return _kept("menu", request, lambda: allowed_groups(request))


def _current_view(request) -> str | None:
    match = getattr(request, "resolver_match", None)
    return match.view_name if match else None


def menu_for(request) -> list[dict]:
    """The groups and items of MENU the request's user may open, with the current page marked and
    each badge's count (what menu_html shows, as data)."""
    current, header = _current_view(request), header_counts(request)
    groups = []
    for group, allowed in _allowed_groups(request):
        items = [
            {
                "label": item.label,
                "url": reverse_static(item.url_name),
                "id": item.id,
                "current": item.url_name == current,
                "badge": header[item.url_name] if item.badge else None,
            }
            for item in allowed
        ]
        groups.append(
            {
                "key": group.key,
                "label": group.label,
                "items": items,
                "current": any(item["current"] for item in items),
                # What waits in the group shows on its collapsed heading too.
                "badge": sum(item["badge"] or 0 for item in items),
            }
        )
    return groups


def _badge(count) -> str:
    return f' <span class="badge">{count}</span>' if count else ""


def menu_html(request) -> SafeString:
    """The menu's groups as base.html shows them, written in Python: on every page the header's
    fifty-odd entries cost several milliseconds through the template engine's nested loops. Plain
    values throughout (the counts are read once, where the first badge is), no lazy objects: each
    access through one cost more than the string it wrote."""
    current, header = _current_view(request), header_counts(request)
    parts = []
    for group, items in _allowed_groups(request):
        counts = [header[item.url_name] if item.badge else 0 for item in items]
        entries = []
        for item, count in zip(items, counts, strict=True):
            element_id = f' id="{escape(item.id)}"' if item.id else ""
            mark = ' aria-current="page"' if item.url_name == current else ""
            entries.append(
                f'<li><a href="{escape(reverse_static(item.url_name))}"{element_id}{mark}>{escape(item.label)}'
                f"{_badge(count)}</a></li>"
            )
        in_group = any(item.url_name == current for item in items)
        parts.append(
            f'<li class="nav-group{" current" if in_group else ""}">'
            f'<details name="main-nav" data-group="{escape(group.key)}">'
            f"<summary>{escape(group.label)}{_badge(sum(counts))}</summary><ul>"
        )
        parts.extend(entries)
        parts.append("</ul></details></li>")
    return mark_safe("".join(parts))  # noqa: S308 — every value above is escaped


def _held(request) -> bool:
    """Whether the session still owes its second factor or a new password. Elsewhere than on
    those steps' own pages the middlewares have already redirected such a session, so only
    there (and on error pages, which no URL resolved) is it asked again: no query elsewhere."""
    match = getattr(request, "resolver_match", None)
    if match is not None and match.view_name not in PASSWORD_CHANGE_URL_NAMES:
        return False
    return bool(pending_step(request) or password_change_reason(request.user))


def navigation(request):
    """Context processor: the menu of the signed-in user's role, and the flags pages use to
    offer their own actions. A session still owing its second factor or a new password gets
    no menu at all: every page of it would lead back to that step."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    if _held(request):
        return {"nav_held": True}
    return {
        # Counted with the menu's badges in one statement; lazy, so a page that does not show
        # the header skips it.
        "inbox_unread": SimpleLazyObject(lambda: header_counts(request)[INBOX]),
        # Built only where a page shows the header.
        "menu_html": SimpleLazyObject(lambda: menu_html(request)),
        # Read-only: one user's flags are kept and shared by their pages.
        "nav": _kept("nav", request, lambda: MappingProxyType(nav_flags(request))),
    }


def nav_flags(request) -> dict:
    """The flags pages use to offer their own actions (new village, import, …)."""
    user = request.user
    return {
        "business": not user.is_duty_admin,
        "can_manage_pilots": village_permissions.can_manage_pilots(user),
        "can_nominate": village_permissions.can_nominate(user),
        "can_review_nominations": village_permissions.can_review_nominations(user),
        "can_manage_villages": village_permissions.can_manage_villages(user),
        "can_submit_indicators": village_permissions.can_submit_indicators(user),
        "is_county_admin": user.is_county_admin,
        "can_report": task_permissions.can_report(user),
        "can_review_reports": task_permissions.can_review_reports(user),
        "can_manage_tasks": task_permissions.can_manage_tasks(user),
        "can_import": excel.can_import_any(user),
        "can_view_guardianship": guardianship_permissions.can_view_guardianship(user),
        "can_manage_accounts": duty_permissions.can_manage_accounts(user),
        "can_manage_login_security": duty_permissions.can_manage_login_security(user),
        "can_read_audit_log": duty_permissions.can_read_audit_log(user),
        "can_use_admin_site": admin.site.has_permission(request),
    }
