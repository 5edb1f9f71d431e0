//! Treatment-day criteria through the real binary: PROCEED, MODIFY, HOLD and
//! NOT CHECKED on `dose`, and on every administration of a printed
//! schedule, each judged on its own date with results recent enough for it.
//!
//! The fixture regimen's thresholds are those of the gemcitabine label's
//! day-8 table (clinical reference §9.3: ANC ≥ 1 and platelets ≥ 75 ×10⁹/L
//! full dose; ANC 0.5-0.999 or platelets 50-74.999 ×10⁹/L 75 %; lower,
//! hold), with a day-1 criterion of ANC ≥ 1.5 and platelets ≥ 100 ×10⁹/L.

mod common;

use common::Run;

const REGIMEN: &str = r#"
id = "day-criteria-fixture"
name = "Day-criteria fixture"
version = "1"
status = "active"
last_reviewed = 2026-01-01

emetogenic_risk = "low"
# The arithmetic under test, without the standard antiemetic set.
antiemetic_set = "as-needed"
[cycle]
length_days = 21
cycles = 2

[[source]]
citation = "Test fixture: the gemcitabine label's day-8 table, for the rules' arithmetic"

[[drug]]
name = "gemcitabine"
role = "antineoplastic"
dose = "1000 mg/m2"
route = "IV"
days = "1,8"

[[drug.rule]]
kind = "day"
days = "1"
when = "anc < 1.5 x10^9/L or platelets < 100 x10^9/L"
then = "hold"
source = "fixture: day-1 counts"

[[drug.rule]]
kind = "day"
days = "8"
when = "anc < 0.5 x10^9/L or platelets < 50 x10^9/L"
then = "hold"
source = "fixture: gemcitabine label day-8 table, hold"

[[drug.rule]]
kind = "day"
days = "8"
when = "anc >= 0.5 x10^9/L and anc < 1 x10^9/L"
then = "give 75%"
source = "fixture: gemcitabine label day-8 table, 75% (ANC)"

[[drug.rule]]
kind = "day"
days = "8"
when = "platelets >= 50 x10^9/L and platelets < 75 x10^9/L"
then = "give 75%"
source = "fixture: gemcitabine label day-8 table, 75% (platelets)"
"#;

/// 180 cm, 80 kg: BSA = sqrt(180 × 80 / 3600) = sqrt(4) = 2 m² exactly, so
/// gemcitabine 1,000 mg/m² is 2,000 mg and 75 % of it 1,500 mg.
const PATIENT: [&str; 8] = [
    "--height", "180cm", "--weight", "80kg", "--sex", "male", "--age", "60",
];

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("day-criteria-fixture.toml"), REGIMEN).unwrap();
        Fixture { dir }
    }

    fn regimen(&self) -> String {
        self.dir
            .path()
            .join("day-criteria-fixture.toml")
            .display()
            .to_string()
    }

    fn run(&self, command: &str, extra: &[&str]) -> Run {
        let regimen = self.regimen();
        let mut args = vec![command, regimen.as_str()];
        args.extend(PATIENT);
        args.extend(extra);
        Run::new(&args)
    }
}

fn json(out: &str) -> serde_json::Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

#[test]
fn counts_that_pass_on_day_1_proceed() {
    let f = Fixture::new();
    let out = f
        .run(
            "dose",
            &[
                "--on",
                "2026-12-01",
                "--anc",
                "2x10^9/L",
                "--platelets",
                "150x10^9/L",
                "--format",
                "json",
            ],
        )
        .success();
    let v = json(&out);
    assert_eq!(v["assessment"]["verdict"], "proceed");
    assert_eq!(v["assessment"]["day"], 1);
    let day1 = &v["administrations"][0];
    assert_eq!(day1["final_dose"].as_f64(), Some(2000.0));
    assert_eq!(day1["verdict"], "proceed");
}

#[test]
fn a_low_anc_on_day_1_holds_with_exit_1_until_overridden() {
    let f = Fixture::new();
    let counts = [
        "--on",
        "2026-12-01",
        "--anc",
        "0.9x10^9/L",
        "--platelets",
        "150x10^9/L",
    ];
    let err = f.run("dose", &counts).fails(1);
    assert!(err.contains("HOLD gemcitabine day 1"), "{err}");
    assert!(err.contains("ANC 0.9"), "{err}");
    assert!(err.contains("--override hold-gemcitabine="), "{err}");
    let mut with = counts.to_vec();
    with.extend([
        "--override",
        "hold-gemcitabine=consultant: ANC 0.9 accepted for this cycle",
    ]);
    let out = f.run("dose", &with).success();
    assert!(out.contains("HOLD"), "{out}");
    assert!(
        out.contains("consultant: ANC 0.9 accepted for this cycle"),
        "{out}"
    );
}

