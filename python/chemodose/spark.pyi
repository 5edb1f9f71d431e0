# Type stubs of chemodose.spark (docstrings in spark.py).
import os
from typing import Any, Optional, Union

from pyspark.sql import DataFrame

PathLike = Union[str, os.PathLike[str]]

def derive_lines(
    df: DataFrame,
    rules: Optional[PathLike] = None,
    *,
    patient: str = "patient_id",
    drug: str = "drug",
    date: str = "date",
    regimens: Optional[PathLike] = None,
    config: Optional[PathLike] = None,
    on_error: str = "raise",
    groups: Optional[int] = None,
) -> DataFrame: ...
def batch_dose(df: DataFrame, regimen: PathLike, **options: Any) -> DataFrame: ...
