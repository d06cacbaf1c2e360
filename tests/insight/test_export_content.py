"""What "Download my data" holds: every kind of record about the person, other people
only as "another member", formulas neutralised, the files a person can open."""

import csv
import io
import json
import zipfile

import pytest
from django.apps import apps
from django.core.management import call_command

from coproduce.hubs.models import Person
from coproduce.insight import exports
from coproduce.insight.export_coverage import PERSON_FIELDS
from coproduce.insight.export_sections import BY_KEY, SECTIONS
from coproduce.timebank.models import format_minutes

from .export_fixtures import FORMULA, rich  # noqa: F401 (a fixture)


def person_foreign_keys() -> set[str]:
    found = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            concrete = getattr(field, "concrete", False)
            if concrete and field.is_relation and field.related_model is Person:
                found.add(f"{model._meta.label}.{field.name}")
    return found


def test_every_foreign_key_to_a_person_is_covered_or_left_out_with_a_reason():
    missing = person_foreign_keys() - set(PERSON_FIELDS)
    assert not missing, (
        f"New records about people: {sorted(missing)}. Add them to a section of "
        "insight/export_sections.py and to insight/export_coverage.py (or say there why not)."
    )
    assert not set(PERSON_FIELDS) - person_foreign_keys(), "Listed fields that no longer exist"
    for field, where in PERSON_FIELDS.items():
        assert where in BY_KEY or (where.startswith("- ") and len(where) > 10), field


def test_section_keys_are_unique_and_file_names():
    keys = [s.key for s in SECTIONS]
    assert len(keys) == len(set(keys))
    assert all(k.replace("_", "").isalpha() and k.islower() for k in keys)


def read(path) -> dict[str, str]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


@pytest.fixture
def made(rich, tmp_path):  # noqa: F811
    path = tmp_path / "mine.zip"
    exports.write_zip(rich.person, path)
    return read(path)


def test_collect_gathers_the_person_s_records(rich, world):  # noqa: F811
    data = exports.collect(rich.person)
    assert set(data) == {s.key for s in SECTIONS}
    assert data["profile"][0]["email"] == "sam@example.org"
    assert data["profile"][0]["phone"] == "01632 960 999"
    assert {m["hub"] for m in data["memberships"]} == {"Millbrook Time Bank"}
    sides = sorted((e["title"], e["hours"]) for e in data["exchanges"])
    assert sides == [(FORMULA, "1 h 30 min"), ("Shopping for Ron", "45 min")]
    assert [m["text"] for m in data["messages"]] == [rich.message]  # never the other side's
    statement = data["statement"]
    assert [e["hours_minutes"] for e in statement][-2:] == [-90, 45]  # received, then gave
    assert statement[-1]["balance_minutes"] == sum(e["hours_minutes"] for e in statement)
    assert statement[-1]["balance"] == format_minutes(statement[-1]["balance_minutes"])
    referral = data["referrals"][0]
    assert referral["description"] == "Lifts to the clinic on Tuesdays"
    assert referral["referred_by"] == "another member"
    assert data["consent"][-1]["recorded_by"] == "another member"
    assert data["activity"], "the audit events where the person acted"


def test_the_zip_holds_json_csv_html_and_a_readme(made):
    expected = {"data.json", "index.html", "README.txt"} | {f"{s.key}.csv" for s in SECTIONS}
    assert set(made) == expected
    data = json.loads(made["data.json"])
    assert {s.key for s in SECTIONS} <= set(data)
    assert data["profile"][0]["date_joined"][:4].isdigit()  # ISO dates
    assert "T" in data["profile"][0]["date_joined"]
    html = made["index.html"]
    assert "<h1>Your data</h1>" in html and '<th scope="col">Email</th>' in html
    assert html.count("<h2>") == len(SECTIONS) + 1
    readme = made["README.txt"]
    for name in expected - {"README.txt"}:
        assert name in readme
    assert "HOW LONG EACH KIND OF RECORD IS KEPT" in readme


def test_csv_cells_that_would_run_as_formulas_are_neutralised(made):
    rows = list(csv.reader(io.StringIO(made["exchanges.csv"].lstrip("\ufeff"))))
    titles = [row[1] for row in rows[1:]]
    assert "'" + FORMULA in titles and FORMULA not in titles
    messages = list(csv.reader(io.StringIO(made["messages.csv"].lstrip("\ufeff"))))
    assert messages[1][1] == "'-2+3 thanks for the lift"
    assert made["exchanges.csv"].startswith("\ufeff")  # spreadsheets read it as UTF-8


def test_no_other_person_is_named_anywhere(made, rich, world):  # noqa: F811
    everything = "\n".join(made.values()).casefold()
    others = Person.objects.exclude(pk=rich.person.pk)
    assert others.count() >= 8
    for other in others:
        for word in (other.display_name, other.email):
            if word:
                assert word.casefold() not in everything, f"{word!r} appears in the download"
    assert "private words" not in made["messages.csv"].casefold()  # another's message
    assert "another member" in everything
    data = json.loads(made["data.json"])
    for rows in data.values():
        if isinstance(rows, list):
            for row in rows:
                assert not any(key == "id" or key.endswith("_id") for key in row)


def test_audit_sentences_name_the_person_as_you(rich):  # noqa: F811
    lines = list(BY_KEY["activity"].rows(rich.person, exports.Who(rich.person)))
    sentences = " ".join(line[2] for line in lines)
    assert "Sam Member" not in sentences
    assert "you" in sentences.casefold()


def test_the_command_writes_the_zip(rich, tmp_path):  # noqa: F811
    out = tmp_path / "sam.zip"
    call_command("people", "export", "SAM@example.org", "--out", str(out), stdout=io.StringIO())
    assert "data.json" in read(out)


def test_the_readme_shows_whatever_the_retention_table_holds(rich, tmp_path, monkeypatch):  # noqa: F811
    from coproduce.insight import retention

    rule = retention.Rule(
        kind="Matrix ledger entries",
        on_erasure="pseudonymised",
        kept_for="six years",
        why="The accounts must add up.",
    )
    monkeypatch.setattr(retention, "TABLE", [rule])
    path = tmp_path / "mine.zip"
    exports.write_zip(rich.person, path)
    readme = read(path)["README.txt"]
    assert "- Matrix ledger entries: when you are erased, kept without your name;" in readme
    assert "kept six years." in readme and "The accounts must add up." in readme
