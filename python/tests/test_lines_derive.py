"""chemodose.lines.derive: lines of therapy of an Arrow table, equal to
`chemodose lines derive --format csv` on the same records, with values
worked by hand."""

from __future__ import annotations

import csv
import datetime as dt
import random
import subprocess
import sys

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

import chemodose
from chemodose import lines
from conftest import REPO

COLUMNS = [
    "patient_id",
    "line",
    "regimen_drugs",
    "later_drugs",
    "start",
    "end",
    "administration_days",
    "end_reason",
    "regimen_match",
    "maintenance_kind",
    "maintenance_drugs",
    "maintenance_start",
    "maintenance_end",
]


def test_a_worked_example():
    # Patient 7, default rules (a 28-day window, a 120-day gap): gemcitabine
    # and Taxotere (docetaxel) on 2020-01-01, gemcitabine on 01-22 (day 21,
    # inside the window): line 1, docetaxel+gemcitabine, 2 days given; two
    # bundled regimens have exactly these drugs (gemcitabine-docetaxel and
    # its -reduced variant), so the match is ambiguous, not guessed.
    # Doxorubicin on 2020-03-01 is a
    # new drug after the window: line 2, to the end of the data. Patient
    # "x" is listed between patient 7's records.
    t = pa.table({
        "patient_id": ["7", "7", "x", "7", "7"],
        "drug": ["gemcitabine", "Taxotere", "eribulin", "gemcitabine", "doxorubicin"],
        "date": ["2020-01-01", "2020-01-01", "2021-05-05", "2020-01-22", "2020-03-01"],
    })
    out = lines.derive(t)
    assert out.column_names == COLUMNS
    assert [f.type for f in out.schema] == [
        pa.string(), pa.int32(), pa.string(), pa.string(), pa.date32(), pa.date32(), pa.int32(),
        pa.string(), pa.string(), pa.string(), pa.string(), pa.date32(), pa.date32(),
    ]
    rows = out.to_pylist()
    assert [(r["patient_id"], r["line"], r["regimen_drugs"], r["start"], r["end"], r["administration_days"],
             r["end_reason"], r["regimen_match"]) for r in rows] == [
        ("7", 1, "docetaxel+gemcitabine", dt.date(2020, 1, 1), dt.date(2020, 1, 22), 2,
         "new drug (doxorubicin)", "ambiguous: gemcitabine-docetaxel-reduced | gemcitabine-docetaxel"),
        ("7", 2, "doxorubicin", dt.date(2020, 3, 1), dt.date(2020, 3, 1), 1, "end of data", "doxorubicin"),
        ("x", 1, "eribulin", dt.date(2021, 5, 5), dt.date(2021, 5, 5), 1, "end of data", "eribulin"),
    ]
    # No later drug: an empty text; no maintenance phase: nulls.
    assert rows[0]["later_drugs"] == ""
    assert rows[0]["maintenance_kind"] is None and rows[0]["maintenance_start"] is None


def bad_records():
    # Row 2 has no drug, row 3 a date that is not one (month 13).
    return pa.table({
        "patient_id": [1, 1, 2, 2],
        "drug": ["doxorubicin", None, "doxorubicin", "eribulin"],
        "date": ["2020-01-01", "2020-01-22", "2020-13-01", "2020-02-01"],
    })


def test_on_error_modes():
    with pytest.raises(chemodose.InputError) as e:
        lines.derive(bad_records())
    assert str(e.value).startswith(
        "2 records could not be read:\nrow 2: the drug is empty\n"
        "row 3: `2020-13-01` is not a date (write 2019-03-04)\n"
    )
    with pytest.warns(chemodose.ChemodoseWarning, match="2 records could not be read"):
        out = lines.derive(bad_records(), on_error="drop")
    assert [(r["patient_id"], r["regimen_drugs"]) for r in out.to_pylist()] == [(1, "doxorubicin"), (2, "eribulin")]
    out = lines.derive(bad_records(), on_error="column")
    assert out.column_names == COLUMNS + ["error"]
    assert out.column("patient_id").to_pylist() == [1, 2, 1, 2]
    assert out.column("error").to_pylist() == [
        None,
        None,
        "row 2: the drug is empty",
        "row 3: `2020-13-01` is not a date (write 2019-03-04)",
    ]
    assert out.column("line").to_pylist() == [1, 1, None, None]


