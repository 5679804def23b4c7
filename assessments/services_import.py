"""The score-sheet import: an offline sheet back into its inspection, through the shared
pipeline, with the scoring rule of services.check_score and the one write path
services.inspection_scores_save."""

from collections import defaultdict
from decimal import Decimal

from django.db import transaction

from assessments import permissions, services
from assessments.choices import InspectionStatus
from assessments.excel import SCORE_SHEET_COLUMNS
from assessments.models import Inspection, ItemScore, ScoreItem
from pilot_admin.excel import ImportResult, ImportRow, RowError, finish_import
from pilot_admin.services import require

# A stand-in reason, so check_score reports only what is wrong with the points themselves.
_SOME_REASON = "-"


def _inspections_by_village(actor, rows) -> dict[tuple[str, str], list[Inspection]]:
    """The draft inspections the actor may score in the villages the sheet names, locked so
    nobody submits them between the checks and the write. One query."""
    names = {row.data["village"] for row in rows if "village" in row.data}
    found = defaultdict(list)
    inspections = (
        Inspection.objects.editable_by(actor)
        .filter(status=InspectionStatus.DRAFT, pilot__village__name__in=names)
        .select_related("pilot__village__township", "pilot__program")
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    for inspection in inspections:
        village = inspection.pilot.village
        found[(village.township.name, village.name)].append(inspection)
    return found


def _match(row: ImportRow, found, columns) -> tuple[Inspection | None, RowError | None]:
    """The inspection a row belongs to, or the error naming the cell that is wrong."""
    key = (row.data["township"], row.data["village"])
    candidates = found.get(key, [])
    if not candidates:
        return None, RowError(
            row.number,
            columns.header("village"),
            f"“{key[0]}{key[1]}”没有您所在检查组的待评分检查（草稿），请核对乡镇和村名，或确认该检查尚未提交。",
        )
    same_year = [inspection for inspection in candidates if inspection.year == row.data["year"]]
    if not same_year:
        years = "、".join(str(inspection.year) for inspection in candidates)
        return None, RowError(
            row.number,
            columns.header("year"),
            f"“{key[1]}”{row.data['year']}年没有待评分的检查（您可评分的是 {years} 年），请核对年度。",
        )
    if len(same_year) > 1:
        programs = "、".join(inspection.pilot.program.name for inspection in same_year)
        return None, RowError(
            row.number, columns.header("village"), f"该村本年度有多个待评分检查（{programs}），请在检查页面逐项评分。"
        )
    return same_year[0], None


def _check_row(row: ImportRow, item: ScoreItem, columns) -> list[RowError]:
    points, reason = row.data.get("points"), row.data.get("reason", "")
    points_errors = services.check_score(item, points, _SOME_REASON)
    errors = [RowError(row.number, columns.header("points"), message) for message in points_errors]
    errors += [
        RowError(row.number, columns.header("reason"), message)
        for message in services.check_score(item, points, reason)
        if message not in points_errors
    ]
    return errors


def score_sheet_import(*, actor, rows: list[ImportRow], dry_run: bool) -> ImportResult:
    """Scores from offline sheets, matched by (township, village, year) to draft inspections
    of the actor's team. A row with no points leaves its item unscored; any error anywhere
    means nothing is written."""
    require(permissions.can_score(actor), "只有检查组成员可以导入评分表。")
    columns = SCORE_SHEET_COLUMNS
    errors: list[RowError] = []
    with transaction.atomic():
        found = _inspections_by_village(actor, rows)
        template_ids = {inspection.template_id for group in found.values() for inspection in group}
        items = {(item.template_id, item.code): item for item in ScoreItem.objects.filter(template_id__in=template_ids)}
        scores: dict[int, list[services.ScoreInput]] = defaultdict(list)
        inspections: dict[int, Inspection] = {}
        first_row: dict[tuple[int, str], int] = {}
        for row in rows:
            # A row with an unreadable cell is still matched and checked, so its other problems
            # are reported in the same run; only a row that names no item cannot be.
            if not {"township", "village", "year", "code"} <= row.data.keys():
                continue
            inspection, error = _match(row, found, columns)
            if error is not None:
                errors.append(error)
                continue
            code = row.data["code"]
            item = items.get((inspection.template_id, code))
            if item is None:
                errors.append(
                    RowError(row.number, columns.header("code"), f"评分项目编号“{code}”不在本检查的评分表中。")
                )
                continue
            seen = first_row.setdefault((inspection.pk, code), row.number)
            if seen != row.number:
                errors.append(RowError(row.number, columns.header("code"), f"与第 {seen} 行的评分项目重复。"))
                continue
            if row.data.get("points") is None and not row.data.get("reason") and not row.data.get("rectify"):
                continue  # not scored yet on this sheet
            row_errors = [] if "points" in columns.failed_fields(row) else _check_row(row, item, columns)
            if row_errors or not row.ok:
                errors.extend(row_errors)
                continue
            inspections[inspection.pk] = inspection
            scores[inspection.pk].append(
                services.ScoreInput(
                    item_id=item.pk,
                    points=Decimal(row.data["points"]),
                    reason=row.data.get("reason", ""),
                    rectify=bool(row.data.get("rectify", False)),
                )
            )
        if not errors and not any(row.errors for row in rows) and not scores:
            errors.append(RowError(None, "", "表中没有填写任何得分，未导入。"))
        already = set(
            ItemScore.objects.filter(inspection__in=list(inspections)).values_list("inspection_id", "item_id")
        )
        created = sum(1 for pk, inputs in scores.items() for s in inputs if (pk, s.item_id) not in already)
        updated = sum(len(inputs) for inputs in scores.values()) - created

        def write():
            # The rows passed check_score and the inspections are locked drafts, so the service
            # has nothing left to refuse; were it to, its error rolls the whole import back.
            for pk, inputs in scores.items():
                services.inspection_scores_save(actor=actor, inspection=inspections[pk], scores=inputs)

        return finish_import(
            columns=columns, rows=rows, errors=errors, created=created, updated=updated, dry_run=dry_run, write=write
        )
