#!/usr/bin/env python3
"""Spark throughput of lines of therapy (chemodose.spark.derive_lines), in
records/s, by the number of partitions the patients are grouped into
(spark.sql.shuffle.partitions), with the command line on the same file for
reference.

Each run reads the administrations CSV (typed: patient_id long, date date),
hashes the patients into groups (derive_lines' default: 4 per partition),
derives every group's lines in the tasks and writes them to Spark's `noop`
sink: the whole job but the output file. A second job groups the same way
and returns an empty table per group: Spark's own cost (read, shuffle,
Arrow to and from Python), without the engine. Best of --runs, after one
warm-up run. With --per-patient, one more job groups by patient, one engine
call per patient (what derive_lines avoids), once, at the last partition
count.

  python3 scripts/gen_administrations.py --rows 1000000 --out target/bench/admin_1m.csv
  python scripts/bench_spark_lines.py target/bench/admin_1m.csv --master 'local[2]' \\
      --partitions 1 2 4 8 --cli target/release/chemodose

Needs pyspark (>= 4), Java 17 and the chemodose package in this Python.
"""
import argparse
import os
import subprocess
import sys
import time

SCHEMA = "patient_id long, drug string, date date, dose double, dose_unit string, route string"


def best(runs, job):
    job()  # warm-up: Python workers started, the file in the page cache
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        job()
        times.append(time.perf_counter() - t)
    return min(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file")
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--partitions", type=int, nargs="+", default=[1, 2, 4, 8])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--cli", help="a chemodose binary: time `lines derive FILE --format csv` too")
    ap.add_argument("--per-patient", action="store_true", help="also time one group (one engine call) per patient")
    a = ap.parse_args()

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    import pyarrow as pa
    from pyspark.sql import SparkSession

    import chemodose
    import chemodose.lines
    from chemodose import spark as cs
    from chemodose.spark import derive_lines
    from pyspark.sql import functions as F

    spark = (
        SparkSession.builder.master(a.master)
        .appName("chemodose lines benchmark")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        # The number of groups' partitions is the one set below, not one
        # adaptive execution merges.
        .config("spark.sql.adaptive.enabled", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    df = spark.read.csv(a.file, header=True, schema=SCHEMA)
    records = sum(1 for _ in open(a.file, "rb")) - 1
    print(f"chemodose {chemodose.__version__}, Spark {spark.version}, master {a.master}, "
          f"{records:,} records in {a.file} ({df.rdd.getNumPartitions()} input partitions)")
    if a.cli:
        def cli():
            subprocess.run([a.cli, "lines", "derive", a.file, "--format", "csv"],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        t = best(a.runs, cli)
        print(f"CLI lines derive --format csv (all cores): {t:.2f} s, {records / t:,.0f} records/s")

    # The engine's fixed cost per call: one patient's records, many times.
    one = pa.table({"patient_id": pa.array([1, 1], pa.int64()), "drug": ["doxorubicin"] * 2,
                    "date": pa.array(["2020-01-06", "2020-01-27"]).cast(pa.date32())})
    t = time.perf_counter()
    for _ in range(200):
        chemodose.lines.derive(one, threads=1)
    print(f"one call of chemodose.lines.derive on one patient: {(time.perf_counter() - t) / 200 * 1000:.2f} ms")

    empty = pa.table({"n": pa.array([], pa.int64())})
    noop = lambda frame: frame.write.format("noop").mode("overwrite").save()  # noqa: E731
    print("partitions | groups | derive_lines s | records/s | Spark alone s (empty result per group)")
    for n in a.partitions:
        spark.conf.set("spark.sql.shuffle.partitions", str(n))
        lines = derive_lines(df)
        groups = 4 * n
        plumbing = (df.withColumn("g", F.pmod(F.xxhash64("patient_id"), F.lit(groups)))
                    .groupBy("g").applyInArrow(lambda t: empty, "n long"))
        t = best(a.runs, lambda: noop(lines))
        p = best(a.runs, lambda: noop(plumbing))
        print(f"{n:10d} | {groups:6d} | {t:14.2f} | {records / t:9,.0f} | {p:.2f}")
    print(f"lines: {lines.count():,}")
    if a.per_patient:
        schema = lines.schema
        driver = cs._engine_settings(None, None)
        per_patient = (df.select("patient_id", "drug", "date")
                       .groupBy("patient_id").applyInArrow(cs._lines_of_group(None, None, None, "raise", driver), schema))
        t = time.perf_counter()
        noop(per_patient)
        t = time.perf_counter() - t
        print(f"one group per patient ({a.partitions[-1]} partitions): {t:.2f} s, {records / t:,.0f} records/s")
    spark.stop()


if __name__ == "__main__":
    main()
