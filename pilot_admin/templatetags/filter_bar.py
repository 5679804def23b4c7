from django import template

from pilot_admin.filters import filter_bar_fields

register = template.Library()

# includes/filter_form.html: the fields of a page's filter bar written in Python (every list
# page shows one; through the template engine its loop cost more than the widgets).
register.simple_tag(filter_bar_fields, name="filter_bar_fields")
