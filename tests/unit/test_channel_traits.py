"""Every channel declares what it can do; the dialogue reads that, not the channel's name."""

from __future__ import annotations

import pytest

from bot.domain.model import CHANNEL_TRAITS, Channel, Partnership
from bot.domain.questions import Step
from tests.unit.intake_driver import Seeker


def test_every_channel_has_its_traits() -> None:
    """A new Channel member without traits fails here, not on a seeker's first message."""
    assert set(CHANNEL_TRAITS) == set(Channel)
    for channel in Channel:
        assert channel.traits is CHANNEL_TRAITS[channel]


@pytest.mark.parametrize("channel", list(Channel))
def test_the_area_question_follows_the_cost_of_a_message(
    partnership: Partnership, channel: Channel
) -> None:
    """Where every character costs, districts are written, not listed as numbered choices."""
    seeker = Seeker(partnership, channel=channel)
    seeker.start()
    for value in ("victim", "21_plus"):
        seeker.pick(value)
    assert seeker.state.step is Step.AREA
    (question,) = [r for r in seeker.replies if r.step is Step.AREA]
    districts = {d.id for d in partnership.districts}
    listed = {c.value for c in question.choices} & districts
    assert (listed == set()) is channel.traits.paid_segments
    assert listed in (set(), districts)
