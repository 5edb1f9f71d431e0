"""chemodose.batch_dose: doses of an Arrow table, equal to `chemodose batch`
on the same rows, with values worked by hand."""

from __future__ import annotations

import csv
import math
import subprocess
import sys
import warnings

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

import chemodose
from conftest import NO_LABS, REPO

GEMDOC = "gemcitabine-docetaxel"


def dose(table, **kw):
    kw.setdefault("override", NO_LABS)
    return chemodose.batch_dose(table, GEMDOC, **kw)


def test_the_readme_worked_example():
    # Mosteller: sqrt(170 × 70 / 3600) = sqrt(3.30555...) = 1.818118...,
    # printed to 4 decimals 1.8181 m²; dosing rounds it half up to 0.01:
    # 1.82 m². Gemcitabine 900 mg/m² × 1.82 = 1,638 mg on days 1 and 8 (a
    # cycle of 3,276 mg; 6 cycles 19,656 mg); docetaxel 100 mg/m² × 1.82 =
    # 182 mg on day 8 (6 cycles: 1,092 mg).
    t = pa.table({"id": [1], "height_cm": [170.0], "weight_kg": [70.0]})
    out = dose(t)
    assert out.column_names == [
        "id",
        "bsa_m2",
        "gemcitabine_d1_mg",
        "gemcitabine_d8_mg",
        "docetaxel_d8_mg",
        "gemcitabine_cycle_mg",
        "docetaxel_cycle_mg",
        "gemcitabine_course_mg",
        "docetaxel_course_mg",
    ]
    assert out.schema.field("id").type == pa.int64()
    assert all(out.schema.field(n).type == pa.float64() for n in out.column_names[1:])
    assert out.to_pylist() == [
        {
            "id": 1,
            "bsa_m2": 1.8181,
            "gemcitabine_d1_mg": 1638.0,
            "gemcitabine_d8_mg": 1638.0,
            "docetaxel_d8_mg": 182.0,
            "gemcitabine_cycle_mg": 3276.0,
            "docetaxel_cycle_mg": 182.0,
            "gemcitabine_course_mg": 19656.0,
            "docetaxel_course_mg": 1092.0,
        }
    ]


def test_the_exact_tie():
    # 202.5 × 96.1 = 19,460.25; / 3600 = 5.405625 = 2.325², so the BSA is
    # exactly 2.325 m². Unrounded (bsa_round="none"): gemcitabine 900 ×
    # 2.325 = 2,092.5 mg, a tie, rounded half up to 2,093 mg; docetaxel 100 ×
    # 2.325 = 232.5 mg → 233 mg. Rounded to 0.01 first, 2.325 m² is itself a
    # tie → 2.33 m²: gemcitabine 900 × 2.33 = 2,097 mg, docetaxel 233 mg.
    t = pa.table({"id": ["tie"], "height_cm": [202.5], "weight_kg": [96.1]})
    row = dose(t, bsa_round="none").to_pylist()[0]
    assert row["bsa_m2"] == 2.325
    assert (row["gemcitabine_d1_mg"], row["gemcitabine_d8_mg"], row["docetaxel_d8_mg"]) == (2093.0, 2093.0, 233.0)
    row = dose(t).to_pylist()[0]
    assert (row["gemcitabine_d1_mg"], row["docetaxel_d8_mg"]) == (2097.0, 233.0)


