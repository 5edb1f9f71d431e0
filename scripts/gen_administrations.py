#!/usr/bin/env python3
"""Write a deterministic administrations file for `chemodose lines derive`
benchmarks: patient_id,drug,date,dose,dose_unit,route, sorted by patient.

Each patient gets 1 to 3 lines of a sarcoma regimen (gemcitabine/docetaxel,
doxorubicin, doxorubicin/ifosfamide with mesna, dacarbazine/doxorubicin,
trabectedin, eribulin), 2 to 8 cycles each, every 21 days, with gaps of 2 to
10 weeks between lines. Seeded, standard library only: the same arguments
write the same bytes on every machine (the sha256 is printed).

  python3 scripts/gen_administrations.py --rows 10000000 --out target/bench/admin_10m.csv
"""
import argparse
import datetime as dt
import hashlib
import random

REGIMENS = [
    [("gemcitabine", [1, 8], 1638), ("docetaxel", [8], 182)],
    [("doxorubicin", [1], 137)],
    [("doxorubicin", [1, 2, 3], 46), ("ifosfamide", [1, 2, 3, 4], 4550), ("mesna", [1, 2, 3, 4], 2730)],
    [("dacarbazine", [1], 364), ("doxorubicin", [1], 27)],
    [("trabectedin", [1], 2.7)],
    [("eribulin", [1, 8], 2.5)],
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--out", default="target/bench/admin_10m.csv")
    ap.add_argument("--seed", type=int, default=20261122)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    h = hashlib.sha256()
    rows = 0
    patient = 0
    start0 = dt.date(2015, 1, 1)
    with open(a.out, "w", newline="") as f:
        def emit(line):
            f.write(line)
            h.update(line.encode())
        emit("patient_id,drug,date,dose,dose_unit,route\n")
        while rows < a.rows:
            patient += 1
            day = start0 + dt.timedelta(days=rng.randrange(0, 3000))
            for _ in range(rng.randint(1, 3)):
                regimen = rng.choice(REGIMENS)
                for _cycle in range(rng.randint(2, 8)):
                    batch = []
                    for drug, days, dose in regimen:
                        for d in days:
                            batch.append((day + dt.timedelta(days=d - 1), drug, dose))
                    for when, drug, dose in sorted(batch):
                        emit(f"{patient},{drug},{when.isoformat()},{dose},mg,IV\n")
                        rows += 1
                    day += dt.timedelta(days=21)
                day += dt.timedelta(days=rng.randint(14, 70))
    print(f"wrote {a.out} rows={rows} patients={patient} sha256={h.hexdigest()}")


if __name__ == "__main__":
    main()
