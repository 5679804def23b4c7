"""Which menu items a user may open and the pages' flags are computed once per user key and kept
by the process (home/navigation.py); the kept must be what a fresh computation gives, for every
role, and a change of what the checks read (a department's remit) must be seen at once."""

import pytest
from django.test import RequestFactory
from django.urls import resolve, reverse

from home import navigation
from pilot_admin.choices import Role
from villages.choices import RemitModule

pytestmark = pytest.mark.django_db


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    # A page past the sign-in steps (navigation asks only on those steps' own pages).
    request.resolver_match = resolve("/")
    return request


@pytest.mark.parametrize(
    "user_fixture",
    [
        "county_admin",
        "county_viewer",
        "township_a_official",
        "department_user",
        "inspector",
        "api_client_user",
        "system_admin",
        "security_admin",
        "audit_admin",
    ],
)
def test_the_kept_menu_and_flags_are_a_fresh_computation(request, user_fixture):
    user = request.getfixturevalue(user_fixture)
    first = navigation._allowed_groups(_request(user))
    assert navigation._allowed_groups(_request(user)) is first
    assert first == navigation.allowed_groups(_request(user))
    context = navigation.navigation(_request(user))
    assert dict(context["nav"]) == navigation.nav_flags(_request(user))
    assert navigation.navigation(_request(user))["nav"] is context["nav"]


def test_roles_of_one_county_keep_menus_of_their_own(county_admin, county_viewer, township_a_official):
    labels = {
        user.role: [item.label for _, items in navigation._allowed_groups(_request(user)) for item in items]
        for user in (county_admin, county_viewer, township_a_official)
    }
    assert "试点申报" in labels[Role.TOWNSHIP] and "试点申报" not in labels[Role.COUNTY_ADMIN]
    assert "后台" in labels[Role.COUNTY_ADMIN] and "后台" not in labels[Role.COUNTY_VIEWER]


def test_a_departments_new_remit_shows_at_once(client, department_user, department):
    register_link = f'<a href="{reverse("guardianship:register")}">特困人员</a>'
    client.force_login(department_user)
    assert register_link not in client.get(reverse("tasks:my_tasks")).content.decode()
    department.remit = [RemitModule.GUARDIANSHIP]
    department.save()
    assert register_link in client.get(reverse("tasks:my_tasks")).content.decode()


def test_the_flags_cannot_be_changed_by_a_page(county_admin):
    flags = navigation.navigation(_request(county_admin))["nav"]
    with pytest.raises(TypeError):
        flags["can_manage_villages"] = False