#[test]
fn day_8_counts_in_the_75_percent_band_modify_the_dose() {
    // ANC 0.8 ×10⁹/L on day 8: 75 % of 2,000 mg = 1,500 mg.
    let f = Fixture::new();
    let out = f
        .run(
            "dose",
            &[
                "--day",
                "8",
                "--on",
                "2026-12-08",
                "--anc",
                "0.8x10^9/L",
                "--platelets",
                "150x10^9/L",
                "--format",
                "json",
            ],
        )
        .success();
    let v = json(&out);
    assert_eq!(v["assessment"]["verdict"], "modify");
    let day8 = v["administrations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["day"] == 8)
        .unwrap();
    assert_eq!(day8["final_dose"].as_f64(), Some(1500.0));
    assert_eq!(day8["verdict"], "modify");
    // Day 1 is not the day assessed: full dose, no verdict.
    assert_eq!(v["administrations"][0]["final_dose"].as_f64(), Some(2000.0));
    assert!(v["administrations"][0]["verdict"].is_null());
}

#[test]
fn no_counts_give_not_checked_and_the_dose_still_shown() {
    let f = Fixture::new();
    let out = f.run("dose", &["--on", "2026-12-01"]).success();
    assert!(out.contains("NOT CHECKED"), "{out}");
    assert!(out.contains("2,000 mg"), "{out}");
    let v = json(
        &f.run("dose", &["--on", "2026-12-01", "--format", "json"])
            .success(),
    );
    assert_eq!(v["assessment"]["verdict"], "not-checked");
}

#[test]
fn a_stale_count_cannot_let_a_dose_proceed() {
    // Counts of 2026-11-25, judged on 2026-12-01: 6 days old, more than the
    // default 3.
    let f = Fixture::new();
    let v = json(
        &f.run(
            "dose",
            &[
                "--on",
                "2026-12-01",
                "--labs-date",
                "2026-11-25",
                "--anc",
                "2x10^9/L",
                "--platelets",
                "150x10^9/L",
                "--format",
                "json",
            ],
        )
        .success(),
    );
    assert_eq!(v["assessment"]["verdict"], "not-checked");
    // With a week allowed, the same counts pass.
    let v = json(
        &f.run(
            "dose",
            &[
                "--on",
                "2026-12-01",
                "--labs-date",
                "2026-11-25",
                "--max-result-age",
                "7",
                "--anc",
                "2x10^9/L",
                "--platelets",
                "150x10^9/L",
                "--format",
                "json",
            ],
        )
        .success(),
    );
    assert_eq!(v["assessment"]["verdict"], "proceed");
}

#[test]
fn a_schedule_without_counts_is_not_checked_on_every_administration() {
    let f = Fixture::new();
    let v = json(
        &f.run(
            "schedule",
            &[
                "--start",
                "2026-12-02",
                "--on",
                "2026-12-01",
                "--format",
                "json",
            ],
        )
        .success(),
    );
    let verdicts: Vec<(u64, String)> = v["cycles"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["administrations"].as_array().unwrap().iter())
        .map(|a| {
            (
                a["day"].as_u64().unwrap(),
                a["verdict"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(verdicts.len(), 4);
    assert!(
        verdicts.iter().all(|(_, v)| v == "not-checked"),
        "{verdicts:?}"
    );
    let text = f
        .run("schedule", &["--start", "2026-12-02", "--on", "2026-12-01"])
        .success();
    assert!(text.contains("NOT CHECKED: ANC not given"), "{text}");
}

#[test]
fn a_schedule_judges_each_administration_on_its_own_date() {
    // Counts taken 2026-12-01, start 2026-12-02: cycle 1 day 1 is 1 day
    // later (checked: PROCEED); day 8 (2026-12-09) and cycle 2 are more than
    // 3 days later, so their counts are not known yet (NOT CHECKED).
    let f = Fixture::new();
    let v = json(
        &f.run(
            "schedule",
            &[
                "--start",
                "2026-12-02",
                "--on",
                "2026-12-01",
                "--anc",
                "2x10^9/L",
                "--platelets",
                "150x10^9/L",
                "--format",
                "json",
            ],
        )
        .success(),
    );
    let cycles = v["cycles"].as_array().unwrap();
    let c1 = cycles[0]["administrations"].as_array().unwrap();
    assert_eq!(c1[0]["date"], "2026-12-02");
    assert_eq!(c1[0]["verdict"], "proceed");
    assert_eq!(c1[1]["date"], "2026-12-09");
    assert_eq!(c1[1]["verdict"], "not-checked");
    assert_eq!(c1[1]["criteria"][0]["comparisons"][0]["stale"], true);
    let c2 = cycles[1]["administrations"].as_array().unwrap();
    assert!(c2.iter().all(|a| a["verdict"] == "not-checked"));
    // The CSV carries the verdict in a column of its own.
    let csv = f
        .run(
            "schedule",
            &[
                "--start",
                "2026-12-02",
                "--on",
                "2026-12-01",
                "--anc",
                "2x10^9/L",
                "--platelets",
                "150x10^9/L",
                "--format",
                "csv",
            ],
        )
        .success();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(&rows[0][col("verdict")], "proceed");
    assert_eq!(&rows[1][col("verdict")], "not-checked");
    assert_eq!(
        &rows[1][col("check")],
        "NOT CHECKED: ANC of 2026-12-01 too old, platelets of 2026-12-01 too old"
    );
}

#[test]
fn a_schedule_refuses_a_hold_on_its_first_day() {
    let f = Fixture::new();
    let err = f
        .run(
            "schedule",
            &[
                "--start",
                "2026-12-02",
                "--on",
                "2026-12-01",
                "--anc",
                "0.9x10^9/L",
                "--platelets",
                "150x10^9/L",
            ],
        )
        .fails(1);
    assert!(err.contains("HOLD gemcitabine day 1"), "{err}");
    // Delayed a week, the same counts are too old to judge day 1: the
    // schedule prints, NOT CHECKED.
    let out = f
        .run(
            "schedule",
            &[
                "--start",
                "2026-12-09",
                "--on",
                "2026-12-01",
                "--anc",
                "0.9x10^9/L",
                "--platelets",
                "150x10^9/L",
            ],
        )
        .success();
    assert!(
        out.contains("NOT CHECKED: ANC of 2026-12-01 too old"),
        "{out}"
    );
}
