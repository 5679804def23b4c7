from django.db import models


class Gender(models.TextChoices):
    MALE = "male", "男"
    FEMALE = "female", "女"


class PersonKind(models.TextChoices):
    ELDERLY = "elderly", "老年人"
    DISABLED = "disabled", "残疾人"
    MINOR = "minor", "未成年人"


class DisabilityType(models.TextChoices):
    INTELLECTUAL = "intellectual", "智力残疾"
    MENTAL = "mental", "精神残疾"
    PHYSICAL = "physical", "肢体残疾"
    VISUAL = "visual", "视力残疾"
    HEARING = "hearing", "听力残疾"
    SPEECH = "speech", "言语残疾"
    MULTIPLE = "multiple", "多重残疾"


class CivilCapacity(models.TextChoices):
    FULL = "full", "完全民事行为能力"
    LIMITED = "limited", "限制民事行为能力"
    NONE = "none", "无民事行为能力"


class SupportMode(models.TextChoices):
    CONCENTRATED = "concentrated", "集中供养"
    DISPERSED = "dispersed", "分散供养"


class PersonStatus(models.TextChoices):
    ACTIVE = "active", "在册"
    EXITED = "exited", "退出"


class ObligorSituation(models.TextChoices):
    """R-I4: whether a legal supporter exists and can fulfil the duty."""

    NONE = "none", "无法定赡养抚养扶养义务人"
    UNABLE_TEKUN = "unable_tekun", "义务人本身符合特困条件"
    UNABLE_DIBAO = "unable_dibao", "义务人为60周岁以上或重度残疾的低保对象"
    UNABLE_CAPACITY = "unable_capacity", "义务人无民事行为能力、被宣告失踪或在监狱服刑"
    ABLE = "able", "有能履行义务的义务人"


class SelfCareLevel(models.TextChoices):
    FULL = "full", "全自理"
    PARTIAL = "partial", "半失能"
    NONE = "none", "全失能"


class GuardianCategory(models.TextChoices):
    I = "I", "Ⅰ类（法定近亲属）"  # noqa: E741
    II = "II", "Ⅱ类（愿意担任的个人或组织）"
    III = "III", "Ⅲ类（村（居）委会或镇街民政）"


class GuardianKind(models.TextChoices):
    INDIVIDUAL = "individual", "个人"
    ORGANIZATION = "organization", "组织"
    VILLAGE_COMMITTEE = "village_committee", "村（居）民委员会"
    CIVIL_AFFAIRS_OFFICE = "civil_affairs_office", "乡镇（街道）民政部门"


class Relation(models.TextChoices):
    SPOUSE = "spouse", "配偶"
    PARENT = "parent", "父母"
    CHILD = "child", "子女"
    OTHER_CLOSE_RELATIVE = "other_close_relative", "其他近亲属"
    OTHER = "other", "其他"


class ConsentBy(models.TextChoices):
    VILLAGE_COMMITTEE = "village_committee", "村（居）民委员会"
    CIVIL_AFFAIRS = "civil_affairs", "民政部门"


class Duty(models.TextChoices):
    REPRESENT = "represent", "代理实施民事法律行为"
    PROTECT_RIGHTS = "protect_rights", "保护人身财产权益"
    DAILY_WATCH = "daily_watch", "日常看护"
    LIVING_CARE = "living_care", "生活照料"
    HOSPITAL_ESCORT = "hospital_escort", "住院陪护"
    CLEANING = "cleaning", "卫生打扫"


class ReplacementReason(models.TextChoices):
    POOR_RELATIONSHIP = "poor_relationship", "与被监护人关系不融洽"
    OLD_OR_FRAIL = "old_or_frail", "监护人年老体弱"
    IRRESPONSIBLE = "irresponsible", "监护责任心不强、不闻不问"
    NEEDS_NOT_MET = "needs_not_met", "吃、穿、住、医得不到有效保障"
    DECEASED_OR_MOVED = "deceased_or_moved", "监护人去世或迁出"
    OTHER = "other", "其他"


class FindingStatus(models.TextChoices):
    OPEN = "open", "整改中"
    RESOLVED = "resolved", "已整改"
