"""The shared action view: one named action calls one service; its refusal becomes messages; the
user returns to a `next` inside the site, else to the record."""

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import RequestFactory

from pilot_admin.actions import ActionView, Done
from pilot_admin.scoping import any_signed_in

RECORD = "/records/7/"


class RecordActionView(ActionView):
    access = staticmethod(any_signed_in)
    actions = ("approve", "refuse", "deny", "copy")

    def get_object(self):
        return RECORD

    def do_approve(self, record):
        return "已审批。"

    def do_refuse(self, record):
        raise ValidationError(["状态已变化。", "请刷新后重试。"])

    def do_deny(self, record):
        raise PermissionDenied("只有县领导小组办公室可以审批。")

    def do_copy(self, record):
        return Done("已复制。", then="/records/8/")


def _post(user, action, data=None):
    request = RequestFactory().post(f"{RECORD}{action}/", data or {})
    request.user = user
    request._messages = CookieStorage(request)
    response = RecordActionView.as_view()(request, pk=7, action=action)
    return response, [(message.level, message.message) for message in request._messages]


def test_a_done_action_says_so_and_returns_to_the_record(county_admin):
    response, messages = _post(county_admin, "approve")
    assert (response.status_code, response["Location"]) == (302, RECORD)
    assert messages == [(constants.SUCCESS, "已审批。")]


def test_a_refused_action_shows_each_reason_as_an_error(county_admin):
    response, messages = _post(county_admin, "refuse")
    assert response["Location"] == RECORD
    assert messages == [(constants.ERROR, "状态已变化。"), (constants.ERROR, "请刷新后重试。")]


def test_a_service_permission_refusal_is_a_message_not_an_error_page(county_admin):
    response, messages = _post(county_admin, "deny")
    assert response["Location"] == RECORD
    assert messages == [(constants.ERROR, "只有县领导小组办公室可以审批。")]


def test_next_inside_the_site_is_followed_and_outside_it_ignored(county_admin):
    assert _post(county_admin, "approve", {"next": "/review/?page=2"})[0]["Location"] == "/review/?page=2"
    for elsewhere in ("https://evil.example/", "//evil.example/", "/\\evil.example/"):
        assert _post(county_admin, "approve", {"next": elsewhere})[0]["Location"] == RECORD


def test_an_action_that_made_a_record_goes_there(county_admin):
    response, messages = _post(county_admin, "copy", {"next": "/review/"})
    assert response["Location"] == "/records/8/"
    assert messages == [(constants.SUCCESS, "已复制。")]


def test_an_unknown_action_is_a_404(county_admin):
    with pytest.raises(Http404):
        _post(county_admin, "perform")
