"""Shared FilterSet machinery of every app's filters.py and api/filters.py.

The FilterSets are shared by the list pages, their exports and the API, and read their values
strictly: a value the filter does not allow is an error (a 400 naming the parameter on the API,
the message on the page's filter form and no rows), never silently dropped. Numbers are written
canonically (ASCII digits, no sign, no leading zero), booleans as true/false, and a parameter
given twice is refused. An empty value means "no filter" on a page, whose form sends every field;
the API refuses it (FilterSet(empty_is_error=True)): a client leaves the parameter out.
"""

import hashlib
import json
import re
from types import SimpleNamespace

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.template import Context
from django.template.base import render_value_in_context
from django.utils.choices import BaseChoiceIterator
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe
from django_filters.conf import settings as filter_settings
from drf_spectacular.drainage import set_override
from drf_spectacular.utils import extend_schema_field

from pilot_admin import stats_cache
from pilot_admin.memo import ProcessMemo
from pilot_admin.params import MONTH_PATTERN, canonical_int, month_param, refused_parameters

# The largest id a BigAutoField holds; a larger number names no row.
ID_MAX = 2**63 - 1
# Filters by year take a four-digit year.
YEAR_MIN, YEAR_MAX = 1000, 9999
# Project codes (PilotProgram.code, a SlugField).
CODE_PATTERN = "^[-a-zA-Z0-9_]+$"

INTEGER_MESSAGE = "应为整数，只用阿拉伯数字 0–9 书写，不带正负号、小数点、空格或前导零。"
ID_MESSAGE = "应为正整数 id，只用阿拉伯数字 0–9 书写，不带前导零。"
NOT_VISIBLE_MESSAGE = "不存在或不在您的查看范围内。"
BOOLEAN_MESSAGE = "应为 true 或 false。"
MONTH_MESSAGE = "月份格式应为 YYYY-MM，例如 2024-05。"


def visible_choices(rows, *order_by):
    """The `queryset` of a ModelChoiceFilter: `rows` (a model, or a queryset of one narrowed
    further) that the requesting user may see, in `order_by` order when given. Called per
    request by django-filter, so another township's or county's id is an invalid choice (a 400
    on the API, no rows on a page), never a way round the scope."""

    def choices(request):
        queryset = rows._default_manager.all() if isinstance(rows, type) else rows.all()
        queryset = queryset.visible_to(getattr(request, "user", None))
        return queryset.order_by(*order_by) if order_by else queryset

    return choices


def _describe(filter_, schema: dict):
    """Tell drf-spectacular the exact schema of `filter_`'s parameter, with its label."""
    description = filter_.extra.get("help_text") or filter_.label
    set_override(filter_, "field", {**schema, **({"description": str(description)} if description else {})})


# --- form fields: what each kind of value must look like -------------------------------------


def _integer(value) -> int | None:
    """A query-string value written canonically; an int passes too (a FilterSet built in code)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return canonical_int(value)


class CanonicalIntegerField(forms.IntegerField):
    default_error_messages = {"invalid": INTEGER_MESSAGE}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        number = _integer(value)
        if number is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return number


class FetchedChoiceIterator(forms.models.ModelChoiceIterator):
    """The choices in one plain SELECT. Django's iterator() opens a server-side cursor on
    PostgreSQL (DECLARE, FETCH, CLOSE: three round trips per select box on every list page)
    for what is a county's dozen townships or programs."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in list(self.queryset.all()):
            yield self.choice(obj)


