"""The retention table: for each kind of record about a person, what happens to it when
the person is erased or their account is cleared after a long time inactive, and how long
it is kept. docs/privacy.md shows this table; the data export, erasure and the clean-up of
inactive accounts all read it, so they cannot disagree.

(A first version: the erasure work fills it in.)
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    kind: str  # the kind of record, as people would name it
    on_erasure: str  # "deleted", "pseudonymised" or "kept"
    kept_for: str  # how long a kept record stays, in words
    why: str


TABLE: list[Rule] = []
