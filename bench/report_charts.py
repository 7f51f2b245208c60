"""How long a coordinator waits for the report's charts and PDF, a year of 1,200 cases.

Run: .venv/bin/python bench/report_charts.py
"""

from __future__ import annotations

import os
import time
from datetime import UTC, date, datetime, timedelta

from bot.config import load_settings
from bot.domain.stats import CaseFacts, by_month, figures
from bot.i18n import Catalogs, default_locales_dir
from bot.services.reports import Report


def case(i: int) -> CaseFacts:
    """The i-th case: one every seven hours through 2026, in five languages."""
    return CaseFacts(
        received_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=7 * i),
        source="bot",
        channel="telegram",
        locale=("sv", "ar", "en", "fa", "so")[i % 5],
        status="new",
        gender=("woman", "man")[i % 2],
        district_id=("jarva", "bromma")[i % 2],
    )


def main() -> None:
    started = time.perf_counter()
    from bot.services.report_charts import chart_png, report_pdf
    from bot.services.report_labels import Labels

    imported = time.perf_counter() - started
    partnership = load_settings({**os.environ, "JOURBOT_DB": "unused.db"}).partnership
    cases = [case(i) for i in range(1200)]
    start, end = date(2026, 1, 1), date(2026, 12, 31)
    report = Report(
        "vasterort", start, end, figures(cases, partnership),
        by_month(cases, start, end, partnership),
    )  # fmt: skip
    catalogs = Catalogs(default_locales_dir(), partnership.timezone)
    labels = Labels(catalogs.translator("sv"), partnership)
    print(f"import matplotlib and charts: {imported * 1000:.0f} ms")
    for draw in (chart_png, report_pdf):
        begun = time.perf_counter()
        data = draw(report, labels)
        print(f"{draw.__name__}: {(time.perf_counter() - begun) * 1000:.0f} ms, {len(data)} bytes")


if __name__ == "__main__":
    main()
