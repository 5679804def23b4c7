"""Every form a user fills in, driven by the keyboard alone, each by the role that uses it: the
first Tab from the top of the page is the skip link; from <main>, Tab visits every visible control
in DOM order (none left out, no positive tabindex, the focus always drawn); the submit is a real
button that Enter or Space submits; a refused submit opens on the error summary, whose every link
moves the focus to its field. The pages are the access matrix's (tests/test_access_matrix.py), and
a page with a form to fill that this table leaves out fails the test."""

import datetime
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.e2e.conftest import save_screenshot, sign_in
from tests.e2e.helpers import township_task_due_in_ten_days
from tests.factories import (
    PersonFactory,
    ReportingPeriodFactory,
    VillageFactory,
    scheduled_inspection,
    score_template,
)
from tests.test_access_matrix import ROUTES
from tests.test_access_matrix import objects as _matrix_objects  # noqa: F401  (the fixture, by name below)
from tests.test_form_accessibility import ROLE_ORDER

pytestmark = [pytest.mark.e2e, pytest.mark.embedded_run, pytest.mark.usefixtures("transactional_db")]

DESKTOP = {"width": 1280, "height": 900}
SUMMARY, MESSAGE, DONE = "summary", "message", "done"
BURST = 6  # Tab presses between looks at where the focus is


@dataclass(frozen=True)
class Form:
    """A page with a form to fill. `url` overrides the matrix's address (objs → path) where the
    matrix's object shows no form to this role; `submit` selects the button pressed (None: the
    page's forms are walked, not sent — decisions on another page's row, sent by the flow tests);
    `refuses` how that submit comes back: SUMMARY (the form's error summary), MESSAGE (an action
    posted to its own address, pilot_admin/actions.py, refused in the page's messages) or DONE;
    `clear` a filled-in required field emptied by the keyboard first, so that an edit form is
    refused too."""

    route: str
    role: str
    submit: str | None = "main form[method=post] [type=submit]"
    refuses: str = SUMMARY
    clear: str | None = None
    url: object = None


