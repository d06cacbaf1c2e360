"""`model_update`: the one way a service applies a form's values to an existing row.

It changes only the fields whose values differ, validates, and saves only those fields;
when nothing differs it writes nothing, so the service writes no audit event either. An
unchanged form submitted again leaves no trace anywhere. (After the HackSoft Django
styleguide's `model_update`.)
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from coproduce.errors import validate


@dataclass(frozen=True)
class Changes:
    """What changed: field -> value before, field -> value after (a related object is
    given by its id). False when nothing changed."""

    old: dict[str, Any] = field(default_factory=dict)
    new: dict[str, Any] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.new)


def model_update[M: models.Model](
    instance: M,
    *,
    fields: Iterable[str],
    data: Mapping[str, Any],
    exclude_from_clean: Iterable[str] | None = None,
) -> tuple[M, Changes]:
    """Set each of `fields` present in `data` whose value differs from the instance's,
    full_clean() (a failure is an ApplicationError naming the field), and save only
    those fields. Returns the instance and the Changes; with no change nothing is
    validated or written."""
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    for name in fields:
        if name not in data:
            continue
        model_field = instance._meta.get_field(name)
        if model_field.many_to_many or not model_field.concrete:
            raise ValueError(f"model_update cannot set {name}: set it in the service.")
        value = data[name]
        if model_field.is_relation:
            # Compare ids, so an unchanged choice costs no query for the current object.
            current = getattr(instance, model_field.attname)
            value_id = value.pk if isinstance(value, models.Model) else value
            if current != value_id:
                old[name], new[name] = current, value_id
                if value is None or isinstance(value, models.Model):
                    setattr(instance, name, value)
                else:
                    setattr(instance, model_field.attname, value)
        elif getattr(instance, name) != value:
            old[name], new[name] = getattr(instance, name), value
            setattr(instance, name, value)
    if not new:
        return instance, Changes()
    validate(instance, exclude=list(exclude_from_clean or []))
    auto_now = [f.name for f in instance._meta.concrete_fields if getattr(f, "auto_now", False)]
    instance.save(update_fields=[*new, *auto_now])
    return instance, Changes(old=old, new=new)
