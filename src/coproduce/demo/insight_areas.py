"""The demo's area figures: deprivation deciles and populations for Millbrook's postcode
districts (as if `coproduce geography import` had loaded them) and Northfield's own areas.

They are invented but plausible, and they tell a story the insight pages should show:

- Millbrook's most deprived district, MB2 (decile 2), holds over a third of the
  catchment's people but under a quarter of the time bank's active members, while most of
  the health centre's referrals are about people who live there: the time bank reaches
  MB2 through referrals rather than through its members. Two of those referrals (Doreen
  and Patrick, referred by the practice last week) are told here.
- Northfield's most deprived block, Ash Court (decile 1), has more than a quarter of the
  estate's people and few of its members, none of them active in the time bank.

Safe to run again: figures already there are left as they are.
"""

import datetime

from django.db import transaction

from coproduce.hubs.models import ConsentMethod, Hub, Person
from coproduce.insight.geography import Figures, SmallArea
from coproduce.insight.models import AreaStat, InsightSettings
from coproduce.insight.services.areas import neighbourhood_figures_set
from coproduce.insight.services.geography import area_stats_import
from coproduce.referrals import services as referrals
from coproduce.referrals.models import Referral

# District: (decile, population). MB1-MB4 are Millbrook's catchment; NF1 and NF2 are the
# districts Northfield's members give when they live off the estate.
DISTRICTS = {
    "MB1": SmallArea(6, 14_200),
    "MB2": SmallArea(2, 21_800),
    "MB3": SmallArea(8, 12_900),
    "MB4": SmallArea(4, 11_600),
    "NF1": SmallArea(3, 9_800),
    "NF2": SmallArea(5, 10_400),
}
MILLBROOK_CATCHMENT = ["MB1", "MB2", "MB3", "MB4"]
MOST_DEPRIVED = {"millbrook": "MB2", "northfield": "Ash Court"}

# Northfield's blocks: (decile, population).
NEIGHBOURHOODS = {
    "Ash Court": (1, 1_900),
    "Beech House": (3, 1_600),
    "Cedar Walk": (2, 1_500),
    "Oak Tower": (4, 1_700),
}

# Referred by the practice (Helen, its manager, for the practice nurse) last week, and
# triaged by Grace the next day: (name, phone, days ago, category, what they need).
MB2_REFERRALS = [
    (
        "Doreen Walsh",
        "01632 960 106",
        6,
        "Lifts",
        "Needs lifts to the diabetes clinic; no bus on her street since the route changed.",
    ),
    (
        "Patrick Doyle",
        "01632 960 107",
        4,
        "Befriending",
        "Lives alone since his wife died; would like a weekly call. Good with crosswords.",
    ),
]


@transaction.atomic
def load(hubs: dict[str, Hub], people: dict[str, Person], clock) -> None:
    millbrook, northfield = hubs["millbrook"], hubs["northfield"]
    if not AreaStat.objects.exists():
        area_stats_import(
            figures=Figures(
                small_areas={},
                districts=DISTRICTS,
                postcodes=0,
                terminated=0,
                outside=0,
            ),
            source="Demo figures (invented)",
        )
    # The hub's settings belong to the insight settings page's service; the demo only
    # gives Millbrook its catchment the first time.
    settings, _ = InsightSettings.objects.get_or_create(hub=millbrook)
    if not settings.catchment_districts:
        InsightSettings.objects.filter(pk=settings.pk).update(
            catchment_districts=MILLBROOK_CATCHMENT
        )

    tunde = people["tunde@northfield.example"]
    for name, (decile, population) in NEIGHBOURHOODS.items():
        area = northfield.neighbourhoods.get(name=name)
        if area.deprivation_decile is None:
            neighbourhood_figures_set(
                actor=tunde, neighbourhood=area, deprivation_decile=decile, population=population
            )

    _referrals(millbrook, people, clock)


def _referrals(hub: Hub, people: dict[str, Person], clock) -> None:
    helen = people["helen@millbrook.example"]
    grace = people["grace@millbrook.example"]
    for name, phone, days_ago, category, description in MB2_REFERRALS:
        if Referral.objects.filter(hub=hub, person__display_name=name).exists():
            continue
        clock.ago(days_ago, 11)
        referral = referrals.referral_create(
            actor=helen,
            hub=hub,
            new_person={"display_name": name, "phone": phone},
            consent=referrals.Consent(
                given=True,
                given_by="The person themselves",
                method=ConsentMethod.PHONE,
                given_on=clock.now.date() - datetime.timedelta(days=1),
                purpose="To be referred to the time bank and contacted by a volunteer",
            ),
            category=hub.categories.get(name=category),
            description=description,
            postcode_district="MB2",
        )
        clock.ago(days_ago - 1, 10)
        referrals.referral_triage(
            actor=grace,
            referral=referral,
            shared_note=description.split(";")[0] + ".",
            assets=[],
            needs_check=False,
        )
