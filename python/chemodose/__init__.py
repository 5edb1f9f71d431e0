"""chemodose: checked chemotherapy doses, schedules and lines of therapy.

The same engine as the ``chemodose`` command line, in the same words: every
function here runs the command line's own parsers, checks and messages (no
second implementation of any rule) and returns the structure of its JSON
output (``docs/output-json.md``) as Python dicts and lists.

Measurements are strings with their units, exactly as on the command line:
``height="170cm"``, ``weight="70kg"``, ``scr="1.1mg/dL"``, ``anc="1.8x10^9/L"``.
A bare number is refused, never guessed (``InputError``), and so is an
implausible value; the message says what to write instead.

Every other option of the command is a keyword argument, named as its flag
with ``_`` for ``-``: ``bsa_round="none"`` is ``--bsa-round=none``.
``True`` gives a switch (``no_gfr_cap=True``); a list repeats the flag; a dict
gives ``KEY=VALUE`` pairs: ``override={"lifetime-limit": "reason"}``,
``level={"docetaxel": -1}``.

Errors:

- ``InputError``: bad input (the command line's exit 2);
- ``SafetyStop``: a safety check refused (exit 1); ``code`` and ``source`` of
  the first stop, ``stops`` all of them. ``override={code: reason}`` lets one
  through, and the reason is printed beside the dose.

Warnings the command line writes to standard error are raised as Python
warnings of class ``ChemodoseWarning``.
"""

from __future__ import annotations

import json
import warnings
from typing import TYPE_CHECKING, Any, Protocol, Union

if TYPE_CHECKING:
    import pyarrow

from ._chemodose import (
    ChemodoseError,
    InputError,
    SafetyStop,
    __version__,
    batch_dose as _batch_dose,
    run as _run_command,
)

__all__ = [
    "ArrowTable",
    "ChemodoseError",
    "ChemodoseWarning",
    "InputError",
    "SafetyStop",
    "__version__",
    "batch_dose",
    "bsa",
    "carboplatin",
    "crcl",
    "dose",
    "schedule",
]


class ChemodoseWarning(UserWarning):
    """A warning of the engine (``CODE: words``), as the command line prints it."""


# Options the functions choose themselves: the answer is always the JSON on
# standard output, never a file.
_RESERVED = {"format", "output", "o", "help", "h"}


def _flag_value(value: Any) -> str:
    if isinstance(value, bool):
        raise InputError(f"{value!r} is not a value here: write the value as on the command line")
    if isinstance(value, (str, int, float)):
        return str(value)
    # A date or any other object: its text, as the user would type it.
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise InputError(f"{type(value).__name__} is not a value: give a string such as \"170cm\"")


def _flags(options: dict[str, Any]) -> list[str]:
    """Keyword arguments as command-line flags (``--key=value``)."""
    args: list[str] = []
    for key, value in options.items():
        if key in _RESERVED:
            raise InputError(
                f"`{key}` is chosen by the Python package (the answer is returned as data); leave it out"
            )
        flag = "--" + key.replace("_", "-")
        if value is None or value is False:
            continue
        if value is True:
            args.append(flag)
        elif isinstance(value, dict):
            for k, v in value.items():
                args.append(f"{flag}={k}={_flag_value(v)}")
        elif isinstance(value, (list, tuple)):
            args.extend(f"{flag}={_flag_value(v)}" for v in value)
        else:
            args.append(f"{flag}={_flag_value(value)}")
    return args


def _run(args: list[str]) -> Any:
    """Runs a command with ``--format json`` and gives its parsed answer."""
    stdout, warned, _notes, _problem = _run_command(args)
    for line in warned:
        warnings.warn(line, ChemodoseWarning, stacklevel=3)
    return json.loads(stdout)


def bsa(height: str, weight: str, formula: str = "mosteller", **options: Any) -> dict:
    """Body surface area (m²) by one formula: ``bsa_m2`` unrounded and
    ``bsa_m2_rounded`` as dosing rounds it. ``formula="all"`` gives a list,
    one entry per formula.

    >>> round(bsa("170cm", "70kg")["bsa_m2"], 4)  # sqrt(170 × 70 / 3600), Mosteller 1987
    1.8181
    """
    answer = _run(
        ["bsa", f"--height={height}", f"--weight={weight}", f"--formula={formula}", "--format=json"]
        + _flags(options)
    )
    return answer if formula == "all" else answer[0]


