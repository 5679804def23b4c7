"""The buttons that change one record (confirm, return, close out, verify …): one POST-only
base view, so every app's actions find their record, refuse and report the same way."""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, resolve_url
from django.views import View

from pilot_admin.params import safe_next
from pilot_admin.scoping import ScopedViewMixin


@dataclass(frozen=True)
class Done:
    """What an action did, when the user should then see something other than the record
    (the copy it made, the re-inspection it scheduled): a model instance or a URL."""

    message: str
    then: object


class ActionView(ScopedViewMixin, View):
    """POST-only. The URL names the record (`pk`) and, when a page offers several buttons, the
    action (`action`, one of `actions`); `do_<action>(record)` — or `perform(record)` for a view
    with one action — calls one service and returns the success message (or a Done).

    The service's refusal (ValidationError, or PermissionDenied for a rule beyond the page's
    role check) becomes error messages on the page the user comes back to: the posted `next`
    when it leads into this site, else the record. A record outside `get_queryset()` is a 404."""

    actions: tuple[str, ...] = ()

    def get_queryset(self):
        """The records this user may act on (visible_to or editable_by)."""
        raise NotImplementedError

    def get_object(self):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def default_url(self, target) -> str:
        """Where the user goes back to when the form posted no `next`."""
        return resolve_url(target)

    def perform(self, target):
        raise NotImplementedError

    def handler(self):
        action = self.kwargs.get("action")
        if action is None:
            return self.perform
        if action not in self.actions:
            raise Http404("没有这个操作。")
        return getattr(self, f"do_{action}")

    def post(self, request, *args, **kwargs):
        handler = self.handler()
        target = self.get_object()
        try:
            done = handler(target)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        except PermissionDenied as error:
            messages.error(request, str(error) or "您的角色无权执行此操作。")
        else:
            if isinstance(done, Done):
                messages.success(request, done.message)
                return redirect(done.then)
            messages.success(request, done)
        return redirect(safe_next(request, self.default_url(target)))
