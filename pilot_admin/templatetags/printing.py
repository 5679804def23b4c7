"""`{% print_frame title part… layout="landscape" %}`: a printable page's header and footer.

Put it in the page's `{% block print %}` (templates/base.html). `title` names the page; the
further arguments are its filters — a FilterSet (its chosen values in words), a text, or empty
(left out). `layout` picks one of static/css/print.css's named pages: "portrait" (the default),
"landscape" for wide tables, "document" for GB/T 9704 margins."""

from django import template

from pilot_admin import printing

register = template.Library()

LAYOUTS = ("portrait", "landscape", "document")


@register.inclusion_tag("includes/print_frame.html", takes_context=True)
def print_frame(context, title, *filters, layout="portrait"):
    if layout not in LAYOUTS:
        raise template.TemplateSyntaxError(f"print_frame: layout must be one of {LAYOUTS}, not {layout!r}")
    user = context["request"].user
    return {
        "office": printing.issuing_office(user),
        "title": title,
        "filters": printing.filters_in_words(*filters),
        "printed": printing.printed_line(user),
        "layout": layout,
        # A paged list printed as it stands says so at the top (includes/print_partial.html).
        "is_paginated": context.get("is_paginated"),
        "page_obj": context.get("page_obj"),
        "print_view": context.get("print_view"),
    }
