"""`{% id_url "app:view" pk %}`: what `{% url "app:view" pk %}` writes for a route taking one
id, from the remembered pattern (pilot_admin/reversing.py) — for links in a table's rows, where
reversing each row's URL cost more than rendering the row."""

from django import template

from pilot_admin.reversing import reverse_id

register = template.Library()


@register.simple_tag
def id_url(view_name: str, pk) -> str:
    return reverse_id(view_name, pk)
