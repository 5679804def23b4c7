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


class VillageEventKind(models.TextChoices):
    """A village's dated life events (issue 13 "History")."""

    ESTABLISHED = "established", "设立"
    RENAMED = "renamed", "更名"
    MERGED = "merged", "撤并"
    SPLIT = "split", "拆分设立"
    BECAME_COMMUNITY = "became_community", "村改社区"


class VillageStatus(models.TextChoices):
    """A village's status today, derived from its dates: 现存 while it has no end date, 已撤并
    once merged into another (ended_on set)."""

    ACTIVE = "active", "现存"
    MERGED = "merged", "已撤并"
