"""The Python API on hand-worked values: the README's worked examples, the
calculators, each exception, and the keyword arguments as flags."""

import datetime
import math
import warnings

import pytest

import chemodose
from chemodose import InputError, SafetyStop

# Normal labs for docetaxel's liver rules, given as keyword arguments
# (the values of docs/examples/gemdoc-labs.toml).
GEMDOC_LABS = dict(
    anc="3.2x10^9/L",
    platelets="245x10^9/L",
    bilirubin="9umol/L",
    bilirubin_uln="21umol/L",
    ast="24U/L",
    ast_uln="40U/L",
    alt="22U/L",
    alt_uln="45U/L",
    alp="88U/L",
    alp_uln="130U/L",
)


def doses(answer, drug):
    return [(a["day"], a["final_mg"]) for a in answer["administrations"] if a["drug"] == drug]


def test_bsa_mosteller_by_hand():
    # sqrt(170 × 70 / 3600) = sqrt(3.30556) = 1.81812 m² (Mosteller 1987), 1.82 rounded.
    b = chemodose.bsa("170cm", "70kg")
    assert b["formula"] == "mosteller"
    assert math.isclose(b["bsa_m2"], math.sqrt(170 * 70 / 3600), rel_tol=1e-9)
    assert b["bsa_m2_rounded"] == 1.82


def test_bsa_dubois_by_hand():
    # DuBois 1916: 0.007184 × 170^0.725 × 70^0.425 = 1.8097 m².
    b = chemodose.bsa("170cm", "70kg", formula="dubois")
    assert math.isclose(b["bsa_m2"], 0.007184 * 170**0.725 * 70**0.425, rel_tol=1e-6)


def test_bsa_every_formula():
    every = chemodose.bsa("170cm", "70kg", formula="all")
    assert {b["formula"] for b in every} >= {"mosteller", "dubois", "haycock", "boyd"}


def test_crcl_cockcroft_gault_by_hand():
    # (140 − 64) × 72 / (72 × 1.1) = 69.09 mL/min for a man (Cockcroft and Gault 1976).
    c = chemodose.crcl(age=64, weight="72kg", sex="male", scr="1.1mg/dL")
    assert math.isclose(c["crcl_ml_min"], (140 - 64) * 72 / (72 * 1.1), rel_tol=1e-9)
    assert c["weight_basis"] == "actual"


def test_carboplatin_calvert_by_hand():
    # Calvert 1989: AUC 5 × (GFR 90 + 25) = 575 mg.
    c = chemodose.carboplatin(5, gfr="90mL/min")
    assert c["dose_mg"] == 575.0
    assert c["gfr_capped"] is False


def test_carboplatin_gfr_capped_at_125():
    # GFR 150 is capped at 125 mL/min: AUC 6 × (125 + 25) = 900 mg.
    c = chemodose.carboplatin(6, gfr="150mL/min")
    assert c["dose_mg"] == 900.0 and c["gfr_capped"] is True


def test_dose_gemcitabine_docetaxel_170cm_70kg():
    # BSA 1.8181 → 1.82 m²; gemcitabine 900 mg/m² × 1.82 = 1,638 mg days 1 and 8;
    # docetaxel 100 mg/m² × 1.82 = 182 mg day 8.
    answer = chemodose.dose("gemcitabine-docetaxel", height="170cm", weight="70kg", **GEMDOC_LABS)
    assert doses(answer, "gemcitabine") == [(1, 1638.0), (8, 1638.0)]
    assert doses(answer, "docetaxel") == [(8, 182.0)]
    assert answer["regimen"] == "gemcitabine-docetaxel"


def test_dose_exact_tie_rounds_half_up(gemdoc_labs):
    # sqrt(202.5 × 96.1 / 3600) = sqrt(5.405625) = 2.325 m² exactly;
    # 900 × 2.325 = 2,092.5 mg, half up to 2,093 mg (f64 gives 2,092.4999…).
    answer = chemodose.dose(
        "gemcitabine-docetaxel",
        height="202.5cm",
        weight="96.1kg",
        bsa_round="none",
        round="1mg",
        labs=gemdoc_labs,
        on="2026-12-01",
    )
    day1 = [a for a in answer["administrations"] if a["drug"] == "gemcitabine" and a["day"] == 1][0]
    assert day1["calculated_mg"] == 2092.5
    assert day1["final_mg"] == 2093.0


def test_a_level_as_a_dict_and_the_cycle():
    # Docetaxel level −1 is 75 mg/m² (regimen file): 75 × 1.82 = 136.5 → 137 mg;
    # gemcitabine unchanged, 1,638 mg.
    answer = chemodose.dose(
        "gemcitabine-docetaxel", height="170cm", weight="70kg", cycle=2, level={"docetaxel": -1}, **GEMDOC_LABS
    )
    assert answer["cycle"] == 2
    assert doses(answer, "docetaxel") == [(8, 137.0)]
    assert doses(answer, "gemcitabine") == [(1, 1638.0), (8, 1638.0)]


def test_a_bare_number_is_refused_never_guessed():
    with pytest.raises(InputError, match="height needs a unit"):
        chemodose.dose("gemcitabine-docetaxel", height=170, weight="70kg", **GEMDOC_LABS)


