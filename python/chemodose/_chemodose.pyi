"""Type stubs of the extension module `chemodose._chemodose` (python/src/):
the functions under the package's API. The package's own modules
(`chemodose`, `chemodose.lines`) are typed in their source."""

from typing import Any, Optional

import pyarrow

__version__: str

class ChemodoseError(Exception):
    """Base class of chemodose's errors."""

class InputError(ChemodoseError):
    """Bad input or usage (the command line's exit 2)."""

class SafetyStop(ChemodoseError):
    """A safety check refused (the command line's exit 1)."""

    code: Optional[str]
    source: Optional[str]
    stops: list[tuple[str, Optional[str]]]

def run(args: list[str]) -> tuple[str, list[str], list[str], bool]:
    """Runs a command given as its arguments: (stdout, warnings, notes, problem)."""

def batch_dose(table: Any, args: list[str], keep_failed: bool) -> tuple[pyarrow.Table, int, list[tuple[int, str]]]:
    """Doses every row of an Arrow table as `chemodose batch` with `args`
    (`batch --patients=- ... -- REGIMEN`): (the doses, rows not dosed, the
    first of them or all as (row from 1, reason))."""

def derive_lines(table: Any, args: list[str], keep_failed: bool) -> tuple[pyarrow.Table, int, list[tuple[int, str]]]:
    """Derives the lines of therapy of an Arrow table of administrations as
    `chemodose lines derive` with `args` (`lines derive ... -- -`): (the
    lines, records skipped, the first of them or all as (row from 1,
    reason))."""
