"""The village affairs supervision committee (村务监督委员会, SPEC §1.8, §2.J, §4.9): the cadre
register its exclusions need, the committee and its members by term, the election step by step
to filing, and its work (meetings, expense reviews, matters raised, annual report, evaluation).

Structural rules are named constraints here; rules across rows and the county's numbers
(SupervisionPolicy) are checked in services.py."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from pilot_admin import crypto
from pilot_admin.models import TimeStampedModel, VersionedModel
from supervision import querysets
from supervision.choices import (
    Assembly,
    CadrePost,
    CommitteeStatus,
    Duty,
    ElectionStatus,
    Exclusion,
    FeedbackChannel,
    Gender,
    MatterStatus,
    MemberRole,
    Nomination,
    Relation,
    ReviewInterval,
    Subgroup,
)


class SupervisionPolicy(TimeStampedModel):
    """The county's numbers for its committees (R-J2, R-J7, R-J8, R-J9, R-J11, R-J14): data,
    because the next county's plan has others (建宁县 2012 gives the defaults)."""

    county = models.OneToOneField(
        "villages.County", verbose_name="县", on_delete=models.PROTECT, related_name="supervision_policy"
    )
    min_members = models.PositiveSmallIntegerField("成员人数下限", default=3)
    max_members = models.PositiveSmallIntegerField("成员人数上限", default=5)
    adult_age = models.PositiveSmallIntegerField("成年年龄（周岁）", default=18)
    # "65周岁以下" read as ≤ 65 (Civil Code art. 1259, SPEC §10.15): 65 on the election date is
    # eligible, 66 is not. A county that reads it as < 65 sets 64.
    max_age = models.PositiveSmallIntegerField("年龄上限（周岁，含）", default=65)
    extra_candidates_min = models.PositiveSmallIntegerField("正式候选人多于应选人数的下限", default=1)
    extra_candidates_max = models.PositiveSmallIntegerField("正式候选人多于应选人数的上限", default=3)
    quorum_numerator = models.PositiveSmallIntegerField("选举有效的到会比例（分子）", default=2)
    quorum_denominator = models.PositiveSmallIntegerField(
        "选举有效的到会比例（分母）", default=3, validators=[MinValueValidator(1)]
    )
    expense_review_interval = models.CharField(
        "财务支出复核周期", max_length=10, choices=ReviewInterval.choices, default=ReviewInterval.MONTHLY
    )
    term_years = models.PositiveSmallIntegerField(
        "村委会任期（年）", default=5, help_text="未登记村委会成员任期时，按此推算监委会任期。"
    )
    term_warning_days = models.PositiveSmallIntegerField("任期届满前提醒天数", default=90)

    class Meta:
        verbose_name = "村务监督委员会规则"
        verbose_name_plural = "村务监督委员会规则"
        constraints = [
            models.CheckConstraint(
                condition=Q(min_members__gte=1) & Q(max_members__gte=F("min_members")),
                name="svpolicy_member_range_ordered",
                violation_error_message="成员人数上限不能小于下限，下限至少为1人。",
            ),
            models.CheckConstraint(
                condition=Q(extra_candidates_max__gte=F("extra_candidates_min")),
                name="svpolicy_extra_candidates_ordered",
                violation_error_message="差额人数上限不能小于下限。",
            ),
            models.CheckConstraint(
                condition=Q(quorum_denominator__gte=1) & Q(quorum_numerator__lte=F("quorum_denominator")),
                name="svpolicy_quorum_is_a_fraction",
                violation_error_message="到会比例应在0到1之间。",
            ),
            models.CheckConstraint(
                condition=Q(max_age__gt=F("adult_age")),
                name="svpolicy_max_age_above_adult",
                violation_error_message="年龄上限应大于成年年龄。",
            ),
        ]

    def __str__(self):
        return f"{self.county} 村务监督委员会规则"


class PersonFields(models.Model):
    """Who a person is, in every register of this app: name, sex, birth date and an optional
    ID number, encrypted at rest and shown masked (as the guardianship register does)."""

    name = models.CharField("姓名", max_length=50)
    gender = models.CharField("性别", max_length=10, choices=Gender.choices, blank=True)
    birth_date = models.DateField("出生日期", null=True, blank=True)
    id_number = crypto.EncryptedCharField("公民身份号码", max_length=18, blank=True)
    # Equality (a relative recorded by number) goes through the keyed hash; not unique, as one
    # person may hold a post and be a relative of another cadre.
    id_number_index = crypto.BlindIndexField("公民身份号码索引", source="id_number", null=True, db_index=True)

    class Meta:
        abstract = True

    def save(self, *args, update_fields=None, **kwargs):
        # The index follows the number; a save naming only the number must write both.
        if update_fields is not None and "id_number" in update_fields:
            update_fields = {*update_fields, "id_number_index"}
        super().save(*args, update_fields=update_fields, **kwargs)


