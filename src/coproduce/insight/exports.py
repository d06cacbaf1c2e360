"""exports (to come)."""


def clean() -> str:
    return ""