FORMS = [
    # 县领导小组办公室
    Form("villages:village_create", "county_admin"),
    Form("villages:village_update", "county_admin", clear="#id_name"),
    Form("villages:village_event", "county_admin", clear="#id_name"),
    Form("villages:indicator_year_list", "county_admin", submit="main form.card [type=submit]", clear="#id_year"),
    Form(
        "villages:pilot_select",
        "county_admin",
        url=lambda objs: (
            reverse("villages:pilot_select")
            + f"?program=badong-13th-fyp&year=2019&township={objs['village'].township_id}"
        ),
    ),
    Form("villages:pilot_list", "county_admin", submit=None),
    Form("villages:pilot_detail", "county_admin", submit=None),
    Form("villages:indicator_detail", "county_admin", submit=None),
    Form("tasks:task_create", "county_admin"),
    Form("tasks:task_update", "county_admin", clear="#id_title"),
    Form("tasks:task_detail", "county_admin", submit=None),
    Form("tasks:report_detail", "county_admin", submit=None),
    Form("tasks:review_queue", "county_admin", submit=None),
    Form("tasks:unlock_request_queue", "county_admin", submit=None),
    Form("assessments:inspection_schedule", "county_admin"),
    Form("assessments:inspection_detail", "county_admin", submit=None),
    Form("assessments:circular_issue", "county_admin"),
    Form("assessments:template_detail", "county_admin", submit=None),
    Form(
        "assessments:template_item_create",
        "county_admin",
        url=lambda objs: reverse("assessments:template_item_create", args=[objs["draft_item"].template_id]),
    ),
    Form(
        "assessments:template_item_update",
        "county_admin",
        clear="#id_title",
        url=lambda objs: reverse(
            "assessments:template_item_update", args=[objs["draft_item"].template_id, objs["draft_item"].pk]
        ),
    ),
    Form("guardianship:finding_create", "county_admin"),
    Form("supervision:exception_create", "county_admin"),
    Form("supervision:pilot_plan_edit", "county_admin"),
    Form("import_upload", "county_admin"),
    Form("document_template_upload", "county_admin"),
    # The matrix's unit already has a robot: its form comes filled in (blank secrets keep theirs) and saves.
    Form("group_robot_edit", "county_admin", refuses=DONE),
    # 乡镇
    # The year open to the township (the matrix's 2019 is closed: refused without a field to fix).
    Form(
        "villages:indicator_submit",
        "township_a",
        clear="#id_service_station_area_m2",
        url=lambda objs: reverse("villages:indicator_submit", args=[objs["village"].pk, objs["indicator_year"].year]),
    ),
    Form("villages:nomination_create", "township_a"),
    Form("villages:nomination_resubmit", "township_a", clear="#id_reason"),
    Form(
        "tasks:report_edit",
        "township_a",
        submit="#report-form [value=submit]",
        url=lambda objs: reverse("tasks:report_edit", args=[objs["open_period"].pk]),
    ),
    Form("guardianship:person_create", "township_a"),
    Form("guardianship:person_update", "township_a", clear="#id_name"),
    Form("guardianship:person_exit", "township_a"),
    Form("guardianship:self_care_assess", "township_a"),
    Form(
        "guardianship:guardian_assign",
        "township_a",
        url=lambda objs: reverse("guardianship:guardian_assign", args=[objs["unguarded_person"].pk]),
    ),
    Form("guardianship:guardian_replace", "township_a"),
    Form("guardianship:agreement_sign", "township_a"),
    Form("guardianship:visit_create", "township_a", clear="#id_visitor_name"),
    Form("supervision:cadre_create", "township_a"),
    Form("supervision:relative_create", "township_a"),
    Form("supervision:committee_create", "township_a"),
    Form("supervision:candidate_create", "township_a"),
    Form("supervision:election_step", "township_a", clear="#id_nominated_on"),
    Form("supervision:member_remove", "township_a"),
    Form("supervision:meeting_create", "township_a"),
    Form("supervision:review_create", "township_a"),
    Form("supervision:matter_create", "township_a"),
    Form("supervision:matter_feedback", "township_a"),
    Form("supervision:annual_report_create", "township_a"),
    Form("supervision:evaluation_create", "township_a"),
    Form("accounts:notice_channels", "township_a", refuses=DONE),
    Form("accounts:password_change", "township_a"),
    # 部门
    Form(
        "tasks:unlock_request_create",
        "department",
        url=lambda objs: reverse("tasks:unlock_request_create", args=[objs["locked_period"].pk]),
    ),
    Form("assessments:rectification_detail", "department", submit="#evidence-form [type=submit]", refuses=MESSAGE),
    # 检查验收组
    Form(
        "assessments:inspection_score",
        "inspector",
        submit="#score-form [value=submit]",
        url=lambda objs: reverse("assessments:inspection_score", args=[objs["open_inspection"].pk]),
    ),
    Form(
        "assessments:inspection_detail",
        "inspector",
        submit=None,
        url=lambda objs: reverse("assessments:inspection_detail", args=[objs["open_inspection"].pk]),
    ),
    # 系统管理员
    Form("accounts:account_create", "system_admin"),
    Form("accounts:account_update", "system_admin", clear="#id_last_name"),
    Form("accounts:account_password_reset", "system_admin"),
    Form("accounts:workday_calendar", "system_admin"),
    Form("accounts:two_factor_setup", "system_admin"),
    Form("accounts:two_factor_verify", "system_admin"),
    # Before signing in
    Form("login", "anonymous", url=lambda objs: reverse("login")),
]

# In the page: what a user can reach in `scope` (in DOM order, each marked data-kb with its place;
# a radio group is one stop), the controls not drawn at all or taken out of the Tab order (tabindex
# -1), and any positive tabindex.
MARK = """(scope) => {
  const describe = el => [el.tagName.toLowerCase(), el.type || '', el.name || el.id || '',
    (el.labels && el.labels[0] ? el.labels[0].textContent : el.textContent || '').trim().slice(0, 24)].join(' ');
  const control = el => el.matches('input, select, textarea, button');
  const positive = [...document.querySelectorAll('[tabindex]')].filter(el => el.tabIndex > 0).map(describe);
  const items = [], undrawn = [], untabbable = [], radios = new Map();
  document.querySelectorAll('[data-kb]').forEach(el => el.removeAttribute('data-kb'));
  const root = document.querySelector(scope);
  for (const el of root.querySelectorAll(
      'a[href], button, input, select, textarea, summary, [tabindex], [contenteditable=""], [contenteditable=true]')) {
    if (el.matches('input[type=hidden], :disabled')) continue;
    if (el.hasAttribute('tabindex') && el.tabIndex < 0) {
      if (control(el)) untabbable.push(describe(el));
      continue;
    }
    if (el.matches('summary') && !el.matches('details > summary:first-of-type')) continue;
    if (!el.checkVisibility({visibilityProperty: true})) {
      // Not drawn: fine inside a closed <details> (its summary is the stop) or a [hidden] part;
      // any other control is one the keyboard cannot reach.
      if (control(el) && !el.closest('details:not([open]), [hidden]')) undrawn.push(describe(el));
      continue;
    }
    if (el.matches('input[type=radio]')) {
      const group = 'radio ' + (el.form ? el.form.id || [...document.forms].indexOf(el.form) : '') + ' ' + el.name;
      el.dataset.kb = group;
      if (radios.has(group)) continue;
      radios.set(group, true);
      items.push({key: group, what: describe(el)});
      continue;
    }
    el.dataset.kb = String(items.length);
    items.push({key: el.dataset.kb, what: describe(el)});
  }
  return {items, undrawn, untabbable, positive};
}"""

