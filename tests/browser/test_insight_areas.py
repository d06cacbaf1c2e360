"""The areas' figures on a phone with scripts off: a coordinator reads the list, changes
one area by hand and uploads a file with a bad line; axe-core on every page, and each
fits 390 pixels."""

import pytest

from coproduce.hubs.models import Neighbourhood
from coproduce.insight.models import AreaKind, AreaStat
from tests.browser.conftest import _visitor
from tests.insight.geo_fixtures import make_estates

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True}


@pytest.fixture
def phone_without_scripts(browser, live_server):
    yield from _visitor(browser, live_server, java_script_enabled=False, **PHONE)


def fits_the_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} is {width} pixels wide"


def test_a_coordinator_sets_the_areas_figures_on_a_phone_without_scripts(
    world, phone_without_scripts, tmp_path
):
    make_estates(world)
    AreaStat.objects.create(
        kind=AreaKind.DISTRICT, code="MB1", deprivation_decile=2, population=21800, source="t"
    )
    visitor = phone_without_scripts
    visitor.sign_in("grace@example.org")
    page = visitor.visit(f"/hubs/{world.hub.slug}/coordinate/")
    page.get_by_role("link", name="Areas' deprivation deciles and populations").click()
    page.wait_for_load_state()
    visitor.check_accessibility()
    fits_the_phone(page)
    assert page.get_by_role("heading", name="Areas and their figures", level=1).is_visible()
    assert page.get_by_role("cell", name="21,800").is_visible()
    page.screenshot(path=tmp_path / "areas.png", full_page=True)

    page.get_by_role("link", name="Change the figures of Brook Estate").click()
    page.wait_for_load_state()
    visitor.check_accessibility()
    fits_the_phone(page)
    page.get_by_label("Deprivation decile").fill("2")
    page.get_by_label("How many people live there").fill("1450")
    page.get_by_role("button", name="Save the figures").click()
    page.wait_for_load_state()
    visitor.check_accessibility()
    assert page.get_by_text("Saved the figures of Brook Estate.").is_visible()
    brook = Neighbourhood.objects.get(hub=world.hub, name="Brook Estate")
    assert (brook.deprivation_decile, brook.population) == (2, 1450)

    page.get_by_role("link", name="Set every area's figures from a CSV file").click()
    page.wait_for_load_state()
    bad = tmp_path / "areas.csv"
    bad.write_text("area,decile,population\nHill Top,7,1800\nMoon Base,3,10\n")
    page.get_by_label("Areas' figures (CSV file)").set_input_files(str(bad))
    page.get_by_role("button", name="Set the figures").click()
    page.wait_for_load_state()
    visitor.check_accessibility()
    fits_the_phone(page)
    assert page.get_by_text(
        'Line 3: "Moon Base" is not one of the hub\'s areas.'
    ).first.is_visible()
    assert Neighbourhood.objects.get(hub=world.hub, name="Hill Top").population is None
    page.screenshot(path=tmp_path / "upload-refused.png", full_page=True)
