"""Every person of the permission matrix's world (a record of each kind in Millbrook:
exchanges, referrals, rotas, conversations, reports, pledges, involvement, Your Space)
downloads their data: every section is made, and no other person's name or email appears
anywhere in it."""

import zipfile

import pytest

from coproduce.hubs.models import Person
from coproduce.insight import exports
from coproduce.insight.export_sections import SECTIONS
from tests.matrix_objects import built_once

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def things(django_db_setup, django_db_blocker):
    yield from built_once(django_db_blocker)


def text_of(path) -> str:
    with zipfile.ZipFile(path) as archive:
        return "\n".join(archive.read(name).decode("utf-8") for name in archive.namelist())


@pytest.mark.parametrize("who", ["member", "staff", "coordinator", "assisted", "admin"])
def test_nobody_else_is_named_in_anyone_s_download(things, tmp_path, who):
    person = getattr(things.world, who)
    path = tmp_path / "data.zip"
    exports.write_zip(person, path)
    text = text_of(path).casefold()
    data = exports.collect(person)
    assert sum(len(rows) for rows in data.values()) > 10
    for other in Person.objects.exclude(pk=person.pk):
        for word in (other.display_name, other.email):
            if word and len(word) > 3:
                assert word.casefold() not in text, f"{word!r} is in {who}'s download"


def test_sam_s_download_covers_his_part_in_the_hub(things):
    data = exports.collect(things.world.member)
    for key in ("exchanges", "statement", "offers", "rota_turns", "reports", "space_ideas"):
        assert data[key], f"nothing in {key}"
    assert {s.key for s in SECTIONS} == set(data)
