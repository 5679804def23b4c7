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
    # Closed out (销号, R-A8): still a pilot of its batch year and counted in every quota figure.
    ACCEPTED = "accepted", "已验收"
    WITHDRAWN = "withdrawn", "撤销"


# The statuses that count as a pilot in the quota figures (approved, whether accepted or not).
COUNTED_PILOT_STATUSES = (PilotStatus.APPROVED, PilotStatus.ACCEPTED)


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


class RemitModule(models.TextChoices):
    """The modules beyond its tasks a department may read, county-wide and read-only, when its
    remit (Department.remit) names them: which unit holds which is data, kept by the county."""

    GUARDIANSHIP = "guardianship", "特困人员监护照护"


class PlanGoal(models.TextChoices):
    """The seven goals of the plan (S0 §二, R-A18) a construction standard belongs to."""

    GOVERNANCE = "governance", "（一）治理机制"
    FACILITIES = "facilities", "（二）服务设施"
    INFORMATIZATION = "informatization", "（三）信息化"
    SERVICES = "services", "（四）服务内容"
    TEAM = "team", "（五）服务队伍"
    ENVIRONMENT = "environment", "（六）社区环境"
    ECONOMY = "economy", "（七）经济发展"


class StandardMetric(models.TextChoices):
    """The evaluators a standard can use: each knows which VillageIndicator fields it reads
    (villages/standards.py). A program picks one per standard and sets its threshold."""

    STATION_AREA = "station_area", "综合服务站面积（平方米）不低于门槛"
    FUNCTION_ROOMS = "function_rooms", "六类功能室具备的个数不低于门槛"
    INFRASTRUCTURE = "infrastructure", "六项基础设施建成的个数不低于门槛"
    INFO_PLATFORM = "info_platform", "综合信息网络平台已覆盖"
    GRID_PLATFORM = "grid_platform", "基本公共服务网络和网格化服务管理平台已覆盖"
    VIDEO_SURVEILLANCE = "video_surveillance", "公共安全视频监控已覆盖"
    PUBLIC_SERVICE_ITEMS = "public_service_items", "已提供的基本公共服务项目占目录的比例不低于门槛"
    SOCIAL_ORGS = "social_orgs", "社区社会组织数不低于门槛"
    COLLECTIVE_INCOME = "collective_income", "村集体经济收入（元）不低于门槛"
    POVERTY_EXIT = "poverty_exit", "贫困村已出列且贫困户全部脱贫"
    MAIN_BUSINESS = "main_business", "有增收主业的贫困户占贫困户的比例不低于门槛"


class StandardAppliesTo(models.TextChoices):
    ALL_PILOTS = "all_pilots", "全部试点村"
    POVERTY_PILOTS = "poverty_pilots", "贫困村试点村"


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


class StatsScope(models.TextChoices):
    """Which townships a villages statistic's rows cover (the quota and standards reports)."""

    COUNTY = "county", "全县各乡镇"
    TOWNSHIP = "township", "本乡镇"
