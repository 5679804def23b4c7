"""The demo county's village history (issue 13): one village of 沿渡河镇 became a community in
2018 and took a community's name, so its page shows a 村改社区 and a 更名 event and the quota
report counts it as an administrative village up to 2017 only.

The village is the township's last village that is never a pilot: 沿渡河镇 has 30 villages and
keeps its quotas at 29 (⌈5 % × 29⌉ = 2 a year, ⌈25 % × 29⌉ = 8 in all), and it nominates
nothing (demo/nominations.py uses other townships), so the demo's other stories stay as they
were. The events go through villages/services_history.py (checks, audit entries); a second run
finds them recorded and writes nothing.
"""

import datetime

from villages import services_history
from villages.choices import VillageEventKind, VillageKind
from villages.models import PilotAssignment, Village, VillageEvent

HISTORY_TOWNSHIP = "沿渡河镇"
BECAME_COMMUNITY_ON = datetime.date(2018, 6, 30)
RENAMED_ON = datetime.date(2018, 7, 15)
NOTE = "经省政府批准撤村设居（演示数据）。"


def history_village(county) -> Village:
    never_pilot = Village.objects.filter(township__county=county, township__name=HISTORY_TOWNSHIP).exclude(
        pk__in=PilotAssignment.objects.values("village")
    )
    return never_pilot.filter(is_active=True).order_by("-code").first()


def load_demo_history(*, county, admin) -> int:
    """Record the demo's history events that are missing; return how many were recorded."""
    recorded = VillageEvent.objects.filter(village__township__county=county, note=NOTE)
    kinds = set(recorded.values_list("kind", flat=True))
    village = recorded.first().village if recorded.exists() else history_village(county)
    created = 0
    if VillageEventKind.BECAME_COMMUNITY not in kinds and village.kind == VillageKind.ADMINISTRATIVE_VILLAGE:
        services_history.village_become_community(actor=admin, village=village, date=BECAME_COMMUNITY_ON, note=NOTE)
        created += 1
    if VillageEventKind.RENAMED not in kinds:
        village.refresh_from_db()
        new_name = village.name.removesuffix("村") + "社区"
        services_history.village_rename(actor=admin, village=village, name=new_name, date=RENAMED_ON, note=NOTE)
        created += 1
    return created
