"""chemodose in Apache Spark: the engine run inside every task.

Two helpers turn a Spark DataFrame into another, each partition or group
handed to the same Rust engine as ``chemodose.batch_dose`` and
``chemodose.lines.derive`` (and so as the command line), never a second
implementation of any rule:

- :func:`derive_lines`: lines of therapy, the patients hashed into groups
  (``groupBy(group of patient).applyInArrow``, Spark ≥ 4;
  ``applyInPandas`` where ``applyInArrow`` is missing), each group's
  patients derived in one call;
- :func:`batch_dose`: one cycle's doses for a table of patients
  (``mapInArrow``, each Arrow batch dosed as it comes).

The output schema is the engine's own: it is asked on the driver by running
the function on an empty table of the input's types, so a bad regimen, rule
file or option fails there, before any task starts.

Files and settings. A rules file, a regimen file or folder and a site
configuration given here are read **on the driver** and shipped with the
task, written once per executor process into a temporary folder: the
executors need no shared file system, and every task uses the bytes the
driver read. Without ``config=``, the site configuration the driver finds
by itself (``$CHEMODOSE_CONFIG``, ``./chemodose.toml``, the user's folder)
is shipped the same way. Before its first group or batch, each executor
process then checks that it runs with the driver's engine: the same
chemodose version, every setting in force of the same value
(``chemodose config show``) and the same regimen library (each regimen's id,
version and SHA-256, ``chemodose regimens list``); a task that would run
otherwise fails, naming the difference. (A regimen folder the driver finds
by itself, ``$CHEMODOSE_REGIMENS`` or ``./regimens``, is not shipped: give
it as ``regimens=``.)

Every executor needs the ``chemodose`` wheel installed (a compiled module:
``--py-files`` is not enough); see ``docs/spark.md``.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import shutil
import tempfile
from typing import TYPE_CHECKING, Any, Optional, Tuple, Union

import pyarrow as pa

try:
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import from_arrow_schema, to_arrow_schema
    from pyspark.sql.types import StructField, StructType
except ImportError as e:  # pragma: no cover - depends on the environment
    raise ImportError(
        "chemodose.spark needs PySpark 4 or later: pip install 'chemodose[spark]'"
    ) from e

import chemodose
import chemodose.lines  # noqa: F401  (chemodose.lines.derive, in every task)
from chemodose._chemodose import run as _run_command

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

__all__ = ["batch_dose", "derive_lines"]

PathLike = Union[str, "os.PathLike[str]"]

# Column names of the engine's administrations table, and of the group a
# patient is hashed into.
_PATIENT, _DRUG, _DATE = "patient_id", "drug", "date"
_COLUMNS = (_PATIENT, _DRUG, _DATE)
_GROUP = "_chemodose_group"

# Groups per shuffle partition when derive_lines is not told how many.
_GROUPS_PER_PARTITION = 4


# --- files read on the driver, written on the executors ---------------------

# A shipped file or folder: (kind, name, digest, ((file name, bytes), ...)),
# kind "file" or "folder", digest the SHA-256 of the rest. Plain values, so
# the task pickles them as they are.
_Shipped = Tuple[str, str, str, Tuple[Tuple[str, bytes], ...]]

# Where each shipped file or folder was written in this process, by digest.
_written: dict[str, str] = {}


def _shipped(kind: str, name: str, files: list) -> _Shipped:
    digest = hashlib.sha256(kind.encode() + b"\0" + name.encode())
    for file_name, data in files:
        digest.update(b"\0" + file_name.encode() + b"\0" + len(data).to_bytes(8, "big") + data)
    return (kind, name, digest.hexdigest(), tuple(files))


def _ship_file(path: PathLike) -> _Shipped:
    with open(path, "rb") as f:
        data = f.read()
    name = os.path.basename(os.fspath(path))
    return _shipped("file", name, [(name, data)])


def _ship_folder(path: PathLike) -> _Shipped:
    """The regimen files of a folder (``*.toml``, as the library reads a folder)."""
    files = []
    for name in sorted(os.listdir(path)):
        full = os.path.join(path, name)
        if name.endswith(".toml") and os.path.isfile(full):
            with open(full, "rb") as f:
                files.append((name, f.read()))
    return _shipped("folder", os.path.basename(os.path.normpath(os.fspath(path))), files)


def _ship(value: Optional[PathLike], *, folder: bool) -> Union[None, str, _Shipped]:
    """A path that exists on the driver, read to be shipped; anything else
    (a preset name, a bundled regimen id, None) passed on as it is."""
    if value is None:
        return None
    if folder and os.path.isdir(value):
        return _ship_folder(value)
    if not folder and os.path.isfile(value):
        return _ship_file(value)
    return os.fspath(value)


def _local(value: Union[None, str, _Shipped]) -> Optional[str]:
    """The path of a shipped file or folder in this process (written on
    first use), or the value itself when it was not shipped."""
    if value is None or isinstance(value, str):
        return value
    kind, name, digest, files = value
    place = _written.get(digest)
    if place is None or not os.path.exists(place):
        root = tempfile.mkdtemp(prefix="chemodose-spark-")
        atexit.register(shutil.rmtree, root, True)
        folder = os.path.join(root, name) if kind == "folder" else root
        os.makedirs(folder, exist_ok=True)
        for file_name, data in files:
            with open(os.path.join(folder, file_name), "wb") as f:
                f.write(data)
        place = folder if kind == "folder" else os.path.join(root, name)
        _written[digest] = place
    return place


# --- the driver's settings, held on every executor --------------------------------


def _json(args: list) -> Any:
    return json.loads(_run_command(args)[0])


def _driver_config(config: Optional[PathLike]) -> Optional[PathLike]:
    """The site configuration in force on the driver: ``config``, else the
    file the engine finds by itself there (None when there is none)."""
    if config is not None:
        return config
    return _json(["config", "show", "--format=json"]).get("file")


def _engine_settings(config: Optional[str], regimens: Optional[str]) -> tuple:
    """What a derivation or a dose depends on besides its input: the
    engine's version, the value of every setting in force, and each
    regimen of the library (id, version, SHA-256 of its file)."""
    flags = [f"--config={config}"] if config else []
    shown = _json(["config", "show", "--format=json"] + flags)
    settings = tuple((s["key"], str(s["value"])) for s in shown["settings"])
    library = _json(
        ["regimens", "list", "--format=json"] + flags + ([f"--regimens={regimens}"] if regimens else [])
    )
    regimens_in_force = tuple(
        (r["id"], r["version"], r["regimen_source"]["sha256"]) for r in library
    )
    return (chemodose.__version__, settings, regimens_in_force)


def _difference(driver: tuple, here: tuple) -> str:
    """The first difference between the driver's settings and these, in words."""
    if driver[0] != here[0]:
        return f"chemodose {here[0]} is installed here, {driver[0]} on the driver"
    mine = dict(here[1])
    for key, value in driver[1]:
        if mine.get(key) != value:
            return f"the setting {key} is {mine.get(key)!r} here, {value!r} on the driver"
    theirs = {r[0]: r for r in driver[2]}
    ours = {r[0]: r for r in here[2]}
    for rid in sorted(set(theirs) | set(ours)):
        if theirs.get(rid) != ours.get(rid):
            return (
                f"the regimen {rid} is {ours.get(rid) or 'missing'} here, "
                f"{theirs.get(rid) or 'missing'} on the driver (id, version, SHA-256)"
            )
    return "the settings differ"


