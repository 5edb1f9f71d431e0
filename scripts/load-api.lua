-- wrk script for scripts/load-api.sh: every request is the same realistic
-- POST /api/dose, gemcitabine/docetaxel at 170 cm and 70 kg with the labs
-- docetaxel needs (the normal results of docs/examples/gemdoc-labs.toml).
-- Expected answer: 200, gemcitabine 1,638 mg days 1 and 8, docetaxel 182 mg
-- day 8 (BSA sqrt(170 x 70 / 3600) = 1.8181 -> 1.82 m2; 900 and 100 mg/m2).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [[{"regimen": "gemcitabine-docetaxel", "height": "170cm", "weight": "70kg",
 "anc": "3.2x10^9/L", "platelets": "245x10^9/L",
 "bilirubin": "9umol/L", "bilirubin_uln": "21umol/L",
 "ast": "24U/L", "ast_uln": "40U/L", "alt": "22U/L", "alt_uln": "45U/L",
 "alp": "88U/L", "alp_uln": "130U/L"}]]

-- No `response` callback: with one, wrk keeps every answer's headers and
-- body and calls into Lua for each, which on a shared 2-core machine takes
-- CPU from the server (docs/performance.md, "Fifth round"). wrk counts the
-- answers with a status of 400 or more itself (summary.errors.status); the
-- server answers this request with 200, or with 4xx/5xx, never 1xx or 3xx.

function done(summary, latency, requests)
  io.write(string.format("answers with a status of 400 or more: %d\n", summary.errors.status))
  io.write(string.format("socket errors: connect %d, read %d, write %d, timeout %d\n",
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
  io.write(string.format("requests: %d in %.2f s = %.0f/s\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6)))
  for _, p in ipairs({50, 90, 99, 99.9}) do
    io.write(string.format("latency p%s: %.2f ms\n", p, latency:percentile(p) / 1000))
  end
  io.write(string.format("latency max: %.2f ms\n", latency.max / 1000))
end
