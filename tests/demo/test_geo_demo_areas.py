"""The demo's area figures show the pattern insight is for: the most deprived area is
under-represented in the time bank but well served by referrals. Checked here with plain
counts from the demo's own records (not through the insight report)."""

import datetime
from collections import Counter

import pytest
from django.utils import timezone

from coproduce.hubs.models import Hub, Membership
from coproduce.insight.models import AreaKind, AreaStat, InsightSettings
from coproduce.referrals.models import Referral
from coproduce.timebank.models import ExchangeParty

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]

ACTIVE_DAYS = 90  # an active member had a confirmed exchange in the last 90 days


def areas_of(hub):
    """Each active member's area: their neighbourhood's name, else their district."""
    return {
        m.person_id: m.neighbourhood.name if m.neighbourhood_id else m.person.postcode_district
        for m in Membership.objects.filter(hub=hub, is_active=True).select_related(
            "person", "neighbourhood"
        )
    }


def active_members(hub):
    since = timezone.localdate() - datetime.timedelta(days=ACTIVE_DAYS)
    return set(
        ExchangeParty.objects.filter(
            exchange__hub=hub,
            exchange__status="confirmed",
            exchange__done_on__gte=since,
            account__membership__isnull=False,
        ).values_list("account__membership__person_id", flat=True)
    )


def shares(counts: Counter, areas) -> dict[str, float]:
    total = sum(counts[a] for a in areas)
    assert total, "nothing to share out"
    return {a: counts[a] / total for a in areas}


def test_millbrook_s_districts_have_plausible_figures_and_a_catchment():
    millbrook = Hub.objects.get(slug="millbrook")
    catchment = InsightSettings.objects.get(hub=millbrook).catchment_districts
    assert catchment == ["MB1", "MB2", "MB3", "MB4"]
    stats = AreaStat.objects.filter(kind=AreaKind.DISTRICT, code__in=catchment)
    assert stats.count() == 4
    assert all(8_000 <= s.population <= 30_000 for s in stats)
    assert len({s.deprivation_decile for s in stats}) == 4


def test_millbrook_s_most_deprived_district_is_under_represented_but_well_referred():
    millbrook = Hub.objects.get(slug="millbrook")
    catchment = InsightSettings.objects.get(hub=millbrook).catchment_districts
    stats = {s.code: s for s in AreaStat.objects.filter(kind=AreaKind.DISTRICT)}
    poorest = min(catchment, key=lambda d: stats[d].deprivation_decile)
    assert poorest == "MB2"
    population = shares(Counter({d: stats[d].population for d in catchment}), catchment)
    where = areas_of(millbrook)
    active = shares(Counter(where.get(p) for p in active_members(millbrook)), catchment)
    referred = shares(
        Counter(where.get(r.person_id) for r in Referral.objects.filter(hub=millbrook)),
        catchment,
    )
    # A third of the people; well under that share of the active members; well over it
    # of the referrals.
    assert population[poorest] > 0.3
    assert active[poorest] < 0.8 * population[poorest], (active, population)
    assert referred[poorest] > 1.3 * population[poorest], (referred, population)
    # Each referral names the same district as the person it is about.
    for referral in Referral.objects.filter(hub=millbrook):
        assert referral.postcode_district == where[referral.person_id]


def test_northfield_s_most_deprived_block_has_few_members_and_none_active():
    northfield = Hub.objects.get(slug="northfield")
    blocks = {n.name: n for n in northfield.neighbourhoods.all()}
    assert all(n.deprivation_decile and n.population for n in blocks.values())
    poorest = min(blocks, key=lambda b: blocks[b].deprivation_decile)
    assert poorest == "Ash Court"
    population = shares(Counter({b: n.population for b, n in blocks.items()}), blocks)
    where = areas_of(northfield)
    members = shares(Counter(where.values()), blocks)
    active = Counter(where.get(p) for p in active_members(northfield))
    assert members[poorest] < 0.6 * population[poorest], (members, population)
    assert active[poorest] < 0.6 * population[poorest] * sum(active[b] for b in blocks)
