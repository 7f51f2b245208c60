"""The report drawn off the event loop: a PNG of its charts for staff, or the whole PDF."""

from __future__ import annotations

import asyncio

from bot.domain.model import Partnership
from bot.i18n import Translator
from bot.services.reports import Report


async def drawn(
    report: Report, translator: Translator, partnership: Partnership, kind: str = "png"
) -> bytes:
    """Draw *report* as a PNG of its charts or, with kind "pdf", as the whole PDF.

    Drawing is CPU work, so it runs in a worker thread and the event loop stays free.
    """

    def draw() -> bytes:
        # Imported here: Matplotlib takes a noticeable moment to load, and only charts need it.
        from bot.services.report_charts import chart_png, report_pdf
        from bot.services.report_labels import Labels

        labels = Labels(translator, partnership)
        return report_pdf(report, labels) if kind == "pdf" else chart_png(report, labels)

    return await asyncio.to_thread(draw)
