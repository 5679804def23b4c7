"""The rules of the supervision committee that are pure functions of facts already loaded: the
member conditions (R-J7), the candidate margin (R-J8), the quorum (R-J9), the committee's size
and chair (R-J2, R-J3) and a majority decision (R-J14). Numbers come from the county's
SupervisionPolicy; services.py loads the rows and raises."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from pilot_admin.idnumbers import age_on
from supervision.choices import OTHER_EXCLUDED_POSTS, TWO_COMMITTEE_POSTS, Exclusion

# A minor or a person under an unexpired sanction cannot be made eligible by the county: R-J7
# names them without "原则上"; the other conditions may be excepted with a reason (R-J16 shows a
# county allowing a Party-organisation member as chair).
NOT_EXCEPTABLE = frozenset({Exclusion.MINOR, Exclusion.SANCTIONED})


@dataclass(frozen=True)
class Refusal:
    exclusion: str
    message: str


def _same_person(person, other) -> bool:
    """By ID number when both have one; else by name and birth date when both are known. A name
    alone matches nobody: namesakes are common in a village."""
    if person.id_number and other.id_number:
        return person.id_number == other.id_number
    return bool(
        person.birth_date and other.birth_date and person.name == other.name and person.birth_date == other.birth_date
    )


def eligibility_refusals(person, *, on: datetime.date, policy, cadres: Iterable, relatives: Iterable) -> list[Refusal]:
    """Every R-J7 condition `person` fails on `on` (the election date), each with its reason.
    `cadres` are the village's cadres serving on that day; `relatives` the recorded close
    relatives of its 两委 members."""
    refusals = []
    if not person.is_resident:
        refusals.append(Refusal(Exclusion.NOT_RESIDENT, "须为本村常住人口。"))
    age = age_on(person.birth_date, on)
    if age < policy.adult_age:
        refusals.append(Refusal(Exclusion.MINOR, f"须为成年人，选举日（{on}）{age}周岁。"))
    if age > policy.max_age:
        refusals.append(
            Refusal(Exclusion.OVER_AGE, f"年龄须在{policy.max_age}周岁以下（含），选举日（{on}）已满{age}周岁。")
        )
    if person.has_unexpired_sanction:
        refusals.append(Refusal(Exclusion.SANCTIONED, "有未满期的党纪政纪处分或刑罚，不能担任。"))
    for cadre in cadres:
        if not _same_person(person, cadre):
            continue
        if cadre.post in TWO_COMMITTEE_POSTS:
            refusals.append(
                Refusal(Exclusion.TWO_COMMITTEES, f"现任{cadre.get_post_display()}，村“两委”成员不能担任。")
            )
        elif cadre.post in OTHER_EXCLUDED_POSTS:
            refusals.append(Refusal(Exclusion.SECRETARY_OR_BOOKKEEPER, f"现任{cadre.get_post_display()}，不能担任。"))
    for relative in relatives:
        if _same_person(person, relative):
            cadre = relative.cadre
            refusals.append(
                Refusal(
                    Exclusion.CADRE_RELATIVE,
                    f"是{cadre.get_post_display()}{cadre.name}的{relative.get_relation_display()}，"
                    "村“两委”成员的近亲属不能担任。",
                )
            )
    return refusals


def formal_candidate_range(seats: int, policy) -> tuple[int, int]:
    """R-J8: formal candidates outnumber the seats by extra_candidates_min…max (1–3)."""
    return seats + policy.extra_candidates_min, seats + policy.extra_candidates_max


def quorum_met(*, present: int, total: int, policy) -> bool:
    """R-J9: valid when at least numerator/denominator of the representatives take part,
    inclusive ("三分之二(含三分之二)以上"), compared in integers: 20 of 30 is valid, 19 is not."""
    return total > 0 and present * policy.quorum_denominator >= total * policy.quorum_numerator


def quorum_needed(total: int, policy) -> int:
    """The fewest representatives present for a valid election (ceiling of the fraction)."""
    return -(-total * policy.quorum_numerator // policy.quorum_denominator)


def composition_errors(*, serving: int, chairs: int, policy) -> list[str]:
    """R-J2: 3–5 serving members, exactly one of them chair."""
    errors = []
    if not policy.min_members <= serving <= policy.max_members:
        errors.append(f"村务监督委员会由{policy.min_members}—{policy.max_members}人组成，现有{serving}人。")
    if chairs != 1:
        errors.append(f"村务监督委员会设主任1人，现有{chairs}人。")
    return errors


CHAIR_PARTY_WARNING = "主任一般由党员担任，当前主任不是党员。"


def decision_passed(*, votes_for: int, present: int) -> bool:
    """少数服从多数 (R-J14): more than half of the members present vote for it."""
    return votes_for * 2 > present


def period_start_ok(day: datetime.date, interval: str) -> bool:
    """A monthly period starts on the 1st; a quarterly one on 1 January, April, July or October."""
    if day.day != 1:
        return False
    return interval == "monthly" or day.month in (1, 4, 7, 10)