def test_an_implausible_value_is_refused():
    with pytest.raises(InputError):
        chemodose.bsa("17cm", "70kg")


def test_an_unknown_option_is_refused():
    with pytest.raises(InputError, match="--heigth"):
        chemodose.dose("gemcitabine-docetaxel", heigth="170cm", weight="70kg")


def test_an_unknown_regimen_is_refused():
    with pytest.raises(InputError, match="no-such-regimen"):
        chemodose.dose("no-such-regimen", height="170cm", weight="70kg")


def test_output_and_format_are_the_package_s_own():
    with pytest.raises(InputError, match="output"):
        chemodose.dose("gemcitabine-docetaxel", height="170cm", weight="70kg", output="x.json")


def test_missing_liver_tests_stop_with_code_and_source():
    with pytest.raises(SafetyStop) as caught:
        chemodose.dose("gemcitabine-docetaxel", height="170cm", weight="70kg")
    stop = caught.value
    assert stop.code == "missing-bilirubin"
    assert [code for code, _ in stop.stops] == ["missing-bilirubin", "missing-ast", "missing-alt", "missing-alp"]
    assert stop.source
    assert "DOCEtaxel" in str(stop)  # tall-man name, as the command line words it
    assert isinstance(stop, chemodose.ChemodoseError)


def test_an_override_lets_one_stop_through_with_its_reason():
    labs = dict(GEMDOC_LABS)
    del labs["alp"], labs["alp_uln"]
    answer = chemodose.dose(
        "gemcitabine-docetaxel",
        height="170cm",
        weight="70kg",
        override={"missing-alp": "ALP pending, bilirubin/AST/ALT normal"},
        **labs,
    )
    assert doses(answer, "docetaxel") == [(8, 182.0)]
    assert "ALP pending" in repr(answer["overrides"])


def test_schedule_dates_by_hand():
    # Cycle 1 starts Mon 2026-12-07: gemcitabine days 1 and 8 (12-07, 12-14),
    # docetaxel day 8 (12-14); cycle 2 starts 21 days later, 2026-12-28, and
    # its day 8 is 2027-01-04.
    answer = chemodose.schedule(
        "gemcitabine-docetaxel",
        start=datetime.date(2026, 12, 7),
        height="170cm",
        weight="70kg",
        cycles=2,
        **GEMDOC_LABS,
    )
    given = sorted(
        (a["date"], a["drug"], a["final_dose"])
        for c in answer["cycles"]
        for a in c["administrations"]
        if a["role"] == "antineoplastic"
    )
    assert given == [
        ("2026-12-07", "gemcitabine", 1638.0),
        ("2026-12-14", "docetaxel", 182.0),
        ("2026-12-14", "gemcitabine", 1638.0),
        ("2026-12-28", "gemcitabine", 1638.0),
        ("2027-01-04", "docetaxel", 182.0),
        ("2027-01-04", "gemcitabine", 1638.0),
    ]


def test_a_history_whose_line_is_not_stated_stops_then_warns(repo):
    # docs/examples/synthetic-doxorubicin.toml: line 2 does not state its
    # regimen, so the doxorubicin lifetime limit cannot be checked: a stop.
    history = str(repo / "docs" / "examples" / "synthetic-doxorubicin.toml")
    with pytest.raises(SafetyStop) as caught:
        chemodose.dose("doxorubicin", history=history, cycles=1, bilirubin="0.6mg/dL")
    assert caught.value.code == "prior-incomplete"
    # With a reason it goes through, and the command line's warning is a
    # Python warning.
    with pytest.warns(chemodose.ChemodoseWarning, match="prior-exposure-incomplete"):
        answer = chemodose.dose(
            "doxorubicin",
            history=history,
            cycles=1,
            bilirubin="0.6mg/dL",
            override={"prior-incomplete": "outside records requested"},
        )
    assert answer["warnings"][0]["code"] == "prior-exposure-incomplete"


def test_the_bundled_library_and_a_pharmacy_s_folder(repo, tmp_path, monkeypatch):
    # Doxorubicin 75 mg/m² at 180 cm / 80 kg: sqrt(180 × 80 / 3600) = 2.00 m² → 150 mg.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # no ./regimens here: the library inside the package
    monkeypatch.delenv("CHEMODOSE_REGIMENS", raising=False)
    bundled = chemodose.dose("doxorubicin", height="180cm", weight="80kg", bilirubin="0.5mg/dL")
    assert bundled["regimen_source"]["kind"] == "bundled"
    assert doses(bundled, "doxorubicin") == [(1, 150.0)]
    folder = tmp_path / "pharmacy"
    folder.mkdir()
    (folder / "doxorubicin.toml").write_bytes((repo / "regimens" / "doxorubicin.toml").read_bytes())
    own = chemodose.dose("doxorubicin", height="180cm", weight="80kg", bilirubin="0.5mg/dL", regimens=str(folder))
    assert own["regimen_source"]["kind"] == "file"
    assert own["regimen_source"]["path"] == str(folder / "doxorubicin.toml")
    assert doses(own, "doxorubicin") == [(1, 150.0)]
    with pytest.raises(InputError, match="unknown regimen `gemcitabine-docetaxel` in the folder"):
        chemodose.dose("gemcitabine-docetaxel", height="180cm", weight="80kg", regimens=str(folder))