# Executor processes whose settings were found to be the driver's.
_checked: set = set()


def _hold_settings(driver: tuple, config: Optional[str], regimens: Optional[str]) -> None:
    """Raises ``InputError`` unless this process runs with the driver's
    engine, settings and regimen library (checked once per process)."""
    key = (driver, config, regimens)
    if key in _checked:
        return
    here = _engine_settings(config, regimens)
    if here != driver:
        raise chemodose.InputError(
            "this Spark executor would not compute what the driver asked: "
            + _difference(driver, here)
            + ". Install the same chemodose wheel on every node, and give the "
            "configuration and regimen folder as config= and regimens= (docs/spark.md)"
        )
    _checked.add(key)


# --- schemas ------------------------------------------------------------------


def _nullable(schema: StructType) -> StructType:
    """Every field nullable: Spark checks no more than the engine promises."""
    return StructType([StructField(f.name, f.dataType, True) for f in schema.fields])


def _spark_schema(table: pa.Table) -> StructType:
    return _nullable(from_arrow_schema(table.schema))


def _empty(schema: StructType) -> pa.Table:
    return to_arrow_schema(schema).empty_table()


# --- lines of therapy ------------------------------------------------------------


def _lines_options(rules: Any, regimens: Any, config: Any, on_error: str, driver: tuple) -> dict:
    """The engine's options in this process, its settings held to the driver's.
    One thread: a group is one patient, and Spark runs a task per core."""
    options = {"rules": _local(rules), "regimens": _local(regimens), "config": _local(config)}
    _hold_settings(driver, options["config"], options["regimens"])
    options = {k: v for k, v in options.items() if v is not None}
    return dict(options, on_error=on_error, threads=1)


