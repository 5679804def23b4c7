"""The base of every Excel import endpoint: the same pipeline and services as the import pages.

POST a multipart `file` (and optionally `dry_run=true`): 200 with what was (or would be)
created and updated, or 400 with every error and nothing written. A file with more data rows
than IMPORT_BACKGROUND_ROWS is imported by a Celery worker instead: 202 with the run's id, whose
progress and outcome GET /api/v1/imports/runs/<id>/ reports.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from pilot_admin.api.base import ScopedAPIView, object_id
from pilot_admin.choices import ImportStatus
from pilot_admin.excel import (
    RowError,
    can_import_any,
    check_upload,
    count_data_rows,
    import_kinds,
    import_run_queue,
    runs_in_background,
)
from pilot_admin.models import ImportRun


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="Excel 工作簿（.xlsx）；第一个工作表的第1行为表头。")
    dry_run = serializers.BooleanField(default=False, help_text="为 true 时只检查、报告将新增和更新的条数，不写入。")

    def validate_file(self, upload):
        try:
            check_upload(upload)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from error
        return upload


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(allow_null=True, help_text="Excel 行号（表头为第1行）；整个文件的问题为 null。")
    column = serializers.CharField(allow_blank=True, help_text="列名（表头文字）；整行的问题为空。")
    message = serializers.CharField(help_text="错误说明。")


class ImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="新增的条数（dry_run 时为将新增的条数）。")
    updated = serializers.IntegerField(help_text="内容有变化而更新的条数。")
    errors = RowErrorSerializer(many=True, help_text="成功时为空列表。")


class ImportErrorsSerializer(serializers.Serializer):
    errors = RowErrorSerializer(many=True)


class ImportQueuedSerializer(serializers.Serializer):
    run = serializers.IntegerField(help_text="导入记录编号：用 GET /api/v1/imports/runs/{id}/ 查询进度和结果。")
    status = serializers.ChoiceField(choices=ImportStatus.choices, help_text="此时为 queued（排队中）。")


class ImportRunSerializer(serializers.ModelSerializer):
    created = serializers.IntegerField(
        source="created_count", help_text="新增的条数（仅检查时为将新增的条数）；完成前为 0。"
    )
    updated = serializers.IntegerField(source="updated_count", help_text="内容有变化而更新的条数；完成前为 0。")
    errors = RowErrorSerializer(many=True, help_text="status 为 failed 时的全部错误；否则为空列表。")

    class Meta:
        model = ImportRun
        fields = ["id", "kind", "status", "rows_total", "rows_done", "created", "updated", "errors"]
        extra_kwargs = {
            "kind": {"help_text": "导入类型，如 villages、pilot-assignments。"},
            "status": {
                "help_text": "queued 排队中、running 处理中（两者都应稍后再查）；failed 有错误，未写入；"
                "checked 仅检查，通过；done 已导入。"
            },
            "rows_total": {"help_text": "文件中的数据行数。"},
            "rows_done": {"help_text": "已读取并检查格式的行数；等于 rows_total 后还要与系统中的数据核对、写入。"},
        }


class CanRunImport(BasePermission):
    message = "您的角色无权进行此项导入。"

    def has_permission(self, request, view):
        return view.kind().permission(request.user)


IMPORT_RESPONSES = {
    200: ImportResultSerializer,
    202: OpenApiResponse(
        ImportQueuedSerializer,
        description="数据行数超过后台导入的门槛：已排队由后台处理，用返回的 run 查询进度和结果。",
    ),
    400: OpenApiResponse(ImportErrorsSerializer, description="有错误，未写入任何数据。"),
    403: OpenApiResponse(description="角色无权导入。"),
}


class ImportAPIView(ScopedAPIView):
    """Base of an import endpoint; subclasses name the registered kind and document `post`
    with `extend_schema(..., responses=IMPORT_RESPONSES)`."""

    kind_key: str = ""
    parser_classes = [MultiPartParser]
    permission_classes = [IsAuthenticated, CanRunImport]

    def kind(self):
        return import_kinds.get(self.kind_key)

    def post(self, request):
        upload = ImportUploadSerializer(data=request.data)
        if not upload.is_valid():
            errors = [RowError(None, "", str(message)) for messages in upload.errors.values() for message in messages]
            return Response({"errors": [error.as_dict() for error in errors]}, status=status.HTTP_400_BAD_REQUEST)
        data = upload.validated_data
        kind, file, dry_run = self.kind(), data["file"], data["dry_run"]
        rows_total = count_data_rows(kind.columns, file)
        if runs_in_background(rows_total):
            run = import_run_queue(actor=request.user, kind=kind, upload=file, dry_run=dry_run, rows_total=rows_total)
            return Response(
                {"run": run.pk, "status": run.status},
                status=status.HTTP_202_ACCEPTED,
                headers={"Location": reverse("api_import_run", args=[run.pk])},
            )
        result = kind.run(actor=request.user, file=file, dry_run=dry_run)
        if result.errors:
            return Response(
                {"errors": [error.as_dict() for error in result.errors]}, status=status.HTTP_400_BAD_REQUEST
            )
        return Response(result.as_dict())


class ImportRunAPIView(ScopedAPIView):
    """A stored import run, scoped like its page: its uploader and the county office of the
    uploader's county; anyone else gets 404."""

    access = staticmethod(can_import_any)

    @extend_schema(
        summary="查询导入进度和结果",
        description="大文件导入（返回 202）后轮询本接口，直到 status 不再是 queued 或 running。"
        "只有导入人和同一县的县级管理员可以查询。",
        responses={
            200: ImportRunSerializer,
            403: OpenApiResponse(description="角色无权导入。"),
            404: OpenApiResponse(description="没有这条导入记录，或不在您的查看范围内。"),
        },
        tags=["imports"],
    )
    def get(self, request, pk: str):
        run = get_object_or_404(ImportRun.objects.visible_to(request.user), pk=object_id(pk))
        return Response(ImportRunSerializer(run).data)
