"""Excel imports over the API: the same pipeline and services as the import pages.

POST a multipart `file` (and optionally `dry_run=true`): 200 with what was (or would be)
created and updated, or 400 with every error and nothing written.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from pilot_admin.api.base import ScopedAPIView
from pilot_admin.excel import RowError, check_upload, import_kinds


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


class CanRunImport(BasePermission):
    message = "您的角色无权进行此项导入。"

    def has_permission(self, request, view):
        return view.kind().permission(request.user)


class ImportAPIView(ScopedAPIView):
    """Base of an import endpoint; subclasses name the registered kind."""

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
        result = self.kind().run(actor=request.user, file=data["file"], dry_run=data["dry_run"])
        if result.errors:
            return Response(
                {"errors": [error.as_dict() for error in result.errors]}, status=status.HTTP_400_BAD_REQUEST
            )
        return Response(result.as_dict())


_RESPONSES = {
    200: ImportResultSerializer,
    400: OpenApiResponse(ImportErrorsSerializer, description="有错误，未写入任何数据。"),
    403: OpenApiResponse(description="角色无权导入。"),
}


class VillageImportAPIView(ImportAPIView):
    kind_key = "villages"

    @extend_schema(
        summary="导入村基本信息",
        description="列：乡镇、村名、村代码、户数、人口、常住人口、贫困村（是/否）。按乡镇+村名匹配，已有的村更新，"
        "没有的村新增；内容相同的村不计入更新。任何一行有错误则不写入。",
        request={"multipart/form-data": ImportUploadSerializer},
        responses=_RESPONSES,
        tags=["imports"],
    )
    def post(self, request):
        return super().post(request)


class PilotAssignmentImportAPIView(ImportAPIView):
    kind_key = "pilot-assignments"

    @extend_schema(
        summary="导入试点村",
        description="列：乡镇、村名、试点项目（名称或代码）、年度、级别（省级重点支持/县级）。导入的试点村状态为“拟定”，"
        "审批仍须在试点村页面进行。任何一行有错误则不写入。",
        request={"multipart/form-data": ImportUploadSerializer},
        responses=_RESPONSES,
        tags=["imports"],
    )
    def post(self, request):
        return super().post(request)
