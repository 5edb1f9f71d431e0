#!/usr/bin/env python3
# Copied from the project's shared benchmark material (shared/bench/gen_input.py) so that the
# repository can regenerate the exact input the pandas peer is measured on.
"""Write the deterministic benchmark input: id,height_cm,weight_kg.

Adult oncology-like population: height 140.0-205.0 cm, weight from a BMI of
15-50 kg/m2, both to 0.1.  Seeded, standard library only, so every run and
every machine writes the same bytes (the sha256 is printed).

  python3 gen_input.py --rows 1000000 --out out/patients_1m.csv
"""
import argparse
import hashlib
import random
from pathlib import Path


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--out", type=Path, default=Path("out/patients_1m.csv"))
    ap.add_argument("--seed", type=int, default=20261122)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    lines = ["id,height_cm,weight_kg"]
    for i in range(1, a.rows + 1):
        h = round(rng.uniform(140.0, 205.0), 1)
        bmi = rng.uniform(15.0, 50.0)
        w = round(min(250.0, max(30.0, bmi * (h / 100.0) ** 2)), 1)
        lines.append(f"{i},{h:.1f},{w:.1f}")
    text = "\n".join(lines) + "\n"
    a.out.write_text(text)
    print(f"wrote {a.out} rows={a.rows} sha256={hashlib.sha256(text.encode()).hexdigest()}")


if __name__ == "__main__":
    main()
