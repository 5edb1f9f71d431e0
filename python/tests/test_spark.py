"""chemodose.spark in Spark local mode, against the command line.

Lines of therapy derived through Spark (``groupBy().applyInArrow``) on the
generated 1,000,000-record administrations file equal ``chemodose lines
derive FILE --format csv`` row for row, and doses through ``mapInArrow``
equal ``chemodose batch`` on 100,000 generated patients: every cell is
written as the CSV writes it and compared as text.

The command line is ``$CHEMODOSE_BIN``, else ``target/debug/chemodose``
(``cargo build``; conftest.py). Without pyspark or Java the tests are
skipped, except under ``CI=true``, where they fail.
"""

from __future__ import annotations

import csv
import datetime
import decimal
import importlib.util
import io
import os
import re
import shutil
import subprocess
import sys

import pytest

import chemodose
from conftest import NO_LABS, REPO

CI = os.environ.get("CI", "").lower() == "true"

# PySpark 4 warns that it does not support pandas 3 fully; its grouped and
# mapped Arrow functions used here do not go through pandas.
pytestmark = pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")

NO_LABS_FLAGS = [f"--override={code}={reason}" for code, reason in NO_LABS.items()]

ADMIN_SCHEMA = "patient_id long, drug string, date date, dose double, dose_unit string, route string"
PATIENT_SCHEMA = "id long, height_cm double, weight_kg double"


def missing(why: str) -> None:
    """Skips, or fails under CI (where every test must run)."""
    if CI:
        pytest.fail(f"{why} (CI=true: the Spark tests must run, not be skipped)", pytrace=False)
    pytest.skip(why)


# --- the command line, and its CSV as text ------------------------------------


@pytest.fixture(scope="session")
def cli(chemodose_bin) -> str:
    """The command line (conftest: `$CHEMODOSE_BIN`, else target/debug)."""
    return str(chemodose_bin)


