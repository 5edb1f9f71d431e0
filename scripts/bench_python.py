#!/usr/bin/env python3
"""Python over Arrow against the command line and the peers, side by side in
one run (docs/performance.md, "Python: batch_dose over Arrow").

Run with a Python that has chemodose installed in release mode (`cd python &&
maturin develop --release`), pyarrow, and for the peers numpy, pandas, polars
and duckdb; the release binary is built by `cargo build --release`:

  python scripts/bench_python.py                   # 1,000,000 patients, best of 5
  python scripts/bench_python.py --rows 100000 --runs 3

Times are wall-clock seconds, best of --runs, with the CPU time (user +
system, every thread) of that best run; the measurements alternated run by
run so that a change of load on a shared machine hits them alike:

- `chemodose batch` (release), CSV in and CSV out, the whole process;
- `chemodose.batch_dose` in this process: the dose call alone on a pyarrow
  Table already read; with `pyarrow.csv.read_csv` of the same file; and
  with the result written back as CSV (`pyarrow.csv.write_csv`), the same
  job as the command line's;
- the same read, dose and write as a whole Python process (start-up and
  imports included), as the peers are measured;
- the peers of ../shared/bench (pandas, polars, DuckDB), whole processes;
  and their computation alone on data already in memory (the same
  expressions, in this process), beside the dose call alone;
- `lines derive --format csv` against `chemodose.lines.derive` on
  generated administrations (--lines-rows, 1,000,000 by default).

Every output of batch_dose is compared with the command line's, row for row.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

import chemodose
from chemodose import lines

REPO = Path(__file__).resolve().parents[1]
PEERS = REPO.parent / "shared" / "bench"

# Batch rows carry no labs, and docetaxel requires bilirubin, AST, ALT and ALP
# (gemcitabine-docetaxel 1.1.0): the run gives up those inputs with the
# documented overrides, one code each, as scripts/bench_batch.sh does.
NO_LABS = {
    code: "benchmark: batch rows carry no labs"
    for code in ("missing-bilirubin", "missing-ast", "missing-alt", "missing-alp")
}
# The peers' job: Mosteller BSA unrounded, 1 mg rounding.
OPTIONS = {"bsa_round": "none", "round": "1mg", "override": NO_LABS}


def binary() -> Path:
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    b = target / "release" / "chemodose"
    if not b.exists():
        sys.exit(f"{b} is missing: run cargo build --release")
    return b


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def wall(args: list[str]) -> tuple[float, float]:
    """A whole process: (wall, CPU) seconds."""
    cpu = children_cpu()
    start = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start, children_cpu() - cpu


def timed(f):
    """A call in this process: ((wall, CPU) seconds, its result)."""
    cpu = time.process_time()
    start = time.perf_counter()
    out = f()
    return (time.perf_counter() - start, time.process_time() - cpu), out


def plus(*ts: tuple[float, float]) -> tuple[float, float]:
    return sum(t[0] for t in ts), sum(t[1] for t in ts)


def peers_in_memory(src: Path) -> dict:
    """The peers' computations on data already read, as functions of no
    argument (the same expressions as ../shared/bench; float64 half up)."""
    jobs = {}
    try:
        import numpy as np
        import pandas as pd

        df = pd.read_csv(src, dtype={"id": np.int64, "height_cm": np.float64, "weight_kg": np.float64})

        def pandas_job():
            bsa = np.sqrt(df["height_cm"].to_numpy() * df["weight_kg"].to_numpy() / 3600.0)
            g = np.floor(900 * bsa + 0.5).astype(np.int64)
            t = np.floor(100 * bsa + 0.5).astype(np.int64)
            return pd.DataFrame({"id": df["id"].to_numpy(), "bsa_m2": bsa, "gemcitabine_d1_mg": g,
                                 "gemcitabine_d8_mg": g, "docetaxel_d8_mg": t, "gemcitabine_cycle_mg": 2 * g,
                                 "docetaxel_cycle_mg": t, "gemcitabine_course_mg": 12 * g,
                                 "docetaxel_course_mg": 6 * t})

        jobs["pandas"] = pandas_job
    except ImportError:
        pass
    try:
        import polars as pl

        pdf = pl.read_csv(src, schema_overrides={"id": pl.Int64, "height_cm": pl.Float64, "weight_kg": pl.Float64})

        def polars_job():
            bsa = (pl.col("height_cm") * pl.col("weight_kg") / 3600.0).sqrt()
            g = (900 * bsa + 0.5).floor().cast(pl.Int64)
            t = (100 * bsa + 0.5).floor().cast(pl.Int64)
            return pdf.select(pl.col("id"), bsa.round(4).alias("bsa_m2"), g.alias("gemcitabine_d1_mg"),
                              g.alias("gemcitabine_d8_mg"), t.alias("docetaxel_d8_mg"),
                              (2 * g).alias("gemcitabine_cycle_mg"), t.alias("docetaxel_cycle_mg"),
                              (12 * g).alias("gemcitabine_course_mg"), (6 * t).alias("docetaxel_course_mg"))

        jobs["polars"] = polars_job
    except ImportError:
        pass
    try:
        import duckdb

        arrow_table = pacsv.read_csv(src)
        con = duckdb.connect()
        con.register("patients", arrow_table)

        def duckdb_job():
            return con.sql("""
              WITH p AS (SELECT id, sqrt(height_cm * weight_kg / 3600.0) AS bsa FROM patients),
                   d AS (SELECT id, bsa, CAST(floor(900 * bsa + 0.5) AS BIGINT) AS g,
                                CAST(floor(100 * bsa + 0.5) AS BIGINT) AS t FROM p)
              SELECT id, round(bsa, 4) AS bsa_m2, g AS gemcitabine_d1_mg, g AS gemcitabine_d8_mg,
                     t AS docetaxel_d8_mg, 2 * g AS gemcitabine_cycle_mg, t AS docetaxel_cycle_mg,
                     12 * g AS gemcitabine_course_mg, 6 * t AS docetaxel_course_mg FROM d
            """).to_arrow_table()  # .arrow() is a lazy reader since DuckDB 1.4

        jobs["duckdb"] = duckdb_job
    except ImportError:
        pass
    return jobs


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


# The whole-process Python job: read, dose, write, as the peers do it.
WHOLE = """
import sys, pyarrow.csv as pacsv, chemodose
no_labs = {c: "benchmark: batch rows carry no labs" for c in
           ("missing-bilirubin", "missing-ast", "missing-alt", "missing-alp")}