def crcl(age: Any, weight: str, sex: str, scr: str, **options: Any) -> dict:
    """Creatinine clearance (Cockcroft-Gault) and eGFR (CKD-EPI 2021), as
    ``chemodose crcl --format json``. Options: ``height``, ``crcl_weight``
    (actual, ideal, adjusted), ``scr_floor``."""
    return _run(
        ["crcl", f"--age={age}", f"--weight={weight}", f"--sex={sex}", f"--scr={scr}", "--format=json"]
        + _flags(options)
    )


def carboplatin(auc: Any, **options: Any) -> dict:
    """Carboplatin dose by the Calvert formula, dose (mg) = AUC × (GFR + 25),
    as ``chemodose carboplatin --format json``: ``gfr="90mL/min"``, or
    ``age``, ``weight``, ``sex`` and ``scr`` for Cockcroft-Gault."""
    return _run(["carboplatin", f"--auc={auc}", "--format=json"] + _flags(options))


def dose(regimen: str, *, height: Any = None, weight: Any = None, cycle: int = 1, **options: Any) -> dict:
    """One cycle's doses of ``regimen`` (an id or alias of the library, or a
    path to a regimen file), with every adjustment, as ``chemodose dose
    --format json`` (``docs/output-json.md``).

    Clinical inputs and rules are keyword arguments: labs (``anc``,
    ``platelets``, ``bilirubin``, ``bilirubin_uln``, ...), ``toxicity``,
    ``level``/``reduce``, ``round``, ``override={code: reason}``, ``history``
    (a history file), ``regimens`` (a pharmacy's folder), ``config``.

    Raises ``SafetyStop`` when a check refuses and ``InputError`` for bad input.
    """
    options.update(height=height, weight=weight, cycle=cycle)
    return _run(["dose", "--format=json"] + _flags(options) + ["--", regimen])


def schedule(regimen: str, *, start: Any, height: Any = None, weight: Any = None, **options: Any) -> dict:
    """The calendar of every administration of every cycle of ``regimen``
    from ``start`` (a ``datetime.date`` or ``"2026-12-07"``), as ``chemodose
    schedule --format json``: delays, dose changes, holidays
    (``holiday_calendar``) and the clinical options of ``dose``."""
    options.update(start=start, height=height, weight=weight)
    return _run(["schedule", "--format=json"] + _flags(options) + ["--", regimen])


class _ArrowStream(Protocol):
    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any: ...


class _ArrowArray(Protocol):
    def __arrow_c_array__(self, requested_schema: Any = None) -> Any: ...


# A table `batch_dose` and `lines.derive` take: anything that exports Arrow
# through the PyCapsule interface (pyarrow Table, RecordBatch and
# RecordBatchReader, pandas 2.2+ and polars DataFrames, DuckDB relations).
ArrowTable = Union[_ArrowStream, _ArrowArray]

# How `batch_dose` and `lines.derive` treat a row they cannot use.
_ON_ERROR = ("raise", "drop", "column")

# Most bad rows named in an `InputError` or a warning; the rest are counted.
_NAMED_ROWS = 10


def _arrow_input(table: Any, function: str) -> Any:
    """``table`` if it speaks Arrow (a pyarrow Table, RecordBatch or
    RecordBatchReader, a pandas or polars DataFrame: the Arrow PyCapsule
    interface), else a TypeError saying what to give."""
    if hasattr(table, "__arrow_c_stream__") or hasattr(table, "__arrow_c_array__"):
        return table
    raise TypeError(
        f"{function} takes a table: a pyarrow Table, RecordBatch or RecordBatchReader, "
        f"or a pandas (2.2 or later) or polars DataFrame; got {type(table).__name__}"
    )


def _check_on_error(on_error: str) -> bool:
    """Whether failed rows are kept (``on_error="column"``)."""
    if on_error not in _ON_ERROR:
        raise InputError(f'on_error must be "raise", "drop" or "column" (got {on_error!r})')
    return on_error == "column"


def _bad_rows(noun: str, what: str, failed: int, errors: list[tuple[int, str]]) -> str:
    """How many rows were not used and the first of them, one a line, as
    "row N: reason"."""
    named = [f"row {row}: {reason}" for row, reason in errors[:_NAMED_ROWS]]
    if failed > len(named):
        named.append(f"... and {failed - len(named)} more")
    plural = noun if failed == 1 else noun + "s"
    return f"{failed} {plural} {what}:\n" + "\n".join(named)


def _table_rows(
    on_error: str, noun: str, what: str, failed: int, errors: list[tuple[int, str]], stacklevel: int
) -> None:
    """Raises (``raise``) or warns (``drop``) about rows not used."""
    if failed == 0 or on_error == "column":
        return
    text = _bad_rows(noun, what, failed, errors)
    if on_error == "raise":
        raise InputError(
            text + '\n(on_error="drop" leaves them out with a warning; on_error="column" keeps them, '
            "with the reason in an `error` column)"
        )
    warnings.warn(text, ChemodoseWarning, stacklevel=stacklevel)