# An element with the focus: its mark, whether it sits in <main>, whether its focus is drawn.
_STATE = """el => {
  const style = getComputedStyle(el);
  const ring = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none';
  const box = el.getBoundingClientRect();
  const shown = box.width >= 4 && box.height >= 4
    && el.checkVisibility({opacityProperty: true, visibilityProperty: true});
  const what = [el.tagName.toLowerCase(), el.type || '', el.name || el.id || '',
                (el.textContent || '').trim().slice(0, 24)];
  return {key: el.dataset.kb || null, inMain: !!el.closest('main'), ring, shown,
          tag: el.tagName.toLowerCase(), id: el.id, href: el.getAttribute('href') || '',
          summary: el.hasAttribute('data-error-summary'), what: what.join(' ')};
}"""
FOCUSED = f"""() => {{
  const el = document.activeElement;
  return !el || el === document.body ? null : ({_STATE})(el);
}}"""
# Every element the focus enters from now on, in order (a date input's parts are one element).
RECORD = f"""() => {{
  const state = {_STATE};
  if (!window.keyboardLog) document.addEventListener('focusin', event => window.keyboardLog.push(state(event.target)));
  window.keyboardLog = [];
}}"""
# Whether the focus has left <main> (a short header may bring it back there within a burst).
LEFT_MAIN = """() => !document.activeElement || !document.activeElement.closest('main')
  || window.keyboardLog.some(entry => !entry.inMain)"""

# Each form's submit controls: a <button>/<input type=submit>, or what pretends to be one.
SUBMITS = """() => [...document.querySelectorAll('main form[method=post], main form[method=POST]')].map(form => ({
  form: form.id || form.getAttribute('action') || '',
  buttons: [...form.elements].filter(el => el.matches('[type=submit], input[type=image]')).length,
  fake: [...form.querySelectorAll('[role=button], a[data-submit], [onclick]')]
    .filter(el => !el.matches('button, input')).map(el => el.tagName.toLowerCase() + ' ' + el.textContent.trim()),
}))"""

SETTLED = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"


@pytest.fixture
def keyboard_objects(request, county_admin, program, department, township_a, inspector):
    """The matrix's rows plus what its rows leave without a form: a period still open to the
    township, an inspection the inspector has yet to score, a draft score sheet, a person with
    no guardian."""
    matrix = request.getfixturevalue("_matrix_objects")
    task = township_task_due_in_ten_days(
        county_admin=county_admin, program=program, department=department, township_a=township_a
    )
    open_inspection = scheduled_inspection(
        actor=county_admin, program=program, village=VillageFactory(township=township_a), inspectors=[inspector]
    )
    draft = score_template(program=program, year=2020, published=False)
    return {
        **matrix,
        "open_period": task.periods.get(),
        # Locked long ago: the matrix's period takes its due date from a factory sequence, which
        # a long test run pushes into the future (open, so no 申请补报 form).
        "locked_period": ReportingPeriodFactory(task=matrix["task"], due_date=datetime.date(2019, 5, 31)),
        "open_inspection": open_inspection,
        "draft_item": draft.items.order_by("order").first(),
        "unguarded_person": PersonFactory(village=matrix["village"]),
    }


