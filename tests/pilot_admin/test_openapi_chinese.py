"""The API docs read in Chinese: the schema's title and description, and every tag under which
Swagger UI groups the operations (they were "pilot_admin API", "pilot-assignments", "stats")."""

import re

from django.urls import reverse

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _schema(client, user):
    client.force_login(user)
    response = client.get(reverse("api_schema"), {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_the_schema_is_titled_and_described_in_chinese(client, county_viewer):
    info = _schema(client, county_viewer)["info"]

    assert info["title"] == "试点工作管理系统 接口文档"
    assert "pilot_admin" not in info["title"]
    assert info["description"].startswith("试点工作管理系统 REST API v1：")


def test_every_operation_is_tagged_in_chinese_and_every_tag_described(client, county_viewer):
    schema = _schema(client, county_viewer)

    used = {
        tag for item in schema["paths"].values() for operation in item.values() for tag in operation.get("tags", [])
    }
    assert used, "no operation has a tag"
    assert [tag for tag in used if not CHINESE.search(tag)] == []
    listed = [tag["name"] for tag in schema["tags"]]
    assert set(listed) == used
    assert listed[:2] == ["接口目录", "认证"]
    assert all(CHINESE.search(tag["description"]) for tag in schema["tags"])
    # Resources of a work area sit under its name.
    assert schema["paths"]["/api/v1/persons/"]["get"]["tags"] == ["特困人员"]
    assert schema["paths"]["/api/v1/stats/pilots/"]["get"]["tags"] == ["统计"]
    assert schema["paths"]["/api/v1/imports/villages/"]["post"]["tags"] == ["导入"]
