"""The filter bar's selects and inputs are rendered in Python (pilot_admin/filters.py
PythonRenderedSelect, PythonRenderedInput) for speed; they must write exactly what Django's own
widget templates write."""

import pytest
from django import forms
from django.test import RequestFactory

from pilot_admin.filters import (
    FetchedChoiceIterator,
    PythonRenderedInput,
    PythonRenderedSelect,
    filter_bar_fields,
    render_selects_in_python,
)
from villages.filters import PilotAssignmentFilterSet, VillageFilterSet


def _template_render(widget, name, value, attrs=None) -> str:
    """The same widget through Django's templates (forms.Widget.render, the base behaviour)."""
    return forms.Widget.render(widget, name, value, attrs)


class _Form(forms.Form):
    plain = forms.ChoiceField(choices=[("", "全部"), ("a&b", "甲 <乙>"), (3, 2019)], required=False)
    grouped = forms.ChoiceField(
        choices=[("", "全部"), ("乡镇", [("1", "水布垭镇"), ("2", "清太坪镇")]), ("x", "其他")], required=False
    )
    many = forms.MultipleChoiceField(choices=[("1", "一"), ("2", "二")], required=False)
    flag = forms.NullBooleanField(required=False)


class _Inputs(forms.Form):
    search = forms.CharField(required=False, max_length=20)
    year = forms.IntegerField(required=False, min_value=1000, max_value=9999)
    day = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    hidden = forms.CharField(required=False, widget=forms.HiddenInput)


@pytest.mark.parametrize(
    "data",
    [{}, {"plain": "a&b", "grouped": "2", "many": ["1", "2"], "flag": "true"}, {"plain": "3", "grouped": "x"}],
)
def test_python_rendering_writes_what_the_templates_write(data):
    form = _Form(data=data)
    render_selects_in_python(form)
    widgets = {name: form.fields[name].widget for name in form.fields}
    assert all(isinstance(widget, PythonRenderedSelect) for widget in widgets.values())
    for name, field in form.fields.items():
        bound = form[name]
        attrs = {"id": f"id_{name}", "aria-invalid": True, "hidden": False, "data-x": '"q"'}
        ours = field.widget.render(bound.html_name, bound.value(), attrs)
        theirs = _template_render(field.widget, bound.html_name, bound.value(), attrs)
        assert ours == theirs, name
    assert 'value="a&amp;b"' in str(form["plain"])
    assert "selected" in str(form["plain"]) or not data


@pytest.mark.parametrize(
    "data",
    [{}, {"search": '水布垭 "<&>"', "year": "2019", "day": "2024-05-01", "hidden": "x&y"}, {"year": "abc"}],
)
def test_python_rendered_inputs_write_what_the_templates_write(data):
    form = _Inputs(data=data)
    render_selects_in_python(form)
    assert all(isinstance(field.widget, PythonRenderedInput) for field in form.fields.values())
    for name, field in form.fields.items():
        bound = form[name]
        attrs = bound.build_widget_attrs({"id": bound.auto_id, "aria-invalid": True, "hidden": False})
        ours = field.widget.render(bound.html_name, bound.value(), attrs)
        theirs = _template_render(field.widget, bound.html_name, bound.value(), attrs)
        assert ours == theirs, name
    if data.get("search"):
        assert 'value="水布垭 &quot;&lt;&amp;&gt;&quot;"' in str(form["search"])


def test_the_filter_bar_writes_each_field_in_its_label_and_hidden_ones_bare():
    form = _Inputs(data={"search": "<乙>", "hidden": "h"})
    render_selects_in_python(form)
    html = filter_bar_fields(form)
    assert html.startswith("<label>Search <input")
    assert "<label>Year " in html and "<label>Day " in html
    assert '\n    <input type="hidden" name="hidden" value="h" id="id_hidden">' in html
    assert "&lt;乙&gt;" in html


@pytest.mark.django_db
@pytest.mark.parametrize("filterset_class", [VillageFilterSet, PilotAssignmentFilterSet])
def test_a_page_filter_bar_renders_as_django_would(filterset_class, county_admin, village_a, township_a, program):
    request = RequestFactory().get("/", {"township": str(township_a.pk)})
    request.user = county_admin
    form = filterset_class(request.GET, request=request).form
    selects = [name for name, field in form.fields.items() if isinstance(field.widget, PythonRenderedSelect)]
    assert "township" in selects
    for name in selects:
        bound = form[name]
        widget = bound.field.widget
        attrs = bound.build_widget_attrs({"id": bound.auto_id})
        assert widget.render(bound.html_name, bound.value(), attrs) == _template_render(
            widget, bound.html_name, bound.value(), attrs
        )
    assert f'<option value="{township_a.pk}" selected>{township_a.name}</option>' in str(form["township"])