def _url(form: Form, objs) -> str:
    if form.url:
        return form.url(objs)
    route = ROUTES[form.route]
    return reverse(form.route, kwargs=route.kwargs(objs) if route.kwargs else None) + route.query


class _Forms(HTMLParser):
    """The POST forms of a page that have something to fill in (more than buttons)."""

    def __init__(self):
        super().__init__()
        self.fillable = 0
        self._form = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = (attrs.get("method") or "").lower() == "post"
        # A control outside its form but tied to it by form= counts too (review_queue's ticks).
        elif (
            tag in ("input", "select", "textarea") and attrs.get("type") != "hidden" and (self._form or "form" in attrs)
        ):
            self.fillable += 1

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = False


def _pages_with_forms(users, objs, *, skip) -> set[str]:
    """The access matrix's pages (bar `skip`) that show their first allowed role a form to fill."""
    client = Client()
    found = set()
    for name, route in ROUTES.items():
        if route.method != "get" or route.api or name in skip:
            continue
        role = next(role for role in ROLE_ORDER if role in route.allowed)
        client.force_login(users[role])
        response = client.get(reverse(name, kwargs=route.kwargs(objs) if route.kwargs else None) + route.query)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        parser = _Forms()
        parser.feed(response.content.decode())
        if parser.fillable:
            found.add(name)
    return found


def _walk(page, where: str, problems: list[str]) -> None:
    """From the top: the skip link, then Tab through <main>; what the focus visited there."""
    page.keyboard.press("Tab")
    skip = page.evaluate(FOCUSED)
    if not skip or (skip["tag"], skip["href"]) != ("a", "#main"):
        problems.append(f"{where}: the first Tab lands on {skip and skip['what']}, not the skip link")
        # On from the skip link all the same (Enter where the focus is might send a form).
        page.locator("a[href='#main']").first.focus()
    elif not skip["ring"] or not skip["shown"]:
        problems.append(f"{where}: the skip link's focus is not drawn")
    page.keyboard.press("Enter")
    page.evaluate(SETTLED)
    marked = page.evaluate(MARK, "main")
    problems += [f"{where}: a positive tabindex ({what})" for what in marked["positive"]]
    problems += [f"{where}: a control not drawn, out of the keyboard's reach ({what})" for what in marked["undrawn"]]
    problems += [f"{where}: a control taken out of the Tab order ({what})" for what in marked["untabbable"]]

    # Tab in bursts (a date input takes a press per part, 年/月/日) until the focus leaves <main>.
    page.evaluate(RECORD)
    for _ in range(len(marked["items"]) + 4):
        for _ in range(BURST):
            page.keyboard.press("Tab")
        if page.evaluate(LEFT_MAIN):
            break
    else:
        problems.append(f"{where}: Tab never left <main>")
    visited = []
    for focused in page.evaluate("() => window.keyboardLog"):
        if not focused["inMain"]:
            break
        focused["key"] = focused["key"] or f"? {focused['what']}"
        visited.append(focused)
        if not focused["ring"] or not focused["shown"]:
            problems.append(f"{where}: the focus on {focused['what']} is not drawn")

    expected = [item["key"] for item in marked["items"]]
    got = [item["key"] for item in visited]
    if got != expected:
        names = {item["key"]: item["what"] for item in marked["items"]}
        missing = [names[key] for key in expected if key not in got]
        stray = [key for key in got if key not in names]
        problems.append(
            f"{where}: Tab order differs from the page's order; never reached {missing}, "
            f"reached unlisted {stray}; order {[names.get(key, key) for key in got]}"
        )


def _submit(page, form: Form, key: str, where: str, problems: list[str]) -> bool:
    """Empty the field to clear, then press `key` on the submit button; whether a POST went."""
    for fake in page.evaluate(SUBMITS):
        if not fake["buttons"]:
            problems.append(f"{where}: form {fake['form']} has no submit button")
        problems += [f"{where}: form {fake['form']} submits by {what}, not a button" for what in fake["fake"]]
    if form.submit is None:
        return False
    if form.clear:
        page.locator(form.clear).focus()
        page.keyboard.press("Control+A")
        page.keyboard.press("Backspace")
    button = page.locator(form.submit).first
    if button.get_attribute("data-kb") is None:
        problems.append(f"{where}: the submit button {form.submit} is no stop of the Tab key")
    button.focus()
    try:
        with page.expect_navigation(wait_until="load", timeout=5_000) as navigation:
            page.keyboard.press(key)
    except PlaywrightTimeoutError:
        problems.append(f"{where}: {key} on the submit button sent nothing")
        return False
    sent = navigation.value.request
    while sent.redirected_from:
        sent = sent.redirected_from
    if sent.method != "POST":
        problems.append(f"{where}: {key} on the submit button went to {sent.url} without sending the form")
        return False
    page.evaluate(SETTLED)
    return True


