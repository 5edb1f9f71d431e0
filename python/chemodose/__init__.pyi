# Type stubs of the chemodose package (docstrings in __init__.py).
import datetime
from typing import Any, Literal, Union

__version__: str

Measurement = str  # a value with its unit, as on the command line: "170cm"
Date = Union[str, datetime.date]

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
