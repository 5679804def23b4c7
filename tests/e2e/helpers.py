"""Steps more than one browser test takes the same way (kept here so the tests agree on them)."""

ROOMS = ("便民服务室", "日间照料中心", "司法调解室", "文化活动室", "卫生计生服务室", "全民健身娱乐活动场所")
INFRA = ("道路硬化", "路灯亮化", "河道洁化", "环境绿化", "供排水及生活污水处理设施", "垃圾处理站")
FLAGS = ("综合信息网络平台已覆盖", "网格化服务管理平台已覆盖", "公共安全视频监控已覆盖")


def fill_indicators(page, area):
    """Fill the open indicator form as a township official would: `area` m² of service station,
    every room, infrastructure item and platform ticked, the economy figures all good; submit."""
    form = page.locator("#indicator-form")
    form.get_by_label("综合服务站面积（平方米）").fill(area)
    for label in (*ROOMS, *INFRA, *FLAGS):
        form.get_by_label(label, exact=True).check()
    form.get_by_label("已提供基本公共服务项目数", exact=True).fill("30")
    form.get_by_label("目录内基本公共服务项目数", exact=True).fill("30")
    form.get_by_label("社区社会组织数", exact=True).fill("2")
    form.get_by_label("贫困户数", exact=True).fill("4")
    form.get_by_label("有增收主业的贫困户数", exact=True).fill("4")
    form.get_by_label("已脱贫的贫困户数", exact=True).fill("4")
    form.get_by_role("button", name="提交").click()


def standards_api(page, program, year):
    """GET /api/v1/stats/standards/ with the page's session, as the signed-in user sees it."""
    response = page.request.get(f"/api/v1/stats/standards/?program={program.code}&year={year}")
    assert response.status == 200, response.text()
    return response.json()


def open_menu_link(page, name, *, exact=True):
    """Follow a main-menu entry as a person does: open the menu (the ☰ 菜单 button on a phone),
    then the work area that holds the entry, then the entry."""
    nav = page.get_by_role("navigation", name="主菜单")
    toggle = page.locator("#nav-toggle")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    link = nav.get_by_role("link", name=name, exact=exact)
    if not link.is_visible():
        # Queried inside each area's item, so not through the navigation landmark.
        hidden = page.get_by_role("link", name=name, exact=exact, include_hidden=True)
        nav.locator("li.nav-group").filter(has=hidden).locator("summary").click()
    link.click()


def township_task_due_in_ten_days(*, county_admin, program, department, township_a):
    """A one-off task the township reports on, opened a month ago and due in ten days: its
    report form is open to the township official today."""
    import datetime

    from django.utils import timezone

    from tasks import services
    from tasks.choices import CadenceKind

    today = timezone.localdate()
    return services.task_create(
        actor=county_admin,
        program=program,
        code="BD-04-05",
        title="建立农村社区服务站工作台账",
        text="各乡镇建立农村社区综合服务站工作台账，报县领导小组办公室。",
        start_date=today - datetime.timedelta(days=30),
        deadline=today + datetime.timedelta(days=10),
        lead=[department],
        townships=[township_a],
        cadence_kind=CadenceKind.ONCE,
    )
