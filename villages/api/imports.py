"""Excel imports of the villages app over the API, on the shared ImportAPIView."""

from drf_spectacular.utils import extend_schema

from pilot_admin.api.imports import IMPORT_RESPONSES, ImportAPIView, ImportUploadSerializer


class VillageImportAPIView(ImportAPIView):
    kind_key = "villages"

    @extend_schema(
        summary="导入村基本信息",
        description="列：乡镇、村名、村代码、户数、人口、常住人口、贫困村（是/否）、设立日期（日期或“建档前已有”）。"
        "按乡镇+村名匹配，已有的村更新，没有的村新增；内容相同的村不计入更新。新增的村必须填设立日期；"
        "已有的村的设立日期留空或与系统中相同，导入不修改它。任何一行有错误则不写入。",
        request={"multipart/form-data": ImportUploadSerializer},
        responses=IMPORT_RESPONSES,
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
        responses=IMPORT_RESPONSES,
        tags=["imports"],
    )
    def post(self, request):
        return super().post(request)