def cli_csv(cli: str, *args: str) -> list[list[str]]:
    """The CSV a command writes to standard output, as rows of text cells
    (header first). Exit 0 expected: nothing skipped."""
    done = subprocess.run([cli, *args], capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode()
    return list(csv.reader(io.StringIO(done.stdout.decode("utf-8"))))


# A text cell starting with one of these is written with a leading `'`
# (docs/output-json.md, "CSV outputs and formula injection").
FORMULA_START = tuple("=+-@\t\r\n＝＋－＠")


def csv_text(value, column: str) -> str:
    """A value as the command line's CSV writes it: numbers bare (the BSA
    to 4 decimals, rounded half away from zero as `batch` rounds it; a
    whole dose without decimals), dates YYYY-MM-DD, text cells through the
    formula guard, nothing as an empty cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if column == "bsa_m2":
            scaled = decimal.Decimal(value * 10_000.0).to_integral_value(decimal.ROUND_HALF_UP)
            return f"{int(scaled) // 10_000}.{int(scaled) % 10_000:04d}"
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.lstrip(" ").startswith(FORMULA_START) else text


def spark_rows(df) -> list[list[str]]:
    """A Spark DataFrame as rows of text cells, header first."""
    table = df.toArrow()
    columns = table.column_names
    data = [table.column(c).to_pylist() for c in columns]
    return [columns] + [[csv_text(v, c) for v, c in zip(row, columns)] for row in zip(*data)]


def key(*indexes: int):
    """Sort rows by these cells, numbers as numbers."""

    def cells(row):
        return tuple(int(row[i]) if row[i].isdigit() else row[i] for i in indexes)

    return cells


def assert_same_rows(spark_side: list[list[str]], cli_side: list[list[str]], *sort_by: int) -> None:
    assert spark_side[0] == cli_side[0], "columns differ"
    ours, theirs = sorted(spark_side[1:], key=key(*sort_by)), sorted(cli_side[1:], key=key(*sort_by))
    assert len(ours) == len(theirs), f"{len(ours)} rows through Spark, {len(theirs)} from the CLI"
    for a, b in zip(ours, theirs):
        assert a == b, f"through Spark {a}\nthe CLI      {b}"


# --- Spark ---------------------------------------------------------------------


def spark_module():
    """chemodose.spark, or a skip (a failure under CI) without pyspark."""
    try:
        import chemodose.spark
    except ImportError:
        missing("pyspark is not installed: pip install './python[spark]'")
    return chemodose.spark


@pytest.fixture(scope="session")
def spark(tmp_path_factory):
    spark_module()
    from pyspark.sql import SparkSession

    java_home = os.environ.get("JAVA_HOME")
    if not (shutil.which("java") or (java_home and os.path.exists(os.path.join(java_home, "bin", "java")))):
        missing("Java is missing: Spark needs Java 17 (apt-get install openjdk-17-jre-headless)")
    # The executors' Python is this one, with chemodose installed.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    log4j = tmp_path_factory.mktemp("spark") / "log4j2.properties"
    log4j.write_text(
        "rootLogger.level = error\nrootLogger.appenderRef.stderr.ref = console\n"
        "appender.console.type = Console\nappender.console.name = console\n"
        "appender.console.target = SYSTEM_ERR\nappender.console.layout.type = PatternLayout\n"
        "appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n\n"
    )
    session = (
        SparkSession.builder.master("local[2]")
        .appName("chemodose tests")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.default.parallelism", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile=file:{log4j}")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def cs(spark):
    return spark_module()


# --- generated inputs ------------------------------------------------------------


def generate(script: str, *args: str) -> None:
    subprocess.run([sys.executable, str(REPO / "scripts" / script), *args], check=True, capture_output=True)


@pytest.fixture(scope="session")
def admin_1m(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("admin") / "admin_1m.csv"
    generate("gen_administrations.py", "--rows", "1000000", "--out", str(path))
    return str(path)


@pytest.fixture(scope="session")
def admin_small(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("admin") / "admin_20k.csv"
    generate("gen_administrations.py", "--rows", "20000", "--out", str(path))
    return str(path)


@pytest.fixture(scope="session")
def patients_100k(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("patients") / "patients_100k.csv"
    generate("gen_patients.py", "--rows", "100000", "--out", str(path))
    return str(path)


# --- lines of therapy ----------------------------------------------------------------


def test_lines_of_1m_records_equal_the_cli(spark, cs, cli, admin_1m):
    # 1,000,000 administrations (scripts/gen_administrations.py), read as a
    # typed table, shuffled across 4 partitions by patient.
    df = spark.read.csv(admin_1m, header=True, schema=ADMIN_SCHEMA)
    lines = cs.derive_lines(df)
    assert_same_rows(spark_rows(lines), cli_csv(cli, "lines", "derive", admin_1m, "--format", "csv"), 0, 1)


def test_lines_through_applyinpandas_where_applyinarrow_is_missing(spark, cs, cli, admin_small, monkeypatch):
    from pyspark.sql.group import GroupedData

    for klass in GroupedData.__mro__:
        if "applyInArrow" in vars(klass):
            monkeypatch.delattr(klass, "applyInArrow")
    assert not hasattr(GroupedData, "applyInArrow")
    df = spark.read.csv(admin_small, header=True, schema=ADMIN_SCHEMA)
    lines = cs.derive_lines(df)
    assert_same_rows(spark_rows(lines), cli_csv(cli, "lines", "derive", admin_small, "--format", "csv"), 0, 1)


def test_lines_with_a_rules_file_and_other_column_names(spark, cs, cli, admin_small, tmp_path):
    # A rules file of the driver's, shipped to the executors: a 30-day gap
    # ends more lines than the default 120 days.
    rules = tmp_path / "short-gap.toml"
    rules.write_text("gap_days = 30\nwindow_days = 21\n")
    df = spark.read.csv(admin_small, header=True, schema=ADMIN_SCHEMA).toDF(
        "person", "medication", "given_on", "dose", "dose_unit", "route"
    )
    lines = cs.derive_lines(df, str(rules), patient="person", drug="medication", date="given_on")
    ours = spark_rows(lines)
    theirs = cli_csv(cli, "lines", "derive", admin_small, "--rules", str(rules), "--format", "csv")
    assert_same_rows(ours, theirs, 0, 1)
    default = cli_csv(cli, "lines", "derive", admin_small, "--format", "csv")
    assert len(theirs) > len(default)


@pytest.mark.parametrize("groups", [1, 7])
def test_lines_whatever_the_number_of_groups(spark, cs, cli, admin_small, groups):
    # Every record of a patient reaches one call of the engine: one group
    # (the whole table, as the CLI reads it) or 7 give the same lines.
    df = spark.read.csv(admin_small, header=True, schema=ADMIN_SCHEMA)
    lines = cs.derive_lines(df, groups=groups)
    assert_same_rows(spark_rows(lines), cli_csv(cli, "lines", "derive", admin_small, "--format", "csv"), 0, 1)


def test_lines_refused_on_the_driver(spark, cs, tmp_path):
    df = spark.createDataFrame([(1, "doxorubicin", datetime.date(2020, 1, 6))], "patient_id long, drug string, date date")
    with pytest.raises(chemodose.InputError, match="no column `person_id`"):
        cs.derive_lines(df, patient="person_id")
    rules = tmp_path / "bad.toml"
    rules.write_text("gap_dayz = 30\n")
    with pytest.raises(chemodose.InputError, match="gap_dayz"):
        cs.derive_lines(df, str(rules))
    with pytest.raises(chemodose.InputError, match="groups=0"):
        cs.derive_lines(df, groups=0)


def test_a_record_that_cannot_be_read(spark, cs, cli, tmp_path):
    # Patient 1's second record has no drug: the CLI skips it with its
    # reason; through Spark it fails the job (on_error="raise"), or comes
    # back in the `error` column (on_error="column") beside the same lines.
    records = [(1, "doxorubicin", "2020-01-06"), (1, "", "2020-01-27"), (2, "eribulin", "2020-02-03")]
    path = tmp_path / "admin.csv"
    path.write_text("patient_id,drug,date\n" + "".join(f"{p},{d},{t}\n" for p, d, t in records))
    done = subprocess.run([cli, "lines", "derive", str(path), "--format", "csv"], capture_output=True, text=True)
    assert done.returncode == 1
    assert "line 3: skipped: the drug is empty" in done.stderr
    theirs = list(csv.reader(io.StringIO(done.stdout)))
    df = spark.createDataFrame(
        [(p, d, datetime.date.fromisoformat(t)) for p, d, t in records], "patient_id long, drug string, date date"
    )
    with pytest.raises(Exception, match="the drug is empty"):
        cs.derive_lines(df).collect()
    rows = spark_rows(cs.derive_lines(df, on_error="column"))
    assert rows[0] == theirs[0] + ["error"]
    lines = [r[:-1] for r in rows[1:] if r[-1] == ""]
    assert_same_rows([theirs[0]] + lines, theirs, 0, 1)
    # The row counts within the patient's records, in the order the group has them.
    errors = [(r[0], r[-1]) for r in rows[1:] if r[-1]]
    assert len(errors) == 1 and errors[0][0] == "1"
    assert re.fullmatch(r"row [12]: the drug is empty", errors[0][1])


# --- batch dosing ------------------------------------------------------------------


def test_doses_of_100k_patients_equal_the_cli(spark, cs, cli, patients_100k):
    df = spark.read.csv(patients_100k, header=True, schema=PATIENT_SCHEMA).repartition(3)
    doses = cs.batch_dose(df, "gemcitabine-docetaxel", override=NO_LABS)
    theirs = cli_csv(cli, "batch", "gemcitabine-docetaxel", "--patients", patients_100k, *NO_LABS_FLAGS)
    assert_same_rows(spark_rows(doses), theirs, 0)


def test_doses_long_unrounded_equal_the_cli(spark, cs, cli, tmp_path):
    # Unrounded BSA and doses: decimals in every dose cell.
    patients = str(tmp_path / "patients_20k.csv")
    generate("gen_patients.py", "--rows", "20000", "--out", patients)
    df = spark.read.csv(patients, header=True, schema=PATIENT_SCHEMA)
    doses = cs.batch_dose(
        df, "gemcitabine-docetaxel", layout="long", bsa_round="none", round="none", override=NO_LABS
    )
    theirs = cli_csv(
        cli, "batch", "gemcitabine-docetaxel", "--patients", patients, "--layout", "long",
        "--bsa-round", "none", "--round", "none", *NO_LABS_FLAGS,
    )
    assert_same_rows(spark_rows(doses), theirs, 0, 3, 2)


def test_batch_refused_on_the_driver(spark, cs):
    df = spark.createDataFrame([(1, 170.0, 70.0)], PATIENT_SCHEMA)
    with pytest.raises(chemodose.InputError, match="unknown regimen"):
        cs.batch_dose(df, "no-such-regimen")


# --- the driver's settings on every executor ------------------------------------------


def test_a_shipped_file_is_written_with_its_bytes(tmp_path):
    cs = spark_module()

    rules = tmp_path / "rules.toml"
    rules.write_bytes(b"gap_days = 30\n")
    local = cs._local(cs._ship(str(rules), folder=False))
    assert local != str(rules) and os.path.basename(local) == "rules.toml"
    assert open(local, "rb").read() == b"gap_days = 30\n"
    folder = cs._local(cs._ship(str(REPO / "regimens"), folder=True))
    assert sorted(os.listdir(folder)) == sorted(p.name for p in (REPO / "regimens").glob("*.toml"))


def test_an_executor_with_other_settings_is_refused():
    cs = spark_module()

    driver = cs._engine_settings(None, None)
    cs._hold_settings(driver, None, None)  # the same: passes
    version, settings, regimens = driver
    with pytest.raises(chemodose.InputError, match="0.0.1 on the driver"):
        cs._hold_settings(("0.0.1", settings, regimens), None, None)
    other = tuple((k, "0.1" if k == "dose.bsa_rounding" else v) for k, v in settings)
    with pytest.raises(chemodose.InputError, match="dose.bsa_rounding is '0.01' here, '0.1' on the driver"):
        cs._hold_settings((version, other, regimens), None, None)
    with pytest.raises(chemodose.InputError, match="regimen doxorubicin"):
        cs._hold_settings((version, settings, tuple(r for r in regimens if r[0] != "doxorubicin")), None, None)


# --- the OMOP example ---------------------------------------------------------------------


def omop_example():
    spec = importlib.util.spec_from_file_location("omop_lines", REPO / "examples" / "spark" / "omop_lines.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def omop_lines(spark, cs, folder):
    example = omop_example()
    tables = {n: example.read_table(spark, str(folder / f"{n}.csv")) for n in ("DRUG_EXPOSURE", "CONCEPT", "CONCEPT_ANCESTOR")}
    admin, skipped = example.administrations(
        tables["DRUG_EXPOSURE"], example.ingredient_map(tables["CONCEPT"], tables["CONCEPT_ANCESTOR"])
    )
    return cs.derive_lines(admin, patient="person_id"), skipped


def cli_omop(cli, folder):
    return cli_csv_allowing_skips(
        cli, "lines", "derive", str(folder / "DRUG_EXPOSURE.csv"), "--omop",
        "--concepts", str(folder / "CONCEPT.csv"),
        "--concept-ancestor", str(folder / "CONCEPT_ANCESTOR.csv"), "--format", "csv",
    )


def cli_csv_allowing_skips(cli, *args):
    done = subprocess.run([cli, *args], capture_output=True, check=False)
    assert done.returncode in (0, 1), done.stderr.decode()
    return list(csv.reader(io.StringIO(done.stdout.decode()))), done.stderr.decode()


def test_omop_example_equals_the_cli(spark, cs, cli):
    # tests/data/omop: clinical drugs mapped through CONCEPT_ANCESTOR, an
    # ingredient given as itself, a datetime start, and a concept the
    # vocabulary lacks (skipped and reported by both).
    folder = REPO / "tests" / "data" / "omop"
    lines, skipped = omop_lines(spark, cs, folder)
    theirs, notes = cli_omop(cli, folder)
    assert_same_rows(spark_rows(lines), theirs, 0, 1)
    assert [(r.drug_exposure_id, r.reason) for r in skipped.collect()] == [
        ("10", "drug_concept_id `9999999` is not an ingredient in CONCEPT, nor mapped to one through CONCEPT_ANCESTOR")
    ]
    assert "line 11: skipped: drug_concept_id `9999999` is not an ingredient in CONCEPT" in notes


def test_omop_example_on_generated_records_equals_the_cli(spark, cs, cli, admin_small, tmp_path):
    generate("gen_omop.py", "--from-administrations", admin_small, str(tmp_path))
    lines, skipped = omop_lines(spark, cs, tmp_path)
    theirs, _ = cli_omop(cli, tmp_path)
    assert_same_rows(spark_rows(lines), theirs, 0, 1)
    assert skipped.count() == 0
    # The same lines as from the administrations file itself.
    assert_same_rows(spark_rows(lines), cli_csv(cli, "lines", "derive", admin_small, "--format", "csv"), 0, 1)


def test_omop_example_runs_as_a_script(spark, tmp_path):
    # Its own Spark (local[1]) in a process of its own, as a user runs it.
    folder = REPO / "tests" / "data" / "omop"
    out = tmp_path / "lines"
    done = subprocess.run(
        [
            sys.executable, str(REPO / "examples" / "spark" / "omop_lines.py"), "--master", "local[1]",
            "--drug-exposure", str(folder / "DRUG_EXPOSURE.csv"), "--concept", str(folder / "CONCEPT.csv"),
            "--concept-ancestor", str(folder / "CONCEPT_ANCESTOR.csv"), "--out", str(out),
            "--shuffle-partitions", "1",
        ],
        capture_output=True, check=False, env={**os.environ, "PYSPARK_PYTHON": sys.executable},
    )
    err = done.stderr.decode()
    assert done.returncode == 1, err  # one row skipped, as the CLI's exit 1
    assert "1 DRUG_EXPOSURE rows skipped" in err
    written = [line for p in sorted(out.glob("part-*.csv")) for line in p.read_text().splitlines()]
    assert [line.split(",")[:3] for line in written if not line.startswith("patient_id")] == [
        ["1", "1", "carboplatin+paclitaxel"], ["1", "2", "pemetrexed"], ["2", "1", "pembrolizumab"], ["10", "1", "carboplatin"],
    ]