def test_numbers_and_text_in_any_arrow_type():
    # 170 cm and 70 kg as float32, int32, decimal and text with the unit in
    # the header; and as text with the unit in every cell (67 in = 170.18
    # cm; 154 lb = 69.853 kg: sqrt(170.18 × 69.853 / 3600) = 1.81717 m², printed
    # 1.8172 m², dosed at
    # 1.82 m², the same doses).
    import decimal

    tables = [
        pa.table({"id": pa.array([1], pa.int32()), "height_cm": pa.array([170], pa.int32()),
                  "weight_kg": pa.array([70.0], pa.float32())}),
        pa.table({"id": ["a"], "height_cm": pa.array([decimal.Decimal("170.0")]),
                  "weight_kg": pa.array(["70"], pa.large_string())}),
        pa.table({"patient_id": ["a"], "height": ["67in"], "weight": ["154lb"]}),
    ]
    for t in tables:
        row = dose(t).to_pylist()[0]
        assert (row["gemcitabine_d1_mg"], row["docetaxel_d8_mg"]) == (1638.0, 182.0), t.schema
    assert dose(tables[0]).schema.field("id").type == pa.int32()
    assert dose(tables[2]).to_pylist()[0]["bsa_m2"] == 1.8172


def test_long_layout():
    # One row per patient, drug and day, in regimen order.
    t = pa.table({"id": [1], "height_cm": [170.0], "weight_kg": [70.0]})
    out = dose(t, layout="long")
    assert out.column_names == ["id", "bsa_m2", "drug", "day", "dose_mg"]
    assert out.schema.field("day").type == pa.int32()
    assert [(r["drug"], r["day"], r["dose_mg"]) for r in out.to_pylist()] == [
        ("gemcitabine", 1, 1638.0),
        ("gemcitabine", 8, 1638.0),
        ("docetaxel", 8, 182.0),
    ]


def bad_rows():
    # Row 2: 17 cm is implausible. Row 3: a height without its unit in a
    # column whose cells carry the unit.
    return pa.table({"id": [1, 2, 3, 4], "height": ["170cm", "17cm", "170", "202.5cm"],
                     "weight": ["70kg", "70kg", "70kg", "96.1kg"]})


REASON_17 = "height of 17 cm is implausible (got `17cm`); accepted range is 30 to 250 cm"
REASON_UNIT = "height needs a unit, e.g. 170cm or 67in (got `170`)"


def test_on_error_raise_names_the_rows():
    with pytest.raises(chemodose.InputError) as e:
        dose(bad_rows())
    assert str(e.value).startswith(f"2 rows could not be dosed:\nrow 2: {REASON_17}\nrow 3: {REASON_UNIT}\n")


def test_on_error_drop_warns_and_leaves_them_out():
    with pytest.warns(chemodose.ChemodoseWarning, match="2 rows could not be dosed") as w:
        out = dose(bad_rows(), on_error="drop")
    assert f"row 3: {REASON_UNIT}" in str(w[0].message)
    assert out.column("id").to_pylist() == [1, 4]
    assert out.column("gemcitabine_d1_mg").to_pylist() == [1638.0, 2097.0]


def test_on_error_column_keeps_every_row():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = dose(bad_rows(), on_error="column")
    assert out.column_names[-1] == "error"
    assert out.column("id").to_pylist() == [1, 2, 3, 4]
    assert out.column("error").to_pylist() == [None, REASON_17, REASON_UNIT, None]
    assert out.column("gemcitabine_d1_mg").to_pylist() == [1638.0, None, None, 2097.0]
    assert out.column("bsa_m2").null_count == 2
    long = dose(bad_rows(), on_error="column", layout="long")
    assert long.column("id").to_pylist() == [1, 1, 1, 2, 3, 4, 4, 4]
    assert long.column("drug").to_pylist()[3:5] == [None, None]


def test_on_error_is_checked():
    with pytest.raises(chemodose.InputError, match="on_error must be"):
        dose(bad_rows(), on_error="ignore")


@pytest.mark.parametrize(
    "columns, message",
    [
        (["id", "height_cm"], "the patient file has no `weight` column"),
        (["id", "height_cm", "height_in", "weight_kg"], "the header has 2 columns for height (height_cm, height_in): keep one"),
        (["id", "height_cm", "weight_g"], "the header's column `weight_g` is not one chemodose reads; for weight write"),
    ],
)
def test_header_refusals_are_the_cli_s(columns, message, run_cli):
    t = pa.table({c: ["1"] for c in columns})
    with pytest.raises(chemodose.InputError) as e:
        dose(t)
    assert str(e.value).startswith(message)
    with open("p.csv", "w") as f:
        f.write(",".join(columns) + "\n" + ",".join("1" for _ in columns) + "\n")
    code, _, err = run_cli("batch", GEMDOC, "--patients", "p.csv")
    assert code == 2
    assert str(e.value) in err