class VisibleChoiceField(forms.ModelChoiceField):
    """A row the user may see, named by its id (canonical digits) or by `to_field_name`
    matching `pattern`; anything else is refused before the database is asked."""

    iterator = FetchedChoiceIterator
    default_error_messages = {"invalid_choice": NOT_VISIBLE_MESSAGE, "invalid": ID_MESSAGE}

    def __init__(self, *args, pattern=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.pattern = pattern

    def to_python(self, value):
        if value in self.empty_values or isinstance(value, self.queryset.model):
            return super().to_python(value)
        if self.to_field_name is None:
            number = _integer(value)
            if number is None or number == 0:
                raise ValidationError(self.error_messages["invalid"], code="invalid")
            if number > ID_MAX:
                raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        elif self.pattern is not None and not (isinstance(value, str) and self.pattern.fullmatch(value)):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class YesNoWidget(django_filters.widgets.BooleanWidget):
    """true/false in the URL (as the API documents it), 全部/是/否 on the page. Hands the field
    the value as written, so "maybe" is refused rather than read as "no filter"."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("", "全部"), ("true", "是"), ("false", "否")]

    def value_from_datadict(self, data, files, name):
        return data.get(name)


class StrictNullBooleanField(forms.NullBooleanField):
    widget = YesNoWidget
    default_error_messages = {"invalid": BOOLEAN_MESSAGE}

    def to_python(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        if value in ("true", "false"):
            return value == "true"
        raise ValidationError(self.error_messages["invalid"], code="invalid")

    def validate(self, value):
        pass


class MonthField(forms.CharField):
    """YYYY-MM → the first day of that month."""

    default_error_messages = {"invalid": MONTH_MESSAGE}

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        month = month_param(value)
        if month is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return month


# --- the filters the FilterSets are built from -----------------------------------------------


class IntegerFilter(django_filters.NumberFilter):
    """An integer parameter between `min_value` and `max_value`."""

    field_class = CanonicalIntegerField

    def __init__(self, *args, min_value=0, max_value=ID_MAX, **kwargs):
        super().__init__(*args, min_value=min_value, max_value=max_value, **kwargs)
        _describe(self, {"type": "integer", "minimum": min_value, "maximum": max_value})


class YearFilter(IntegerFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=YEAR_MIN, max_value=YEAR_MAX, **kwargs)


class VisibleFilter(django_filters.ModelChoiceFilter):
    """A row of `queryset` (use visible_choices) named by its id; another township's or county's
    id is an invalid choice."""

    field_class = VisibleChoiceField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _describe(self, {"type": "integer", "minimum": 1, "maximum": ID_MAX})


class VisibleCodeFilter(django_filters.ModelChoiceFilter):
    """A row of `queryset` (use visible_choices) named by its code (`to_field_name`)."""

    field_class = VisibleChoiceField

    def __init__(self, *args, pattern=CODE_PATTERN, max_length=50, **kwargs):
        kwargs.setdefault("to_field_name", "code")
        super().__init__(*args, pattern=re.compile(pattern), **kwargs)
        _describe(self, {"type": "string", "pattern": pattern, "maxLength": max_length})


class BooleanFilter(django_filters.BooleanFilter):
    """true or false (on a page: 全部/是/否)."""

    field_class = StrictNullBooleanField


@extend_schema_field({"type": "string", "pattern": MONTH_PATTERN})
class MonthFilter(django_filters.Filter):
    """A month named in the query string as YYYY-MM."""

    field_class = MonthField


class SearchFilter(django_filters.CharFilter):
    """Free text to look for; NUL characters are refused (the database cannot hold them)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _describe(self, {"type": "string", "pattern": "^[^\\u0000]+$"})


# --- the filter bar's select boxes, rendered in Python ------------------------------------------

SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"
_AUTOESCAPE = Context(autoescape=True)


def _text(value) -> str:
    """What `{{ value }}` writes: localized and escaped. A plain str (most labels) is only
    escaped, as render_value_in_context would, without its localization steps."""
    if type(value) is str:
        return escape(value)
    return render_value_in_context(value, _AUTOESCAPE)


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html."""
    return "".join(
        f" {_text(name)}" + ("" if value is True else f'="{conditional_escape(f"{value}")}"')
        for name, value in attrs.items()
        if value is not False
    )


class PythonRenderedSelect:
    """A Select that writes exactly what Django's select.html and select_option.html write
    (tests/pilot_admin/test_filter_select.py compares them), straight from its choices: no
    template include and no option dict per option. A filter bar's selects (the register's
    lists a county's 300 villages) were a quarter to a half of a list page's time."""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            attrs["multiple"] = True
        selected_values = self.format_value(value)
        parts = [f'<select name="{_text(name)}"{_attrs(attrs)}>']
        has_selected = False
        for option_value, option_label in self.choices:
            if option_value is None:
                option_value = ""
            grouped = isinstance(option_label, list | tuple)
            if grouped:
                parts.append(f'\n  <optgroup label="{_text(option_value)}">')
            for subvalue, sublabel in option_label if grouped else [(option_value, option_label)]:
                selected = (not has_selected or self.allow_multiple_selected) and str(subvalue) in selected_values
                has_selected |= selected
                parts.append(
                    f'\n  <option value="{conditional_escape(f"{subvalue}")}"{" selected" if selected else ""}>'
                    f"{_text(sublabel)}</option>\n"
                )
            if grouped:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))


INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{kind}.html" for kind in ("text", "number", "date", "email", "search", "url", "hidden")
)


class PythonRenderedInput:
    """An <input> that writes exactly what Django's input.html and attrs.html write (the same
    test compares them): the text, number and date boxes of a filter bar."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        value = widget["value"]
        shown = "" if value is None else f' value="{conditional_escape(f"{value}")}"'
        return mark_safe(f'<input type="{_text(widget["type"])}" name="{_text(name)}"{shown}{_attrs(widget["attrs"])}>')


