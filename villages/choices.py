from django.db import models


class CountyKind(models.TextChoices):
    COUNTY = "county", "县"
    DISTRICT = "district", "区"
    SPECIAL_DISTRICT = "special_district", "特区"
    COUNTY_CITY = "county_city", "县级市"


class TownshipKind(models.TextChoices):
    TOWN = "town", "镇"
    RURAL_TOWNSHIP = "rural_township", "乡"
    SUBDISTRICT = "subdistrict", "街道"


class VillageKind(models.TextChoices):
    ADMINISTRATIVE_VILLAGE = "administrative_village", "行政村"
    RESIDENTIAL_COMMUNITY = "residential_community", "社区（居）"


class GuidanceCategory(models.TextChoices):
    """Classified guidance of S0 §五(二) (R-A10)."""

    STRONG_COLLECTIVE_OR_RESETTLEMENT = "strong_collective_or_resettlement", "集体经济较好或集中移居点"
    DISPERSED_DIFFICULT_TERRAIN = "dispersed_difficult_terrain", "地形复杂、居住分散"
    POPULATION_OUTFLOW = "population_outflow", "人口流出较多"
    REMOTE_UNDERDEVELOPED = "remote_underdeveloped", "偏远、经济欠发达"


class PilotLevel(models.TextChoices):
    PROVINCIAL_KEY = "provincial_key", "省级重点支持"
    COUNTY = "county", "县级"


class PilotStatus(models.TextChoices):
    PROPOSED = "proposed", "拟定"
    APPROVED = "approved", "已审批"
    WITHDRAWN = "withdrawn", "撤销"


class IndicatorStatus(models.TextChoices):
    SUBMITTED = "submitted", "已提交"
    RETURNED = "returned", "退回"
    CONFIRMED = "confirmed", "已确认"


class RatioRounding(models.TextChoices):
    CEIL = "ceil", "向上取整"
    ROUND = "round", "四舍五入"


class DepartmentKind(models.TextChoices):
    PARTY = "party", "党委机关"
    GOVERNMENT = "government", "政府部门"
    MASS_ORGANIZATION = "mass_organization", "群团组织"
    TOWNSHIP = "township", "乡镇人民政府"
    OTHER = "other", "其他单位"


class ProvincialStatus(models.TextChoices):
    """Provincial key support of a pilot (R-A4, SPEC §4.2 step 4): the county applies, the
    province grants or refuses. R-A4 counts applications: every state but NONE."""

    NONE = "none", "未申请"
    APPLIED = "applied", "已申请"
    GRANTED = "granted", "已获批"
    NOT_GRANTED = "not_granted", "未获批"


# The states R-A4 counts ("其中申请省级重点支持的试点村不低于5个"): applied, whatever the answer.
PROVINCIAL_APPLIED_STATES = (ProvincialStatus.APPLIED, ProvincialStatus.GRANTED, ProvincialStatus.NOT_GRANTED)


class NominationState(models.TextChoices):
    """A township's nomination of a village (SPEC §4.2 step 1–3)."""

    PENDING = "pending", "已申报"
    RETURNED = "returned", "已退回"
    APPROVED = "approved", "已批准"
    WITHDRAWN = "withdrawn", "已撤回"
