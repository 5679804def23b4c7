"""The guardianship agreement (监护照料协议书) as a Word document, pre-filled for a person and
their current guardian.

It carries the person's full ID number (an agreement with a masked number is no agreement), so
only the roles that sign or keep it may download it — the township and the county office
(permissions.can_see_full_id_numbers, the same roles that may see full numbers on screen) — and
each download is a read of personal data in the access log (PersonalData on the view)."""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views import View

from guardianship import permissions, services
from guardianship.choices import Duty
from guardianship.documents import AGREEMENT
from guardianship.models import Guardian, Person
from pilot_admin.audit.access import PersonalData
from pilot_admin.documents import chinese_date, document_response, render
from pilot_admin.scoping import ScopedViewMixin


def agreement_context(*, person: Person, guardian: Guardian, viewer, today) -> dict:
    """The agreement's fields; the duties are those of the guardian's latest registered
    agreement, else every duty the register knows (the parties strike what does not apply)."""
    identity = services.person_identity(person, viewer=viewer, full=True)
    latest = guardian.agreements.order_by("-signed_on", "-pk").first()
    labels = dict(Duty.choices)
    duties = latest.duties if latest is not None and latest.duties else list(Duty.values)
    township = person.village.township
    return {
        "agreement_number": f"{township.name}监协〔{today.year}〕{guardian.pk}号",
        "township_government": f"{township.name}人民政府",
        "guardian_name": guardian.name,
        "guardian_kind": guardian.get_kind_display(),
        "guardian_relation": guardian.get_relation_display() or "—",
        "guardian_phone": guardian.phone or "—",
        "person_name": person.name,
        "person_gender": person.get_gender_display(),
        "person_birth_date": chinese_date(identity.birth_date) if identity.birth_date else "—",
        "person_id_number": identity.id_number,
        "person_address": person.address or "—",
        "village": f"{township.name}{person.village.name}",
        "person_kind": person.get_kind_display(),
        "support_mode": person.get_support_mode_display(),
        "start_date": chinese_date(guardian.start_date),
        "duties": [{"index": i, "duty": labels.get(d, d)} for i, d in enumerate(duties, start=1)],
        "issue_date": chinese_date(today),
    }


class AgreementDocumentView(ScopedViewMixin, View):
    personal_data = PersonalData("监护照料协议书（含完整身份证号）", "guardianship.Person")
    access = staticmethod(permissions.can_see_full_id_numbers)

    def get(self, request, pk, guardian_pk):
        person = get_object_or_404(
            Person.objects.visible_to(request.user).select_related("village__township__county"), pk=pk
        )
        guardian = get_object_or_404(person.guardians.filter(is_active=True), pk=guardian_pk)
        context = agreement_context(person=person, guardian=guardian, viewer=request.user, today=timezone.localdate())
        content = render(AGREEMENT, county=person.village.township.county, context=context)
        return document_response(content, f"监护照料协议书_{person.name}.docx")
