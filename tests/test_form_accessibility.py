"""Every page of the app (the access matrix's routes), as served and after an empty submit of its
own form: each aria-describedby names ids on the page (Django points a field at "<id>_helptext"
and "<id>_error"), a form refused with field errors opens on its error summary, whose links lead
to the fields, and every box a wide table scrolls in is a named, focusable region."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests.test_access_matrix import ROUTES
from tests.test_access_matrix import objects as _matrix_objects  # noqa: F401  (the fixture, by name below)

# Who opens each page: the first of these roles the route allows.
ROLE_ORDER = (
    "county_admin",
    "township_a",
    "inspector",
    "department",
    "county_viewer",
    "system_admin",
    "security_admin",
    "audit_admin",
)
# Of these pages, the ones whose own form an empty submit leaves with errors (with the access
# matrix's objects; the others' forms are shown refused, done, or posted elsewhere).
REFUSES_EMPTY = {
    *("accounts:account_create", "accounts:account_password_reset", "accounts:account_update"),
    *("accounts:password_change", "accounts:two_factor_setup", "accounts:two_factor_verify"),
    *("accounts:workday_calendar", "assessments:circular_issue", "assessments:inspection_schedule"),
    *("guardianship:agreement_sign", "guardianship:finding_create", "guardianship:guardian_assign"),
    *("guardianship:guardian_replace", "guardianship:person_create", "guardianship:person_exit"),
    *("guardianship:person_update", "guardianship:self_care_assess", "guardianship:visit_create"),
    *("document_template_upload", "group_robot_edit", "import_upload", "tasks:task_create", "tasks:task_update"),
    *("villages:indicator_submit", "villages:indicator_year_list", "villages:nomination_create"),
    *("villages:nomination_resubmit", "villages:village_create", "villages:village_event", "villages:village_update"),
    *("supervision:cadre_create", "supervision:candidate_create", "supervision:committee_create"),
    *("supervision:election_step", "supervision:exception_create", "supervision:meeting_create"),
    *("supervision:member_remove", "supervision:relative_create", "supervision:review_create"),
    *("supervision:matter_create", "supervision:matter_feedback"),
    *("supervision:annual_report_create", "supervision:evaluation_create", "supervision:pilot_plan_edit"),
}
PAGES = sorted(name for name, route in ROUTES.items() if route.method == "get" and not route.api)


class _Page(HTMLParser):
    """The ids on a page, the references to them, and the page's own POST forms."""

    def __init__(self):
        super().__init__()
        self.ids = set()
        self.references = []  # (attribute, tag, id referenced)
        self.invalid = []  # names of fields marked aria-invalid
        self.summaries = []  # attributes of each error summary
        self.summary_links = []
        self.forms = []  # (action, {hidden name: value})
        self.scroll_boxes = []  # attributes of each .table-wrap
        self._in_summary = 0
        self._form = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        for attribute in ("aria-describedby", "aria-labelledby"):
            for ref in (attrs.get(attribute) or "").split():
                self.references.append((attribute, f"{tag} name={attrs.get('name') or attrs.get('id')}", ref))
        if tag == "div" and "table-wrap" in (attrs.get("class") or "").split():
            self.scroll_boxes.append(attrs)
        if attrs.get("aria-invalid") == "true":
            self.invalid.append(attrs.get("name"))
        if "data-error-summary" in attrs:
            self.summaries.append(attrs)
            self._in_summary = 1
        elif self._in_summary and tag == "div":
            self._in_summary += 1
        if self._in_summary and tag == "a":
            self.summary_links.append(attrs.get("href", ""))
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self._form = (attrs.get("action"), {})
            self.forms.append(self._form)
        if tag == "input" and self._form and attrs.get("type") == "hidden" and attrs.get("name"):
            self._form[1][attrs["name"]] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if self._in_summary and tag == "div":
            self._in_summary -= 1
        if tag == "form":
            self._form = None


def _parse(response) -> _Page:
    page = _Page()
    page.feed(response.content.decode())
    return page


def _check(page: _Page, where, *, summary: bool = True) -> None:
    dangling = [(attribute, element, ref) for attribute, element, ref in page.references if ref not in page.ids]
    assert dangling == [], (where, dangling)
    # A box a wide table scrolls in is a named region the keyboard can focus (and so scroll).
    unnamed = [box for box in page.scroll_boxes if box.get("role") != "region" or box.get("tabindex") != "0"]
    unnamed += [box for box in page.scroll_boxes if not (box.get("aria-label") or "").strip()]
    assert unnamed == [], (where, unnamed)
    if page.invalid and summary:
        # Exactly one summary, focusable by script, whose links each reach a field on the page.
        assert len(page.summaries) == 1, (where, page.invalid, page.summaries)
        assert page.summaries[0].get("tabindex") == "-1", where
        assert page.summary_links, (where, page.invalid)
        missing = [href for href in page.summary_links if href.removeprefix("#") not in page.ids]
        assert missing == [], (where, missing)


@pytest.mark.parametrize("name", PAGES)
def test_every_page_and_its_refused_form_describe_fields_by_existing_ids(
    client, personas, duty_personas, request, name
):
    objects = request.getfixturevalue("_matrix_objects")
    route = ROUTES[name]
    role = next(role for role in ROLE_ORDER if role in route.allowed)
    client.force_login({**personas, **duty_personas}[role])
    url = reverse(name, kwargs=route.kwargs(objects) if route.kwargs else None) + route.query

    response = client.get(url)
    assert response.status_code == route.ok, (name, role)
    if route.ok != 200 or not response["Content-Type"].startswith("text/html"):
        return  # a redirect or a download: no page
    page = _parse(response)
    _check(page, (name, "GET"))

    # The page's own forms (posted back to its address), submitted with only their hidden fields:
    # required fields missing, so the form comes back with its errors.
    path = url.split("?")[0]
    summaries = 0
    for action, hidden in page.forms:
        if action not in (None, "", path, url):
            continue
        response = client.post(url, hidden)
        if response.status_code != 200:
            continue  # the form had nothing required; it was done
        refused = _parse(response)
        _check(refused, (name, "POST"))
        summaries += len(refused.summaries)
    # The forms an empty submit must come back refused from (the check above ran on their errors).
    assert (summaries > 0) is (name in REFUSES_EMPTY), (name, summaries)


def test_a_refused_filter_value_describes_its_field_by_an_existing_id(client, county_admin, village_a):
    client.force_login(county_admin)
    response = client.get(reverse("villages:village_list"), {"is_pilot": "maybe", "year": "٢٠١٩"})
    assert response.status_code == 200
    page = _parse(response)
    assert {"is_pilot", "year"} <= set(page.invalid)
    # The filter bar keeps its one-line message (role="alert") rather than a summary.
    _check(page, "village_list?is_pilot=maybe", summary=False)
    assert ("aria-describedby", "select name=is_pilot", "id_is_pilot_error") in page.references
