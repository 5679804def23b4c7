"""Input and output shapes of the tasks API. Field names are English; unit names and task titles
stay Chinese; kinds, phases and statuses are their stable English values."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tasks import figures as task_figures
from tasks.choices import AssignmentRole
from tasks.models import ProgressReport, Task
from villages.choices import DepartmentKind
from villages.models import Department


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "key", "name", "short_name", "kind", "in_leading_group", "township"]
        read_only_fields = fields
        extra_kwargs = {"township": {"help_text": "乡镇人民政府所属的乡镇；其他单位为 null"}}


# Serializers carry comments, not docstrings: drf-spectacular would publish a docstring as the
# component's description.
class TaskSerializer(serializers.ModelSerializer):
    program = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text="试点项目代码")
    is_overdue = serializers.BooleanField(read_only=True, help_text="未销号且已过完成时限")
    lead_departments = serializers.SerializerMethodField()
    cooperating_departments = serializers.SerializerMethodField()
    township_units = serializers.SerializerMethodField()
    due_dates = serializers.SerializerMethodField()

    class Meta:
        model = Task
        fields = [
            "id",
            "program",
            "code",
            "section",
            "title",
            "phase",
            "start_date",
            "deadline",
            "status",
            "is_overdue",
            "lead_departments",
            "cooperating_departments",
            "township_units",
            "due_dates",
            "closed_out_at",
        ]
        read_only_fields = fields

    # Both read `unit_assignments`, prefetched by the view's selector in role and name order.
    @extend_schema_field(
        serializers.ListField(
            child=serializers.CharField(),
            help_text="牵头单位名称；落实到乡镇而无县级牵头单位的任务（如“各乡镇人民政府”负责的任务）为各乡镇人民政府",
        )
    )
    def get_lead_departments(self, task):
        leads = [a.department.name for a in task.unit_assignments if a.role == AssignmentRole.LEAD]
        # S0 §四(一): where no county unit leads, the townships do (SPEC §4.4, item 5).
        return leads or [a.department.name for a in task.unit_assignments if a.role == AssignmentRole.TOWNSHIP]

    @extend_schema_field(serializers.ListField(child=serializers.CharField(), help_text="配合单位名称"))
    def get_cooperating_departments(self, task):
        return [a.department.name for a in task.unit_assignments if a.role == AssignmentRole.COOPERATING]

    @extend_schema_field(
        serializers.ListField(
            child=serializers.CharField(),
            help_text="落实乡镇：在本任务中报送的各乡镇人民政府名称（没有县级牵头单位时它们也是牵头单位）",
        )
    )
    def get_township_units(self, task):
        return [a.department.name for a in task.unit_assignments if a.role == AssignmentRole.TOWNSHIP]

    @extend_schema_field(
        serializers.ListField(
            child=serializers.DateField(),
            help_text="各报送期的截止日（升序）：每个截止日，本任务的每个责任单位应报一份",
        )
    )
    def get_due_dates(self, task):
        # period_list is prefetched by the view's selector in due-date order.
        return [period.due_date for period in task.period_list]


class FigureValueSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="数据项名称，如“已建成服务站个数”")
    unit = serializers.CharField(allow_blank=True, help_text="计量单位，如“个”；可为空")
    value = serializers.FloatField(allow_null=True, help_text="本报告填写的数值（不小于0）；未填写为 null")


class ProgressReportSerializer(serializers.ModelSerializer):
    task_code = serializers.CharField(source="task.code", read_only=True, help_text="任务编号")
    period_label = serializers.CharField(source="period.label", read_only=True, help_text="报送期")
    due_date = serializers.DateField(source="period.due_date", read_only=True, help_text="本期报送截止日")
    unit = serializers.PrimaryKeyRelatedField(source="department", read_only=True, help_text="报送单位（部门 id）")
    unit_name = serializers.CharField(source="department.name", read_only=True, help_text="报送单位名称")
    on_time = serializers.BooleanField(read_only=True, help_text="首次提交日期（北京时间）不晚于截止日；未提交为 false")
    figures = serializers.SerializerMethodField()

    class Meta:
        model = ProgressReport
        fields = [
            "id",
            "task",
            "task_code",
            "period",
            "period_label",
            "due_date",
            "unit",
            "unit_name",
            "status",
            "percent_complete",
            "submitted_at",
            "first_submitted_at",
            "on_time",
            "return_reason",
            "figures",
        ]
        read_only_fields = fields

    @extend_schema_field(
        FigureValueSerializer(
            many=True, help_text="任务规定的报告数据项（按任务中的顺序）及本报告所填数值；任务没有数据项时为空列表"
        )
    )
    def get_figures(self, report):
        # The task's figures are prefetched by the view's selector.
        return task_figures.shown(report.task.figures.all(), report.figures)


AS_OF_HELP = "统计截止日（as of）：往年为该年12月31日，今年为今天；本响应的每个数字都按这一天计算"


class DepartmentStatsSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="单位 id（同 /api/v1/departments/）")
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=DepartmentKind.choices, help_text="单位类别；township 为乡镇人民政府")
    tasks_led = serializers.IntegerField(
        help_text=(
            "本年度任务中本单位牵头的任务数。没有县级牵头单位、由各乡镇落实的任务（如方案四(一)），"
            "各乡镇人民政府都计为牵头（与任务列表的 lead_departments 一致），所以这类任务在多行中计入"
        )
    )
    tasks_cooperating = serializers.IntegerField(help_text="本年度任务中本单位为配合单位的任务数")
    tasks_involved = serializers.IntegerField(
        help_text="本年度任务中本单位参与（牵头、配合或作为落实乡镇）的任务数，即办结率的分母"
    )
    closed_out = serializers.IntegerField(help_text="其中截至 as_of 已销号的任务数（往年销号的也计入）")
    overdue = serializers.IntegerField(help_text="其中截至 as_of 已过完成时限而未销号的任务数")
    completion_rate = serializers.FloatField(help_text="办结率：closed_out / tasks_involved，保留4位小数")


class ReportingUnitStatsSerializer(serializers.Serializer):
    unit = serializers.CharField(help_text="报送单位名称")
    expected = serializers.IntegerField(
        help_text=(
            "应报份数：本年度内截止且截止日不晚于 as_of 的报送期 × 该任务的责任单位（已销号任务只计销号前截止的期次）"
        )
    )
    received = serializers.IntegerField(help_text="其中截至 as_of 已首次提交的份数（含被退回的）")
    on_time = serializers.IntegerField(help_text="其中首次提交日期（北京时间）不晚于截止日的份数")
    completeness = serializers.FloatField(help_text="完整率：已报 / 应报，保留4位小数")
    timeliness = serializers.FloatField(help_text="及时率：按时报 / 应报，保留4位小数")


class TaskTotalsSerializer(serializers.Serializer):
    running = serializers.IntegerField(
        help_text=(
            "本年度任务数（每项任务计一次）：截至 as_of 已开始，且完成时限在本年度或以后、"
            "或到本年初仍未销号（逾期任务延续到销号为止）的任务"
        )
    )
    closed_out = serializers.IntegerField(help_text="其中截至 as_of 已销号的任务数（往年销号的也计入）")
    overdue = serializers.IntegerField(help_text="其中截至 as_of 已过完成时限而未销号的任务数")


# Describes tasks.selectors.task_stats(), which the view returns as is.
class TaskStatsSerializer(serializers.Serializer):
    program = serializers.CharField(help_text="试点项目代码")
    year = serializers.IntegerField()
    as_of = serializers.DateField(help_text=AS_OF_HELP)
    scope = serializers.ChoiceField(
        choices=[("county", "全县"), ("department", "本部门"), ("township", "本乡镇人民政府")],
        help_text=(
            "统计范围：county 为全县；department、township 为调用者本单位（乡镇为本乡镇人民政府），"
            "此时 tasks 即本单位参与的任务，与 departments 中本单位一行的 tasks_involved、closed_out、overdue 相同"
        ),
    )
    tasks = TaskTotalsSerializer(help_text="本年度任务总数、已销号和逾期任务数（scope 范围内）")
    departments = DepartmentStatsSerializer(many=True, help_text="各责任单位（县直部门、群团组织和乡镇人民政府）")
    reporting_units = ReportingUnitStatsSerializer(many=True)