def test_numbers_without_units_are_refused():
    t = pa.table({"id": [1], "height": [170.0], "weight": ["70kg"]})
    with pytest.raises(chemodose.InputError) as e:
        dose(t)
    assert str(e.value) == (
        "column `height` has no unit: name it height_cm (or height_in) in the header, or write the "
        "unit in every cell (170cm); row 1 has `170`"
    )


def test_a_refused_plan_is_a_safety_stop(run_cli):
    # A withdrawn regimen is refused before any row, as on the command line
    # (exit 1), with the stop's code; a cycle the regimen does not have is
    # bad input. Without the overrides, docetaxel's required liver tests stop
    # each row: a row's refusal is the reason that row is not dosed.
    t = pa.table({"id": [1], "height_cm": [170.0], "weight_kg": [70.0]})
    with pytest.raises(chemodose.SafetyStop) as e:
        chemodose.batch_dose(t, "olaratumab-doxorubicin")
    assert e.value.code == "status-withdrawn"
    assert str(e.value).startswith("refused: olaratumab-doxorubicin is WITHDRAWN: not for new patients")
    with open("p.csv", "w") as f:
        f.write("id,height_cm,weight_kg\n1,170,70\n")
    code, _, err = run_cli("batch", "olaratumab-doxorubicin", "--patients", "p.csv")
    assert code == 1 and f"error: {e.value}" in err
    with pytest.raises(chemodose.InputError, match="cycle 7 is outside the course: gemcitabine-docetaxel runs 6 cycles"):
        dose(t, cycle=7)
    with pytest.raises(chemodose.InputError, match="row 1: 4 checks stopped this plan"):
        chemodose.batch_dose(t, GEMDOC)


def test_bad_options_are_the_cli_s():
    t = pa.table({"id": [1], "height_cm": [170.0], "weight_kg": [70.0]})
    with pytest.raises(chemodose.InputError, match="bsa-round"):
        dose(t, bsa_round="half")
    with pytest.raises(chemodose.InputError):
        dose(t, layout="tall")
    with pytest.raises(chemodose.InputError, match="leave it out"):
        dose(t, patients="x.csv")
    with pytest.raises(TypeError, match="takes a table"):
        dose([{"id": 1}])


def test_an_empty_table_has_the_full_schema():
    t = pa.table({"id": pa.array([], pa.string()), "height_cm": pa.array([], pa.float64()),
                  "weight_kg": pa.array([], pa.float64())})
    out = dose(t)
    assert out.num_rows == 0
    assert out.schema.field("id").type == pa.string()
    assert out.column_names[-1] == "docetaxel_course_mg"
    assert dose(t, layout="long").column_names == ["id", "bsa_m2", "drug", "day", "dose_mg"]


def test_pandas_and_polars_in_and_out():
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    data = {"id": ["a", "b"], "height_cm": [170.0, 202.5], "weight_kg": [70.0, 96.1]}
    want = dose(pa.table(data), bsa_round="none")
    from_pandas = dose(pd.DataFrame(data), bsa_round="none")
    from_polars = dose(pl.DataFrame(data), bsa_round="none")
    for got in (from_pandas, from_polars):
        assert got.drop_columns(["id"]).equals(want.drop_columns(["id"]))
        assert got.column("id").to_pylist() == ["a", "b"]
    # Back to a data frame: the same values.
    frame = from_pandas.to_pandas()
    assert list(frame["gemcitabine_d1_mg"]) == [1636.0, 2093.0]  # 900 × 1.818118... = 1636.3
    polars_frame = pl.from_arrow(from_polars)
    assert polars_frame["docetaxel_d8_mg"].to_list() == [182.0, 233.0]  # 100 × 1.8181 = 181.8


