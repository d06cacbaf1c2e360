"""Words of a pledge as they read inside a sentence (on pages and in emails)."""


def mid_sentence(text) -> str:
    """A name or commitment written to begin a sentence, made to read inside one:
    "Broken light" becomes "broken light", while "GP call-back", "NHS 111" and "A GP calls
    you back" keep their capitals ("a GP calls you back"). Only the first letter changes,
    and not when the first word is an abbreviation in capitals."""
    text = str(text or "")
    first = text.split(" ", 1)[0]
    if len(first) > 1 and first.upper() == first and any(c.isalpha() for c in first):
        return text
    return text[:1].lower() + text[1:]
