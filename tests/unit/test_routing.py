"""Routing by age group and area."""

from __future__ import annotations

import pytest

from bot.domain.model import AgeGroup, AreaKind, Partnership
from bot.domain.routing import Route, match_district, route


@pytest.mark.parametrize(
    ("age", "kind", "district", "expected"),
    [
        (AgeGroup.UNDER_18, AreaKind.DISTRICT, "bromma", Route("stodcentrum")),
        (AgeGroup.AGE_18_20, AreaKind.UNKNOWN, None, Route("stodcentrum")),
        (AgeGroup.AGE_21_PLUS, AreaKind.DISTRICT, "bromma", Route("vasterort")),
        (AgeGroup.AGE_21_PLUS, AreaKind.DISTRICT, "farsta", Route("soderort")),
        (AgeGroup.UNDISCLOSED, AreaKind.DISTRICT, "kungsholmen", Route("innerstaden")),
        (None, None, None, Route("vasterort")),
        (AgeGroup.AGE_21_PLUS, AreaKind.OUTSIDE, None, Route(None)),
        (AgeGroup.UNDER_18, AreaKind.OUTSIDE, None, Route(None)),
    ],
)
def test_route(
    partnership: Partnership,
    age: AgeGroup | None,
    kind: AreaKind | None,
    district: str | None,
    expected: Route,
) -> None:
    """Outside Stockholm first, then under 21, then the district's association."""
    assert route(partnership, age, kind, district) == expected


def test_national_referral_has_no_organisation() -> None:
    """A route without an organisation is the national line."""
    assert Route(None).national and not Route("vasterort").national


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Järva", "jarva"),
        ("jarva", "jarva"),
        ("Spånga–Tensta", "jarva"),
        ("HUSBY", "jarva"),
        ("Akalla", "jarva"),
        ("Hässelby-Vällingby", "hasselby-vallingby"),
        ("hässelby   gård", "hasselby-vallingby"),
        ("Alvik", "bromma"),
        ("Göteborg", None),
        ("", None),
        ("---", None),
    ],
)
def test_match_district(partnership: Partnership, text: str, expected: str | None) -> None:
    """Names match whatever the case, accents, dashes and spacing."""
    found = match_district(partnership, text)
    assert (found.id if found else None) == expected


def test_every_vasterort_district_of_the_agreement(partnership: Partnership) -> None:
    """The agreement's four districts belong to Brottsofferjouren Västerort."""
    for name in ("Bromma", "Hässelby-Vällingby", "Rinkeby-Kista", "Spånga-Tensta"):
        district = match_district(partnership, name)
        assert district is not None and district.org_id == "vasterort", name
