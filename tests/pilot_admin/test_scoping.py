import pytest


@pytest.mark.urls("tests.pilot_admin.undeclared_urls")
def test_a_view_without_a_declared_scope_is_refused(client, county_admin):
    client.force_login(county_admin)
    response = client.get("/forgotten/")
    assert response.status_code == 403
    assert "秘密" not in response.content.decode()
    assert client.get("/declared/").content.decode() == "可以看"


@pytest.mark.urls("tests.pilot_admin.undeclared_urls")
def test_a_scoped_view_without_an_access_rule_is_refused(client, county_admin):
    client.force_login(county_admin)
    response = client.get("/no-access/")
    assert response.status_code == 403


@pytest.mark.urls("tests.pilot_admin.undeclared_urls")
def test_anonymous_is_sent_to_login_before_anything_else(client, db):
    response = client.get("/declared/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_inactive_user_sees_nothing(village_a, township_a_official):
    from villages.models import Village

    township_a_official.is_active = False
    assert not Village.objects.visible_to(township_a_official).exists()
    assert not Village.objects.editable_by(township_a_official).exists()


def test_county_user_without_a_county_sees_nothing(village_a):
    from tests.factories import UserFactory
    from villages.models import Village

    stray = UserFactory(role="county_viewer", county=None)
    assert not Village.objects.visible_to(stray).exists()
