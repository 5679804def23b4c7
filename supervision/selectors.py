"""Reads of the supervision pages, each through visible_to."""

import datetime

from django.db.models import Count, Q, QuerySet

from pilot_admin import idnumbers
from supervision.models import Committee, VillageCadre


def cadre_list(*, user, village_id: int | None = None) -> QuerySet[VillageCadre]:
    cadres = (
        VillageCadre.objects.visible_to(user)
        .select_related("village__township")
        .annotate(relative_count=Count("relatives"))
    )
    if village_id:
        cadres = cadres.filter(village_id=village_id)
    # An aggregate drops Meta.ordering: the register's order, stated again.
    return cadres.order_by(*VillageCadre._meta.ordering)


def committee_list(*, user, status: str = "") -> QuerySet[Committee]:
    committees = Committee.objects.visible_to(user).select_related("village__township", "election")
    if status:
        committees = committees.filter(status=status)
    serving = Count("members", filter=Q(members__removed_on__isnull=True))
    return committees.annotate(serving=serving).order_by(*Committee._meta.ordering)


def shown_id(person) -> str:
    """An ID number as the pages show it: masked, always (the register needs the number only
    to match candidates, which the services do); empty when none was recorded."""
    return idnumbers.mask_id_number(person.id_number) if person.id_number else ""


def age_text(person, on: datetime.date) -> str:
    return f"{idnumbers.age_on(person.birth_date, on)}周岁" if person.birth_date else "—"
