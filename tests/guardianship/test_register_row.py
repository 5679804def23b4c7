"""The register's rows are written in Python (guardianship.views.register_row) for speed; each must
be exactly what the row template it replaced wrote."""

import datetime

import pytest
from django.template import engines

from guardianship.choices import SupportMode
from guardianship.views import register_row

# guardianship/person_list.html's row before register_row wrote it.
TEMPLATE_ROW = """
    <tr data-person="{{ person.id }}"{% if person.status == "exited" %} class="muted"{% endif %}>
      <td data-label="乡镇">{{ person.township_name }}</td>
      <td data-label="村">{{ person.village_name }}</td>
      <td data-label="姓名"><a href="{{ person.url }}">{{ person.name }}</a>{% if person.status == "exited" %}（已退出）{% endif %}</td>
      <td data-label="公民身份号码" class="id-number">{{ person.shown_id }}</td>
      <td data-label="人员类别">{{ person.kind_display }}</td>
      <td data-label="民事行为能力">{{ person.civil_capacity_display }}</td>
      <td data-label="供养方式">{{ person.support_mode_display }}</td>
      <td data-label="自理能力">{{ person.self_care_level_display|default:"未评估" }}</td>
      <td data-label="监护类别">{% if person.guardian_category %}{{ person.guardian_category }}类{% if not person.has_agreement %} <span class="badge warn">无协议</span>{% endif %}{% elif person.civil_capacity != "full" %}<span class="badge bad">无监护人</span>{% else %}—{% endif %}</td>
      <td data-label="本月走访" class="visited">{% if person.support_mode != dispersed %}<span class="muted">集中供养</span>{% elif person.visited_in_month %}<span class="badge ok">已走访</span>{% else %}<span class="badge bad">未走访</span>{% endif %}</td>
      <td data-label="最近走访">{{ person.last_visit|date:"Y-m-d"|default:"—" }}</td>
    </tr>
  """  # noqa: E501

BASE = {
    "id": 7,
    "status": "active",
    "township_name": "水布垭镇",
    "village_name": "<水布垭村> & 组",
    "url": "/guardianship/persons/7/",
    "name": '张 "三"',
    "shown_id": "4228**********0011",
    "kind_display": "老年人",
    "civil_capacity": "full",
    "civil_capacity_display": "完全民事行为能力",
    "support_mode": "dispersed",
    "support_mode_display": "分散供养",
    "self_care_level_display": "",
    "guardian_category": None,
    "has_agreement": False,
    "visited_in_month": True,
    "last_visit": datetime.date(2019, 6, 3),
}


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"status": "exited", "visited_in_month": False, "last_visit": None, "self_care_level_display": "半失能"},
        {"guardian_category": "I", "has_agreement": True, "civil_capacity": "none"},
        {"guardian_category": "II", "has_agreement": False},
        {"civil_capacity": "limited", "support_mode": "concentrated", "support_mode_display": "集中供养"},
    ],
)
def test_the_row_is_what_the_template_wrote(changes):
    person = {**BASE, **changes}
    expected = (
        engines["django"].from_string(TEMPLATE_ROW).render({"person": person, "dispersed": SupportMode.DISPERSED})
    )
    assert register_row(person) == expected
    assert "&lt;水布垭村&gt; &amp; 组" in expected and "张 &quot;三&quot;" in expected
