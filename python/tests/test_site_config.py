"""The site configuration (chemodose.toml) is read as the command line reads
it: `config=` is never ignored. It is read once per process, at the first
call, so each case runs in a process of its own."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from conftest import NO_LABS


def python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True)


def test_config_is_read_and_a_second_one_refused(run_cli):
    # The site's BSA rounding "none": 170 cm × 70 kg is dosed at 1.818118...
    # m², not 1.82 m²; gemcitabine 900 mg/m² × 1.8181 = 1,636.3 mg → 1,636 mg.
    with open("site.toml", "w") as f:
        f.write('[dose]\nbsa_rounding = "none"\n')
    with open("other.toml", "w") as f:
        f.write('[dose]\nbsa_rounding = "0.1"\n')
    with open("p.csv", "w") as f:
        f.write("id,height_cm,weight_kg\n1,170,70\n")
    p = python(f"""
        import pyarrow as pa, chemodose
        from chemodose import lines
        t = pa.table({{"id": [1], "height_cm": [170.0], "weight_kg": [70.0]}})
        out = chemodose.batch_dose(t, "gemcitabine-docetaxel", config="site.toml", override={NO_LABS!r})
        print(out.column("gemcitabine_d1_mg")[0].as_py())
        out = chemodose.batch_dose(t, "gemcitabine-docetaxel", override={NO_LABS!r})
        print(out.column("gemcitabine_d1_mg")[0].as_py())
        used = chemodose.dose("doxorubicin", height="170cm", weight="70kg", bilirubin="0.5mg/dL")["bsa"]["m2_used"]
        print(round(used, 4))
        try:
            chemodose.batch_dose(t, "gemcitabine-docetaxel", config="other.toml", override={NO_LABS!r})
        except chemodose.InputError as e:
            print("refused:", e)
    """)
    assert p.returncode == 0, p.stderr
    first, second, dose_bsa, refused = p.stdout.splitlines()
    assert (first, second) == ("1636.0", "1636.0")
    # dose() reads the same configuration: the BSA used is the unrounded
    # 1.8181 m², not 1.82.
    assert dose_bsa == "1.8181"
    assert refused.startswith("refused: this process reads the site configuration ")
    args = ["batch", "gemcitabine-docetaxel", "--patients", "p.csv", "--config", "site.toml"]
    for code, reason in NO_LABS.items():
        args += ["--override", f"{code}={reason}"]
    code, out, err = run_cli(*args)
    assert code == 0, err
    assert out.splitlines()[1].split(",")[2] == "1636"


def test_a_configuration_in_the_working_folder_is_found_as_by_the_cli():
    # No config= given: ./chemodose.toml is read, as the command line reads it.
    with open("chemodose.toml", "w") as f:
        f.write('[dose]\nbsa_rounding = "none"\n')
    p = python(f"""
        import pyarrow as pa, chemodose
        t = pa.table({{"id": [1], "height_cm": [170.0], "weight_kg": [70.0]}})
        out = chemodose.batch_dose(t, "gemcitabine-docetaxel", override={NO_LABS!r})
        print(out.column("gemcitabine_d1_mg")[0].as_py())
    """)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "1636.0"