class VillageCadre(TimeStampedModel, VersionedModel, PersonFields):
    """A member of the village Party organisation or villagers' committee (两委), or the village
    secretary or bookkeeper, for a term: the register the exclusions of R-J7(5) are checked
    against."""

    village = models.ForeignKey(
        "villages.Village", verbose_name="村（居）", on_delete=models.PROTECT, related_name="cadres"
    )
    is_party_member = models.BooleanField("中共党员", default=False)
    post = models.CharField("职务", max_length=30, choices=CadrePost.choices)
    term_start = models.DateField("任职开始日期")
    term_end = models.DateField("任职结束日期", null=True, blank=True, help_text="留空表示现任。")

    objects = querysets.VillageScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "村干部"
        verbose_name_plural = "村干部"
        ordering = ["village__township__name", "village__name", "post", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(term_end__isnull=True) | Q(term_end__gte=F("term_start")),
                name="cadre_term_end_after_start",
                violation_error_message="任职结束日期不能早于开始日期。",
            ),
            models.UniqueConstraint(
                fields=["village", "name", "post", "term_start"],
                name="cadre_once_per_village_post_term",
                violation_error_message="该村已登记此人此职务的同一任期。",
            ),
        ]
        indexes = [
            # The exclusion checks: a village's cadres serving on a date.
            models.Index(fields=["village", "term_start", "term_end"], name="cadre_village_term_idx"),
        ]

    def __str__(self):
        return f"{self.name}（{self.get_post_display()}）"

    def get_absolute_url(self):
        return reverse("supervision:cadre_list") + f"?village={self.village_id}"

    def serves_on(self, day) -> bool:
        return self.term_start <= day and (self.term_end is None or day <= self.term_end)


class CadreRelative(TimeStampedModel, PersonFields):
    """A recorded close relation (近亲属) between a person and a cadre (R-J7(5)). A candidate is
    matched by ID number when both have one, else by name and birth date, so one of the two is
    required."""

    cadre = models.ForeignKey(VillageCadre, verbose_name="村干部", on_delete=models.CASCADE, related_name="relatives")
    relation = models.CharField("关系", max_length=20, choices=Relation.choices)

    objects = querysets.CadreChildQuerySet.as_manager()

    class Meta:
        verbose_name = "村干部近亲属"
        verbose_name_plural = "村干部近亲属"
        ordering = ["cadre", "relation", "name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(id_number="") | Q(birth_date__isnull=False),
                name="relative_has_number_or_birth_date",
                violation_error_message="近亲属须填写公民身份号码或出生日期，才能与候选人比对。",
            ),
        ]

    def __str__(self):
        return f"{self.name}（{self.cadre.name}的{self.get_relation_display()}）"


