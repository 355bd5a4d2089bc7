"""Small pieces of wording every flow shares: counts, labels inside a sentence, programme names.

One place, so "1 pairs" or "sign-up(s)" cannot creep back in one flow while another gets it
right. Pure: no platform or database.
"""

from __future__ import annotations

# Nouns whose plural is not the singular plus "s".
_IRREGULAR = {"person": "people", "reply": "replies", "is": "are", "was": "were"}


def plural_of(one: str) -> str:
    return _IRREGULAR.get(one, one + "s")


def plural(count: int, one: str, many: str | None = None) -> str:
    """`count` and the noun that agrees with it: "1 pair", "2 pairs", "1,200 people"."""
    return f"{count:,} {one if count == 1 else (many or plural_of(one))}"


def agree(count: int, one: str, many: str | None = None) -> str:
    """Only the word that agrees with `count`, e.g. the verb: "1 is", "2 are"."""
    return one if count == 1 else (many or plural_of(one))


def in_sentence(label: str) -> str:
    """A catalogue label as it reads mid-sentence: "Neurodiversity" becomes "neurodiversity",
    but an acronym keeps its capitals ("LGBTQ+ inclusion", not "lgbtq+ inclusion")."""
    first, _, _ = label.partition(" ")
    letters = [c for c in first if c.isalpha()]
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return label
    return label[:1].lower() + label[1:]


def programme_title(name: str, wave: str) -> str:
    """The programme's name, with its cohort wave only when it has one: "Reverse mentoring
    2027 (wave 2)", never "Reverse mentoring 2027 ()"."""
    wave = wave.strip()
    if not wave or wave.casefold() in name.casefold():
        return name
    return f"{name} ({wave})"