def _lines_of_group(rules: Any, regimens: Any, config: Any, on_error: str, driver: tuple):
    """The function each group (one patient's administrations) is given to:
    a closure over plain values, pickled with the task."""

    def derive_group(table):
        options = _lines_options(rules, regimens, config, on_error, driver)
        return chemodose.lines.derive(table.select(_COLUMNS), **options)

    return derive_group


def _lines_of_pandas_group(rules: Any, regimens: Any, config: Any, on_error: str, driver: tuple):
    """The same for ``applyInPandas`` (Spark without ``applyInArrow``)."""

    def derive_group(frame):
        table = pa.Table.from_pandas(frame[list(_COLUMNS)], preserve_index=False)
        options = _lines_options(rules, regimens, config, on_error, driver)
        return chemodose.lines.derive(table, **options).to_pandas(date_as_object=True)

    return derive_group


def derive_lines(
    df: "DataFrame",
    rules: Optional[PathLike] = None,
    *,
    patient: str = "patient_id",
    drug: str = "drug",
    date: str = "date",
    regimens: Optional[PathLike] = None,
    config: Optional[PathLike] = None,
    on_error: str = "raise",
    groups: Optional[int] = None,
) -> "DataFrame":
    """Lines of therapy of every patient of a Spark DataFrame of drug
    administrations, as ``chemodose lines derive`` derives them
    (``docs/lines-of-therapy.md``).

    ``df`` holds one row per administration: the patient's id (any type;
    the output keeps it), the drug's name (synonyms and ignored drugs as in
    the rules) and the date of administration (a ``DATE`` column, or text
    ``YYYY-MM-DD``), in the columns named by ``patient``, ``drug`` and
    ``date``. Other columns are not read. Rows need no order.

    Every record of a patient goes to one group: the patients are hashed
    into ``groups`` groups (``groupBy(pmod(xxhash64(patient), groups))
    .applyInArrow``), and the engine (``chemodose.lines.derive``) derives
    each group's patients in one call, in the task that holds the group. A
    call has a fixed cost (the engine reads its rules and regimen library),
    so one group per patient would pay it once per patient
    (``docs/spark.md``). A group is held whole in the task's memory (its
    Arrow columns and the engine's records): the default, 4 groups per
    shuffle partition (``spark.sql.shuffle.partitions``), suits partitions
    of a few million records; give more groups for larger ones.

    ``rules``: a rules file (TOML) or a preset's name (``"merck-nsclc"``);
    ``regimens``: a folder of regimen files (for the regimen match);
    ``config``: a site configuration. Files are read on the driver and
    shipped to the executors, which must run with the driver's settings
    (module documentation). ``on_error`` is ``chemodose.lines.derive``'s:
    ``"raise"`` fails the task, and so the job, at a record that cannot be
    read (an empty drug, a date that is not one); ``"column"`` adds a row
    for each with its reason in a last ``error`` column (``"row N"``
    counts within its group's records); ``"drop"`` skips them, with a
    warning that only the executor's log shows.

    Returns a DataFrame with the columns of ``chemodose lines derive
    --format csv`` (``patient_id`` whatever the input column's name, then
    ``line``, ``regimen_drugs``, ... ``maintenance_end``), typed as
    ``chemodose.lines.derive`` types them (dates as ``DATE``, ``line`` and
    ``administration_days`` as ``INT``). Rows come in no particular order:
    sort by ``patient_id, line``.

    Raises ``chemodose.InputError`` on the driver when a column is missing
    or the rules, regimens or configuration cannot be read; a task fails
    with the engine's error when a patient's records cannot be derived.
    """
    for name in (patient, drug, date):
        if name not in df.columns:
            raise chemodose.InputError(
                f"the DataFrame has no column `{name}` (columns: {', '.join(df.columns)}); "
                "name the columns with patient=, drug= and date="
            )
    if groups is None:
        partitions = int(df.sparkSession.conf.get("spark.sql.shuffle.partitions"))
        groups = _GROUPS_PER_PARTITION * partitions
    if not isinstance(groups, int) or isinstance(groups, bool) or groups < 1:
        raise chemodose.InputError(f"groups={groups!r}: give a whole number of groups, 1 or more")
    admin = df.select(df[patient].alias(_PATIENT), df[drug].alias(_DRUG), df[date].alias(_DATE))
    config = _driver_config(config)
    options = {k: v for k, v in (("rules", rules), ("regimens", regimens), ("config", config)) if v is not None}
    # The engine's own schema, and any error in the rules, on the driver.
    probe = chemodose.lines.derive(_empty(admin.schema), on_error=on_error, **options)
    schema = _spark_schema(probe)
    driver = _engine_settings(config and os.fspath(config), regimens and os.fspath(regimens))
    shipped = (
        _ship(rules, folder=False),
        _ship(regimens, folder=True),
        _ship(config, folder=False),
        on_error,
        driver,
    )
    group = F.pmod(F.xxhash64(F.col(_PATIENT)), F.lit(groups))
    grouped = admin.withColumn(_GROUP, group).groupBy(_GROUP)
    if hasattr(grouped, "applyInArrow"):
        return grouped.applyInArrow(_lines_of_group(*shipped), schema)
    return grouped.applyInPandas(_lines_of_pandas_group(*shipped), schema)