class Committee(TimeStampedModel, VersionedModel):
    """One village's supervision committee for one term; the term is the villagers' committee's
    (R-J4). At most one serving and one being elected per village."""

    village = models.ForeignKey(
        "villages.Village", verbose_name="村（居）", on_delete=models.PROTECT, related_name="supervision_committees"
    )
    term_start = models.DateField("任期开始日期")
    term_end = models.DateField("任期届满日期")
    status = models.CharField("状态", max_length=10, choices=CommitteeStatus.choices, default=CommitteeStatus.ELECTING)
    established_on = models.DateField("成立日期", null=True, blank=True, help_text="报乡镇纪委备案之日。")
    dissolved_on = models.DateField("撤销日期", null=True, blank=True)
    dissolution_reason = models.CharField("撤销原因", max_length=300, blank=True)
    is_pilot = models.BooleanField("试点村", default=False, help_text="乡镇选定的1—2个试点村之一（R-J1）。")

    objects = querysets.VillageScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "村务监督委员会"
        verbose_name_plural = "村务监督委员会"
        ordering = ["village__township__name", "village__name", "-term_start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(term_end__gt=F("term_start")),
                name="committee_term_end_after_start",
                violation_error_message="任期届满日期应晚于任期开始日期。",
            ),
            models.UniqueConstraint(
                fields=["village", "term_start"],
                name="committee_one_per_village_term",
                violation_error_message="该村这一届已有村务监督委员会。",
            ),
            # The serving committee stays in office while its successor is elected (换届), so
            # one serving and one being elected may coexist; never two of either.
            models.UniqueConstraint(
                fields=["village"],
                condition=Q(status=CommitteeStatus.ACTIVE),
                name="committee_one_active_per_village",
                violation_error_message="该村已有在任的村务监督委员会。",
            ),
            models.UniqueConstraint(
                fields=["village"],
                condition=Q(status=CommitteeStatus.ELECTING),
                name="committee_one_electing_per_village",
                violation_error_message="该村已有正在选举的村务监督委员会。",
            ),
            models.CheckConstraint(
                condition=~Q(status=CommitteeStatus.ACTIVE) | Q(established_on__isnull=False),
                name="committee_active_has_established_on",
                violation_error_message="在任的监委会须有成立日期（备案日期）。",
            ),
            models.CheckConstraint(
                condition=~Q(status=CommitteeStatus.DISSOLVED)
                | (Q(dissolved_on__isnull=False) & ~Q(dissolution_reason="")),
                name="committee_dissolved_has_date_and_reason",
                violation_error_message="撤销须填写日期和原因。",
            ),
        ]
        indexes = [
            # Statistics and reminders: current committees by term end.
            models.Index(fields=["status", "term_end"], name="committee_status_term_idx"),
        ]

    def __str__(self):
        return f"{self.village} 村务监督委员会（{self.term_start:%Y}—{self.term_end:%Y}）"

    def get_absolute_url(self):
        return reverse("supervision:committee_detail", args=[self.pk])


class Election(TimeStampedModel, VersionedModel):
    """The election of a committee (R-J8, R-J9): each step dated, in order, up to filing with the
    township discipline commission (备案). Dates in order are constraints; the numbers (差额,
    到会比例) the services check against the county's policy."""

    committee = models.OneToOneField(
        Committee, verbose_name="村务监督委员会", on_delete=models.CASCADE, related_name="election"
    )
    seats = models.PositiveSmallIntegerField("应选人数", validators=[MinValueValidator(1)])
    assembly = models.CharField("选举会议", max_length=20, choices=Assembly.choices, default=Assembly.REPRESENTATIVES)
    status = models.CharField("进度", max_length=20, choices=ElectionStatus.choices, default=ElectionStatus.PREPARING)
    # Candidates are vetted before the election is held; their age is judged on this day, and
    # again on the day it is held.
    scheduled_on = models.DateField("计划选举日期")
    nominated_on = models.DateField("提名候选人日期", null=True, blank=True)
    vetted_on = models.DateField("村党支部审查日期", null=True, blank=True)
    approved_on = models.DateField("乡镇党委审核批准日期", null=True, blank=True)
    approval_reference = models.CharField("批准文号", max_length=100, blank=True)
    held_on = models.DateField("选举日期", null=True, blank=True)
    representatives_total = models.PositiveSmallIntegerField("应到人数", null=True, blank=True)
    representatives_present = models.PositiveSmallIntegerField("实到人数", null=True, blank=True)
    chair_chosen_on = models.DateField("推选主任日期", null=True, blank=True)
    filed_on = models.DateField("报乡镇纪委备案日期", null=True, blank=True)
    filing_reference = models.CharField("备案编号", max_length=100, blank=True)
    invalid_reason = models.CharField("无效原因", max_length=300, blank=True)

    objects = querysets.CommitteeChildQuerySet.as_manager()

    class Meta:
        verbose_name = "村务监督委员会选举"
        verbose_name_plural = "村务监督委员会选举"
        ordering = ["-committee__term_start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(representatives_present__isnull=True)
                | Q(representatives_total__isnull=True)
                | Q(representatives_present__lte=F("representatives_total")),
                name="election_present_within_total",
                violation_error_message="实到人数不能多于应到人数。",
            ),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{earlier}__isnull": True})
                    | Q(**{f"{later}__isnull": True})
                    | Q(**{f"{later}__gte": F(earlier)}),
                    name=f"election_{later}_after_{earlier}",
                    violation_error_message=message,
                )
                for earlier, later, message in (
                    ("nominated_on", "vetted_on", "党支部审查日期不能早于提名日期。"),
                    ("vetted_on", "approved_on", "乡镇党委批准日期不能早于党支部审查日期。"),
                    ("approved_on", "held_on", "选举日期不能早于乡镇党委批准日期。"),
                    ("held_on", "chair_chosen_on", "推选主任日期不能早于选举日期。"),
                    ("chair_chosen_on", "filed_on", "备案日期不能早于推选主任日期。"),
                )
            ],
        ]

    def __str__(self):
        return f"{self.committee.village} 监委会选举"

    def get_absolute_url(self):
        return reverse("supervision:election_detail", args=[self.pk])


