from django.db import models
from django.db.models import Q

from pilot_admin.choices import Role
from pilot_admin.models import TimeStampedModel
from pilot_admin.scoping import ScopedQuerySet, county_scoped_q
from tasks.choices import DepartmentKind


class DepartmentQuerySet(ScopedQuerySet):
    def visibility_q(self, user):
        if user.role == Role.TOWNSHIP:
            return Q(county=user.township.county_id)
        return county_scoped_q(user, "county", "county__townships")


class Department(TimeStampedModel):
    """A county unit that leads or cooperates on pilot tasks (县直部门, 群团组织)."""

    county = models.ForeignKey(
        "villages.County", verbose_name="所属县", on_delete=models.PROTECT, related_name="departments"
    )
    key = models.SlugField("标识", max_length=60)
    name = models.CharField("单位名称", max_length=100, help_text="按县里行文的写法，如“县委组织部”。")
    short_name = models.CharField("简称", max_length=30, blank=True)
    kind = models.CharField("单位类别", max_length=20, choices=DepartmentKind.choices)
    in_leading_group = models.BooleanField("领导小组成员单位", default=False)

    objects = DepartmentQuerySet.as_manager()

    class Meta:
        verbose_name = "部门"
        verbose_name_plural = "部门"
        ordering = ["county", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "name"],
                name="department_unique_name_in_county",
                violation_error_message="同一县内单位名称不能重复。",
            ),
            models.UniqueConstraint(
                fields=["county", "key"],
                name="department_unique_key_in_county",
                violation_error_message="同一县内单位标识不能重复。",
            ),
        ]

    def __str__(self):
        return self.name