def test_columns_and_rules_as_the_cli(run_cli):
    t = pa.table({"pid": ["a"], "medication": ["Adriamycin"], "given_on": [dt.date(2020, 1, 1)]})
    out = lines.derive(t, columns={"patient": "pid", "drug": "medication", "date": "given_on"})
    assert out.column("regimen_drugs").to_pylist() == ["doxorubicin"]  # a synonym of the default rules
    same = lines.derive(t, columns="patient=pid,drug=medication,date=given_on", rules="merck-nsclc")
    assert same.num_rows == 1
    with pytest.raises(chemodose.InputError) as e:
        lines.derive(t)
    with open("a.csv", "w") as f:
        f.write("pid,medication,given_on\na,doxorubicin,2020-01-01\n")
    code, _, err = run_cli("lines", "derive", "a.csv")
    assert code == 2 and str(e.value) in err
    assert str(e.value).startswith("the administrations file has no `patient_id` column")
    with pytest.raises(chemodose.InputError, match="unknown column role `who`"):
        lines.derive(t, columns="who=pid")


def cli_lines(run_cli, path: str, *options: str) -> list[list[str]]:
    code, out, err = run_cli("lines", "derive", path, "--format", "csv", *options)
    assert code == 0, err
    return list(csv.reader(out.splitlines()))


def as_csv(value) -> str:
    """A value as the CSV writes it: an empty cell for a null."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def assert_same(table: pa.Table, want: list[list[str]]) -> None:
    assert table.column_names == want[0]
    got = [[as_csv(v) for v in row.values()] for row in table.to_pylist()]
    assert len(got) == len(want) - 1
    for mine, theirs in zip(got, want[1:]):
        assert mine == theirs


@pytest.fixture
def administrations() -> str:
    subprocess.run([sys.executable, str(REPO / "scripts/gen_administrations.py"), "--rows", "20000",
                    "--out", "adm.csv"], check=True, capture_output=True)
    return "adm.csv"


def test_equal_to_the_cli_row_for_row(administrations, run_cli):
    want = cli_lines(run_cli, administrations)
    assert len(want) > 500
    # Dates as date32, ids as int64 (pyarrow's reading of the file).
    table = pacsv.read_csv(administrations)
    assert table.schema.field("date").type == pa.date32()
    assert_same(lines.derive(table), want)
    # The same records in any order: grouped by patient, the same lines in
    # the order of each patient's first record (here, the file's).
    order = list(range(table.num_rows))
    random.Random(21).shuffle(order)
    shuffled = table.take(order)
    got = lines.derive(shuffled)
    patients = list(dict.fromkeys(got.column("patient_id").to_pylist()))
    assert patients == list(dict.fromkeys(shuffled.column("patient_id").to_pylist()))
    by_patient = sorted(([as_csv(v) for v in r.values()] for r in got.to_pylist()),
                        key=lambda r: (int(r[0]), int(r[1])))
    assert by_patient == sorted(want[1:], key=lambda r: (int(r[0]), int(r[1])))
    # Text ids and text dates, as a file read without type inference.
    text = pacsv.read_csv(administrations, convert_options=pacsv.ConvertOptions(
        column_types={"patient_id": pa.string(), "date": pa.string()}))
    assert_same(lines.derive(text), want)


def test_pandas_and_polars(administrations, run_cli):
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    want = cli_lines(run_cli, administrations, "--rules", "merck-nsclc")
    frame = pd.read_csv(administrations, parse_dates=["date"])  # timestamps
    assert_same(lines.derive(frame, "merck-nsclc"), want)
    polars_frame = pl.read_csv(administrations, try_parse_dates=True)  # dates
    out = lines.derive(polars_frame, "merck-nsclc")
    assert_same(out, want)
    assert pl.from_arrow(out).height == len(want) - 1


def test_timestamps_are_days_in_their_zone_and_an_empty_table_has_the_schema():
    # 2020-01-22 23:30 in New York is 2020-01-23 04:30 UTC: the day given is
    # the 22nd, as the clinic's calendar says. Without a zone, the day is the
    # one written.
    import zoneinfo

    ny = zoneinfo.ZoneInfo("America/New_York")
    given = [dt.datetime(2020, 1, 1, 9, 0, tzinfo=ny), dt.datetime(2020, 1, 22, 23, 30, tzinfo=ny)]
    t = pa.table({"patient_id": [1, 1], "drug": ["doxorubicin"] * 2,
                  "date": pa.array(given, pa.timestamp("us", tz="America/New_York"))})
    row = lines.derive(t).to_pylist()[0]
    assert (row["start"], row["end"], row["administration_days"]) == (dt.date(2020, 1, 1), dt.date(2020, 1, 22), 2)
    naive = t.set_column(2, "date", pa.array([dt.datetime(2020, 1, 1, 9), dt.datetime(2020, 1, 22, 23, 30)],
                                              pa.timestamp("ns")))
    assert lines.derive(naive).to_pylist()[0]["end"] == dt.date(2020, 1, 22)
    empty = lines.derive(t.slice(0, 0))
    assert empty.num_rows == 0
    assert empty.column_names == COLUMNS
    assert empty.schema.field("patient_id").type == pa.int64()
