from django.db import models


class DepartmentKind(models.TextChoices):
    PARTY = "party", "党委机关"
    GOVERNMENT = "government", "政府部门"
    MASS_ORGANIZATION = "mass_organization", "群团组织"
    TOWNSHIP = "township", "乡镇人民政府"
    OTHER = "other", "其他单位"