t = pacsv.read_csv(sys.argv[1])
out = chemodose.batch_dose(t, "gemcitabine-docetaxel", bsa_round="none", round="1mg", override=no_labs)
pacsv.write_csv(out, sys.argv[2])
"""


def same_rows(table: pa.Table, cli_csv: Path) -> int:
    """Compares every row of the Arrow output with the CLI's CSV; gives the rows."""
    names = table.column_names
    columns = [table.column(n).to_pylist() for n in names]
    n = 0
    with open(cli_csv, newline="") as f:
        reader = csv.reader(f)
        assert next(reader) == names, "headers differ"
        for i, row in enumerate(reader):
            for c, cell in zip(columns, row):
                v = c[i]
                assert (str(v) == cell) if isinstance(v, (int, str)) else (v == float(cell)), (i, row)
            n += 1
    assert n == table.num_rows
    return n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--lines-rows", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--dir", type=Path, default=REPO / "target" / "bench")
    a = ap.parse_args()
    a.dir.mkdir(parents=True, exist_ok=True)
    bin_ = binary()
    src = a.dir / f"patients_{a.rows}.csv"
    if not src.exists():
        subprocess.run([sys.executable, REPO / "scripts/gen_patients.py", "--rows", str(a.rows), "--out", src],
                       check=True)
    adm = a.dir / f"admin_{a.lines_rows}.csv"
    if not adm.exists():
        subprocess.run([sys.executable, REPO / "scripts/gen_administrations.py", "--rows", str(a.lines_rows),
                        "--out", adm], check=True)
    cli_out = a.dir / "cli.csv"
    cli = [str(bin_), "batch", "gemcitabine-docetaxel", "--patients", str(src), "--bsa-round", "none",
           "--round", "1mg"]
    for code, reason in NO_LABS.items():
        cli += ["--override", f"{code}={reason}"]
    cli += ["-o", str(cli_out)]
    peers = {name: PEERS / f"peer_{name}.py" for name in ("pandas", "polars", "duckdb")}
    peers = {k: v for k, v in peers.items() if v.exists()}

    print(f"# {a.rows:,} patients, best of {a.runs}; load before: {uptime()}")
    print(f"# chemodose {chemodose.__version__}, pyarrow {pa.__version__}, {os.cpu_count()} cores")
    times: dict[str, list[tuple[float, float]]] = {}

    def keep(name: str, t: tuple[float, float]) -> None:
        times.setdefault(name, []).append(t)

    table = pacsv.read_csv(src)
    in_memory = peers_in_memory(src)
    for _ in range(a.runs):
        keep("chemodose batch (CLI, CSV in and out, whole process)", wall(cli))
        t, out = timed(lambda: chemodose.batch_dose(table, "gemcitabine-docetaxel", **OPTIONS))
        keep("batch_dose, the call alone (Arrow in memory)", t)
        t_read, t2 = timed(lambda: pacsv.read_csv(src))
        t_dose, out2 = timed(lambda: chemodose.batch_dose(t2, "gemcitabine-docetaxel", **OPTIONS))
        keep("batch_dose with pyarrow.csv.read_csv", plus(t_read, t_dose))
        t_write, _ = timed(lambda: pacsv.write_csv(out2, a.dir / "python.csv"))
        keep("batch_dose with read_csv and write_csv (the CLI's job)", plus(t_read, t_dose, t_write))
        keep("read_csv + batch_dose + write_csv, whole Python process",
             wall([sys.executable, "-c", WHOLE, str(src), str(a.dir / "python_whole.csv")]))
        for name, job in in_memory.items():
            keep(f"peer: {name}, the computation alone (in memory)", timed(job)[0])
        for name, peer in peers.items():
            keep(f"peer: {name} (whole process)", wall([sys.executable, str(peer), str(src),
                                                        str(a.dir / f"{name}.csv")]))
    rows = same_rows(out, cli_out)
    report(times, "chemodose batch (CLI, CSV in and out, whole process)", a.rows, "patients")
    print(f"\nbatch_dose output equal to the CLI's, row for row: {rows:,} rows")

    # Lines of therapy.
    lines_out = a.dir / "lines_cli.csv"
    ltimes: dict[str, list[tuple[float, float]]] = {}
    admins = pacsv.read_csv(adm)
    for _ in range(a.runs):
        ltimes.setdefault("lines derive --format csv (CLI, whole process)", []).append(
            wall([str(bin_), "lines", "derive", str(adm), "--format", "csv", "-o", str(lines_out)]))
        t, derived = timed(lambda: lines.derive(admins))
        ltimes.setdefault("lines.derive, the call alone (Arrow in memory)", []).append(t)
        t_read, table2 = timed(lambda: pacsv.read_csv(adm))
        t_derive, _ = timed(lambda: lines.derive(table2))
        ltimes.setdefault("lines.derive with pyarrow.csv.read_csv", []).append(plus(t_read, t_derive))
    with open(lines_out, newline="") as f:
        want = list(csv.reader(f))
    got = [["" if v is None else (v.isoformat() if hasattr(v, "isoformat") else str(v)) for v in r.values()]
           for r in derived.to_pylist()]
    assert got == want[1:], "lines differ from the CLI's"
    print(f"\n# lines: {a.lines_rows:,} administrations, {len(got):,} lines")
    report(ltimes, "lines derive --format csv (CLI, whole process)", a.lines_rows, "records")
    print(f"\nlines.derive output equal to the CLI's, row for row: {len(got):,} lines")
    print(f"# load after: {uptime()}")


def report(times: dict, reference: str, rows: int, what: str) -> None:
    """A Markdown table: best wall time, its CPU time, rate, ratio to `reference`."""
    ref = min(times[reference])[0]
    print(f"\n| measure | best wall (s) | CPU of that run (s) | {what}/s | ÷ CLI |\n|---|---|---|---|---|")
    for name, ts in times.items():
        w, c = min(ts)
        print(f"| {name} | {w:.3f} | {c:.3f} | {rows / w / 1e6:.2f} M | {w / ref:.2f} |")


if __name__ == "__main__":
    main()
