#!/usr/bin/env bash
# Regenerates docs/schedule-page.png: the printed gemcitabine/docetaxel
# schedule (A4, headless Chromium), the page of cycle 4, where docetaxel
# drops to dose level -1. Needs chromium and poppler-utils.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
SOURCE_DATE_EPOCH=1796169600 target/release/chemodose schedule gemcitabine-docetaxel \
  --start 2026-12-07 --height 170cm --weight 70kg --sex female \
  --labs docs/examples/gemdoc-labs.toml --level-from 4=docetaxel=-1 \
  --patient-id PT-0042 --patient-name "Jane Example" --mrn MRN-12345 --dob 1961-04-02 \
  --measured-on 2026-12-01 \
  --format html -o "$OUT/schedule.html"
chromium --headless --no-sandbox --disable-gpu --no-pdf-header-footer \
  --user-data-dir="$OUT/profile" --print-to-pdf="$OUT/schedule.pdf" \
  "file://$OUT/schedule.html" 2>/dev/null
PAGE=$(pdftotext -layout "$OUT/schedule.pdf" - | awk 'BEGIN{RS="\f"} /Cycle 4 of 6/ && !p {p=NR} END{print p}')
pdftoppm -png -f "$PAGE" -l "$PAGE" -scale-to 880 "$OUT/schedule.pdf" "$OUT/page"
cp "$OUT"/page-*.png docs/schedule-page.png
echo "docs/schedule-page.png: page $PAGE"
