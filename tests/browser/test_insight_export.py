"""Download my data in a real browser, on a phone: a member asks for their data, the task
makes it, they download the zip; its page to print passes axe-core too. Then the same
with scripts off."""

import tempfile
import zipfile
from pathlib import Path

from tests.browser.conftest import fits_the_phone

SHOTS = Path(tempfile.gettempdir()) / "insight-export"  # screenshots, for a person to see


def ask_and_download(visitor, tmp_path, shot: str) -> Path:
    visitor.sign_in("sam@example.org")
    page = visitor.visit("/me/data/")
    fits_the_phone(page)
    assert page.get_by_role("heading", name="Download my data", level=1).is_visible()
    assert page.get_by_role("link", name="delete my account").is_visible()
    page.get_by_role("button", name="Make my download").click()
    visitor.check_accessibility()
    fits_the_phone(page)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{shot}.png"), full_page=True)
    link = page.get_by_role("link", name="Download your data")
    with page.expect_download() as waiting:
        link.click()
    download = waiting.value
    assert download.suggested_filename.startswith("my-data-")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    return path


def test_a_member_downloads_their_data_on_a_phone(world, phone, tmp_path):
    path = ask_and_download(phone, tmp_path, "my-data")
    with zipfile.ZipFile(path) as archive:
        assert "data.json" in archive.namelist()
        html = archive.read("index.html").decode("utf-8")
    assert "Sam Member" in html and "Grace Coordinator" not in html
    # The page to read and print passes axe-core, as every page of the site does.
    phone.page.goto("about:blank")  # a file opened on its own: not under the site's policy
    phone.page.set_content(html)
    phone.check_accessibility()
    phone.page.screenshot(path=str(SHOTS / "index.png"))


def test_without_scripts(world, phone_without_scripts, tmp_path):
    path = ask_and_download(phone_without_scripts, tmp_path, "my-data-no-scripts")
    assert zipfile.is_zipfile(path)
