"""The inbox: a user's own notifications, newest first; marking read; click-through."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views import View
from django.views.generic import ListView, TemplateView

from pilot_admin.choices import Channel, OutboxStatus
from pilot_admin.notifications import selectors
from pilot_admin.notifications import services as notifications
from pilot_admin.params import safe_url
from pilot_admin.scoping import ScopedViewMixin, any_signed_in


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
                for channel, label in Channel.choices
            ],
            undelivered=undelivered[: self.shown],
            undelivered_total=undelivered.count(),
            failures=failures[: self.shown],
            failures_total=failures.count(),
            **kwargs,
        )


def _inbox_url() -> str:
    return reverse("notification_list")