class Candidate(TimeStampedModel, PersonFields):
    """A person nominated for the committee; formal once the Party branch's vetting passed them
    (R-J8). Elected candidates become members."""

    election = models.ForeignKey(Election, verbose_name="选举", on_delete=models.CASCADE, related_name="candidates")
    nomination = models.CharField("提名方式", max_length=20, choices=Nomination.choices)
    is_resident = models.BooleanField("本村常住人口", default=True)
    is_party_member = models.BooleanField("中共党员", default=False)
    has_unexpired_sanction = models.BooleanField(
        "有未满期的处分或刑罚", default=False, help_text="含参与邪教、非法宗教活动或组织非法上访（R-J7第4项）。"
    )
    is_formal = models.BooleanField("正式候选人", default=False)
    vetting_note = models.CharField("审查意见", max_length=300, blank=True)
    votes = models.PositiveIntegerField("得票数", null=True, blank=True)
    elected = models.BooleanField("当选", default=False)

    objects = querysets.ElectionChildQuerySet.as_manager()

    class Meta:
        verbose_name = "候选人"
        verbose_name_plural = "候选人"
        ordering = ["election", "-votes", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["election", "name", "birth_date"],
                name="candidate_once_per_election",
                violation_error_message="此人已是本次选举的候选人。",
            ),
            models.CheckConstraint(
                condition=Q(elected=False) | Q(is_formal=True),
                name="candidate_elected_is_formal",
                violation_error_message="只有正式候选人才能当选。",
            ),
            models.CheckConstraint(
                condition=Q(birth_date__isnull=False),
                name="candidate_has_birth_date",
                violation_error_message="候选人须填写出生日期（审查年龄条件）。",
            ),
        ]

    def __str__(self):
        return self.name


class EligibilityException(TimeStampedModel):
    """The county's recorded exception to one member condition for one candidate, with its
    reason (R-J7; e.g. 庄浪's "可以由非村民委员会成员的村党组织班子成员兼任", R-J16)."""

    candidate = models.ForeignKey(Candidate, verbose_name="候选人", on_delete=models.CASCADE, related_name="exceptions")
    exclusion = models.CharField("例外的条件", max_length=30, choices=Exclusion.choices)
    reason = models.CharField("例外理由", max_length=300)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT, related_name="+"
    )

    objects = querysets.CandidateChildQuerySet.as_manager()

    class Meta:
        verbose_name = "任职条件例外"
        verbose_name_plural = "任职条件例外"
        ordering = ["candidate", "exclusion"]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "exclusion"],
                name="exception_once_per_candidate_condition",
                violation_error_message="该候选人的这一条件已有例外记录。",
            ),
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="exception_has_reason",
                violation_error_message="例外须填写理由。",
            ),
        ]

    def __str__(self):
        return f"{self.candidate}：{self.get_exclusion_display()}"


def _election_document_path(instance, filename):
    return f"supervision/elections/{instance.election_id}/{filename}"


class ElectionDocument(TimeStampedModel):
    """A document of one election step (nomination list, vetting opinion, approval, minutes,
    filing receipt): checked like every attachment (pilot_admin/uploads.py)."""

    election = models.ForeignKey(Election, verbose_name="选举", on_delete=models.CASCADE, related_name="documents")
    step = models.CharField("步骤", max_length=20, choices=ElectionStatus.choices)
    file = models.FileField("材料", upload_to=_election_document_path)
    original_name = models.CharField("文件名", max_length=255)
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )

    objects = querysets.ElectionChildQuerySet.as_manager()

    class Meta:
        verbose_name = "选举材料"
        verbose_name_plural = "选举材料"
        ordering = ["election", "created_at"]

    def __str__(self):
        return self.original_name


