from django.db import models


class Gender(models.TextChoices):
    MALE = "male", "男"
    FEMALE = "female", "女"


class CadrePost(models.TextChoices):
    """The posts of the cadre register: the 两委 (village Party organisation and villagers'
    committee) and the two village posts R-J7(5) names besides them."""

    PARTY_SECRETARY = "party_secretary", "村党组织书记"
    PARTY_DEPUTY_SECRETARY = "party_deputy_secretary", "村党组织副书记"
    PARTY_COMMITTEE_MEMBER = "party_committee_member", "村党组织委员"
    COMMITTEE_CHAIR = "committee_chair", "村委会主任"
    COMMITTEE_DEPUTY_CHAIR = "committee_deputy_chair", "村委会副主任"
    COMMITTEE_MEMBER = "committee_member", "村委会委员"
    VILLAGE_SECRETARY = "village_secretary", "村秘书"
    BOOKKEEPER = "bookkeeper", "村报账员"


TWO_COMMITTEE_POSTS = (
    CadrePost.PARTY_SECRETARY,
    CadrePost.PARTY_DEPUTY_SECRETARY,
    CadrePost.PARTY_COMMITTEE_MEMBER,
    CadrePost.COMMITTEE_CHAIR,
    CadrePost.COMMITTEE_DEPUTY_CHAIR,
    CadrePost.COMMITTEE_MEMBER,
)
# The villagers' committee: its term is the supervision committee's term (R-J4).
VILLAGERS_COMMITTEE_POSTS = (CadrePost.COMMITTEE_CHAIR, CadrePost.COMMITTEE_DEPUTY_CHAIR, CadrePost.COMMITTEE_MEMBER)
OTHER_EXCLUDED_POSTS = (CadrePost.VILLAGE_SECRETARY, CadrePost.BOOKKEEPER)


class Relation(models.TextChoices):
    """近亲属 as the Civil Code (art. 1045) lists them [external]; R-J7(5) excludes them."""

    SPOUSE = "spouse", "配偶"
    PARENT = "parent", "父母"
    CHILD = "child", "子女"
    SIBLING = "sibling", "兄弟姐妹"
    GRANDPARENT = "grandparent", "祖父母、外祖父母"
    GRANDCHILD = "grandchild", "孙子女、外孙子女"


class CommitteeStatus(models.TextChoices):
    ELECTING = "electing", "选举中"
    ACTIVE = "active", "在任"
    ENDED = "ended", "已届满"
    DISSOLVED = "dissolved", "已撤销"


class MemberRole(models.TextChoices):
    CHAIR = "chair", "主任"
    MEMBER = "member", "委员"


class Subgroup(models.TextChoices):
    TRANSPARENCY = "transparency", "村务公开监督小组"
    ASSETS = "assets", "“三资”管理监督小组"


class Assembly(models.TextChoices):
    """Who elects and who may remove (R-J3, R-J6)."""

    VILLAGERS = "villagers", "村民会议"
    REPRESENTATIVES = "representatives", "村民代表会议"


class Exclusion(models.TextChoices):
    """Each member condition of R-J7 the software can check, by its own reason."""

    NOT_RESIDENT = "not_resident", "非本村常住人口"
    MINOR = "minor", "未成年"
    OVER_AGE = "over_age", "超过年龄上限"
    SANCTIONED = "sanctioned", "处分或刑罚未满"
    TWO_COMMITTEES = "two_committees", "村党组织或村民委员会成员"
    CADRE_RELATIVE = "cadre_relative", "村“两委”成员的近亲属"
    SECRETARY_OR_BOOKKEEPER = "secretary_or_bookkeeper", "村秘书或村报账员"


class Nomination(models.TextChoices):
    REPRESENTATIVES = "representatives", "村民代表会议提名"
    SELF = "self", "自荐"
    JOINT = "joint", "村民联名推荐"


class ElectionStatus(models.TextChoices):
    """The steps of R-J8/R-J9 in their order; each is dated on the election."""

    PREPARING = "preparing", "筹备"
    NOMINATED = "nominated", "已提名候选人"
    VETTED = "vetted", "党支部已审查"
    APPROVED = "approved", "乡镇党委已批准"
    HELD = "held", "已选举"
    CHAIR_CHOSEN = "chair_chosen", "已推选主任"
    FILED = "filed", "已报乡镇纪委备案"
    INVALID = "invalid", "选举无效"


ELECTION_ORDER = [
    ElectionStatus.PREPARING,
    ElectionStatus.NOMINATED,
    ElectionStatus.VETTED,
    ElectionStatus.APPROVED,
    ElectionStatus.HELD,
    ElectionStatus.CHAIR_CHOSEN,
    ElectionStatus.FILED,
]


class ReviewInterval(models.TextChoices):
    """R-J11: 按月或按季, as the county sets it."""

    MONTHLY = "monthly", "按月"
    QUARTERLY = "quarterly", "按季"


class Duty(models.TextChoices):
    """What a raised matter concerns: the supervision duties of R-J10."""

    RESOLUTIONS = "resolutions", "村民会议、村民代表会议决议执行"
    DECISIONS = "decisions", "村委会和村民小组决策事项"
    DISCLOSURE = "disclosure", "村务公开"
    ASSETS = "assets", "“三资”管理"
    INTEGRITY = "integrity", "村干部廉洁"
    OTHER = "other", "其他受托事项"


class MatterStatus(models.TextChoices):
    OPEN = "open", "办理中"
    FED_BACK = "fed_back", "已反馈"


class FeedbackChannel(models.TextChoices):
    """R-J13(4): how results go back to villagers."""

    NOTICE_BOARD = "notice_board", "村务公开栏"
    MEETING = "meeting", "会议通报"
    INDIVIDUAL = "individual", "个别答复"
