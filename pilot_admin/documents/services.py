"""The county's own document templates: upload (checked for the kind's placeholders) and going
back to the default, both audited."""

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from pilot_admin.audit import services as audit
from pilot_admin.choices import AuditAction
from pilot_admin.documents import DocumentKind, check_template
from pilot_admin.models import DocumentTemplate
from pilot_admin.services import require


def can_manage_templates(user) -> bool:
    """The county office (领导小组办公室) decides how its documents look; it issues them."""
    return user.is_authenticated and user.is_county_admin and user.county_id is not None


@transaction.atomic
def document_template_upload(*, actor, kind: DocumentKind, upload) -> DocumentTemplate:
    """Store `upload` as the county's template for `kind`, replacing any earlier one; refused
    (ValidationError in Chinese) when it is too large, no .docx, or lacks a placeholder."""
    require(can_manage_templates(actor), "只有县领导小组办公室可以上传文书模板。")
    name = (upload.name or "").rsplit("/", 1)[-1]
    if not name.lower().endswith(".docx"):
        raise ValidationError({"file": f"请上传 Word 文档（.docx），“{name}”不是 .docx 文件。"})
    if upload.size > settings.IMPORT_MAX_UPLOAD_BYTES:
        raise ValidationError({"file": f"模板文件不能超过 {settings.IMPORT_MAX_UPLOAD_BYTES // 1048576} MB。"})
    content = upload.read()
    try:
        check_template(kind, content)
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from error
    template = DocumentTemplate.objects.select_for_update().filter(county=actor.county_id, kind=kind.key).first()
    before = audit.snapshot(template) if template is not None else None
    if template is None:
        template = DocumentTemplate(county_id=actor.county_id, kind=kind.key)
    else:
        template.file.delete(save=False)
    template.original_name = name[:255]
    template.sha256 = hashlib.sha256(content).hexdigest()
    template.uploaded_by = actor
    template.file.save(f"{kind.key}.docx", ContentFile(content), save=False)
    template.full_clean()
    template.save()
    action = AuditAction.CREATE if before is None else AuditAction.UPDATE
    audit.record(actor=actor, instance=template, action=action, before=before, note=f"上传{kind.label}模板")
    return template


@transaction.atomic
def document_template_reset(*, actor, kind: DocumentKind) -> bool:
    """Go back to the default template for `kind`; False when the county had none of its own."""
    require(can_manage_templates(actor), "只有县领导小组办公室可以更换文书模板。")
    template = DocumentTemplate.objects.select_for_update().filter(county=actor.county_id, kind=kind.key).first()
    if template is None:
        return False
    audit.record(actor=actor, instance=template, action=AuditAction.DELETE, note=f"恢复{kind.label}默认模板")
    template.file.delete(save=False)
    template.delete()
    return True