class CommitteeMember(TimeStampedModel, PersonFields):
    """A member of one committee: chair or member, in a sub-group (R-J2, R-J3, R-J5); removed by
    the assembly with a reason (R-J6). One serving chair per committee is a constraint."""

    committee = models.ForeignKey(
        Committee, verbose_name="村务监督委员会", on_delete=models.CASCADE, related_name="members"
    )
    candidate = models.OneToOneField(
        Candidate, verbose_name="候选人", on_delete=models.PROTECT, null=True, blank=True, related_name="member"
    )
    role = models.CharField("职务", max_length=10, choices=MemberRole.choices, default=MemberRole.MEMBER)
    subgroup = models.CharField("所在小组", max_length=20, choices=Subgroup.choices, blank=True)
    is_party_member = models.BooleanField("中共党员", default=False)
    elected_on = models.DateField("当选日期")
    removed_on = models.DateField("撤换日期", null=True, blank=True)
    removal_reason = models.CharField("撤换原因", max_length=300, blank=True)
    removed_by_assembly = models.CharField("撤换会议", max_length=20, choices=Assembly.choices, blank=True)

    objects = querysets.CommitteeChildQuerySet.as_manager()

    class Meta:
        verbose_name = "监委会成员"
        verbose_name_plural = "监委会成员"
        ordering = ["committee", "role", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee"],
                condition=Q(role=MemberRole.CHAIR, removed_on__isnull=True),
                name="member_one_chair_per_committee",
                violation_error_message="每届村务监督委员会只设主任1人。",
            ),
            models.CheckConstraint(
                condition=Q(removed_on__isnull=True, removal_reason="", removed_by_assembly="")
                | (Q(removed_on__isnull=False) & ~Q(removal_reason="") & ~Q(removed_by_assembly="")),
                name="member_removal_has_date_reason_assembly",
                violation_error_message="撤换须由村民会议或村民代表会议决定，并填写日期和原因。",
            ),
            models.CheckConstraint(
                condition=Q(removed_on__isnull=True) | Q(removed_on__gte=F("elected_on")),
                name="member_removed_after_elected",
                violation_error_message="撤换日期不能早于当选日期。",
            ),
        ]

    def __str__(self):
        return f"{self.name}（{self.get_role_display()}）"

    @property
    def serving(self) -> bool:
        return self.removed_on is None


class Meeting(TimeStampedModel):
    """A committee meeting (R-J14: generally once a month): who attended, what was discussed."""

    committee = models.ForeignKey(
        Committee, verbose_name="村务监督委员会", on_delete=models.CASCADE, related_name="meetings"
    )
    held_on = models.DateField("会议日期")
    attendees = models.ManyToManyField(CommitteeMember, verbose_name="出席成员", related_name="meetings_attended")
    matters = models.TextField("议题")
    minutes = models.TextField("会议记录", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT, related_name="+"
    )

    objects = querysets.CommitteeChildQuerySet.as_manager()

    class Meta:
        verbose_name = "监委会会议"
        verbose_name_plural = "监委会会议"
        ordering = ["committee", "-held_on", "-id"]
        indexes = [
            # Meetings held per month against what is due.
            models.Index(fields=["committee", "held_on"], name="meeting_committee_date_idx"),
        ]

    def __str__(self):
        return f"{self.committee.village} {self.held_on} 监委会会议"


class Decision(models.Model):
    """One decision of a meeting, taken by majority (少数服从多数, R-J14): passed when the votes
    for are more than half of the members present."""

    meeting = models.ForeignKey(Meeting, verbose_name="会议", on_delete=models.CASCADE, related_name="decisions")
    subject = models.CharField("表决事项", max_length=300)
    votes_for = models.PositiveSmallIntegerField("赞成")
    votes_against = models.PositiveSmallIntegerField("反对", default=0)
    abstentions = models.PositiveSmallIntegerField("弃权", default=0)
    passed = models.BooleanField("通过")

    class Meta:
        verbose_name = "会议决定"
        verbose_name_plural = "会议决定"
        ordering = ["meeting", "id"]

    def __str__(self):
        return self.subject


