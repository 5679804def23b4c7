"""`{{ share|percent }}` / `{{ share|percent:1 }}`: a share (0.125) written as a percentage
("13%") with the same rounding as the charts (pilot_admin.charts.percent_text)."""

from django import template

from pilot_admin.charts import percent_text

register = template.Library()


@register.filter
def percent(share, places=0):
    if share is None or share == "":
        return "—"
    return percent_text(share, int(places))
