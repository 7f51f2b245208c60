"""The follow-up report drawn: charts as PNG, and the table with the charts as a PDF.

Labels are in the staff catalog, so the city gets Swedish and an English reader English.
Counts below the threshold are never drawn to scale: their bar is left empty and marked
"<5", as in the table. Drawing is CPU work; callers in the event loop run it in a thread.
Only the object-oriented Matplotlib API is used (no pyplot), so no global state is shared.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from matplotlib.axes import Axes
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.domain.dialogue import S_
from bot.domain.stats import SUPPRESS_BELOW, share_shown, shown
from bot.services.report_labels import Labels
from bot.services.reports import Report
from bot.services.reports import rows as table_rows

A4_PORTRAIT = (8.27, 11.69)
ROWS_PER_PAGE = 46


def _to_scale(counts: list[int], threshold: int) -> list[int]:
    """What may be drawn to scale: a suppressed count is drawn as nothing."""
    return [0 if 0 < n < threshold else n for n in counts]


def _bars(ax: Axes, names: list[str], counts: list[int], threshold: int) -> None:
    """Draw counts as horizontal bars; a suppressed count gets no bar, only its "<5"."""
    drawn = _to_scale(counts, threshold)
    positions = list(range(len(names)))
    ax.barh(positions, drawn, color="#3b6ea5")
    ax.set_yticks(positions, names)
    ax.invert_yaxis()
    ax.set_xlim(0, max([*drawn, 1]) * 1.15)  # counts start at 0, even when all are hidden
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    for y, n in zip(positions, counts, strict=True):
        ax.annotate(shown(n, threshold), (drawn[y], y), xytext=(3, 0),
                    textcoords="offset points", va="center", fontsize=8)  # fmt: skip


def _per_month(ax: Axes, report: Report, labels: Labels, threshold: int) -> None:
    names = list(report.monthly)
    counts = [f.cases for f in report.monthly.values()]
    drawn = _to_scale(counts, threshold)
    ax.bar(names, drawn, color="#3b6ea5")
    for x, n in enumerate(counts):
        ax.annotate(shown(n, threshold), (x, drawn[x]), xytext=(0, 2),
                    textcoords="offset points", ha="center", fontsize=8)  # fmt: skip
    ax.set_title(labels.text(S_("Cases per month")))
    ax.tick_params(axis="x", labelrotation=45, labelsize=8)
    ax.set_ylim(0, max([*drawn, 1]) * 1.15)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))


def _promises(ax: Axes, report: Report, labels: Labels) -> None:
    names = list(report.monthly)
    months = list(report.monthly.values())
    # A month of fewer than five cases gets no point: its share would give them away.
    lines: list[tuple[str, Callable[[int], float | None]]] = [
        (
            S_("Reached within three days"),
            lambda i: share_shown(months[i].first_contact_within_deadline, months[i].cases),
        ),
        (
            S_("Not reached: three attempts, one in the evening"),
            lambda i: share_shown(
                months[i].not_reached_with_three_incl_evening, months[i].not_reached
            ),
        ),
    ]
    positions = list(range(len(names)))  # every month on the axis, even with no point
    for msgid, share in lines:
        values = [share(i) for i in positions]
        ax.plot(positions, [float("nan") if v is None else v * 100 for v in values],
                marker="o", label=labels.text(msgid))  # fmt: skip
    ax.set_xticks(positions, names)
    ax.set_ylim(0, 105)
    ax.set_ylabel("%")
    ax.set_title(labels.text(S_("The promises, month by month")))
    # Below the plot, where it has the whole width: inside, the long labels were cut off.
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.3), frameon=False)
    ax.tick_params(axis="x", labelrotation=45, labelsize=8)


def _distribution(ax: Axes, report: Report, labels: Labels, figure: str, title: str,
                  threshold: int) -> None:  # fmt: skip
    counts = report.figures.by.get(figure, {})
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    _bars(ax, [labels.group(figure, k) for k, _ in ordered], [n for _, n in ordered], threshold)
    ax.set_title(labels.text(title))


def _title(report: Report, labels: Labels) -> str:
    return labels.text(S_("Follow-up report: {organisation}, {start} to {end}")).format(
        organisation=labels.organisation(report.organisation), start=report.start, end=report.end
    )


def charts(report: Report, labels: Labels, threshold: int = SUPPRESS_BELOW) -> Figure:
    """Draw cases per month, the two promises over time and four distributions."""
    figure = Figure(figsize=A4_PORTRAIT, layout="constrained")
    grid = figure.subplots(3, 2)
    _per_month(grid[0][0], report, labels, threshold)
    _promises(grid[0][1], report, labels)
    _distribution(grid[1][0], report, labels, "district", S_("Cases by district"), threshold)
    _distribution(grid[1][1], report, labels, "gender", S_("Cases by gender"), threshold)
    _distribution(grid[2][0], report, labels, "language", S_("Cases by language"), threshold)
    _distribution(grid[2][1], report, labels, "age_group", S_("Cases by age group"), threshold)
    figure.suptitle(_title(report, labels))
    return figure


def chart_png(report: Report, labels: Labels, threshold: int = SUPPRESS_BELOW) -> bytes:
    """Draw the report's charts on one PNG image."""
    figure = charts(report, labels, threshold)
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=120)
    return out.getvalue()


def report_pdf(
    report: Report,
    labels: Labels,
    threshold: int = SUPPRESS_BELOW,
) -> bytes:
    """Write the table (as many pages as it needs) and then the charts into one PDF."""
    rows = [
        (labels.figure(name), labels.group(name, group), value)
        for name, group, value in table_rows(report, threshold)
    ]
    out = io.BytesIO()
    with PdfPages(out, metadata={"Title": _title(report, labels), "Creator": "Jourbot"}) as pdf:
        for first in range(0, max(len(rows), 1), ROWS_PER_PAGE):
            page = Figure(figsize=A4_PORTRAIT)
            ax = page.add_axes((0.08, 0.05, 0.84, 0.85))
            ax.axis("off")
            chunk = rows[first : first + ROWS_PER_PAGE]
            if chunk:
                table = ax.table(
                    cellText=[list(row) for row in chunk],
                    colLabels=[labels.text(m) for m in (S_("Figure"), S_("Group"), S_("Value"))],
                    loc="upper center",
                    cellLoc="left",
                )
                table.auto_set_font_size(False)
                table.set_fontsize(8)
            page.suptitle(_title(report, labels))
            note = labels.text(S_("Counts below {threshold} are shown as <{threshold}."))
            page.text(0.08, 0.93, note.format(threshold=threshold), fontsize=9)
            pdf.savefig(page)
        pdf.savefig(charts(report, labels, threshold))
    return out.getvalue()