def test_a_record_batch_reader_of_several_batches():
    t = pa.table({"id": list(range(10)), "height_cm": [170.0] * 10, "weight_kg": [70.0] * 10})
    reader = pa.RecordBatchReader.from_batches(t.schema, t.to_batches(max_chunksize=3))
    out = dose(reader)
    assert out.column("id").to_pylist() == list(range(10))
    assert set(out.column("docetaxel_d8_mg").to_pylist()) == {182.0}


def generated(rows: int) -> str:
    """The benchmark's patients (scripts/gen_patients.py), with bad rows."""
    subprocess.run([sys.executable, str(REPO / "scripts/gen_patients.py"), "--rows", str(rows), "--out", "p.csv"],
                   check=True, capture_output=True)
    with open("p.csv", "a") as f:
        f.write("tie,202.5,96.1\nshort,17,70\nheavy,170,700\nblank,,70\n")
    return "p.csv"


def cli_rows(run_cli, path: str, *options: str) -> tuple[list[list[str]], str]:
    args = ["batch", GEMDOC, "--patients", path, *options]
    for code, reason in NO_LABS.items():
        args += ["--override", f"{code}={reason}"]
    code, out, err = run_cli(*args)
    assert code == 1, err  # rows were skipped
    return list(csv.reader(out.splitlines())), err


@pytest.mark.parametrize("options", [(), ("--bsa-round", "none"), ("--layout", "long"), ("--round", "5mg")])
def test_equal_to_the_cli_row_for_row(options, run_cli):
    path = generated(3000)
    want, err = cli_rows(run_cli, path, *options)
    table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types={"id": pa.string()}))
    kw = dict(zip([o.lstrip("-").replace("-", "_") for o in options[::2]], options[1::2]))
    got = dose(table, on_error="column", **kw)
    assert got.column_names[:-1] == want[0]
    errors = []
    rows = iter(want[1:])
    for row in got.to_pylist():
        if row["error"] is not None:
            errors.append(f"line {table.column('id').to_pylist().index(row['id']) + 2}: skipped: {row['error']}")
            continue
        theirs = next(rows)
        mine = [row[c] for c in want[0]]
        assert mine[0] == theirs[0]
        for m, t in zip(mine[1:], theirs[1:]):
            if isinstance(m, str):
                assert m == t
            elif m is None:
                assert t == ""
            else:
                assert m == float(t), (mine, theirs)
    assert next(rows, None) is None
    assert len(errors) == 3
    for e in errors:
        assert f"{path} {e}" in err


def test_nan_and_infinity_are_not_numbers():
    t = pa.table({"id": [1, 2], "height_cm": [math.nan, math.inf], "weight_kg": [70.0, 70.0]})
    out = dose(t, on_error="column")
    assert out.column("error").to_pylist() == [
        "height `NaN` is not a number; write digits and a decimal point only, e.g. 172.5",
        "height `inf` is not a number; write digits and a decimal point only, e.g. 172.5",
    ]


def test_column_types_read_and_refused():
    pd = pytest.importorskip("pandas")
    # A categorical sex (an Arrow dictionary of text) is read as its text;
    # a boolean height is no number or text.
    frame = pd.DataFrame({"id": [1], "height_cm": [170.0], "weight_kg": [70.0],
                          "sex": pd.Categorical(["female"])})
    assert dose(frame).column("docetaxel_d8_mg").to_pylist() == [182.0]
    t = pa.table({"id": [1], "height_cm": [True], "weight_kg": [70.0]})
    with pytest.raises(chemodose.InputError, match="column `height_cm` is of Arrow type Boolean"):
        dose(t)
    # A column not read may hold anything.
    t = pa.table({"id": [1], "height_cm": [170.0], "weight_kg": [70.0], "notes": [[1, 2]]})
    assert dose(t).num_rows == 1