_python_rendered: dict[tuple[type, type], type] = {}


def _python_class(rendering: type, widget_class: type) -> type:
    key = (rendering, widget_class)
    if key not in _python_rendered:
        _python_rendered[key] = type(widget_class.__name__, (rendering, widget_class), {})
    return _python_rendered[key]


def render_selects_in_python(form) -> None:
    """Give each of `form`'s selects and plain inputs that use Django's own templates the Python
    rendering."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, PythonRenderedSelect | PythonRenderedInput):
            continue
        if (
            isinstance(widget, forms.Select)
            and widget.template_name == SELECT_TEMPLATE
            and widget.option_template_name == OPTION_TEMPLATE
            # Options carry only `selected`, as Django's Select writes them.
            and not widget.option_inherits_attrs
            and type(widget).optgroups is forms.Select.optgroups
            and type(widget).create_option is forms.Select.create_option
            and type(widget).get_context is forms.Select.get_context
        ):
            widget.__class__ = _python_class(PythonRenderedSelect, type(widget))
        elif (
            isinstance(widget, forms.widgets.Input)
            and widget.template_name in INPUT_TEMPLATES
            and type(widget).get_context is forms.widgets.Input.get_context
        ):
            widget.__class__ = _python_class(PythonRenderedInput, type(widget))


def _filter_bar_html(form) -> str:
    parts = []
    for bound in form:
        parts.append(f"{bound}" if bound.is_hidden else f"<label>{_text(bound.label)} {bound}</label>")
    return "\n    ".join(parts)


def filter_bar_fields(form) -> str:
    """includes/filter_form.html's fields: each hidden field as it is, each other in its label.
    A page form's bar (FilterSet.form gives it `filter_bar`) is written once per scope, data
    version and submitted values, and kept in the statistics cache: its selects list a county's
    townships, programs or three hundred villages, which cost more to write than the page's rows."""
    bar = getattr(form, "filter_bar", None)
    if bar is None:
        return mark_safe(_filter_bar_html(form))  # noqa: S308 — labels escaped, widgets render safe HTML
    return mark_safe(bar.html(lambda: _filter_bar_html(form)))  # noqa: S308 — as above


# --- a filter bar's lists of rows, read once per scope and data version ---------------------------


class FilterBarChoices:
    """The options of a page form's row selects (its townships, programs, villages), computed
    together and kept in the statistics cache per scope and data version (pilot_admin.stats_cache):
    compiling and running one query per select, on every list page, cost more than the page's own
    rows. Only what the select shows is kept; a value sent back is still checked against the
    field's queryset (visible_to), so the cache never widens what a user may filter by. The rows
    a select lists are written through the audited services or the audited admin
    (pilot_admin.admin.AuditedModelAdmin), whose audit records bump the data version."""

    def __init__(self, form, user, name: str):
        self.form, self.user, self.name = form, user, name
        self._lists: dict[str, list[tuple[str, str]]] | None = None

    def compute(self) -> dict[str, list[tuple[str, str]]]:
        return {
            name: [(str(value), str(label)) for value, label in field.iterator(field)]
            for name, field in self.form.fields.items()
            if isinstance(field, forms.ModelChoiceField)
        }

    def options(self, field_name: str) -> list[tuple[str, str]]:
        if self._lists is None:
            self._lists = stats_cache.cached(
                user=self.user, name="filter-choices", parts=(self.name,), compute=self.compute
            )
        return self._lists[field_name]

    def submitted(self) -> str:
        """What of the query string the bar shows (each field's values as sent, or that the form
        is unbound), as a digest: it names the cache entry of the bar written for them."""
        form = self.form
        if not form.is_bound:
            return "unbound"
        data = form.data
        values = [
            (name, data.getlist(key) if hasattr(data, "getlist") else [data.get(key)])
            for name, key in ((name, form.add_prefix(name)) for name in form.fields)
        ]
        return hashlib.sha256(json.dumps(values, ensure_ascii=False).encode()).hexdigest()[:32]

    def html(self, render) -> str:
        """The bar `render()` writes, once per scope, data version and submitted values: what it
        shows follows from them alone (the options from the scope's rows, the selected values and
        the error marks from what was sent)."""
        return stats_cache.cached(
            user=self.user, name="filter-bar", parts=(self.name, self.submitted()), compute=lambda: str(render())
        )


