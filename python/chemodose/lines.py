"""Lines of therapy from drug-administration records held in a table.

The same derivation as ``chemodose lines derive`` (``docs/lines-of-therapy.md``):
the same rules, generic drug names, regimen matching, skipped records and
reasons; the table's rows need not be sorted by patient.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import ArrowTable, InputError, _arrow_input, _check_on_error, _flags, _table_rows
from ._chemodose import derive_lines as _derive_lines

if TYPE_CHECKING:
    import os

    import pyarrow

__all__ = ["derive"]


def derive(
    table: ArrowTable,
    rules: str | os.PathLike[str] | None = None,
    *,
    columns: dict[str, str] | str | None = None,
    regimens: str | os.PathLike[str] | None = None,
    config: str | os.PathLike[str] | None = None,
    on_error: str = "raise",
    threads: int | None = None,
) -> pyarrow.Table:
    """Every patient's lines of therapy from the administrations in
    ``table``, as ``chemodose lines derive --format csv`` derives them from
    the same records in a file sorted by patient. Returns a ``pyarrow.Table``.

    ``table`` is a pyarrow Table, RecordBatch or RecordBatchReader, or a
    pandas or polars DataFrame, with a patient id, a drug and a date column,
    named ``patient_id``, ``drug`` and ``date`` unless ``columns`` names them
    (``{"patient": "pid", "drug": "medication", "date": "given_on"}``, or
    the command line's ``"patient=pid,drug=medication,date=given_on"``).
    Patient ids are whole numbers or text (text is trimmed, as in a CSV
    cell); drugs text, mapped to their generic names by the rules'
    synonyms; dates ``date32``, ``date64``, timestamps (the day in their time
    zone when they have one) or ``"YYYY-MM-DD"`` text. A patient's records
    may be anywhere in the table: they are grouped by patient, which holds
    every record in memory (about 8 bytes each) until the lines are derived.

    ``rules`` is a rules file (TOML) or a bundled preset (``"merck-nsclc"``);
    ``regimens`` a folder of regimen files lines are matched against;
    ``config`` the site configuration (read once per process, as for
    ``batch_dose``); ``threads`` workers (default: every core).

    The output has the CSV's columns in its order: ``patient_id`` (typed as
    the input's column; text ids trimmed), ``line`` (int32, from 1),
    ``regimen_drugs`` and ``later_drugs`` (the drugs joined by ``+``; an
    empty string for no later drug, as the CSV's empty cell), ``start`` and
    ``end`` (date32), ``administration_days`` (int32), ``end_reason``,
    ``regimen_match``, and ``maintenance_kind``, ``maintenance_drugs``
    (strings), ``maintenance_start``, ``maintenance_end`` (date32), all four
    null for a line without a maintenance phase (empty cells in the CSV).
    Patients come in the order of their first record, each patient's lines
    in order.

    A record that cannot be read (an empty patient id or drug, a date that
    is not one): ``on_error="raise"`` raises ``InputError`` naming the first
    ones (``row N`` from 1, with the command line's reason); ``"drop"`` skips
    them with a ``ChemodoseWarning`` saying how many, as the command line
    does; ``"column"`` adds a row for each, after the lines, with its patient
    id, null values and ``"row N: reason"`` in a last ``error`` column (null
    for the lines).

    By hand, with the default rules (a 28-day window): gemcitabine and
    docetaxel on 2020-01-01 and gemcitabine on 2020-01-22 are one line;
    doxorubicin on 2020-03-01, a new drug after the window, starts line 2:

    >>> import pyarrow as pa
    >>> t = pa.table({"patient_id": [7, 7, 7, 7],
    ...               "drug": ["gemcitabine", "Taxotere", "gemcitabine", "doxorubicin"],
    ...               "date": ["2020-01-01", "2020-01-01", "2020-01-22", "2020-03-01"]})
    >>> [(r["line"], r["regimen_drugs"], r["end_reason"]) for r in derive(t).to_pylist()]
    [(1, 'docetaxel+gemcitabine', 'new drug (doxorubicin)'), (2, 'doxorubicin', 'end of data')]
    """
    _arrow_input(table, "lines.derive")
    keep = _check_on_error(on_error)
    if isinstance(columns, dict):
        columns = ",".join(f"{role}={name}" for role, name in columns.items())
    options = {"rules": rules, "columns": columns, "regimens": regimens, "config": config, "threads": threads}
    for key, value in options.items():
        if value is not None and not isinstance(value, (str, int)) and not hasattr(value, "__fspath__"):
            raise InputError(f"`{key}` is a {type(value).__name__}: give a string")
    options = {k: (str(v) if hasattr(v, "__fspath__") else v) for k, v in options.items()}
    args = ["lines", "derive"] + _flags(options) + ["--", "-"]
    out, skipped, errors = _derive_lines(table, args, keep)
    _table_rows(on_error, "record", "could not be read", skipped, errors, stacklevel=3)
    return out
