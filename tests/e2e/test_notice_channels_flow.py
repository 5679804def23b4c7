"""A township official gives their mobile number and WeCom account on 我的账户 → 提醒渠道 and
turns SMS off for everything but the overdue notices; the county office then sees on 提醒送达 a
colleague with no channel at all as 未送达 after the outbox has run."""

import pytest
from playwright.sync_api import expect

from pilot_admin.choices import Channel, NoticeKind
from pilot_admin.models import Notification, User
from pilot_admin.notifications.outbox import outbox_run
from pilot_admin.notifications.services import notify
from tests.e2e.conftest import save_screenshot, sign_in
from tests.e2e.helpers import open_menu_link
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]


def test_a_person_sets_their_channels_and_the_county_sees_who_is_unreached(
    new_context, township_a_official, county_admin, county, settings
):
    settings.NOTIFY_PROVIDERS = dict.fromkeys(Channel.values, "console")
    page = new_context().new_page()
    sign_in(page, township_a_official)
    page.locator("#account-link").click()
    page.locator("#notice-channels-link").click()
    expect(page).to_have_title("提醒渠道 · 试点工作管理系统")

    page.get_by_label("手机号").fill("1381234567")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".field-error")).to_contain_text("请填写 11 位中国大陆手机号")

    page.get_by_label("手机号").fill("13812345678")
    page.get_by_label("企业微信账号").fill("zhangsan")
    page.locator('input[name="due_tomorrow__sms"]').uncheck()
    save_screenshot(page, "notice-channels-form.png", full_page=True)
    page.get_by_role("button", name="保存").click()

    expect(page.locator("#own-phone")).to_have_text("138****5678")
    routes = page.locator("#notice-routes")
    # No DingTalk account given: tomorrow's deadlines go by WeCom only; overdue ones also by SMS.
    expect(routes.locator("tr", has_text="明天到期").locator("td").nth(1)).to_have_text("企业微信")
    expect(routes.locator("tr", has_text="已逾期").locator("td").nth(1)).to_have_text("短信、企业微信")
    user = User.objects.get(pk=township_a_official.pk)
    assert user.phone == "13812345678" and "sms" not in user.notice_channels["due_tomorrow"]

    UserFactory(role="county_viewer", county=county, username="nowhere", last_name="王无渠道")
    recipients = User.objects.filter(username__in=["nowhere", township_a_official.username])
    notify(users=recipients, source="e2e", title="【已逾期】村务公开报告")
    Notification.objects.update(kind=NoticeKind.OVERDUE)
    outbox_run()

    admin_page = new_context().new_page()
    sign_in(admin_page, county_admin)
    open_menu_link(admin_page, "提醒送达")
    undelivered = admin_page.locator("#undelivered")
    expect(undelivered.locator("tr", has_text="王无渠道")).to_contain_text("未送达")
    expect(admin_page.locator("#channel-counts tr", has_text="短信")).to_contain_text("1")
    save_screenshot(admin_page, "notification-delivery.png", full_page=True)
