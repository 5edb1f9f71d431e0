#!/usr/bin/env python3
"""Writes a small SYNTHETIC OMOP CDM extract for `lines derive --omop` tests:
CONCEPT.csv and CONCEPT_ANCESTOR.csv tab-separated (as the vocabulary files
from Athena are), DRUG_EXPOSURE.csv comma-separated.

The concept ids (91xxxxx ingredients, 92xxxxx clinical drugs) are invented:
they are not the OHDSI vocabulary's ids. The patients are invented.

Usage: python3 scripts/gen_omop.py [OUT_DIR]   (default tests/data/omop)
"""
import os
import sys

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join("tests", "data", "omop")
os.makedirs(out, exist_ok=True)

concept_header = [
    "concept_id", "concept_name", "domain_id", "vocabulary_id", "concept_class_id",
    "standard_concept", "concept_code", "valid_start_date", "valid_end_date", "invalid_reason",
]
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
