"""Other people's names kept out of a person's download: in free text (a title, a
notification, an audit sentence) every other person's name and email is replaced by
"another member"; in the audit sentences, their own by "you". Every other person, not
only those of the person's hubs: a coordinator's notifications name people asking to
join, and nothing narrower is sure to hold them all.

Fast on long statements: a text is only searched for the names whose first word it
contains, so most lines cost one split into words and a set look-up."""

import re
from functools import lru_cache

ANOTHER, YOU = "another member", "you"
_WORDS = re.compile(r"\w+")


def _first_word(text: str) -> str | None:
    found = _WORDS.search(text.casefold())
    return found.group(0) if found else None


@lru_cache(maxsize=256)
def _pattern(words: tuple[str, ...]) -> re.Pattern:
    return re.compile(
        r"(?<!\w)(" + "|".join(re.escape(w) for w in words) + r")(?!\w)", re.IGNORECASE
    )


class Scrubber:
    def __init__(self, person, *, own_as_you: bool):
        from coproduce.hubs.models import Person

        others = Person.objects.exclude(pk=person.pk).values_list("display_name", "email")
        said: dict[str, str] = {}
        for name, email in others.iterator(chunk_size=2000):
            for word in (name, email):
                if word and word.strip() and _first_word(word):
                    said[word.strip().casefold()] = ANOTHER
        if own_as_you:
            for word in (person.display_name, person.email):
                if word and word.strip() and _first_word(word):
                    said[word.strip().casefold()] = YOU
        self.said = said
        self.by_first: dict[str, list[str]] = {}
        for word in said:
            self.by_first.setdefault(_first_word(word), []).append(word)

    def __call__(self, text):
        if not isinstance(text, str) or not text:
            return text
        words = set(_WORDS.findall(text.casefold()))
        candidates = [w for first in words & self.by_first.keys() for w in self.by_first[first]]
        if not candidates:
            return text
        # Longest first, so "Sam Member" is replaced before "Sam".
        pattern = _pattern(tuple(sorted(set(candidates), key=lambda w: (-len(w), w))))
        return pattern.sub(lambda m: self.said[m.group(1).casefold()], text)
