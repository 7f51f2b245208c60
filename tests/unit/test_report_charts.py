"""What the charts draw (small counts never to scale, groups named in the report language),
and the periods and picture of a coordinator's /stats."""

from __future__ import annotations

from datetime import date

from matplotlib.patches import Rectangle

from bot.domain.dialogue import Reply
from bot.domain.model import Partnership
from bot.domain.stats import by_month, figures
from bot.i18n import Catalogs
from bot.services.report_charts import charts
from bot.services.report_labels import Labels
from bot.services.reports import Report, as_dict
from bot.services.staff_stats import LAST_MONTH, THIS_MONTH, THIS_YEAR, _line, periods
from bot.storage.reply_codec import decode_replies, encode_replies
from tests.unit.test_stats import CASES, case


def report(partnership: Partnership) -> Report:
    cases = [*CASES, *(case(gender="woman", district_id="jarva") for _ in range(6))]
    start, end = date(2026, 10, 1), date(2026, 11, 30)
    return Report("vasterort", start, end, figures(cases, partnership),
                  by_month(cases, start, end, partnership))  # fmt: skip


def bars(figure_axes: object) -> dict[str, tuple[float, str]]:
    """Map each bar's label to its drawn length and the count written beside it."""
    ax = figure_axes
    names = [t.get_text() for t in ax.get_yticklabels()]  # type: ignore[attr-defined]
    lengths = [p.get_width() for p in ax.patches]  # type: ignore[attr-defined]
    written = [t.get_text() for t in ax.texts]  # type: ignore[attr-defined]
    return dict(zip(names, zip(lengths, written, strict=True), strict=True))


def test_small_counts_are_not_drawn_to_scale(partnership: Partnership, catalogs: Catalogs) -> None:
    labels = Labels(catalogs.translator("sv"), partnership)
    drawn = charts(report(partnership), labels)
    by_gender = bars(drawn.axes[3])
    assert by_gender["Kvinna"] == (8, "8")  # two in CASES and six more
    assert by_gender["Man"] == (0, "<5")  # two men: no bar, only "<5"
    assert by_gender["Ej angivet"] == (0, "<5")
    by_district = bars(drawn.axes[2])
    assert by_district["Järva (Rinkeby-Kista, Spånga-Tensta)"] == (8, "8")
    assert by_district["Bromma"] == (0, "<5")
    per_month = drawn.axes[0]
    assert [t.get_text() for t in per_month.texts] == ["0", "11"]
    assert [p.get_height() for p in per_month.patches if isinstance(p, Rectangle)] == [0, 11]


def test_groups_are_named_in_the_report_language(
    partnership: Partnership, catalogs: Catalogs
) -> None:
    swedish = Labels(catalogs.translator("sv"), partnership)
    english = Labels(catalogs.translator("en"), partnership)
    assert swedish.group("language", "ar") == "Arabiska"
    assert english.group("language", "ar") == "Arabic"
    assert english.group("gender", "woman") == "Woman"
    assert english.group("age_group", "21_plus") == "21 or older"  # as the seeker was asked
    assert english.group("closure", "not_reached") == "Not reached"
    assert english.group("crime", "not_given") == "Not given"
    assert english.group("channel", "telegram") == "Telegram"
    assert swedish.group("channel", "webchat") == "Webbchatt"
    assert english.group("source", "bot") == "The bot"
    assert swedish.group("source", "police") == "Polisremiss"
    assert swedish.figure("first_contact_within_deadline") == "Nådda inom tre dagar"
    assert swedish.group("district", "unheard-of") == "unheard-of"
    title = charts(report(partnership), english).get_suptitle()
    assert title == "Follow-up report: Brottsofferjouren Västerort, 2026-10-01 to 2026-11-30"


def test_stats_periods_across_the_new_year() -> None:
    assert periods(date(2027, 1, 15)) == [
        (THIS_MONTH, date(2027, 1, 1), date(2027, 1, 15)),
        (LAST_MONTH, date(2026, 12, 1), date(2026, 12, 31)),
        (THIS_YEAR, date(2027, 1, 1), date(2027, 1, 15)),
    ]
    assert periods(date(2028, 3, 1))[1] == (LAST_MONTH, date(2028, 2, 1), date(2028, 2, 29))


def test_a_picture_survives_the_outbox_codec() -> None:
    reply = Reply("Figures", image=b"\x89PNG\r\n\x1a\n\x00\xff")
    pictured, plain = decode_replies(encode_replies([reply, Reply("text")]))
    assert pictured.image == reply.image
    assert plain.image is None


def small(partnership: Partnership) -> Report:
    """Four cases: every count below the threshold, every share of them a giveaway."""
    cases = CASES[:4]
    start, end = date(2026, 10, 1), date(2026, 11, 30)
    return Report("vasterort", start, end, figures(cases, partnership),
                  by_month(cases, start, end, partnership))  # fmt: skip


def test_no_share_of_fewer_than_five_cases_is_shown(
    partnership: Partnership, catalogs: Catalogs
) -> None:
    """Not in the report, not as a point on the chart, not in the /stats caption."""
    four = small(partnership)
    assert four.figures.first_contact_within_deadline is not None  # there is one to hide
    data = as_dict(four)
    assert data["cases"] == "<5"
    assert data["first_contact_within_deadline"] is None
    assert data["attempts_per_case"] is None
    drawn = charts(four, Labels(catalogs.translator("en"), partnership))
    promises = drawn.axes[1]
    heights = [list(line.get_ydata()) for line in promises.get_lines()]  # type: ignore[arg-type]
    points = [y for line in heights for y in line if y == y]  # NaN is no point
    assert points == []
    assert [t.get_text() for t in promises.get_xticklabels()] == ["2026-10", "2026-11"]
    caption = _line(THIS_MONTH, four.figures)
    assert (caption.params["cases"], caption.params["reached"]) == ("<5", "-")


def test_count_axes_start_at_zero_in_whole_numbers_even_when_all_is_hidden(
    partnership: Partnership, catalogs: Catalogs
) -> None:
    drawn = charts(small(partnership), Labels(catalogs.translator("en"), partnership))
    for ax in (drawn.axes[2], drawn.axes[3]):
        assert ax.get_xlim()[0] == 0
        assert all(tick == int(tick) for tick in ax.get_xticks())
    assert drawn.axes[0].get_ylim()[0] == 0
