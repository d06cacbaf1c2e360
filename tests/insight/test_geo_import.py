"""`coproduce geography import`: the made-up files in, every area's figures stored once,
only area codes kept; a bad file changes nothing."""

import io

import pytest
from django.core.management import CommandError, call_command

from coproduce.hubs.models import AuditEvent
from coproduce.insight.models import AreaKind, AreaStat
from tests.insight.geo_fixtures import DISTRICTS, IOD, IOD_BAD_DECILE, ONSPD


def run(postcodes=ONSPD, deprivation=IOD) -> str:
    out = io.StringIO()
    call_command(
        "geography", "import", postcodes=str(postcodes), deprivation=str(deprivation), stdout=out
    )
    return out.getvalue()


def table():
    return sorted(
        AreaStat.objects.values_list("kind", "code", "deprivation_decile", "population", "source")
    )


@pytest.mark.django_db
def test_it_stores_every_small_area_and_district_and_says_what_it_did():
    said = run()
    assert said.strip() == (
        "Imported 12 small areas, 5 districts, 3 terminated postcodes skipped, "
        "1 postcode outside the deprivation file."
    )
    districts = AreaStat.objects.filter(kind=AreaKind.DISTRICT)
    assert {d.code: (d.deprivation_decile, d.population) for d in districts} == DISTRICTS
    assert AreaStat.objects.filter(kind=AreaKind.SMALL_AREA).count() == 12
    assert AreaStat.objects.get(code="E01999004").population == 1800
    assert AreaStat.objects.first().source == "ONSPD.csv and IOD.csv"


@pytest.mark.django_db
def test_it_keeps_no_full_postcode():
    run()
    stored = " ".join(str(row) for row in table())
    assert "1AA" not in stored and "ZZ9" not in stored
    assert all(len(code) <= 9 for code in AreaStat.objects.values_list("code", flat=True))


@pytest.mark.django_db
def test_it_is_audited_once_for_no_hub():
    run()
    [event] = AuditEvent.objects.filter(event="area_stats.imported")
    assert event.hub is None
    assert event.new["areas"] == 17
    assert event.new["terminated"] == 3


@pytest.mark.django_db
def test_running_it_twice_gives_the_same_table():
    run()
    first = table()
    run()
    assert table() == first
    assert AreaStat.objects.count() == 17


@pytest.mark.django_db
def test_a_bad_file_names_the_file_line_and_column_and_changes_nothing():
    run()
    before = table()
    with pytest.raises(CommandError) as refused:
        run(deprivation=IOD_BAD_DECILE)
    assert str(refused.value) == (
        "IOD_bad_decile.csv, line 6, column Index of Multiple Deprivation (IMD) Decile "
        "(where 1 is most deprived 10% of LSOAs): a decile is from 1 to 10, not 11."
    )
    assert table() == before
    assert AuditEvent.objects.filter(event="area_stats.imported").count() == 1


@pytest.mark.django_db
def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(CommandError) as refused:
        run(postcodes=tmp_path / "ONSPD_NOV_2025.csv")
    assert "ONSPD_NOV_2025.csv" in str(refused.value)
    assert not AreaStat.objects.exists()


@pytest.mark.django_db
def test_a_file_with_a_bom_and_windows_line_ends_is_read(tmp_path):
    postcodes = tmp_path / "ONSPD.csv"
    postcodes.write_bytes(b"\xef\xbb\xbf" + ONSPD.read_bytes().replace(b"\n", b"\r\n"))
    run(postcodes=postcodes)
    assert AreaStat.objects.get(code="MB2").population == 3950
