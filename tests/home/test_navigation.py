"""The main menu: grouped by work area, each role seeing only the areas and pages it may open;
no menu while a session still owes its second factor or a new password; and the favicon."""

import re

from django.test import override_settings
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from pilot_admin.accounts import services as account_services
from tests.factories import PASSWORD

AREAS = ["村庄与试点", "任务", "检查验收", "特困人员", "村务监督", "管理"]


def _menu(html: str) -> dict[str, list[str]]:
    """Work area → the labels of its pages, as the header shows them."""
    nav = html.split('id="main-nav"', 1)[1].split("</nav>", 1)[0]
    groups = {}
    for summary, items in re.findall(r"<summary>([^<]+?)\s*(?:<span[^>]*>\d+</span>)?</summary>(.*?)</ul>", nav, re.S):
        groups[summary.strip()] = [label.strip() for label in re.findall(r"<a [^>]*>([^<]+)", items)]
    return groups


def test_the_county_office_sees_every_work_area_in_order(client, county_admin):
    client.force_login(county_admin)

    menu = _menu(client.get(reverse("home")).content.decode())

    assert list(menu) == AREAS
    assert menu["任务"] == ["任务台账", "报告审核", "补报申请", "报送情况"]
    assert menu["特困人员"] == ["特困人员", "走访台账", "监护照护概况", "摸底排查", "督查问题"]
    assert menu["村务监督"] == ["村务监督委员会", "村干部名册", "试点与推广"]
    assert "后台" in menu["管理"] and "导入" in menu["管理"]


def test_a_township_sees_its_own_pages_and_no_county_office_ones(client, township_a_official):
    client.force_login(township_a_official)

    menu = _menu(client.get(reverse("home")).content.decode())

    assert menu["任务"] == ["我的任务", "任务台账", "报送情况"]
    assert menu["村务监督"] == ["村务监督委员会", "村干部名册", "试点与推广"]
    assert "申报审核" not in menu["村庄与试点"] and "试点申报" in menu["村庄与试点"]
    # 群机器人: its own township government's work group, read-only.
    assert menu["管理"] == ["导入", "群机器人"]


def test_an_administrator_duty_sees_only_its_own_area(client, audit_admin):
    client.force_login(audit_admin)

    menu = _menu(client.get(reverse("home")).content.decode())

    assert menu == {"管理": ["审计日志"]}


def test_the_current_page_is_marked_in_its_area(client, county_admin):
    client.force_login(county_admin)

    html = client.get(reverse("tasks:ledger")).content.decode()

    assert f'href="{reverse("tasks:ledger")}" aria-current="page">任务台账</a>' in html
    assert html.count('aria-current="page"') == 1
    assert '<li class="nav-group current"><details name="main-nav" data-group="tasks">' in html


def test_the_phone_menu_button_controls_the_menu(client, township_a_official):
    client.force_login(township_a_official)

    html = client.get(reverse("home")).content.decode()

    assert (
        '<button type="button" class="nav-toggle" id="nav-toggle" aria-expanded="false" aria-controls="main-nav">'
        in html
    )
    assert '<nav class="main-nav" id="main-nav" aria-label="主菜单">' in html


@override_settings(PILOT_ADMIN_REQUIRE_2FA=True)
def test_no_menu_while_the_second_factor_is_owed(client, county_admin):
    client.post(reverse("login"), {"username": county_admin.username, "password": PASSWORD})

    html = client.get(reverse("accounts:two_factor_setup")).content.decode()

    assert "按本系统规定" in html
    assert 'id="main-nav"' not in html
    assert 'id="account-link"' not in html and 'id="inbox-link"' not in html
    assert ">退出</button>" in html


def test_no_menu_on_the_verify_step(client, township_a_official):
    TOTPDevice.objects.create(user=township_a_official, name="手机", confirmed=True)
    client.post(reverse("login"), {"username": township_a_official.username, "password": PASSWORD})

    html = client.get(reverse("accounts:two_factor_verify")).content.decode()

    assert "输入验证码" in html
    assert 'id="main-nav"' not in html and ">退出</button>" in html


def test_no_menu_while_a_new_password_is_owed(client, system_admin, township_a_official):
    account_services.password_reset(actor=system_admin, user=township_a_official, password="Temp-pass-2026!")
    client.post(reverse("login"), {"username": township_a_official.username, "password": "Temp-pass-2026!"})

    response = client.get(reverse("accounts:password_change"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "请先改为只有您自己知道的新密码" in html
    assert 'id="main-nav"' not in html


def test_a_voluntary_two_factor_set_up_keeps_the_menu(client, township_a_official):
    client.force_login(township_a_official)

    html = client.get(reverse("accounts:two_factor_setup")).content.decode()

    assert 'id="main-nav"' in html


def test_every_page_names_the_favicon_and_favicon_ico_answers(client, township_a_official):
    login_page = client.get(reverse("login")).content.decode()
    icon = re.search(r'<link rel="icon" href="([^"]+\.ico)"', login_page)
    assert icon, "the login page names no icon"

    response = client.get("/favicon.ico", follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == icon[1]
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body[:4] == b"\x00\x00\x01\x00"  # an ICO file
    client.force_login(township_a_official)
    assert icon[0] in client.get(reverse("home")).content.decode()
