"""Content-Security-Policy and Permissions-Policy on every page, and nothing inline that
the policy would block (htmx's own indicator styles are off; no inline scripts or
styles)."""

import re
from pathlib import Path

from django.urls import reverse

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "coproduce"


def test_pages_and_the_api_carry_the_policies(world, client_for):
    client = client_for(world.member)
    for url in [reverse("home"), reverse("timebank", args=[world.hub.slug]), "/api/v1/me"]:
        response = client.get(url)
        policy = response["Content-Security-Policy"]
        assert "default-src 'self'" in policy
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
        assert "camera=()" in response["Permissions-Policy"]
        assert "geolocation=()" in response["Permissions-Policy"]


def test_no_template_has_inline_scripts_styles_or_handlers():
    found = []
    for path in TEMPLATES.rglob("templates/**/*.html"):
        text = path.read_text()
        for pattern in (
            r"<script(?![^>]*\ssrc=)[^>]*>",  # a script without src
            r"<style\b",
            r"\sstyle=\"",
            r"\son[a-z]+=\"",  # onclick= and friends
            r"\shx-on",
            r"javascript:",
        ):
            found += [f"{path.name}: {m.group(0)}" for m in re.finditer(pattern, text)]
    assert found == []


def test_htmx_does_not_add_its_inline_indicator_styles(world, client_for):
    page = client_for(world.member).get(reverse("home")).content.decode()
    assert '"includeIndicatorStyles": false' in page