class ExpenseReview(TimeStampedModel):
    """The review of a month's or quarter's expense vouchers (R-J11): how many were reviewed,
    stamped (复核盖章) and refused; a refused voucher carries its reason."""

    committee = models.ForeignKey(
        Committee, verbose_name="村务监督委员会", on_delete=models.CASCADE, related_name="expense_reviews"
    )
    interval = models.CharField("复核周期", max_length=10, choices=ReviewInterval.choices)
    period_start = models.DateField("期间开始（月或季的第一天）")
    reviewed_on = models.DateField("复核日期")
    vouchers_reviewed = models.PositiveIntegerField("复核票据张数")
    vouchers_stamped = models.PositiveIntegerField("盖章票据张数")
    vouchers_refused = models.PositiveIntegerField("退回票据张数", default=0)
    amount_yuan = models.DecimalField("复核金额（元）", max_digits=14, decimal_places=2, null=True, blank=True)
    notes = models.TextField("说明", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT, related_name="+"
    )

    objects = querysets.CommitteeChildQuerySet.as_manager()

    class Meta:
        verbose_name = "财务支出复核"
        verbose_name_plural = "财务支出复核"
        ordering = ["committee", "-period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "period_start"],
                name="review_once_per_committee_period",
                violation_error_message="该期间已有财务支出复核记录。",
            ),
            models.CheckConstraint(
                condition=Q(vouchers_reviewed=F("vouchers_stamped") + F("vouchers_refused")),
                name="review_vouchers_add_up",
                violation_error_message="复核票据张数应等于盖章张数与退回张数之和。",
            ),
            models.CheckConstraint(
                condition=Q(reviewed_on__gte=F("period_start")),
                name="review_after_period_start",
                violation_error_message="复核日期不能早于期间开始。",
            ),
        ]

    def __str__(self):
        return f"{self.committee.village} {self.period_start:%Y-%m} 财务支出复核"


class RefusedVoucher(models.Model):
    """A voucher the committee would not stamp, and why: the agency centre may not book it."""

    review = models.ForeignKey(ExpenseReview, verbose_name="复核", on_delete=models.CASCADE, related_name="refusals")
    voucher = models.CharField("票据号或摘要", max_length=100)
    amount_yuan = models.DecimalField("金额（元）", max_digits=14, decimal_places=2, null=True, blank=True)
    reason = models.CharField("退回原因", max_length=300)

    class Meta:
        verbose_name = "退回票据"
        verbose_name_plural = "退回票据"
        ordering = ["review", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="refused_voucher_has_reason",
                violation_error_message="退回票据须填写原因。",
            ),
        ]

    def __str__(self):
        return self.voucher


class RaisedMatter(TimeStampedModel):
    """A matter the committee took up (R-J13: collect opinions → investigate → supervise → feed
    back) and what was fed back to villagers."""

    committee = models.ForeignKey(
        Committee, verbose_name="村务监督委员会", on_delete=models.CASCADE, related_name="matters"
    )
    raised_on = models.DateField("受理日期")
    duty = models.CharField("监督内容", max_length=20, choices=Duty.choices)
    matter = models.TextField("事项")
    findings = models.TextField("调查情况", blank=True)
    status = models.CharField("状态", max_length=10, choices=MatterStatus.choices, default=MatterStatus.OPEN)
    feedback = models.TextField("反馈内容", blank=True)
    fed_back_on = models.DateField("反馈日期", null=True, blank=True)
    channel = models.CharField("反馈方式", max_length=20, choices=FeedbackChannel.choices, blank=True)

    objects = querysets.CommitteeChildQuerySet.as_manager()

    class Meta:
        verbose_name = "监督事项"
        verbose_name_plural = "监督事项"
        ordering = ["committee", "status", "-raised_on"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=MatterStatus.FED_BACK)
                | (~Q(feedback="") & Q(fed_back_on__isnull=False) & ~Q(channel="")),
                name="matter_fed_back_has_feedback",
                violation_error_message="已反馈的事项须填写反馈内容、日期和方式。",
            ),
            models.CheckConstraint(
                condition=Q(fed_back_on__isnull=True) | Q(fed_back_on__gte=F("raised_on")),
                name="matter_feedback_after_raised",
                violation_error_message="反馈日期不能早于受理日期。",
            ),
        ]

    def __str__(self):
        return self.matter[:30]