def _refused_by_message(page, where: str, problems: list[str]) -> None:
    """After a refused action: the focus on the page's messages, which hold the refusal."""
    focused = page.evaluate(FOCUSED)
    if not focused or not page.locator(".messages").evaluate("list => list === document.activeElement"):
        problems.append(f"{where}: after the refused action the focus is on {focused and focused['what']}")
    elif not page.locator(".messages .message.error").count():
        problems.append(f"{where}: the action was not refused")
    elif not focused["ring"]:
        problems.append(f"{where}: the focus on the refusal is not drawn")


def _refused(page, where: str, problems: list[str]) -> int:
    """After a refused submit: the focus on the summary, each field's entry a link, Tab-reachable
    and leading to its field. The number of links checked."""
    focused = page.evaluate(FOCUSED)
    if not focused or not focused["summary"]:
        problems.append(f"{where}: after the refused submit the focus is on {focused and focused['what']}")
        return 0
    summary = page.locator("[data-error-summary]")
    hrefs = summary.locator("a[href^='#']").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    # Errors of the whole form (li.form-errors) name no field; every other entry links to one.
    field_errors = summary.locator("li:not(.form-errors)").count()
    if len(hrefs) != field_errors:
        problems.append(f"{where}: {field_errors} fields to fix, {len(hrefs)} links to them in the summary")
    for href in hrefs:
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None or focused["href"] != href:
            problems.append(f"{where}: Tab from the summary reaches {focused and focused['what']}, not {href}")
            return 0
    for href in hrefs:
        summary.locator(f"a[href='{href}']").focus()
        page.keyboard.press("Enter")
        focused = page.evaluate(FOCUSED)
        if focused is None or f"#{focused['id']}" != href:
            problems.append(f"{where}: the summary's link {href} leaves the focus on {focused and focused['what']}")
        elif not focused["ring"] or not focused["shown"]:
            problems.append(f"{where}: the focus on {href}, reached from the summary, is not drawn")
    return len(hrefs)


def test_every_form_by_keyboard_alone(new_context, personas, duty_personas, keyboard_objects, request):
    users = {**personas, **duty_personas}
    # The table covers every page of the matrix that shows a form to fill.
    left_out = _pages_with_forms(users, keyboard_objects, skip={form.route for form in FORMS})
    assert left_out == set(), f"pages with a form the keyboard test leaves out: {sorted(left_out)}"

    problems, pages, submitted, links = [], 0, 0, 0
    roles = list(dict.fromkeys(form.role for form in FORMS))
    for role in roles:
        # One browser context per role, signed in once.
        page = new_context(viewport=DESKTOP).new_page()
        if role != "anonymous":
            sign_in(page, users[role])
        for form in (form for form in FORMS if form.role == role):
            url = _url(form, keyboard_objects)
            where = f"{role} {form.route} {url}"
            response = page.goto(url)
            assert response.ok, (where, response.status)
            page.evaluate(SETTLED)
            before = len(problems)
            _walk(page, where, problems)
            pages += 1
            # Enter and Space in turn: a real button takes both.
            if _submit(page, form, ("Enter", "Space")[pages % 2], where, problems):
                submitted += 1
                if form.refuses == SUMMARY:
                    links += _refused(page, where, problems)
                elif form.refuses == MESSAGE:
                    _refused_by_message(page, where, problems)
                elif page.locator("[data-error-summary]").count():
                    problems.append(f"{where}: refused: {page.locator('[data-error-summary]').inner_text()}")
            if len(problems) > before:
                save_screenshot(page, f"keyboard-{role}-{form.route.replace(':', '-')}.png", full_page=True)

    # The counts, printed at the end of the session (tests/e2e/conftest.py).
    request.node.user_properties.append(
        (
            "keyboard",
            {"pages": pages, "submitted": submitted, "links": links, "roles": len(roles), "problems": len(problems)},
        )
    )
    assert problems == [], "\n".join(problems)
