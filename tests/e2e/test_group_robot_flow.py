"""The county office sets a township government's DingTalk group robot from the menu (群机器人):
a webhook of another host is refused in Chinese, the right one saved and shown masked; the
township's official then sees it masked and without the form, and a notice to the township's
officials reaches the group once (the local server recomputing DingTalk's signature)."""

import pytest
from playwright.sync_api import expect

from pilot_admin.models import GroupRobot
from pilot_admin.notifications.outbox import outbox_run
from pilot_admin.notifications.services import notify
from tests.e2e.conftest import save_screenshot, sign_in
from tests.e2e.helpers import open_menu_link
from tests.factories import DepartmentFactory, UserFactory
from tests.helpers import provider_server as ps
from villages.choices import DepartmentKind

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]


def test_the_county_office_sets_a_group_robot_and_the_group_hears_a_notice_once(
    new_context, county_admin, township_a_official, township_a, settings
):
    unit = DepartmentFactory(
        county=township_a.county, name=f"{township_a.name}人民政府", kind=DepartmentKind.TOWNSHIP, township=township_a
    )
    with ps.ProviderServer() as server:
        settings.NOTIFY_PROVIDERS = {}
        settings.NOTIFY_ROBOT_PROVIDER = "webhook"
        settings.DINGTALK_ROBOT_BASE = server.url
        page = new_context().new_page()
        sign_in(page, county_admin)
        open_menu_link(page, "群机器人")
        page.locator("#group-robot-table tr", has_text=unit.name).get_by_role("link", name="设置").click()

        page.get_by_label("钉钉群机器人").check()
        page.get_by_label("webhook 地址").fill("https://example.com/robot/send?access_token=x")
        page.get_by_label("加签密钥（钉钉）").fill(ps.DINGTALK_ROBOT_SECRET)
        page.get_by_role("button", name="保存").click()
        expect(page.locator(".error-summary")).to_contain_text("不是钉钉群机器人的 webhook 地址")

        page.get_by_label("钉钉群机器人").check()
        page.get_by_label("webhook 地址").fill(f"{server.url}/robot/send?access_token={ps.DINGTALK_ROBOT_TOKEN}")
        page.get_by_label("加签密钥（钉钉）").fill(ps.DINGTALK_ROBOT_SECRET)
        page.get_by_role("button", name="保存").click()
        row = page.locator("#group-robot-table tr", has_text=unit.name)
        expect(row).to_contain_text("钉钉群机器人")
        expect(row).to_contain_text(ps.DINGTALK_ROBOT_SECRET[:4] + "********" + ps.DINGTALK_ROBOT_SECRET[-4:])
        expect(row).not_to_contain_text(ps.DINGTALK_ROBOT_SECRET)
        save_screenshot(page, "group-robot-list.png", full_page=True)
        assert GroupRobot.objects.get(department=unit).token == ps.DINGTALK_ROBOT_TOKEN

        township_page = new_context().new_page()
        sign_in(township_page, township_a_official)
        open_menu_link(township_page, "群机器人")
        township_page.locator("#group-robot-table tr", has_text=unit.name).get_by_role("link", name="查看").click()
        expect(township_page.locator("#masked-secret")).to_have_text(
            ps.DINGTALK_ROBOT_SECRET[:4] + "********" + ps.DINGTALK_ROBOT_SECRET[-4:]
        )
        expect(township_page.get_by_label("webhook 地址")).to_have_count(0)
        save_screenshot(township_page, "group-robot-township.png", full_page=True)

        colleagues = [township_a_official] + [
            UserFactory(role="township", township=township_a, county=township_a.county) for _ in range(4)
        ]
        notify(users=colleagues, source="e2e-robot", title="【处理结果】进度报告已退回", body="请修改后重报。")
        outbox_run()
        assert len(server.delivered("dingtalk_robot")) == 1
