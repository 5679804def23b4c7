"""The village list's and the pilot ledger's rows are written in Python (villages.views.village_row,
pilot_row) for speed; each must be exactly what the row template it replaced wrote."""

import datetime

import pytest
from django.template import engines

from villages.views import pilot_row, village_row

# villages/village_list.html's and pilot_list.html's rows before the views wrote them.
VILLAGE_ROW = """
    <tr>
      <td data-label="乡镇">{{ village.township__name }}</td>
      <td data-label="村名"><a href="{{ village.url }}">{{ village.name }}</a></td>
      <td data-label="区划代码">{{ village.code|default:"—" }}</td>
      <td data-label="户数" class="num">{{ village.households }}</td>
      <td data-label="户籍人口" class="num">{{ village.population }}</td>
      <td data-label="常住人口" class="num">{{ village.resident_population }}</td>
      <td data-label="贫困村">{{ village.is_poverty_village|yesno:"是,否" }}</td>
      <td data-label="类型">{{ village.kind_display }}{% if village.ended_on %} <span class="badge warn">已撤并</span>{% endif %}</td>
      <td data-label="试点">{{ village.pilot_text|default:"—" }}</td>
    </tr>
  """  # noqa: E501
PILOT_ROW = """
      <tr>
        {% if can_manage %}<td class="no-print">{% if pilot.status == "proposed" %}<input type="checkbox" name="pilots" value="{{ pilot.id }}" aria-label="选择{{ pilot.village__name }}">{% endif %}</td>{% endif %}
        <td data-label="年度">{{ pilot.year }}</td>
        <td data-label="乡镇">{{ pilot.village__township__name }}</td>
        <td data-label="村"><a href="{{ pilot.url }}">{{ pilot.village__name }}</a></td>
        <td data-label="试点项目">{{ pilot.program__name }}</td>
        <td data-label="级别">{{ pilot.level_display }}</td>
        <td data-label="省级重点支持">{{ pilot.provincial_status_display }}</td>
        <td data-label="状态">{{ pilot.status_display }}{% if pilot.is_demonstration %} <span class="badge ok">示范村</span>{% endif %}</td>
        <td data-label="审批人">{{ pilot.approved_by|default:"—" }}</td>
        <td data-label="验收">{% if pilot.accepted_on %}{{ pilot.accepted_on|date:"Y-m-d" }} {{ pilot.acceptance_document_no }}{% else %}—{% endif %}</td>
      </tr>
    """  # noqa: E501

VILLAGE = {
    "township__name": "水布垭镇",
    "url": "/villages/3/",
    "name": "<三> & 村",
    "code": "422823104201",
    "households": 312,
    "population": 1100,
    "resident_population": None,
    "is_poverty_village": True,
    "kind_display": "行政村",
    "ended_on": None,
    "pilot_text": "2019年 县级（已审批）",
}
PILOT = {
    "id": 9,
    "status": "proposed",
    "year": 2019,
    "village__township__name": "水布垭镇",
    "village__name": "<三> & 村",
    "url": "/villages/pilots/9/",
    "program__name": "十三五试点",
    "level_display": "县级",
    "provincial_status_display": "未申请",
    "status_display": "拟定",
    "is_demonstration": False,
    "approved_by": None,
    "accepted_on": None,
    "acceptance_document_no": "",
}


@pytest.mark.parametrize(
    "changes",
    [{}, {"code": "", "is_poverty_village": False, "ended_on": datetime.date(2020, 1, 1), "pilot_text": None}],
)
def test_the_village_row_is_what_the_template_wrote(changes):
    village = {**VILLAGE, **changes}
    expected = engines["django"].from_string(VILLAGE_ROW).render({"village": village})
    assert village_row(village) == expected
    assert "&lt;三&gt; &amp; 村" in expected


@pytest.mark.parametrize("can_manage", [True, False])
@pytest.mark.parametrize(
    "changes",
    [
        {},
        {
            "status": "accepted",
            "is_demonstration": True,
            "approved_by": "李 <主任>",
            "accepted_on": datetime.date(2020, 11, 3),
            "acceptance_document_no": "巴民发〔2020〕8号",
        },
    ],
)
def test_the_pilot_row_is_what_the_template_wrote(changes, can_manage):
    pilot = {**PILOT, **changes}
    expected = engines["django"].from_string(PILOT_ROW).render({"pilot": pilot, "can_manage": can_manage})
    assert pilot_row(pilot, can_manage=can_manage) == expected


# villages/standards_table.html's three selects before views_standards.picker_options wrote them.
PICKERS = (
    '<select name="program">{% for p in programs %}<option value="{{ p.code }}"{% if p.pk == program.pk %} selected'
    "{% endif %}>{{ p.name }}</option>{% endfor %}</select>"
    '<select name="year">{% for y in program.years %}<option value="{{ y }}"{% if y == year %} selected{% endif %}>'
    "{{ y }}</option>{% endfor %}</select>"
    '<select name="township"><option value="">全部</option>{% for t in townships %}<option value="{{ t.pk }}"'
    "{% if township and t.pk == township.pk %} selected{% endif %}>{{ t.name }}</option>{% endfor %}</select>"
)


@pytest.mark.parametrize("chosen", [None, 2])
def test_the_standards_pickers_are_what_the_template_wrote(chosen):
    from types import SimpleNamespace

    from villages.views_standards import picker_options

    programs = [
        SimpleNamespace(pk=1, code="p-1", name="十三五 <试点>", years=range(2016, 2021)),
        SimpleNamespace(pk=2, code="p&2", name="十四五", years=range(2021, 2026)),
    ]
    townships = [{"pk": 1, "name": "水布垭镇"}, {"pk": 2, "name": "<清太坪> & 镇"}]
    township = SimpleNamespace(pk=chosen) if chosen else None
    context = {"programs": programs, "program": programs[0], "year": 2019, "townships": townships, "township": township}
    expected = engines["django"].from_string(PICKERS).render(context)
    options = picker_options(programs, programs[0], 2019, townships, township)
    ours = (
        f'<select name="program">{options["program_options"]}</select>'
        f'<select name="year">{options["year_options"]}</select>'
        f'<select name="township"><option value="">全部</option>{options["township_options"]}</select>'
    )
    assert ours == expected
    assert ('<option value="2" selected>' in ours) == bool(chosen)