class AnnualReport(TimeStampedModel):
    """The yearly work report to the Party branch and the assembly (R-J14)."""

    committee = models.ForeignKey(
        Committee, verbose_name="村务监督委员会", on_delete=models.CASCADE, related_name="annual_reports"
    )
    year = models.PositiveSmallIntegerField("年度")
    reported_on = models.DateField("报告日期")
    assembly = models.CharField("报告会议", max_length=20, choices=Assembly.choices)
    summary = models.TextField("工作报告")

    objects = querysets.CommitteeChildQuerySet.as_manager()

    class Meta:
        verbose_name = "年度工作报告"
        verbose_name_plural = "年度工作报告"
        ordering = ["committee", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "year"],
                name="annual_report_once_per_year",
                violation_error_message="该年度已有工作报告。",
            ),
        ]

    def __str__(self):
        return f"{self.committee.village} {self.year}年度工作报告"


class DemocraticEvaluation(TimeStampedModel):
    """The assembly's democratic evaluation of the committee, with its published result (R-J14)."""

    committee = models.ForeignKey(
        Committee, verbose_name="村务监督委员会", on_delete=models.CASCADE, related_name="evaluations"
    )
    year = models.PositiveSmallIntegerField("年度")
    evaluated_on = models.DateField("评议日期")
    participants = models.PositiveIntegerField("参评人数", validators=[MinValueValidator(1)])
    satisfied = models.PositiveIntegerField("满意")
    basically_satisfied = models.PositiveIntegerField("基本满意", default=0)
    unsatisfied = models.PositiveIntegerField("不满意", default=0)
    published_on = models.DateField("结果公布日期", null=True, blank=True)

    objects = querysets.CommitteeChildQuerySet.as_manager()

    class Meta:
        verbose_name = "民主评议"
        verbose_name_plural = "民主评议"
        ordering = ["committee", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "year"],
                name="evaluation_once_per_year",
                violation_error_message="该年度已有民主评议。",
            ),
            models.CheckConstraint(
                condition=Q(participants__gte=F("satisfied") + F("basically_satisfied") + F("unsatisfied")),
                name="evaluation_votes_within_participants",
                violation_error_message="评议票数之和不能多于参评人数。",
            ),
            models.CheckConstraint(
                condition=Q(published_on__isnull=True) | Q(published_on__gte=F("evaluated_on")),
                name="evaluation_published_after",
                violation_error_message="公布日期不能早于评议日期。",
            ),
        ]

    def __str__(self):
        return f"{self.committee.village} {self.year}年度民主评议"


class SupervisionPilotPlan(TimeStampedModel):
    """The county's pilot-then-roll-out plan as data (R-J1, R-J15): how many pilot villages each
    township picks, when the pilot runs, and by when every village has a committee (with the
    villagers' committee elections). The next county's plan has other dates."""

    county = models.OneToOneField(
        "villages.County", verbose_name="县", on_delete=models.PROTECT, related_name="supervision_pilot_plan"
    )
    name = models.CharField("方案名称", max_length=200)
    source_document = models.CharField("依据文件", max_length=200, blank=True, help_text="文件名称和文号。")
    pilots_min = models.PositiveSmallIntegerField("每个乡镇试点村下限", default=1, validators=[MinValueValidator(1)])
    pilots_max = models.PositiveSmallIntegerField("每个乡镇试点村上限", default=2, validators=[MinValueValidator(1)])
    pilot_start = models.DateField("试点开始日期")
    pilot_end = models.DateField("试点结束日期")
    rollout_deadline = models.DateField(
        "全面推广完成日期", help_text="结合村委会换届，全部村建立村务监督委员会的期限。"
    )

    class Meta:
        verbose_name = "村务监督委员会试点方案"
        verbose_name_plural = "村务监督委员会试点方案"
        constraints = [
            models.CheckConstraint(
                condition=Q(pilots_min__gte=1) & Q(pilots_max__gte=F("pilots_min")),
                name="svplan_pilot_range_ordered",
                violation_error_message="试点村上限不能小于下限，下限至少为1个。",
            ),
            models.CheckConstraint(
                condition=Q(pilot_end__gte=F("pilot_start")),
                name="svplan_pilot_end_after_start",
                violation_error_message="试点结束日期不能早于开始日期。",
            ),
            models.CheckConstraint(
                condition=Q(rollout_deadline__gte=F("pilot_end")),
                name="svplan_rollout_after_pilot",
                violation_error_message="全面推广完成日期不能早于试点结束日期。",
            ),
        ]

    def __str__(self):
        return self.name


# The reminder table lives in its own module (written with the reminders, issue 17).
from supervision.models_reminders import SupervisionReminder  # noqa: E402, F401