class CachedChoices(BaseChoiceIterator):
    """One select's options from its form's FilterBarChoices (a ChoiceIterator, so Django keeps
    it lazy: a FilterSet used only to narrow rows, as the exports use it, reads nothing)."""

    def __init__(self, choices: FilterBarChoices, field_name: str):
        self.choices, self.field_name = choices, field_name

    def __iter__(self):
        return iter(self.choices.options(self.field_name))


def cache_row_choices(form, user, name: str) -> None:
    """Give `form`'s row selects their options from the cache, and the form its bar's cache
    entry (see FilterBarChoices)."""
    user_ok = user is not None and getattr(user, "is_authenticated", False)
    if not user_ok:
        return
    choices = form.filter_bar = FilterBarChoices(form, user, name)
    for field_name, field in form.fields.items():
        if isinstance(field, forms.ModelChoiceField):
            field.choices = CachedChoices(choices, field_name)


# --- the FilterSet -----------------------------------------------------------------------------


# FilterSet.get_form_class's classes, per FilterSet, kind and scope (a county's roles and units).
_FORM_CLASSES: ProcessMemo[type] = ProcessMemo(4096)

# The empty choice of every select on a filter form: "no filter" reads 全部, not "---------".
ALL_LABEL = "全部"


class FilterSet(django_filters.FilterSet):
    """Base of every shared FilterSet: one value per parameter, and (`empty_is_error`, the API)
    no empty values; each refusal is a form error on the parameter it concerns. A select's
    empty choice left at django-filter's "---------" says 全部."""

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, empty_is_error=False):
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.empty_is_error = empty_is_error
        for filter_ in self.filters.values():
            # ChoiceFilter leaves the default out of `extra`; ModelChoiceFilter writes it in.
            default = filter_settings.EMPTY_CHOICE_LABEL
            is_choice = isinstance(filter_, django_filters.ChoiceFilter)
            if is_choice and filter_.extra.get("empty_label", default) == default:
                filter_.extra["empty_label"] = ALL_LABEL
                # The copy may carry a field built before (from the class's filter): rebuild it.
                filter_.__dict__.pop("_field", None)

    def get_form_class(self):
        """The form class, made once per FilterSet, kind (page or API) and scope and kept by the
        process: django-filter builds a class and its fields for every request, which cost a list
        page more than its filtering. The fields' querysets come from visible_choices, which read
        only the user's scope (stats_cache.scope_key), so one scope's class serves each of its
        users; each form deep-copies the fields (their querysets cloned, never evaluated here)."""
        user = getattr(self.request, "user", None)
        # visible_to shows an inactive user nothing: such a user's class is not the scope's.
        signed_in = user is not None and user.is_authenticated
        scope = (stats_cache.scope_key(user), user.is_active) if signed_in else None
        return _FORM_CLASSES.get((type(self), self.empty_is_error, scope), self._make_form_class)

    def _make_form_class(self):
        form_class = super().get_form_class()
        empty_is_error = self.empty_is_error

        class Form(form_class):
            def clean(self):
                cleaned_data = super().clean()
                refused = refused_parameters(self.data, self.fields, empty_is_error=empty_is_error)
                for name, message in refused.items():
                    # The repeated or empty value is the cause; whatever the field made of it is not.
                    self.errors.pop(name, None)
                    self.add_error(name, message)
                return cleaned_data

        Form.__name__ = form_class.__name__
        if not empty_is_error:
            # The help texts document the API's parameters (the schema's descriptions, such as
            # "open：…；accepted：…"); a page's filter bar shows none, so its fields are not
            # described by text the page does not have. Set on the class's fields, which every form
            # copies.
            for field in Form.base_fields.values():
                field.help_text = ""
            render_selects_in_python(SimpleNamespace(fields=Form.base_fields))
        return Form

    @property
    def form(self):
        if not hasattr(self, "_form"):
            form = super().form
            if not self.empty_is_error:
                name = f"{type(self).__module__}.{type(self).__qualname__}"
                cache_row_choices(form, getattr(self.request, "user", None), name)
        return self._form
