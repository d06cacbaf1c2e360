"""The conversation report on a 390-pixel phone: the table of every statement (and every
other table) fits the screen, each statement a small card with its figures labelled,
with scripts on (checked by axe-core) and off; on a wide screen it is a table."""

from tests.browser.test_deliberation import northfield  # noqa: F401 (a fixture)


def fits_the_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        "[...document.querySelectorAll('main *')]"
        ".filter(e => e.getBoundingClientRect().right > 391)"
        ".map(e => e.tagName + '.' + e.className).slice(0, 6).join(' ')"
    )
    assert width <= 390, f"{page.url} is {width} pixels wide: {wide}"
    # Nor does any table scroll sideways inside its own box.
    inside = page.evaluate(
        "[...document.querySelectorAll('main .table-wrap')]"
        ".filter(e => e.scrollWidth > e.clientWidth + 1).length"
    )
    assert inside == 0, f"{inside} table(s) on {page.url} scroll sideways"


def every_statement(page):
    return page.get_by_role("table", name="Votes on every statement, most voted first")


def report_of(northfield):  # noqa: F811
    hub, conversation = northfield
    return f"/hubs/{hub.slug}/conversations/{conversation.pk}/report/"


def test_the_report_fits_a_phone_with_each_statement_a_card(world, northfield, phone, tmp_path):  # noqa: F811
    phone.sign_in("jean@example.org")
    page = phone.visit(report_of(northfield))  # axe-core checks it
    fits_the_phone(page)
    table = every_statement(page)
    assert table.count() == 1  # still a table, with its headers, for screen readers
    assert table.get_by_role("columnheader", name="Agree", exact=True).count() == 1
    first = table.locator("tbody tr").first
    # Each figure is labelled in the card: the label is the column's heading.
    agree = first.locator("td").nth(1)
    assert agree.get_attribute("data-label") == "Agree"
    label = agree.evaluate("e => getComputedStyle(e, '::before').content")
    assert "Agree" in label
    box = first.bounding_box()
    assert box["width"] <= 390
    page.screenshot(path=tmp_path / "report-phone.png", full_page=True)
    table.scroll_into_view_if_needed()
    page.screenshot(path=tmp_path / "report-phone-table.png")


def test_without_scripts_the_report_and_its_print_view_fit_a_phone(
    world,
    northfield,  # noqa: F811
    phone_without_scripts,
):
    phone_without_scripts.sign_in("jean@example.org")
    page = phone_without_scripts.visit(report_of(northfield))
    fits_the_phone(page)
    assert every_statement(page).locator("tbody tr").count() > 5
    fits_the_phone(phone_without_scripts.visit(report_of(northfield) + "print/"))


def test_on_a_wide_screen_every_statement_is_a_table_with_its_headings(
    world,
    northfield,  # noqa: F811
    visitor,
):
    visitor.sign_in("jean@example.org")
    page = visitor.visit(report_of(northfield))
    heading = every_statement(page).get_by_role("columnheader", name="Agree", exact=True)
    assert heading.is_visible() and heading.bounding_box()["height"] > 10
    cell = every_statement(page).locator("tbody tr").first.locator("td").nth(1)
    assert cell.evaluate("e => getComputedStyle(e).display") == "table-cell"
    assert cell.evaluate("e => getComputedStyle(e, '::before').content") in ("none", "normal")


def test_an_imported_conversation_on_a_phone_fits_and_says_nothing_of_roles(world, phone, tmp_path):
    from pathlib import Path

    from django.core.management import call_command

    from coproduce.deliberation import services

    data = Path(__file__).resolve().parent.parent / "data" / "polis" / "15-per-hour-seattle"
    call_command("opinion", "import", str(data), "--hub", "millbrook")
    conversation = world.hub.conversations.get()
    services.analysis_refresh(conversation)
    phone.sign_in("sam@example.org")
    page = phone.visit(f"/hubs/{world.hub.slug}/conversations/{conversation.pk}/report/")
    fits_the_phone(page)
    table = every_statement(page)
    assert table.get_by_role("columnheader", name="Group B agrees").count() == 1
    assert table.get_by_role("columnheader", name="Staff agree").count() == 0
    assert page.get_by_role("heading", name="Staff and service users").count() == 0
    page.screenshot(path=tmp_path / "imported-phone.png", full_page=True)
    table.scroll_into_view_if_needed()
    page.screenshot(path=tmp_path / "imported-phone-table.png")
