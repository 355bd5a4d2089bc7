"""The choices offered on forms. Values are stable keys; labels are what people read."""

from __future__ import annotations

from bot.core.outbound import Choice

ROLES = (
    Choice("Mentor: I share my perspective with a more senior colleague", "mentor"),
    Choice("Mentee: I'm the leader who wants to learn", "mentee"),
    Choice("Either: match me where I'm most useful", "either"),
)
TRADITIONAL_ROLES = (
    Choice("Mentor: I share my experience with a less senior colleague", "mentor"),
    Choice("Mentee: I want guidance from someone more senior", "mentee"),
    Choice("Either: match me where I'm most useful", "either"),
)

SENIORITY = (
    Choice("Early career", "1"),
    Choice("Mid-level / specialist", "2"),
    Choice("Manager", "3"),
    Choice("Senior manager / director", "4"),
    Choice("Executive / leadership team", "5"),
)

MEDIUMS = (
    Choice("Online", "online"),
    Choice("In person", "in_person"),
    Choice("Either", "either"),
)

AREAS = (
    Choice("Disability and accessibility", "disability"),
    Choice("Neurodiversity", "neurodiversity"),
    Choice("LGBTQ+ inclusion", "lgbtq"),
    Choice("Race and ethnicity", "race_ethnicity"),
    Choice("Gender equity", "gender"),
    Choice("Social mobility", "social_mobility"),
    Choice("Being new to the organisation", "new_joiner"),
    Choice("Early-career perspective", "early_career"),
    Choice("Parenting and caring", "caring"),
    Choice("Faith and belief", "faith"),
    Choice("Mental health and wellbeing", "wellbeing"),
    Choice("Technology and digital", "digital"),
    Choice("Hybrid and remote working", "hybrid_work"),
    Choice("Leadership", "leadership"),
    Choice("Career development", "career"),
    Choice("Strategy and the wider business", "strategy"),
)
AREA_LABELS = {c.value: c.label for c in AREAS}

TIME_ZONES = (
    "UTC",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Amsterdam",
    "Europe/Warsaw",
    "Europe/Athens",
    "Africa/Lagos",
    "Africa/Johannesburg",
    "Africa/Nairobi",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Hong_Kong",
    "Asia/Tokyo",
    "Australia/Perth",
    "Australia/Sydney",
    "Pacific/Auckland",
    "America/Sao_Paulo",
    "America/New_York",
    "America/Toronto",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
)

HOURS = tuple(Choice(f"{h:02d}:{m:02d}", str(h * 60 + m)) for h in range(5, 23) for m in (0, 30))


def labels(values: list[str], catalogue: tuple[Choice, ...]) -> list[str]:
    known = {c.value: c.label for c in catalogue}
    return [known[v] for v in values if v in known]
