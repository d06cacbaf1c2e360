"""A pledge category in a draft, checked: its code (unique on the site: it is the Open311
service_code), its target, its commitment, who is told of reports, and the questions
asked of someone reporting (Open311 attributes)."""

import re

from django.utils.text import slugify

from coproduce.errors import ApplicationError
from coproduce.hubs import access as hub_access

from .. import workdays
from ..models import PledgeCategory, TargetUnit

CODE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Fields of PledgeCategory the draft holds, copied to the live row on publishing.
LIVE_FIELDS = (
    "name",
    "description",
    "commitment",
    "target_amount",
    "target_unit",
    "group",
    "keywords",
    "attributes",
)
DATATYPES = {
    "string": "A short answer",
    "text": "A longer answer",
    "number": "A number",
    "datetime": "A date and time",
    "singlevaluelist": "One choice from a list",
    "multivaluelist": "Any choices from a list",
}
LISTS = ("singlevaluelist", "multivaluelist")
MAX_QUESTIONS = 10
MAX_CHOICES = 50


def _text(value, field: str, label: str, limit: int, required: bool = False) -> str:
    value = " ".join(str(value or "").split())
    if required and not value:
        raise ApplicationError(f"Give {label}.", field=field)
    if len(value) > limit:
        raise ApplicationError(f"Keep {label} to {limit:,} characters.", field=field)
    return value


def made_code(pledge, name: str, others: list[dict]) -> str:
    """A code for a category given none: the hub's short name and the category's name,
    with a number if another category on the site has it already."""
    base = slugify(f"{pledge.hub.slug} {name}")[:54].strip("-") or f"{pledge.hub.slug}-target"
    taken = {c["code"] for c in others}
    code, n = base, 1
    while code in taken or PledgeCategory.objects.filter(code=code).exclude(pledge=pledge).exists():
        n += 1
        code = f"{base}-{n}"
    return code


def _code(pledge, code: str, others: list[dict], name: str = "") -> str:
    code = (code or "").strip().lower()
    if not code:
        if not " ".join(str(name or "").split()):
            raise ApplicationError(
                "Give the category a name, or a short code such as “emergency-repairs”.",
                field="code",
            )
        return made_code(pledge, name, others)
    if len(code) > 60 or not CODE.match(code):
        raise ApplicationError(
            "Use lower-case letters, numbers and single hyphens (at most 60), "
            "such as “emergency-repairs”.",
            field="code",
        )
    if any(c["code"] == code for c in others):
        raise ApplicationError("This pledge already has a category with that code.", field="code")
    if PledgeCategory.objects.filter(code=code).exclude(pledge=pledge).exists():
        raise ApplicationError(
            "That code is used by another pledge: codes are unique on the whole site.",
            field="code",
        )
    return code


def _questions(questions: list[dict], old: list[dict]) -> list[dict]:
    if len(questions) > MAX_QUESTIONS:
        raise ApplicationError(f"Ask at most {MAX_QUESTIONS} questions.", field="questions")
    old_codes = {q["description"]: q["code"] for q in old or []}
    found, codes = [], set()
    for order, given in enumerate(questions, start=1):
        description = _text(given.get("description"), "questions", "each question", 200)
        if not description:
            continue
        datatype = given.get("datatype") or "string"
        if datatype not in DATATYPES:
            raise ApplicationError(
                "Choose what kind of answer each question takes.", field="questions"
            )
        names = [" ".join(str(v).split()) for v in given.get("values") or []]
        names = [n for n in names if n]
        if datatype in LISTS and not names:
            raise ApplicationError(
                f"List the choices for “{description}”, one a line.", field="questions"
            )
        if datatype not in LISTS and names:
            raise ApplicationError(
                f"“{description}” takes choices only as a choice from a list.", field="questions"
            )
        if len(names) > MAX_CHOICES or any(len(n) > 100 for n in names):
            raise ApplicationError(
                f"Give at most {MAX_CHOICES} choices of up to 100 characters.", field="questions"
            )
        code = given.get("code") or old_codes.get(description) or slugify(description)[:40]
        code = code or f"question-{order}"
        while code in codes:
            code = f"{code}-{order}"
        codes.add(code)
        values, keys = [], set()
        for name in names:
            key = slugify(name)[:40] or str(len(values) + 1)
            if key not in keys:
                keys.add(key)
                values.append({"key": key, "name": name})
        found.append(
            {
                "variable": True,
                "code": code,
                "datatype": datatype,
                "required": bool(given.get("required")),
                "datatype_description": "",
                "order": order,
                "description": description,
                "values": values,
            }
        )
    return found


def clean_category(
    pledge,
    existing: dict | None,
    others: list[dict],
    *,
    code: str = "",
    name: str,
    commitment: str,
    target_amount,
    target_unit: str,
    description: str = "",
    group: str = "",
    keywords: str = "",
    questions: list[dict] = (),
    staff=(),
) -> dict:
    """The category as the draft keeps it, or an ApplicationError naming the field."""
    rest = [c for c in others if c is not existing]
    code = _code(pledge, code, rest, name) if existing is None else existing["code"]
    try:
        amount = int(target_amount)
    except (TypeError, ValueError):
        raise ApplicationError(
            "Give the target as a whole number.", field="target_amount"
        ) from None
    if target_unit not in TargetUnit.values:
        raise ApplicationError("Choose what the target counts.", field="target_unit")
    if target_unit == TargetUnit.SAME_WORKING_DAY:
        amount = 1
    if not 1 <= amount <= 10_000:
        raise ApplicationError("Give a target from 1 to 10,000.", field="target_amount")
    staff = list(staff)
    for person in staff:
        if not hub_access.is_staff(person, pledge.hub):
            raise ApplicationError("Choose staff of this hub.", field="staff")
    found = {
        "code": code,
        "name": _text(name, "name", "a name", 120, required=True),
        "description": _text(description, "description", "the description", 500),
        "commitment": _text(commitment, "commitment", "what the service commits to", 300, True),
        "target_amount": amount,
        "target_unit": target_unit,
        "group": _text(group, "group", "the group", 80),
        "keywords": _text(keywords, "keywords", "the keywords", 200),
        "attributes": _questions(list(questions), (existing or {}).get("attributes")),
        "staff": sorted({p.pk for p in staff}),
    }
    if existing and existing.get("template_code"):
        found["template_code"] = existing["template_code"]
    target = workdays.describe(amount, target_unit)
    if target.lower() in found["commitment"].lower():
        raise ApplicationError(
            f"Leave out “{target}”: the pages show the target after what you commit to.",
            field="commitment",
        )
    if any(c["name"].lower() == found["name"].lower() for c in rest):
        raise ApplicationError("This pledge already has a category with that name.", field="name")
    return found
