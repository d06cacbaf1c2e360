"""Erasing a person (to come)."""


def person_erase(*, actor, person, route: str, how_asked: str) -> None:
    raise NotImplementedError
