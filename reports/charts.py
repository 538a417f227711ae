"""The report's charts as PNG bytes: matplotlib's object API on the Agg canvas (no pyplot, no display)."""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from minutes.follow_through import FollowThrough

SHORT_MONTHS = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
SIZE = (8.0, 3.2)  # inches; at DPI below, 800 × 320 pixels
DPI = 100
NEW_COLOUR, DONE_COLOUR, OPEN_COLOUR = "#5b5fc7", "#2e8b57", "#c4314b"


def _png(figure: Figure) -> bytes:
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    # Fixed margins (each chart sets its own) rather than bbox_inches="tight", which draws the figure twice.
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def months_chart(report: FollowThrough) -> bytes:
    """Bars per month: new items to do (by meeting) beside items checked off."""
    figure = Figure(figsize=SIZE)
    axes = figure.add_subplot()
    many_years = len({row.month.year for row in report.months}) > 1
    labels = [
        f"{SHORT_MONTHS[row.month.month - 1]}{f' {row.month:%y}' if many_years else ''}"
        for row in report.months
    ]
    positions = range(len(labels))
    width = 0.4
    axes.bar(
        [p - width / 2 for p in positions],
        [r.created for r in report.months],
        width,
        label="Nya att göra",
        color=NEW_COLOUR,
    )
    axes.bar(
        [p + width / 2 for p in positions],
        [r.done for r in report.months],
        width,
        label="Klara",
        color=DONE_COLOUR,
    )
    if len(labels) > 36:  # five years: January and July only, or the labels run into each other
        labels = [
            label if row.month.month in (1, 7) else ""
            for label, row in zip(labels, report.months, strict=True)
        ]
    axes.set_xticks(list(positions), labels, rotation=90 if len(labels) > 12 else 0, fontsize=8)
    figure.subplots_adjust(left=0.06, right=0.99, top=0.9, bottom=0.24 if len(labels) > 12 else 0.1)
    axes.set_title(f"{report.group}: nya och klara punkter per månad")
    axes.legend(frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    return _png(figure)


def ages_chart(report: FollowThrough) -> bytes:
    """Horizontal bars: open items by their age since the meeting."""
    figure = Figure(figsize=SIZE)
    axes = figure.add_subplot()
    labels = [label for label, _ in report.open_by_age]
    axes.barh(labels, [count for _, count in report.open_by_age], color=OPEN_COLOUR)
    axes.invert_yaxis()
    figure.subplots_adjust(left=0.17, right=0.98, top=0.9, bottom=0.1)
    axes.set_title(f"{report.group}: öppna punkter efter ålder (från mötet)")
    axes.spines[["top", "right"]].set_visible(False)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    return _png(figure)


CHARTS = (
    ("Nya och klara punkter per månad", months_chart),
    ("Öppna punkter efter ålder", ages_chart),
)
