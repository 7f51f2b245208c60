"""Which organisation takes a case, from the seeker's age group and area."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.domain.cases import CaseRecord, Staff
from bot.domain.model import AgeGroup, AreaKind, District, Partnership
from bot.domain.policy import may_receive

OUTSIDE_STOCKHOLM = "outside"


def _fold(text: str) -> str:
    """Fold case, accents and separators so "Hässelby–Vällingby" matches "hasselby vallingby"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join("".join(c if c.isalnum() else " " for c in letters).split())


def match_district(partnership: Partnership, text: str) -> District | None:
    """Find the district a seeker named by its name, id or one of its neighbourhoods."""
    wanted = _fold(text)
    if not wanted:
        return None
    for district in partnership.districts:
        names = (district.id, district.name, *district.aliases)
        if any(_fold(name) == wanted for name in names):
            return district
    return None


@dataclass(frozen=True, slots=True)
class Route:
    """Where a case goes: an organisation, or a referral to the national line."""

    org_id: str | None

    @property
    def national(self) -> bool:
        """Tell whether the seeker is referred to the national line instead."""
        return self.org_id is None


def route(
    partnership: Partnership,
    age_group: AgeGroup | None,
    area_kind: AreaKind | None,
    district_id: str | None,
) -> Route:
    """Route by age first (under 21 goes to Stödcentrum), then by district."""
    if area_kind is AreaKind.OUTSIDE:
        return Route(org_id=None)
    if age_group is not None and age_group.is_young:
        return Route(org_id=partnership.young_org_id)
    if area_kind is AreaKind.DISTRICT and district_id is not None:
        return Route(org_id=partnership.district(district_id).org_id)
    return Route(org_id=partnership.default_org_id)


def suggest_volunteers(
    case: CaseRecord, volunteers: Sequence[Staff], open_load: Mapping[int, int]
) -> list[Staff]:
    """Rank who may take *case*: speaks the seeker's language first, then fewest open cases."""
    eligible = [v for v in volunteers if may_receive(v, case)]
    return sorted(
        eligible,
        key=lambda v: (case.language not in v.languages, open_load.get(v.id, 0), v.id),
    )
