#!/usr/bin/env python3
"""Lines of therapy from an OMOP CDM DRUG_EXPOSURE table, in Apache Spark.

The drug concepts are mapped to their RxNorm ingredients through the
vocabulary as ``chemodose lines derive --omop`` maps them
(``docs/lines-of-therapy.md``, "OMOP CDM input"): a concept of class
``Ingredient`` in CONCEPT is itself; with CONCEPT_ANCESTOR, every
descendant of an ingredient maps to it, and a drug of two ingredients gives
two administrations. The lines are then derived by the chemodose engine in
every task (``chemodose.spark.derive_lines``).

A row whose concept maps to no ingredient, whose person id is not a number
or whose start date is not a date is skipped and counted, never dropped
silently; the first of them are printed with their ``drug_exposure_id``,
and the exit code is then 1, as the command line's.

    spark-submit examples/spark/omop_lines.py --master 'local[2]' \\
        --drug-exposure tests/data/omop/DRUG_EXPOSURE.csv \\
        --concept tests/data/omop/CONCEPT.csv \\
        --concept-ancestor tests/data/omop/CONCEPT_ANCESTOR.csv --out lines

Tables are read as CSV (comma- or tab-separated, with a header), or as
tables of the catalog with ``--catalog SCHEMA`` (``SCHEMA.drug_exposure``,
``SCHEMA.concept``, ``SCHEMA.concept_ancestor``). See examples/spark/README.md.
"""
from __future__ import annotations

import argparse
import os
import sys

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from chemodose.spark import derive_lines

# How many skipped rows are printed with their reason (the rest are counted).
SHOWN_SKIPPED = 20


def read_table(spark: SparkSession, path: str) -> DataFrame:
    """A CSV table with a header, every column as text. Tab-separated when
    the header line holds a tab (the vocabulary files from Athena are), as
    the command line decides; a path the driver cannot open is read as
    comma-separated."""
    sep = ","
    if os.path.isfile(path):
        with open(path, encoding="utf-8", errors="replace") as f:
            if "\t" in f.readline():
                sep = "\t"
    return (
        spark.read.option("header", True)
        .option("sep", sep)
        .option("quote", '"' if sep == "," else "\u0000")
        .csv(path)
    )


def _column(df: DataFrame, table: str, name: str):
    """A column found by name, case-insensitively, as the command line finds it."""
    for c in df.columns:
        if c.strip().lstrip("\ufeff").lower() == name:
            return F.col(f"`{c}`")
    raise SystemExit(f"{table} has no `{name}` column (an OMOP CDM {table} table has it)")


def ingredient_map(concept: DataFrame, ancestor: DataFrame | None) -> DataFrame:
    """(concept_id, drug): every drug concept and the lower-case name of
    each of its ingredients."""
    ingredients = concept.where(
        F.lower(F.trim(_column(concept, "CONCEPT", "concept_class_id"))) == "ingredient"
    ).select(
        F.trim(_column(concept, "CONCEPT", "concept_id")).try_cast("long").alias("concept_id"),
        F.lower(F.trim(_column(concept, "CONCEPT", "concept_name"))).alias("drug"),
    ).where(F.col("concept_id").isNotNull() & (F.col("drug") != ""))
    mapping = ingredients
    if ancestor is not None:
        pairs = ancestor.select(
            F.trim(_column(ancestor, "CONCEPT_ANCESTOR", "ancestor_concept_id"))
            .try_cast("long").alias("ancestor"),
            F.trim(_column(ancestor, "CONCEPT_ANCESTOR", "descendant_concept_id"))
            .try_cast("long").alias("concept_id"),
        ).where(F.col("ancestor") != F.col("concept_id"))
        descendants = pairs.join(
            ingredients.withColumnRenamed("concept_id", "ancestor"), "ancestor"
        ).select("concept_id", "drug")
        mapping = mapping.unionByName(descendants)
    return mapping.distinct()


