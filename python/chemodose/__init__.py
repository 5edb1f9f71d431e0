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
from typing import Any

from ._chemodose import (
    ChemodoseError,
    InputError,
    SafetyStop,
    __version__,
    run as _run_command,
)

__all__ = [
    "ChemodoseError",
    "ChemodoseWarning",
    "InputError",
    "SafetyStop",
    "__version__",
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
