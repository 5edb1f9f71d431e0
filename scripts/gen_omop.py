#!/usr/bin/env python3
"""Writes a small SYNTHETIC OMOP CDM extract for `lines derive --omop` tests:
CONCEPT.csv and CONCEPT_ANCESTOR.csv tab-separated (as the vocabulary files
from Athena are), DRUG_EXPOSURE.csv comma-separated.

The concept ids (91xxxxx ingredients, 92xxxxx clinical drugs) are invented:
they are not the OHDSI vocabulary's ids. The patients are invented.

Usage: python3 scripts/gen_omop.py [OUT_DIR]   (default tests/data/omop)

With --from-administrations FILE, writes instead the same three tables for
an administrations file of any size (scripts/gen_administrations.py): each
drug an invented ingredient concept (91xxxxx) and clinical drug concept
(92xxxxx), every other record given as the clinical drug (mapped through
CONCEPT_ANCESTOR) and the rest as the ingredient, person_id the patient id.
`lines derive` derives the same lines from either file.

  python3 scripts/gen_omop.py --from-administrations target/bench/admin_1m.csv target/bench/omop_1m
"""
import csv
import os
import sys


def from_administrations(admin, out):
    """The OMOP tables of an administrations CSV (patient_id,drug,date,...)."""
    os.makedirs(out, exist_ok=True)
    drugs = {}
    with open(admin, newline="") as f, open(
        os.path.join(out, "DRUG_EXPOSURE.csv"), "w", newline="\n"
    ) as exp:
        exp.write("drug_exposure_id,person_id,drug_concept_id,drug_exposure_start_date,drug_exposure_end_date,drug_type_concept_id\n")
        for i, row in enumerate(csv.DictReader(f), 1):
            n = drugs.setdefault(row["drug"], len(drugs) + 1)
            concept = (9200000 if i % 2 else 9100000) + n
            exp.write(f"{i},{row['patient_id']},{concept},{row['date']},{row['date']},38000177\n")
    with open(os.path.join(out, "CONCEPT.csv"), "w", newline="\n") as f:
        f.write("\t".join(concept_header) + "\n")
        for name, n in drugs.items():
            for cid, cname, cls in [(9100000 + n, name, "Ingredient"), (9200000 + n, f"{name} Injectable Solution", "Clinical Drug")]:
                f.write("\t".join([str(cid), cname, "Drug", "RxNorm", cls, "S", str(cid), "19700101", "20991231", ""]) + "\n")
    with open(os.path.join(out, "CONCEPT_ANCESTOR.csv"), "w", newline="\n") as f:
        f.write("ancestor_concept_id\tdescendant_concept_id\tmin_levels_of_separation\tmax_levels_of_separation\n")
        for n in drugs.values():
            f.write(f"{9100000 + n}\t{9100000 + n}\t0\t0\n")
            f.write(f"{9100000 + n}\t{9200000 + n}\t1\t1\n")


concept_header = [
    "concept_id", "concept_name", "domain_id", "vocabulary_id", "concept_class_id",
    "standard_concept", "concept_code", "valid_start_date", "valid_end_date", "invalid_reason",
]
if len(sys.argv) == 4 and sys.argv[1] == "--from-administrations":
    from_administrations(sys.argv[2], sys.argv[3])
    sys.exit(0)

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join("tests", "data", "omop")
os.makedirs(out, exist_ok=True)

concepts = [
    (9100001, "carboplatin", "Ingredient"),
    (9100002, "paclitaxel", "Ingredient"),
    (9100003, "Pemetrexed", "Ingredient"),  # capitalised: names are read in lower case
    (9100004, "pembrolizumab", "Ingredient"),
    (9200001, "carboplatin 10 MG/ML Injectable Solution", "Clinical Drug"),
    (9200002, "paclitaxel 6 MG/ML Injectable Solution", "Clinical Drug"),
    (9200003, "pemetrexed 500 MG Injection", "Clinical Drug"),
]
with open(os.path.join(out, "CONCEPT.csv"), "w", newline="\n") as f:
    f.write("\t".join(concept_header) + "\n")
    for cid, name, cls in concepts:
        f.write("\t".join([str(cid), name, "Drug", "RxNorm", cls, "S", str(cid), "19700101", "20991231", ""]) + "\n")

with open(os.path.join(out, "CONCEPT_ANCESTOR.csv"), "w", newline="\n") as f:
    f.write("ancestor_concept_id\tdescendant_concept_id\tmin_levels_of_separation\tmax_levels_of_separation\n")
    for ingredient, drug in [(9100001, 9200001), (9100002, 9200002), (9100003, 9200003)]:
        f.write(f"{ingredient}\t{ingredient}\t0\t0\n")
        f.write(f"{ingredient}\t{drug}\t1\t1\n")

exposures = [
    # person 1: carboplatin + paclitaxel (clinical drugs) three times, then
    # pemetrexed (its ingredient concept) alone.
    (1, 9200001, "2020-01-06"), (1, 9200002, "2020-01-06"),
    (1, 9200001, "2020-01-27"), (1, 9200002, "2020-01-27"),
    (1, 9200001, "2020-02-17"), (1, 9200002, "2020-02-17"),
    (1, 9100003, "2020-03-16"),
    # person 2: pembrolizumab twice, and a concept the vocabulary lacks.
    (2, 9100004, "2020-02-01"), (2, 9100004, "2020-02-22"), (2, 9999999, "2020-02-22"),
    # person 10: a start given as a datetime.
    (10, 9200001, "2020-05-01 00:00:00"),
]
with open(os.path.join(out, "DRUG_EXPOSURE.csv"), "w", newline="\n") as f:
    f.write("drug_exposure_id,person_id,drug_concept_id,drug_exposure_start_date,drug_exposure_end_date,drug_type_concept_id\n")
    for i, (person, concept, start) in enumerate(exposures, 1):
        f.write(f"{i},{person},{concept},{start},{start[:10]},38000177\n")