def administrations(exposure: DataFrame, mapping: DataFrame) -> tuple[DataFrame, DataFrame]:
    """The administrations (person_id, drug, date) of a DRUG_EXPOSURE table,
    one per ingredient of each exposure, and the rows skipped with their
    reason (drug_exposure_id when the table has it, reason)."""
    person = F.trim(_column(exposure, "DRUG_EXPOSURE", "person_id"))
    concept = F.trim(_column(exposure, "DRUG_EXPOSURE", "drug_concept_id"))
    start = F.trim(_column(exposure, "DRUG_EXPOSURE", "drug_exposure_start_date"))
    has_id = any(c.strip().lower() == "drug_exposure_id" for c in exposure.columns)
    rows = exposure.select(
        (_column(exposure, "DRUG_EXPOSURE", "drug_exposure_id") if has_id else F.lit(None))
        .alias("drug_exposure_id"),
        person.alias("person_text"),
        F.when(person.rlike("^[0-9]+$"), person.try_cast("long")).alias("person_id"),
        concept.alias("concept_text"),
        concept.try_cast("long").alias("concept_id"),
        start.alias("start_text"),
        # The start date; a datetime keeps its date.
        F.try_to_date(F.substring(start, 1, 10), "yyyy-MM-dd").alias("date"),
    )
    # Checked in the command line's order: person, date, then concept.
    reason = F.when(
        F.col("person_id").isNull(),
        F.format_string("person_id `%s` is not a number", F.col("person_text")),
    ).when(
        F.col("date").isNull(),
        F.format_string("drug_exposure_start_date `%s` is not YYYY-MM-DD", F.col("start_text")),
    )
    rows = rows.withColumn("reason", reason)
    good = rows.where(F.col("reason").isNull())
    unmapped = good.join(mapping, "concept_id", "left_anti").withColumn(
        "reason",
        F.format_string(
            "drug_concept_id `%s` is not an ingredient in CONCEPT, "
            "nor mapped to one through CONCEPT_ANCESTOR",
            F.col("concept_text"),
        ),
    )
    admin = good.join(mapping, "concept_id").select("person_id", "drug", "date")
    skipped = (
        rows.where(F.col("reason").isNotNull())
        .unionByName(unmapped)
        .select("drug_exposure_id", "reason")
    )
    return admin, skipped


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--master", help="Spark master, e.g. local[2] (default: spark-submit's)")
    ap.add_argument("--drug-exposure", help="DRUG_EXPOSURE as CSV")
    ap.add_argument("--concept", help="CONCEPT as CSV")
    ap.add_argument("--concept-ancestor", help="CONCEPT_ANCESTOR as CSV (maps clinical drugs to ingredients)")
    ap.add_argument("--catalog", metavar="SCHEMA", help="read the three tables from this schema of the catalog instead")
    ap.add_argument("--rules", help="a rules file (TOML) or preset (merck-nsclc)")
    ap.add_argument("--regimens", help="a folder of regimen files for the regimen match")
    ap.add_argument("--out", help="write the lines as CSV (a Spark output folder) here; else show the first")
    ap.add_argument("--shuffle-partitions", type=int, help="spark.sql.shuffle.partitions")
    a = ap.parse_args(argv)
    if not a.catalog and not (a.drug_exposure and a.concept):
        ap.error("give --drug-exposure and --concept (CSV), or --catalog SCHEMA")

    builder = SparkSession.builder.appName("chemodose OMOP lines of therapy")
    if a.master:
        builder = builder.master(a.master)
    if a.shuffle_partitions:
        builder = builder.config("spark.sql.shuffle.partitions", a.shuffle_partitions)
    spark = builder.getOrCreate()

    if a.catalog:
        exposure = spark.table(f"{a.catalog}.drug_exposure")
        concept = spark.table(f"{a.catalog}.concept")
        ancestor = spark.table(f"{a.catalog}.concept_ancestor")
    else:
        exposure = read_table(spark, a.drug_exposure)
        concept = read_table(spark, a.concept)
        ancestor = read_table(spark, a.concept_ancestor) if a.concept_ancestor else None

    admin, skipped = administrations(exposure, ingredient_map(concept, ancestor))
    lines = derive_lines(admin, a.rules, patient="person_id", regimens=a.regimens)
    lines = lines.orderBy("patient_id", "line")
    if a.out:
        lines.write.mode("overwrite").option("header", True).csv(a.out)
        print(f"lines written to {a.out}", file=sys.stderr)
    else:
        lines.show(20, truncate=False)

    skipped_count = skipped.count()
    for row in skipped.orderBy("drug_exposure_id").limit(SHOWN_SKIPPED).collect():
        print(f"DRUG_EXPOSURE row {row.drug_exposure_id}: skipped: {row.reason}", file=sys.stderr)
    if skipped_count:
        print(f"{skipped_count} DRUG_EXPOSURE rows skipped", file=sys.stderr)
    spark.stop()
    return 1 if skipped_count else 0


if __name__ == "__main__":
    sys.exit(main())
