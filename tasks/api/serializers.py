"""Input and output shapes of the tasks API. Field names are English; unit names and task titles
stay Chinese; kinds, phases and statuses are their stable English values."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tasks.choices import AssignmentRole
from tasks.models import ProgressReport, Task
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


class ProgressReportSerializer(serializers.ModelSerializer):
    task_code = serializers.CharField(source="task.code", read_only=True, help_text="任务编号")
    period_label = serializers.CharField(source="period.label", read_only=True, help_text="报送期")
    due_date = serializers.DateField(source="period.due_date", read_only=True, help_text="本期报送截止日")
    unit = serializers.PrimaryKeyRelatedField(source="department", read_only=True, help_text="报送单位（部门 id）")
    unit_name = serializers.CharField(source="department.name", read_only=True, help_text="报送单位名称")
    on_time = serializers.BooleanField(read_only=True, help_text="首次提交日期（北京时间）不晚于截止日；未提交为 false")

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
        ]
        read_only_fields = fields


class DepartmentStatsSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    tasks_led = serializers.IntegerField(help_text="本年度在实施期内、本单位牵头的任务数")
    tasks_cooperating = serializers.IntegerField(help_text="本年度在实施期内、本单位配合的任务数")
    closed_out = serializers.IntegerField(help_text="其中到本年底已销号的任务数")
    overdue = serializers.IntegerField(help_text="其中未销号且已过完成时限的任务数")
    completion_rate = serializers.FloatField(help_text="办结率：已销号 / 本单位参与的任务，保留4位小数")


class ReportingUnitStatsSerializer(serializers.Serializer):
    unit = serializers.CharField(help_text="报送单位名称")
    expected = serializers.IntegerField(help_text="本年度截至今天应报（报送期截止日已到）的份数")
    received = serializers.IntegerField(help_text="其中已提交过的份数")
    on_time = serializers.IntegerField(help_text="其中首次提交不晚于截止日的份数")
    completeness = serializers.FloatField(help_text="完整率：已报 / 应报，保留4位小数")
    timeliness = serializers.FloatField(help_text="及时率：按时报 / 应报，保留4位小数")


class TaskTotalsSerializer(serializers.Serializer):
    running = serializers.IntegerField(help_text="本年度在实施期内的任务数（每项任务计一次）")
    closed_out = serializers.IntegerField(help_text="其中到本年底已销号的任务数")
    overdue = serializers.IntegerField(help_text="其中未销号且已过完成时限的任务数")


# Describes tasks.selectors.task_stats(), which the view returns as is.
class TaskStatsSerializer(serializers.Serializer):
    program = serializers.CharField(help_text="试点项目代码")
    year = serializers.IntegerField()
    tasks = TaskTotalsSerializer(help_text="本年度任务总数、已销号和逾期任务数")
    departments = DepartmentStatsSerializer(many=True)
    reporting_units = ReportingUnitStatsSerializer(many=True)
