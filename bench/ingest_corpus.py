"""The ingestion bench's corpus: distinct copies of the sample minutes with their dates varied, so that no two
files are the same document and the store sees a realistic spread of meetings."""

from __future__ import annotations

import hashlib
import io
import random
import re
import zipfile
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from common import ROOT

SAMPLES = ROOT / "samples"
FORMATS = ("docx", "pdf", "txt")


MONTHS = "januari februari mars april maj juni juli augusti september oktober november december".split()
SHORT_MONTHS = "jan feb mar apr maj jun jul aug sep okt nov dec".split()
_MONTH_NUMBER = {name: number for number, name in enumerate(MONTHS, 1)} | {
    name: number for number, name in enumerate(SHORT_MONTHS, 1)
}
_MONTH_NUMBER["sept"] = 9
# One pass, leftmost first: an ISO date, a Swedish long date ('den 21 nov 2022', '1 januari 2019'), a bare year.
DATES = re.compile(
    r"\b(?P<iy>(?:19|20)\d\d)-(?P<im>\d\d)-(?P<id>\d\d)\b"
    r"|\b(?P<ld>\d{1,2})\s+(?P<lm>" + "|".join(sorted(_MONTH_NUMBER, key=len, reverse=True)) + r")\.?"
    r"\s+(?P<ly>(?:19|20)\d\d)\b"
    r"|\b(?P<year>(?:19|20)\d\d)\b",
    re.IGNORECASE,
)
WORD_TEXT = re.compile(rb"(<w:t(?:\s[^>]*)?>)([^<]*)(</w:t>)")
CORE_DATES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")
FIRST_GENERATED = date(2008, 1, 7)


def _full_date(match: re.Match[str]) -> date | None:
    try:
        if match["iy"]:
            return date(int(match["iy"]), int(match["im"]), int(match["id"]))
        if match["ly"]:
            return date(int(match["ly"]), _MONTH_NUMBER[match["lm"].lower()], int(match["ld"]))
    except ValueError:
        pass
    return None


def _anchor(text: str) -> date | None:
    """The first full date of the text: the meeting date in the minutes that print one."""
    return next((found for match in DATES.finditer(text) if (found := _full_date(match))), None)


def _generated(copy: int) -> date:
    return FIRST_GENERATED + timedelta(days=11 * copy)


def _shifter(text: str, copy: int) -> Callable[[str], str]:
    """Rewrites every date of the copy: full dates move by the days that take the first one (the meeting date)
    to a generated date distinct per copy, bare years by as many years; minutes without a full date have
    their years moved by a distinct number of years (0, +1, -1, +2, …)."""
    anchor = _anchor(text)
    if anchor is not None:
        days = timedelta(days=(_generated(copy) - anchor).days)
        years = _generated(copy).year - anchor.year
    else:
        days = timedelta(0)
        years = (copy + 1) // 2 * (1 if copy % 2 else -1)

    def replace(match: re.Match[str]) -> str:
        if match["year"]:
            return str(int(match["year"]) + years)
        found = _full_date(match)
        if found is None:
            return match[0]
        moved = found + days if anchor is not None else _add_years(found, years)
        if match["iy"]:
            return moved.isoformat()
        month = match["lm"]
        names = MONTHS if month.lower() in MONTHS else SHORT_MONTHS
        name = names[moved.month - 1]
        if month[0].isupper():
            name = name.capitalize()
        return (
            match[0]
            .replace(match["ld"], str(moved.day), 1)
            .replace(month, name, 1)
            .replace(match["ly"], str(moved.year))
        )

    return lambda part: DATES.sub(replace, part)


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _vary_docx(data: bytes, copy: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            part = source.read(info)
            if info.filename == "word/document.xml":
                part = _vary_word_text(part, copy)
            elif info.filename == "docProps/core.xml":
                stamp = f"{_generated(copy).isoformat()}T10:00:00Z".encode()
                part = CORE_DATES.sub(rb"\g<1>" + stamp + rb"\g<2>", part)
            target.writestr(info, part)  # the member's own compression and timestamp
    return out.getvalue()


def _vary_word_text(xml: bytes, copy: int) -> bytes:
    """Dates rewritten in the text runs (<w:t>) only: attributes hold numbers that look like years."""
    shift = _shifter("\n".join(m[2].decode("utf-8") for m in WORD_TEXT.finditer(xml)), copy)
    return WORD_TEXT.sub(lambda m: m[1] + shift(m[2].decode("utf-8")).encode("utf-8") + m[3], xml)


def _vary(source: Path, fmt: str, copy: int, index: int) -> bytes:
    data = source.read_bytes()
    if fmt == "docx":
        return _vary_docx(data, copy)
    if fmt == "txt":
        text = data.decode("utf-8")
        return _shifter(text, copy)(text).encode("utf-8")
    # .pdf: the same content; a comment line after %%EOF makes the bytes distinct.
    separator = b"" if data.endswith(b"\n") else b"\n"
    return data + separator + f"%minutesbot-bench copy {index} of {source.name}\n".encode()


def _split(files: int, mix: dict[str, int]) -> dict[str, int]:
    """Files per format in proportion to `mix`, largest remainders first."""
    total = sum(mix.values())
    exact = {fmt: files * share / total for fmt, share in mix.items()}
    counts = {fmt: int(value) for fmt, value in exact.items()}
    for fmt in sorted(exact, key=lambda f: exact[f] - counts[f], reverse=True)[
        : files - sum(counts.values())
    ]:
        counts[fmt] += 1
    return counts


def build_corpus(folder: Path, files: int, mix: dict[str, int]) -> dict[str, int]:
    """`files` distinct minutes files in `folder`, formats shuffled so any stride of the names has the mix."""
    counts = _split(files, mix)
    samples = {fmt: sorted(SAMPLES.glob(f"*.{fmt}")) for fmt in counts if counts[fmt]}
    for fmt, found in samples.items():
        if not found:
            raise SystemExit(f"no .{fmt} files in {SAMPLES}")
    jobs = [(fmt, n) for fmt, count in counts.items() for n in range(count)]
    random.Random(20240129).shuffle(jobs)
    hashes: dict[str, str] = {}
    for index, (fmt, n) in enumerate(jobs):
        source = samples[fmt][n % len(samples[fmt])]
        data = _vary(source, fmt, n // len(samples[fmt]), index)
        name = f"{index:04d}_{source.stem}.{fmt}"
        digest = hashlib.sha256(data).hexdigest()
        if digest in hashes:
            raise SystemExit(f"corpus: {name} has the same bytes as {hashes[digest]}")
        hashes[digest] = name
        (folder / name).write_bytes(data)
    return counts


def corpus_files(folder: Path, stride: int, offset: int = 0) -> list[Path]:
    """Every `stride`th file from the `offset`th: the corpus is shuffled, so each has the mix of formats."""
    return sorted(path for path in folder.iterdir() if path.is_file())[offset::stride]
