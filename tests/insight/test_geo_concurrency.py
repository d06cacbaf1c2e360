"""At the same moment: two imports leave one whole table, never a mix or a gap; two
coordinators changing one area leave one of their figures, each change audited once."""

import pytest

from coproduce.hubs.models import AuditEvent, Neighbourhood
from coproduce.insight.geography import read_files
from coproduce.insight.models import AreaStat
from coproduce.insight.services.areas import neighbourhood_figures_set
from coproduce.insight.services.geography import area_stats_import
from tests.insight.geo_fixtures import IOD, ONSPD, make_estates
from tests.timebank.test_concurrency import run_at_once


@pytest.mark.django_db(transaction=True)
def test_two_imports_at_once_leave_one_whole_table():
    with ONSPD.open(newline="") as postcodes, IOD.open(newline="") as deprivation:
        figures = read_files(postcodes, deprivation)
    errors = run_at_once(lambda i: area_stats_import(figures=figures, source=f"run {i}"), count=2)
    assert errors == []
    assert AreaStat.objects.count() == 17
    assert AreaStat.objects.values("source").distinct().count() == 1
    assert AuditEvent.objects.filter(event="area_stats.imported").count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_coordinators_changing_one_area_at_once_are_each_audited(world):
    [brook, _] = make_estates(world)
    errors = run_at_once(
        lambda i: neighbourhood_figures_set(
            actor=(world.coordinator, world.admin)[i],
            neighbourhood=brook,
            deprivation_decile=i + 2,
            population=1000 * (i + 1),
        ),
        count=2,
    )
    assert errors == []
    brook = Neighbourhood.objects.get(pk=brook.pk)
    assert (brook.deprivation_decile, brook.population) in {(2, 1000), (3, 2000)}
    events = AuditEvent.objects.filter(event="neighbourhood.updated").order_by("id")
    assert events.count() == 2
    # The second saw what the first saved: its "before" is the first's "after".
    first, second = events
    assert second.old == {k: first.new[k] for k in second.old}
    assert second.new["deprivation_decile"] == brook.deprivation_decile