@pytest.mark.django_db
def test_model_choices_are_read_in_one_plain_query_each_then_kept(django_assert_num_queries, county_admin, township_a):
    request = RequestFactory().get("/")
    request.user = county_admin
    field = VillageFilterSet(request.GET, request=request).form.fields["township"]
    assert isinstance(field.iterator(field), FetchedChoiceIterator)
    with django_assert_num_queries(2) as captured:
        # The form's two row selects (townships, programs) are read together, once.
        choices = list(field.choices)
    assert all("DECLARE" not in query["sql"] for query in captured.captured_queries)
    assert (choices[0][0], [label for _, label in choices[1:]]) == ("", [township_a.name])
    # The next page of the same scope and data version reads them from the cache.
    field = VillageFilterSet(request.GET, request=request).form.fields["township"]
    with django_assert_num_queries(0):
        assert list(field.choices) == choices


def test_kept_choices_follow_a_new_township_and_stay_within_the_scope(
    county_admin, township_a_official, township_a, township_b, system_admin, django_capture_on_commit_callbacks
):
    from pilot_admin.audit import services as audit
    from pilot_admin.choices import AuditAction
    from tests.factories import TownshipFactory

    def township_names(user):
        request = RequestFactory().get("/")
        request.user = user
        field = VillageFilterSet(request.GET, request=request).form.fields["township"]
        return [label for value, label in field.choices if value]

    assert set(township_names(county_admin)) == {township_a.name, township_b.name}
    # A township official's select lists only their own township, whatever the office's entry holds.
    assert township_names(township_a_official) == [township_a.name]

    # Added in the (audited) admin, the new township is listed on the office's next page.
    with django_capture_on_commit_callbacks(execute=True):
        added = TownshipFactory(county=township_a.county, name="新设镇")
        audit.record(actor=system_admin, instance=added, action=AuditAction.CREATE, note="后台修改")
    assert "新设镇" in township_names(county_admin)
    assert township_names(township_a_official) == [township_a.name]


def _bar(user, **params) -> str:
    request = RequestFactory().get("/", params)
    request.user = user
    return str(filter_bar_fields(VillageFilterSet(request.GET or None, request=request).form))


@pytest.mark.django_db
def test_a_page_bar_is_written_once_per_scope_version_and_values(
    django_assert_num_queries, county_admin, township_a, township_b, system_admin, django_capture_on_commit_callbacks
):
    from pilot_admin.audit import services as audit
    from pilot_admin.choices import AuditAction
    from tests.factories import TownshipFactory

    with django_assert_num_queries(2):  # the townships and the programs
        first = _bar(county_admin)
    with django_assert_num_queries(0):
        assert _bar(county_admin) == first
    # Other values are another entry: the chosen township is selected there, not here.
    chosen = _bar(county_admin, township=str(township_b.pk))
    assert f'<option value="{township_b.pk}" selected>' in chosen
    assert f'<option value="{township_b.pk}" selected>' not in first and township_b.name in first
    # An audited write (a new data version) writes the bar again, with the new township.
    with django_capture_on_commit_callbacks(execute=True):
        added = TownshipFactory(county=township_a.county, name="新设镇")
        audit.record(actor=system_admin, instance=added, action=AuditAction.CREATE, note="后台修改")
    assert "新设镇" in _bar(county_admin) and "新设镇" not in first


@pytest.mark.django_db
def test_form_classes_are_kept_per_scope(county_admin, county_viewer, township_a_official, township_b_official):
    def form_class(user, **kwargs):
        request = RequestFactory().get("/")
        request.user = user
        return VillageFilterSet(request.GET, request=request, **kwargs).get_form_class()

    assert form_class(county_admin) is form_class(county_admin)
    # The API's form (empty values refused) is not the page's.
    assert form_class(county_admin, empty_is_error=True) is not form_class(county_admin)
    assert form_class(township_a_official) is not form_class(township_b_official)
    assert form_class(county_admin) is not form_class(county_viewer)


@pytest.mark.django_db
def test_a_kept_form_class_still_refuses_another_townships_id(county_admin, township_a_official, township_b):
    """The office's form (every township) is built first; the township's own refuses the other."""

    def errors(user):
        request = RequestFactory().get("/", {"township": str(township_b.pk)})
        request.user = user
        filterset = VillageFilterSet(request.GET, request=request)
        filterset.is_valid()
        return filterset.form.errors

    assert not errors(county_admin)
    assert errors(township_a_official)["township"] == ["不存在或不在您的查看范围内。"]