# --- batch dosing ------------------------------------------------------------------


def _ship_regimen(regimen: PathLike) -> Union[str, _Shipped]:
    """A regimen given as a file (a name ending in ``.toml``, or a path with
    a separator to an existing file, as the command line tells them from
    ids) is shipped; an id or alias is passed on."""
    key = os.fspath(regimen)
    is_path = key.endswith(".toml") or ("/" in key or os.sep in key)
    if is_path and os.path.isfile(key):
        return _ship_file(key)
    return key


def _dose_batches(regimen: Any, options: dict, driver: tuple):
    """The function each partition's Arrow batches are given to: a closure
    over plain values, pickled with the task."""

    def dose_partition(batches):
        local = dict(options)
        for key in ("regimens", "config"):
            if key in local:
                local[key] = _local(local[key])
        _hold_settings(driver, local.get("config"), local.get("regimens"))
        name = _local(regimen)
        for batch in batches:
            out = chemodose.batch_dose(pa.Table.from_batches([batch]), name, **local)
            yield from out.to_batches()

    return dose_partition


def batch_dose(df: "DataFrame", regimen: PathLike, **options: Any) -> "DataFrame":
    """One cycle's doses of ``regimen`` for every patient of a Spark
    DataFrame, as ``chemodose batch`` writes them (``docs/output-json.md``,
    "batch"), each Arrow batch of each partition dosed by the engine
    (``chemodose.batch_dose``) through ``mapInArrow``.

    ``df`` has the columns of ``chemodose batch``'s CSV: ``id``,
    ``height_cm``, ``weight_kg``, and optionally ``sex``, ``age``,
    ``scr_mg_dl`` (or ``scr_umol_l``). ``regimen`` is a bundled id or alias,
    or a regimen file; ``options`` are ``chemodose.batch_dose``'s
    (``cycle=``, ``layout="wide"|"long"``, ``on_error=``, dose options
    such as ``bsa_round=`` or ``override={code: reason}``, ``regimens=`` a
    folder, ``config=`` a file). ``threads`` defaults to 1: Spark runs one
    task per core already. Files are read on the driver and shipped to the
    executors, which must run with the driver's settings (module
    documentation).

    The output schema is the one ``chemodose.batch_dose`` gives for an
    empty table, asked on the driver: ``id`` as the input's type,
    ``bsa_m2`` and every dose as ``DOUBLE``. A regimen or option the engine
    refuses raises there (``InputError``, ``SafetyStop``), before any task.
    """
    options.setdefault("threads", 1)
    config = _driver_config(options.get("config"))
    if config is not None:
        options["config"] = config
    schema = _spark_schema(chemodose.batch_dose(_empty(df.schema), regimen, **options))
    regimens = options.get("regimens")
    driver = _engine_settings(config and os.fspath(config), regimens and os.fspath(regimens))
    if regimens is not None:
        options["regimens"] = _ship(regimens, folder=True)
    if config is not None:
        options["config"] = _ship(config, folder=False)
    return df.mapInArrow(_dose_batches(_ship_regimen(regimen), options, driver), schema)
