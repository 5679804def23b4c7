"""The 任务分工表 import over the API, on the shared ImportAPIView (tasks/services_plan.py)."""

from drf_spectacular.utils import extend_schema

from pilot_admin.api.imports import IMPORT_RESPONSES, ImportAPIView, ImportUploadSerializer


class TaskPlanImportAPIView(ImportAPIView):
    kind_key = "task-plan"

    @extend_schema(
        summary="导入任务分工表",
        description="列：序号、任务（或工作任务）、牵头单位、配合单位（或只有一列负责单位）、完成时限、任务名称、"
        "试点项目（本县只有一个试点项目时可不填）。单位按方案写法匹配本县单位的全称或简称，“各乡镇”分解到每个乡镇"
        "人民政府，“各有关部门”记为各有关部门配合。按试点项目+序号匹配：已有的任务更新，没有的新增，内容相同的不计入"
        "更新。任何一行有错误则不写入。只有县领导小组办公室可以导入。",
        request={"multipart/form-data": ImportUploadSerializer},
        responses=IMPORT_RESPONSES,
        tags=["imports"],
    )
    def post(self, request):
        return super().post(request)
