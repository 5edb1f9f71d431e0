#!/usr/bin/env python3
"""Instructions a dose API request costs the server (docs/performance.md,
"Web API load"), counted by valgrind's callgrind: a figure that does not
move with the machine's other load, unlike the time of a load run.

`BINARY serve --regimens regimens` runs under callgrind twice, on loopback,
answering the load run's request (scripts/load-api.lua: gemcitabine/
docetaxel at 170 cm and 70 kg) on one keep-alive connection, FEW times and
then MANY times; the difference of the two totals over MANY - FEW requests
is what one request costs, without the start-up (reading the library, the
first request's regimen file). Every answer must be 200 with the doses
worked out by hand (gemcitabine 1,638 mg, docetaxel 182 mg). Counts the
server's own instructions (its code and the C library), not the kernel's.
Hermetic: no site configuration or regimen folder from the environment.

  cargo build --release
  python3 scripts/instructions_api.py target/release/chemodose [FEW MANY]
  callgrind_annotate --inclusive=yes target/callgrind/many.out | head -60
"""
import http.client
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def request_body():
    with open(os.path.join(ROOT, "scripts/load-api.lua"), encoding="utf-8") as f:
        return re.search(r"wrk\.body = \[\[(.*?)\]\]", f.read(), re.S).group(1)


def total_instructions(binary, requests, out):
    config = tempfile.mkdtemp()
    env = dict(os.environ, XDG_CONFIG_HOME=config)
    env.pop("CHEMODOSE_REGIMENS", None)
    env.pop("CHEMODOSE_CONFIG", None)
    server = subprocess.Popen(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
         binary, "serve", "--bind", "127.0.0.1:0", "--regimens", "regimens"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, text=True,
    )
    try:
        port = None
        deadline = time.time() + 60
        while port is None and time.time() < deadline:
            line = server.stderr.readline()
            m = re.search(r"http://127\.0\.0\.1:(\d+)", line)
            if m:
                port = int(m.group(1))
        if port is None:
            sys.exit("the server did not start under valgrind")
        body = request_body()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for _ in range(requests):
            conn.request("POST", "/api/dose", body, {"Content-Type": "application/json"})
            answer = conn.getresponse()
            text = answer.read().decode()
            if answer.status != 200:
                sys.exit(f"answer {answer.status}: {text}")
            for want in ('"final_dose":1638', '"final_dose":182'):
                if want not in text:
                    sys.exit(f"the answer lacks {want}")
        conn.close()
    finally:
        server.send_signal(2)
        server.communicate(timeout=120)
        shutil.rmtree(config, ignore_errors=True)
    with open(out, encoding="utf-8") as f:
        for line in f:
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1])
    sys.exit(f"no total in {out}")


def main():
    binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "target/release/chemodose")
    few = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    many = int(sys.argv[3]) if len(sys.argv) > 3 else 250
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (Debian: apt-get install valgrind)")
    os.chdir(ROOT)
    os.makedirs("target/callgrind", exist_ok=True)
    a = total_instructions(binary, few, "target/callgrind/few.out")
    b = total_instructions(binary, many, "target/callgrind/many.out")
    print(f"{binary}: {(b - a) / (many - few):,.0f} instructions a dose request "
          f"({few} and {many} requests: {a:,} and {b:,}); profile in target/callgrind/many.out")


if __name__ == "__main__":
    main()
