"""What every printout says about itself: who issues it, what it shows, when and by whom it
was printed. The pages put it on paper through the `{% print_frame %}` tag (templatetags/printing.py),
static/css/print.css and static/js/app.js (the running header and footer)."""

import django_filters
from django.utils import timezone

# `?print=1` on a paged list: every row the filters select on one page, for the printer.
PRINT_PARAM = "print"
# Above this many rows the print view pages too (and says so): a printout of tens of thousands
# of rows is a file for the Excel export, not for paper.
PRINT_ROW_CAP = 5000
SEPARATOR = " · "


def issuing_office(user) -> str:
    """The county, or for a department or township user that unit, as the county writes it
    ("县民政局" → "巴东县民政局"). Reached through the user's foreign keys: the core imports no app."""
    unit = getattr(user, "department", None)
    if unit is None and getattr(user, "township", None) is not None:
        unit = getattr(user.township, "government", None)
        if unit is None:
            return user.township.name
    county = getattr(user, "county", None) or (unit.county if unit is not None else None)
    if county is None and getattr(user, "township", None) is not None:
        county = user.township.county
    if county is None:
        # A province-wide account: the system's only county, if it has one.
        counties = type(user)._meta.get_field("county").related_model.objects.order_by("pk")[:2]
        county = counties[0] if len(counties) == 1 else None
    if unit is None:
        return county.name if county else "试点工作管理系统"
    if county is None or unit.name.startswith(county.name):
        return unit.name
    return county.name + (unit.name[1:] if unit.name.startswith("县") else unit.name)


def filterset_in_words(filterset) -> list[str]:
    """A bound, valid FilterSet's chosen values as "乡镇：水布垭镇", in the form's order."""
    if filterset is None or not filterset.is_bound or not filterset.is_valid():
        return []
    words = []
    for name, field in filterset.form.fields.items():
        value = filterset.form.cleaned_data.get(name)
        if value in (None, "", [], ()):
            continue
        if isinstance(value, bool):
            text = "是" if value else "否"
        elif hasattr(field, "choices") and not hasattr(value, "pk"):
            text = {str(k): v for k, v in field.choices}.get(str(value), str(value))
        else:
            text = str(value)
        words.append(f"{field.label}：{text}")
    return words


def filters_in_words(*parts) -> str:
    """Each part a FilterSet, a text or nothing; the non-empty ones joined ("2019年度 · 水布垭镇")."""
    words = []
    for part in parts:
        # A FilterSet, told by its class: hasattr(part, "qs") would run its filtering.
        if isinstance(part, django_filters.FilterSet):
            words.extend(filterset_in_words(part))
        elif part not in (None, ""):
            words.append(str(part))
    return SEPARATOR.join(words)


def printed_line(user) -> str:
    return f"打印：{timezone.localtime():%Y-%m-%d %H:%M} {user}"
