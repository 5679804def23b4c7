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


@dataclass(frozen=True)
class Confirmation:
    """What an irreversible action will do, shown before it is done: a question, the facts the
    user should check, the button's words, and fields the confirming form posts along."""

    title: str
    question: str
    details: tuple[str, ...] = ()
    button: str = "确认"
    fields: tuple[tuple[str, str], ...] = ()


CONFIRM_FIELD = "confirm"


class ConfirmStepMixin:
    """Irreversible actions in two steps, with no script needed: the page's button is a link
    to the action's URL, whose GET shows a Confirmation (`confirm_<action>(record)`, or
    `confirmation(record)` for a view with one action) and a form that posts confirm=yes. A
    POST without it — an old page, a hand-made form — is sent to that confirmation, not done."""

    confirm_template = "confirm_action.html"

    def confirmation_for(self, target) -> Confirmation | None:
        action = self.kwargs.get("action")
        builder = getattr(self, f"confirm_{action}" if action else "confirmation", None)
        return builder(target) if builder is not None else None

    def get(self, request, *args, **kwargs):
        from django.shortcuts import render

        self.handler()  # an unknown action is a 404, as for a POST
        target = self.get_object()
        confirmation = self.confirmation_for(target)
        if confirmation is None:
            raise Http404("该操作无需确认页。")
        return render(
            request,
            self.confirm_template,
            {
                "confirmation": confirmation,
                "target": target,
                "cancel_url": safe_next(request, self.default_url(target)),
                "next": request.GET.get("next", ""),
            },
        )

    def post(self, request, *args, **kwargs):
        self.handler()
        if request.POST.get(CONFIRM_FIELD) != "yes" and self.confirmation_for(self.get_object()) is not None:
            return redirect(request.path)
        return super().post(request, *args, **kwargs)
