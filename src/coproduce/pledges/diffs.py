"""What changed between two versions of a pledge, in sentences people can read: targets,
commitments on both sides, categories and their questions, who co-designed it and what
it grew from. Pure: two content dictionaries in (the shape of `PledgeVersion.content`),
a list of sentences out; no Django.

Content:
    {"title", "summary", "co_designed_by", "public_reports",
     "user_commitments": [{"text", "measure"}],
     "grown_from": [{"statement", "text", "priority"}],
     "categories": [{"code", "name", "description", "commitment", "target_amount",
                     "target_unit", "group", "keywords", "attributes": [...],
                     "staff": [person ids], "template_code"?}]}

Categories are matched by the code they came from (`template_code`, for a pledge adopted
from a template) or their own code; commitments by their text; questions by their code.
Who is told of reports (`staff`) is how the service runs, not what it promises: it is never
a difference.
"""

from .workdays import describe

# The parts of the content that are promises, and so are signed: everything but who is told.
NOT_SIGNED = ("staff",)


def signed_part(content: dict) -> dict:
    """The content without what is not signed (who is told of reports)."""
    return {
        **content,
        "categories": [
            {k: v for k, v in c.items() if k not in NOT_SIGNED}
            for c in content.get("categories", [])
        ],
    }


def _key(category: dict) -> str:
    return category.get("template_code") or category["code"]


def _quote(text: str) -> str:
    return f"“{text}”"


def _changed_text(label: str, old: str, new: str) -> str:
    if not old:
        return f"{label} added: {_quote(new)}."
    if not new:
        return f"{label} removed (was {_quote(old)})."
    return f"{label} changed from {_quote(old)} to {_quote(new)}."


def _questions(name: str, old: list, new: list) -> list[str]:
    lines = []
    before = {q["code"]: q for q in old or []}
    after = {q["code"]: q for q in new or []}
    for code, question in after.items():
        if code not in before:
            lines.append(f"{name}: new question {_quote(question.get('description', code))}.")
        elif question != before[code]:
            lines.append(
                f"{name}: the question {_quote(question.get('description', code))} changed."
            )
    for code, question in before.items():
        if code not in after:
            lines.append(
                f"{name}: the question {_quote(question.get('description', code))} removed."
            )
    return lines


def _category(old: dict, new: dict) -> list[str]:
    name = new["name"]
    lines = []
    if old["name"] != new["name"]:
        lines.append(f"The category {_quote(old['name'])} is now called {_quote(name)}.")
    was = describe(old["target_amount"], old["target_unit"])
    now = describe(new["target_amount"], new["target_unit"])
    if was != now:
        lines.append(f"{name}: the target changed from {was} to {now}.")
    if old.get("commitment", "") != new.get("commitment", ""):
        lines.append(_changed_text(f"{name}: the commitment", old["commitment"], new["commitment"]))
    if old.get("description", "") != new.get("description", ""):
        lines.append(
            _changed_text(f"{name}: the description", old["description"], new["description"])
        )
    for field, label in (("group", "the group"), ("keywords", "the keywords")):
        if old.get(field, "") != new.get(field, ""):
            lines.append(_changed_text(f"{name}: {label}", old.get(field, ""), new.get(field, "")))
    lines += _questions(name, old.get("attributes"), new.get("attributes"))
    return lines


def differences(old: dict | None, new: dict) -> list[str]:
    """What changed from `old` to `new`, one sentence each ([] when nothing did). With no
    `old`, the first version: everything is new, said briefly."""
    if old is None:
        count = len(new.get("categories", []))
        return [f"First version: {count} target{'' if count == 1 else 's'}."]
    lines = []
    for field, label in (
        ("title", "The title"),
        ("summary", "The summary"),
        ("co_designed_by", "Who co-designed it"),
    ):
        if old.get(field, "") != new.get(field, ""):
            lines.append(_changed_text(label, old.get(field, ""), new.get(field, "")))

    before = {_key(c): c for c in old.get("categories", [])}
    after = {_key(c): c for c in new.get("categories", [])}
    for key, category in after.items():
        if key not in before:
            target = describe(category["target_amount"], category["target_unit"])
            lines.append(f"New category {_quote(category['name'])}: {target}.")
        else:
            lines += _category(before[key], category)
    for key, category in before.items():
        if key not in after:
            lines.append(f"The category {_quote(category['name'])} removed.")

    commitments_before = {c["text"]: c.get("measure", "") for c in old.get("user_commitments", [])}
    commitments_after = {c["text"]: c.get("measure", "") for c in new.get("user_commitments", [])}
    for text, measure in commitments_after.items():
        if text not in commitments_before:
            lines.append(f"Users now commit to {_quote(text)}.")
        elif measure != commitments_before[text]:
            lines.append(
                _changed_text(f"How {_quote(text)} is measured", commitments_before[text], measure)
            )
    for text in commitments_before:
        if text not in commitments_after:
            lines.append(f"Users no longer commit to {_quote(text)}.")
    if commitments_before == commitments_after and list(commitments_before) != list(
        commitments_after
    ):
        lines.append("What users commit to is listed in a new order.")

    grew_before = {g["statement"]: g["text"] for g in old.get("grown_from", [])}
    grew_after = {g["statement"]: g["text"] for g in new.get("grown_from", [])}
    for statement, text in grew_after.items():
        if statement not in grew_before:
            lines.append(f"Now grown from the statement {_quote(text)}.")
    for statement, text in grew_before.items():
        if statement not in grew_after:
            lines.append(f"No longer linked to the statement {_quote(text)}.")

    if bool(old.get("public_reports")) != bool(new.get("public_reports")):
        lines.append(
            "Anyone may now report problems under it."
            if new.get("public_reports")
            else "Only members may now report problems under it."
        )
    return lines


def local_changes(template: dict, local: dict) -> list[str]:
    """What a hub changed from the template it adopted. What each grew from is their own
    (statements stay in their hub), so it is left out."""
    return differences({**template, "grown_from": []}, {**local, "grown_from": []})
