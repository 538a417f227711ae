"""Property tests: arbitrary text and arbitrary bytes never make the core raise anything undocumented."""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minutes.extract import extract
from minutes.model import DocumentError
from minutes.read_text import read_text
from minutes.readers import read_document

# Words of minutes mixed into random text, so the rules actually fire on it.
VOCABULARY = st.sampled_from(
    [
        "Rubrik",
        "Åtgärd/beslut",
        "Ansvarig",
        "AA",
        "EE och TU",
        "Alla",
        "får i uppdrag att",
        "Beslut:",
        "kommande FLG",
        "7/10",
        "v. 42",
        "under hösten",
        "kl 13-16.30",
        "SID 1(3)",
        "* ",
        "1) ",
        "\n",
        "\n\n",
        "HR-chef",
        "Närvarande: Anna Ek (AE)",
        "återkommer",
        "ska",
        ".",
        ",",
        "Myndig-\nhetschef",
        "2019-12-31",
    ]
)
MINUTES_LIKE = st.lists(st.one_of(VOCABULARY, st.text(max_size=30)), max_size=60).map(" ".join)
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(MINUTES_LIKE, st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)))
def test_text_reader_and_extractor_never_raise_undocumented_errors(text: str, reference: date) -> None:
    try:
        result = extract(read_text(text.encode("utf-8", "surrogatepass")), reference_date=reference)
    except DocumentError as error:  # documented: unreadable, or not minutes
        assert error.message and "\n" not in error.message
        return
    for item in result.items:
        assert item.text or item.topic
        assert all(owner.strip() for owner in item.owners)


@FUZZ
@given(st.binary(max_size=4000), st.sampled_from(["a.docx", "a.pdf", "a.txt", "a.md", "a.doc", "a"]))
def test_any_bytes_either_read_or_raise_a_document_error(data: bytes, name: str) -> None:
    try:
        extract(read_document(data, name), reference_date=date(2024, 1, 1))
    except DocumentError as error:
        assert error.message and "\n" not in error.message
