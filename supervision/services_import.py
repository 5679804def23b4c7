"""The cadre register import through the shared pipeline: each row built by the same
services._identity and model rules the page's cadre_create uses, the village and duplicate
checks made once for the file; all rows written in one transaction, or none."""

from django.core.exceptions import ValidationError

from pilot_admin.audit import services as audit
from pilot_admin.choices import AuditAction
from pilot_admin.excel import (
    IMPORT_AUDIT_NOTE,
    ImportResult,
    ImportRow,
    RowError,
    clean_in_memory,
    constraint_message,
    finish_import,
)
from pilot_admin.services import require
from supervision import permissions, services
from supervision.excel import CADRE_COLUMNS
from supervision.models import VillageCadre
from villages.models import Village

BATCH_SIZE = 1000


def cadre_import(*, actor, rows: list[ImportRow], dry_run: bool) -> ImportResult:
    require(permissions.can_edit_supervision(actor), "您的角色不能导入村干部名册。")
    columns = CADRE_COLUMNS
    errors: list[RowError] = []
    names = {row.data["village"] for row in rows if "village" in row.data}
    villages = {
        (village.township.name, village.name): village
        for village in Village.objects.township_work_by(actor).filter(name__in=names).select_related("township")
    }
    registered = set(
        VillageCadre.objects.filter(village__in=villages.values()).values_list(
            "village_id", "name", "post", "term_start"
        )
    )
    duplicate = constraint_message(VillageCadre, "cadre_once_per_village_post_term")
    seen: dict[tuple, int] = {}
    cadres: list[VillageCadre] = []
    for row in rows:
        village = None
        if "township" in row.data and "village" in row.data:
            village = villages.get((row.data["township"], row.data["village"]))
            if village is None:
                errors.append(
                    RowError(
                        row.number,
                        columns.header("village"),
                        f"“{row.data['township']}”没有名为“{row.data['village']}”的村，或不在您的管辖范围内。",
                    )
                )
        failed = columns.failed_fields(row)
        data = {
            name: row.data[name]
            for name in services.CADRE_FIELDS
            if name in row.data and name not in failed and row.data[name] is not None
        }
        data.setdefault("is_party_member", False)
        try:
            data = services.identity_from(data)
        except ValidationError as error:
            errors.extend(columns.errors_from(row.number, error, model=VillageCadre))
            data.pop("id_number", None)
        cadre = VillageCadre(village=village, **data)
        try:
            clean_in_memory(cadre, exclude={"village", *failed})
        except ValidationError as error:
            errors.extend(columns.errors_from(row.number, error, model=VillageCadre))
        if village is None or not row.ok:
            continue
        key = (village.pk, cadre.name, cadre.post, cadre.term_start)
        first = seen.setdefault(key, row.number)
        if first != row.number:
            errors.append(RowError(row.number, columns.header("name"), f"与第 {first} 行重复。"))
        elif key in registered:
            errors.append(RowError(row.number, columns.header("name"), duplicate))
        cadres.append(cadre)

    def write():
        VillageCadre.objects.bulk_create(cadres, batch_size=BATCH_SIZE)
        audit.record_bulk(
            actor=actor, items=[(cadre, AuditAction.CREATE, None) for cadre in cadres], note=IMPORT_AUDIT_NOTE
        )

    return finish_import(
        columns=columns, rows=rows, errors=errors, created=len(cadres), updated=0, dry_run=dry_run, write=write
    )
