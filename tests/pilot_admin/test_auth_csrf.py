"""CSRF on every form: every page of the access matrix is rendered for a role allowed to open
it; every POST form on it carries the token, and posting to it without one is refused (403)."""

import re

from django.test import Client
from django.urls import reverse

from tests.test_access_matrix import ROUTES, objects  # noqa: F401  (the matrix's target rows)

FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
POST = re.compile(r'method="post"', re.I)
ACTION = re.compile(r'action="([^"]*)"', re.I)


def _role_for(route):
    return "county_admin" if "county_admin" in route.allowed else sorted(route.allowed)[0]


def _pages(objs):
    for name, route in sorted(ROUTES.items()):
        if route.method != "get" or route.api:
            continue
        url = reverse(name, kwargs=route.kwargs(objs) if route.kwargs else None) + route.query
        yield name, url, _role_for(route)


def _post_forms(html, page_url):
    for attrs, body in FORM.findall(html):
        if POST.search(attrs):
            action = ACTION.search(attrs)
            yield (action.group(1).replace("&amp;", "&") if action and action.group(1) else page_url), body


def test_every_post_form_carries_the_token_and_is_refused_without_it(personas, duty_personas, objects):  # noqa: F811
    personas = {**personas, **duty_personas}
    checked, missing, accepted = [], [], []
    for name, url, role in _pages(objects):
        client = Client()
        client.force_login(personas[role])
        response = client.get(url)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        strict = Client(enforce_csrf_checks=True)
        strict.force_login(personas[role])
        for action, body in _post_forms(response.content.decode(), url):
            checked.append((name, action))
            if 'name="csrfmiddlewaretoken"' not in body:
                missing.append((name, action))
            refused = strict.post(action, {})
            if refused.status_code != 403:
                accepted.append((name, action, refused.status_code))

    assert missing == []
    assert accepted == []
    # Not vacuous: the header's sign-out form on every page plus the pages' own forms.
    assert len({action for _, action in checked}) >= 15, checked


def test_every_post_route_of_the_matrix_refuses_a_post_without_the_token(personas, duty_personas, objects):  # noqa: F811
    personas = {**personas, **duty_personas}
    refused = {}
    for name, route in sorted(ROUTES.items()):
        if route.method != "post" or route.api:
            continue
        client = Client(enforce_csrf_checks=True)
        client.force_login(personas[_role_for(route)])
        url = reverse(name, kwargs=route.kwargs(objects) if route.kwargs else None)
        refused[name] = client.post(url, route.data(objects) if route.data else {}).status_code
    assert refused and set(refused.values()) == {403}, refused


def test_login_form_has_the_token_and_refuses_a_post_without_it(db):
    client = Client(enforce_csrf_checks=True)

    assert 'name="csrfmiddlewaretoken"' in client.get(reverse("login")).content.decode()
    assert client.post(reverse("login"), {"username": "x", "password": "y"}).status_code == 403
