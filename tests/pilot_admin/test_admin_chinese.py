"""/admin/ speaks Chinese throughout: the third-party apps' and models' names, the screen-reader
headings of the index, and a greeting with the user's name rather than the capitalised login."""

import re

from django.urls import reverse

from pilot_admin.models import User


def _text(response) -> str:
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_admin_index_names_every_app_and_model_in_chinese(client, county):
    root = User.objects.create_superuser("root", "root@example.org", "Strong-pass-123", county=county)
    client.force_login(root)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 200
    text = _text(response)
    for english in ("Axes", "Otp_Totp", "Access attempts", "Access logs", "Access failures", "TOTP devices"):
        assert english not in text, english
    for english in ("Model name", "Add link", "Change or view list link"):
        assert english not in text, english
    app_names = [app["name"] for app in response.context["app_list"]]
    assert "登录失败与锁定" in app_names and "两步验证" in app_names
    models = {model["name"] for app in response.context["app_list"] for model in app["models"]}
    assert {"登录失败记录", "登录日志", "手机验证器"} <= models
    # Every app and model name a superuser sees is Chinese.
    for name in [*app_names, *models]:
        assert re.search(r"[\u4e00-\u9fff]", str(name)), name


def test_the_admin_greets_the_user_by_name_not_login(client, county_admin):
    county_admin.last_name = "县领导小组办公室"
    county_admin.save()
    client.force_login(county_admin)

    text = _text(client.get(reverse("admin:index")))

    assert "欢迎， 县领导小组办公室 。" in text
    assert "county_admin" not in text.lower()


def test_the_totp_device_form_labels_its_fields_in_chinese(client, county, county_admin):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    root = User.objects.create_superuser("root", "root@example.org", "Strong-pass-123", county=county)
    device = TOTPDevice.objects.create(user=county_admin, name="手机")
    client.force_login(root)

    response = client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]))

    labels = {name: str(field.label) for name, field in response.context["adminform"].form.fields.items()}
    assert labels["user"] == "用户" and labels["confirmed"] == "已确认" and labels["digits"] == "验证码位数"
    text = _text(response)
    for english in ("Confirmed", "Key:", "Digits:", "TOTP device"):
        assert english not in text, english