def batch_dose(
    table: ArrowTable,
    regimen: str,
    *,
    cycle: int = 1,
    layout: str = "wide",
    on_error: str = "raise",
    threads: int | None = None,
    **options: Any,
) -> pyarrow.Table:
    """Doses every patient of ``table`` with ``regimen``, as ``chemodose
    batch`` doses the rows of a CSV file: the same columns, checks, doses and
    reasons. Returns a ``pyarrow.Table``.

    ``table`` is a pyarrow Table, RecordBatch or RecordBatchReader, or a
    pandas or polars DataFrame (through the Arrow PyCapsule interface; Arrow
    columns are read where they are, not copied). Its columns are named as
    the CSV header's: ``id`` (or ``patient_id``); ``height_cm``,
    ``height_m`` or ``height_in``, or ``height`` with the unit in every cell
    (``"170cm"``); ``weight_kg`` or ``weight_lb``, or ``weight``; and
    optionally ``sex``, ``age``, ``scr_mg_dl``, ``scr_umol_l`` or ``scr``.
    Cells are numbers or text; a number is read as the CSV cell holding its
    shortest decimal text (``170.0`` as ``170``), to the same value. A null is
    an empty cell. Other columns are not read.

    ``options`` are those of ``chemodose batch`` (``formula``, ``bsa_round``,
    ``round``, ``level``, ``reduce``, ``override``, ``regimens``, ...), as for
    ``dose``; ``threads`` workers (default: every core). The site
    configuration is read once per process, at the first call (``config``,
    else found as the command line finds it); a later call naming another
    raises ``InputError``.

    The output has the CLI's columns in its order: ``id`` (the input's id
    column, its type kept), ``bsa_m2`` (the unrounded BSA to 4 decimals, as
    the CSV prints it), then for ``layout="wide"`` one float64 column of mg
    per drug and day (``gemcitabine_d1_mg``), each drug's cycle and course
    totals (``gemcitabine_cycle_mg``, ``gemcitabine_course_mg``: null when the
    number of cycles is not known); for ``layout="long"`` the columns
    ``drug`` (string), ``day`` (int32) and ``dose_mg`` (float64), one row per
    patient, drug and day. A dose is an exact decimal in the engine; its
    float64 is the one nearest the decimal the CSV prints (what a CSV reader
    gives for that cell), so whole and half milligrams are exact.

    A row that cannot be dosed (an implausible or unitless value, a
    refusal): ``on_error="raise"`` raises ``InputError`` naming the first
    bad rows (``row N`` from 1, with the command line's reason);
    ``"drop"`` leaves them out with a ``ChemodoseWarning`` saying how many;
    ``"column"`` keeps every input row, the bad ones with null values and
    their reason in a last ``error`` column (null for the rows dosed).

    Raises ``InputError`` for a table whose columns cannot be read (a
    missing or duplicate column, an unknown measurement column, numbers
    without units), ``SafetyStop`` when the regimen cannot be dosed at all
    with these options (as the command line refuses before any row).

    By hand: 170 cm and 70 kg give sqrt(170 × 70 / 3600) = 1.8181 m²
    (Mosteller), 1.82 m² used; gemcitabine 900 mg/m² × 1.82 = 1,638 mg on
    days 1 and 8, docetaxel 100 mg/m² × 1.82 = 182 mg on day 8:

    >>> import pyarrow as pa
    >>> no_labs = {c: "batch rows carry no labs" for c in
    ...            ("missing-bilirubin", "missing-ast", "missing-alt", "missing-alp")}
    >>> t = pa.table({"id": [1], "height_cm": [170.0], "weight_kg": [70.0]})
    >>> row = batch_dose(t, "gemcitabine-docetaxel", override=no_labs).to_pylist()[0]
    >>> row["bsa_m2"], row["gemcitabine_d1_mg"], row["gemcitabine_d8_mg"], row["docetaxel_d8_mg"]
    (1.8181, 1638.0, 1638.0, 182.0)
    """
    _arrow_input(table, "batch_dose")
    keep = _check_on_error(on_error)
    for key in ("patients",):
        if key in options:
            raise InputError(f"`{key}` is the table given to batch_dose; leave it out")
    options.update(cycle=cycle, layout=layout, threads=threads)
    args = ["batch", "--patients=-"] + _flags(options) + ["--", regimen]
    out, failed, errors = _batch_dose(table, args, keep)
    _table_rows(on_error, "row", "could not be dosed", failed, errors, stacklevel=3)
    return out
