#!/usr/bin/env python3
"""Time POST /api/order/verify (docs/performance.md, "Web API load").

One client on one keep-alive connection sends the example order
docs/examples/orders/gemcitabine-docetaxel-c1.toml to `BINARY serve
--regimens regimens` on loopback: 50 requests to warm up, then 500 timed;
prints the mean time a request. Every answer must be 200, the first one
VERIFIED. Hermetic: no site configuration or regimen folder from the
environment.

  cargo build --release
  python3 scripts/bench_order_api.py target/release/chemodose
"""
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ORDER = "docs/examples/orders/gemcitabine-docetaxel-c1.toml"


def main():
    binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "target/release/chemodose")
    os.chdir(ROOT)
    with open(ORDER, encoding="utf-8") as f:
        body = json.dumps({"order": f.read(), "name": os.path.basename(ORDER)})
    config = tempfile.mkdtemp()
    env = dict(os.environ, XDG_CONFIG_HOME=config)
    env.pop("CHEMODOSE_REGIMENS", None)
    env.pop("CHEMODOSE_CONFIG", None)
    server = subprocess.Popen(
        [binary, "serve", "--bind", "127.0.0.1:0", "--regimens", "regimens"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, text=True,
    )
    try:
        port = int(re.search(r"127\.0\.0\.1:(\d+)/", server.stderr.readline()).group(1))
        conn = http.client.HTTPConnection("127.0.0.1", port)

        def verify():
            conn.request("POST", "/api/order/verify", body, {"content-type": "application/json"})
            answer = conn.getresponse()
            data = answer.read()
            if answer.status != 200:
                sys.exit(f"answer {answer.status}: {data[:300]!r}")
            return data

        if b'"VERIFIED"' not in verify():
            sys.exit("the example order was not VERIFIED")
        for _ in range(50):
            verify()
        n = 500
        start = time.perf_counter()
        for _ in range(n):
            verify()
        elapsed = time.perf_counter() - start
        print(f"{binary}: {n} order verifications in {elapsed:.2f} s = "
              f"{1000 * elapsed / n:.2f} ms a request, one client")
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(config, ignore_errors=True)


if __name__ == "__main__":
    main()
