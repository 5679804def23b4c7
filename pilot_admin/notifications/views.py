"""The inbox: a user's own notifications, newest first; marking read; click-through. The
county office's delivery page, and the units' group robots (群机器人)."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from pilot_admin.choices import OutboxChannel, OutboxStatus, Role
from pilot_admin.notifications import selectors
from pilot_admin.notifications import services as notifications
from pilot_admin.notifications.forms import GroupRobotForm
from pilot_admin.params import safe_url
from pilot_admin.scoping import ScopedViewMixin, any_signed_in

UNIT_ROLES = (Role.TOWNSHIP, Role.DEPARTMENT)


class _OwnNotificationMixin(ScopedViewMixin):
    """Loads the notification the URL names from the user's own inbox: anyone else's is a 404."""

    access = staticmethod(any_signed_in)

    def load(self, request, *args, **kwargs):
        self.notification = get_object_or_404(notifications.notification_list(user=request.user), pk=kwargs["pk"])


class NotificationListView(ScopedViewMixin, ListView):
    access = staticmethod(any_signed_in)
    template_name = "pilot_admin/notification_list.html"
    context_object_name = "items"
    paginate_by = 30

    def get_queryset(self):
        return notifications.notification_list(user=self.request.user)


class NotificationReadView(_OwnNotificationMixin, View):
    """POST: mark one notification read and go back to the inbox page it was on."""

    def post(self, request, pk):
        notifications.notification_mark_read(user=request.user, notification=self.notification)
        page = request.POST.get("page", "")
        return redirect(f"{_inbox_url()}?page={page}" if page.isdigit() else _inbox_url())


class NotificationOpenView(_OwnNotificationMixin, View):
    """Click-through: mark read, then follow the notification's link (only to this site)."""

    def get(self, request, pk):
        notifications.notification_mark_read(user=request.user, notification=self.notification)
        return redirect(safe_url(request, self.notification.link, _inbox_url()))


class NotificationReadAllView(ScopedViewMixin, View):
    access = staticmethod(any_signed_in)

    def post(self, request):
        count = notifications.notification_mark_all_read(user=request.user)
        messages.success(request, f"已将 {count} 条消息标为已读。" if count else "没有未读消息。")
        return redirect(_inbox_url())


def _county_office(user) -> bool:
    return user.is_county_admin


class NotificationDeliveryView(ScopedViewMixin, TemplateView):
    """提醒送达情况 (the county office): per channel how many messages were sent, wait or failed;
    the notices that reached nobody beyond the inbox (未送达), and the messages given up."""

    scope_declared = "county's own recipients"
    access = staticmethod(_county_office)
    template_name = "pilot_admin/notification_delivery.html"
    shown = 100

    def get_context_data(self, **kwargs):
        user = self.request.user
        counts = selectors.outbox_counts(user=user)
        undelivered = selectors.undelivered_notifications(user=user)
        failures = selectors.outbox_failures(user=user)
        return super().get_context_data(
            statuses=OutboxStatus.choices,
            channel_counts=[
                (label, [counts.get((channel, status), 0) for status, _ in OutboxStatus.choices])
                for channel, label in OutboxChannel.choices
            ],
            undelivered=undelivered[: self.shown],
            undelivered_total=undelivered.count(),
            failures=failures[: self.shown],
            failures_total=failures.count(),
            **kwargs,
        )


def _inbox_url() -> str:
    return reverse("notification_list")


def can_view_group_robots(user) -> bool:
    """The county office sets the units' work groups; a township or department sees its own."""
    return user.is_authenticated and user.is_active and (user.is_county_admin or user.role in UNIT_ROLES)


class GroupRobotListView(ScopedViewMixin, TemplateView):
    """群机器人: the units and their work group's robot (the webhook and secret masked)."""

    access = staticmethod(can_view_group_robots)
    template_name = "pilot_admin/group_robot_list.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            units=selectors.group_robot_units(user=self.request.user),
            can_edit=self.request.user.is_county_admin,
            provider=settings.NOTIFY_ROBOT_PROVIDER,
            **kwargs,
        )


class GroupRobotEditView(ScopedViewMixin, FormView):
    """One unit's group robot: the county office sets or removes it; the unit itself sees it
    masked. Another township's unit is a 404."""

    access = staticmethod(can_view_group_robots)
    template_name = "pilot_admin/group_robot_form.html"
    form_class = GroupRobotForm

    def load(self, request, *args, **kwargs):
        self.unit = get_object_or_404(selectors.group_robot_units(user=request.user), pk=kwargs["pk"])
        self.robot = getattr(self.unit, "group_robot", None)
        self.can_edit = request.user.is_county_admin

    def post(self, request, *args, **kwargs):
        if not self.can_edit:
            raise PermissionDenied("只有县领导小组办公室可以设置群机器人。")
        if request.POST.get("action") == "delete" and self.robot is not None:
            notifications.group_robot_delete(actor=request.user, robot=self.robot)
            messages.success(request, f"已删除{self.unit.name}的群机器人。")
            return redirect("group_robot_list")
        return super().post(request, *args, **kwargs)

    def get_initial(self):
        return {"kind": self.robot.kind} if self.robot else {}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "robot": self.robot}

    def get_context_data(self, **kwargs):
        return super().get_context_data(unit=self.unit, robot=self.robot, can_edit=self.can_edit, **kwargs)

    def form_valid(self, form):
        try:
            notifications.group_robot_save(actor=self.request.user, department=self.unit, **form.cleaned_data)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
            return self.form_invalid(form)
        messages.success(self.request, f"已保存{self.unit.name}的群机器人。")
        return redirect("group_robot_list")
