# Type stubs of the chemodose package (docstrings in __init__.py).
import datetime
from typing import Any, Literal, Union

import pyarrow

from . import lines as lines

__version__: str

Measurement = str  # a value with its unit, as on the command line: "170cm"
Date = Union[str, datetime.date]
# A pyarrow Table, RecordBatch or RecordBatchReader, or a pandas (2.2+) or
# polars DataFrame: anything with __arrow_c_stream__ or __arrow_c_array__.
ArrowTable = Any

class ChemodoseError(Exception): ...
class InputError(ChemodoseError): ...

class SafetyStop(ChemodoseError):
    code: str | None
    source: str | None
    stops: list[tuple[str, str | None]]

class ChemodoseWarning(UserWarning): ...

def bsa(height: Measurement, weight: Measurement, formula: str = "mosteller", **options: Any) -> Any: ...
def crcl(age: Union[int, str], weight: Measurement, sex: Literal["female", "male"], scr: Measurement, **options: Any) -> dict[str, Any]: ...
def carboplatin(auc: Union[float, str], **options: Any) -> dict[str, Any]: ...
def dose(
    regimen: str,
    *,
    height: Measurement | None = None,
    weight: Measurement | None = None,
    cycle: int = 1,
    **options: Any,
) -> dict[str, Any]: ...
def schedule(
    regimen: str,
    *,
    start: Date,
    height: Measurement | None = None,
    weight: Measurement | None = None,
    **options: Any,
) -> dict[str, Any]: ...
def batch_dose(
    table: ArrowTable,
    regimen: str,
    *,
    cycle: int = 1,
    layout: Literal["wide", "long"] = "wide",
    on_error: Literal["raise", "drop", "column"] = "raise",
    threads: int | None = None,
    **options: Any,
) -> pyarrow.Table: ...
