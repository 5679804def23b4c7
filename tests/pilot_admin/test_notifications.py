"""The inbox: each user's own messages only, the unread badge in the header, marking read."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pilot_admin.models import Notification


def _message(user, n, *, read=False, link="/tasks/1/"):
    return Notification.objects.create(
        user=user,
        source=f"test:{user.pk}:{n}",
        title=f"【已逾期】消息{n:02d}",
        body=f"第{n}条提醒的内容。",
        link=link,
        read_at=timezone.now() if read else None,
    )


def _badge(html: str) -> str | None:
    """The unread count shown beside 消息 in the header, or None without a badge."""
    header = html.split("</header>", 1)[0]
    assert 'id="inbox-link"' in header, "the 消息 link is in the header"
    match = re.search(r'<span class="badge inbox-badge">(\d+)</span>', header)
    return match.group(1) if match else None


def test_the_header_shows_the_unread_count_on_every_page(login, township_a_official, county_admin):
    for n in range(3):
        _message(township_a_official, n)
    _message(township_a_official, 3, read=True)
    _message(county_admin, 9)
    client = login(township_a_official)

    assert _badge(client.get(reverse("home")).content.decode()) == "3"
    assert _badge(client.get(reverse("villages:village_list")).content.decode()) == "3"

    Notification.objects.filter(user=township_a_official).update(read_at="2020-01-01T00:00:00Z")
    assert _badge(client.get(reverse("home")).content.decode()) is None


def test_the_inbox_lists_own_messages_newest_first_unread_in_bold(login, township_a_official, township_b_official):
    old = _message(township_a_official, 1, read=True)
    new = _message(township_a_official, 2)
    _message(township_b_official, 3)

    html = login(township_a_official).get(reverse("notification_list")).content.decode()

    assert html.index(new.title) < html.index(old.title)
    assert f'<strong><a href="{reverse("notification_open", args=[new.pk])}">{new.title}</a></strong>' in html
    assert f'<strong><a href="{reverse("notification_open", args=[old.pk])}">' not in html
    assert "消息03" not in html
    assert "全部标为已读" in html


def test_another_users_message_is_a_404_and_stays_unread(login, township_a_official, township_b_official):
    theirs = _message(township_b_official, 1)
    client = login(township_a_official)

    assert client.get(reverse("notification_open", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("notification_read", args=[theirs.pk])).status_code == 404
    client.post(reverse("notification_read_all"))

    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_one_read(login, township_a_official):
    first, second = _message(township_a_official, 1), _message(township_a_official, 2)
    client = login(township_a_official)

    response = client.post(reverse("notification_read", args=[first.pk]), {"page": "1"})

    assert response.status_code == 302
    assert response["Location"] == reverse("notification_list") + "?page=1"
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None and second.read_at is None
    assert _badge(client.get(reverse("notification_list")).content.decode()) == "1"


def test_clicking_a_message_marks_it_read_and_follows_its_link(login, township_a_official):
    message = _message(township_a_official, 1, link="/villages/")

    response = login(township_a_official).get(reverse("notification_open", args=[message.pk]))

    assert response.status_code == 302
    assert response["Location"] == "/villages/"
    message.refresh_from_db()
    assert message.read_at is not None


def test_a_link_off_the_site_is_not_followed(login, township_a_official):
    message = _message(township_a_official, 1, link="https://evil.example/")

    response = login(township_a_official).get(reverse("notification_open", args=[message.pk]))

    assert response["Location"] == reverse("notification_list")


def test_mark_all_read_touches_only_own_unread(login, township_a_official, township_b_official):
    for n in range(4):
        _message(township_a_official, n)
    theirs = _message(township_b_official, 9)
    client = login(township_a_official)

    response = client.post(reverse("notification_read_all"), follow=True)

    assert "已将 4 条消息标为已读。" in response.content.decode()
    assert not Notification.objects.filter(user=township_a_official, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert _badge(response.content.decode()) is None


def test_the_inbox_pages_and_its_queries_do_not_grow_with_the_messages(login, township_a_official):
    client = login(township_a_official)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("notification_list"))
        assert response.status_code == 200
        return len(captured), response

    for n in range(3):
        _message(township_a_official, n)
    small, _ = queries()
    for n in range(3, 75):
        _message(township_a_official, n)
    large, response = queries()

    assert large == small
    html = response.content.decode()
    assert "共 75 条" in html
    assert "消息74" in html and "消息00" not in html
    page_3 = client.get(reverse("notification_list") + "?page=3").content.decode()
    assert "消息00" in page_3


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_inbox_needs_a_login(client, db, method):
    response = getattr(client, method)(reverse("notification_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
