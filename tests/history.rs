//! Treatment histories: the two published case reports as history files,
//! encoded from the reports only (nothing invented enters a cumulative dose);
//! cumulative doses worked out by hand on explicitly SYNTHETIC histories;
//! what is not stated (regimen, cycles, radiation field); edits that keep the
//! file's layout, a refusal at a lifetime limit, and a write interrupted
//! before the rename.

mod common;
use common::Run;

use chemodose::anthracycline::AnthracyclinePolicy;
use chemodose::history::{
    Before, CardiacRadiation, CardiacRegion, EventKind, Gap, History, HistoryReport, StatedCycles,
    StopReason, parse_history,
};
use chemodose::regimen::{Intent, Library};
use rust_decimal::Decimal;

fn report(path: &str) -> HistoryReport {
    let lib = Library::bundled().unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    parse_history(path, &text, &lib)
        .unwrap()
        .report(&lib)
        .unwrap()
}

fn history(text: &str) -> History {
    let lib = Library::bundled().unwrap();
    parse_history("h.toml", text, &lib).unwrap()
}

fn report_of(text: &str) -> HistoryReport {
    let lib = Library::bundled().unwrap();
    history(text).report(&lib).unwrap()
}

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn codes(r: &HistoryReport) -> Vec<&'static str> {
    r.warnings.iter().map(|w| w.code()).collect()
}

/// Line and column (1-based) where `needle` starts in `text`.
fn loc(text: &str, needle: &str) -> (usize, usize) {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` not in the text"));
    let line = text[..at].matches('\n').count() + 1;
    let col = text[..at].rfind('\n').map_or(at, |nl| at - nl - 1) + 1;
    (line, col)
}

/// An explicitly SYNTHETIC history (invented figures, not a patient and not
/// a case report): six cycles of single-agent doxorubicin at 160 cm, 64 kg.
/// BSA sqrt(160 × 64 / 3600) = 1.6865 → 1.69 m²; 75 × 1.69 = 126.75 mg, held
/// under the ceiling share 126.75 mg → 126 mg a cycle; 6 × 126 = 756 mg;
/// 6 × 126 / 1.69 = 447.337 → 447.34 mg/m².
const SYNTHETIC_DOX6: &str = r#"# SYNTHETIC history for tests: invented figures, not a patient.
[patient]
id = "SYNTHETIC-DOX6"
sex = "female"
age_at = { years = 57, on = 2018-04-02 }

[[measurement]]
date = 2018-03-30
height = "160cm"
weight = "64kg"
scr = "0.7mg/dL"

[[line]]
number = 1
intent = "palliative"
regimen = "doxorubicin"
regimen_version = "1.2.0"
start = 2018-04-02
end = 2018-07-16
stop_reason = "completed"

[[line.cycle]]
number = 1
date = 2018-04-02

[[line.cycle]]
number = 2
date = 2018-04-23

[[line.cycle]]
number = 3
date = 2018-05-14

[[line.cycle]]
number = 4
date = 2018-06-04

[[line.cycle]]
number = 5
date = 2018-06-25

[[line.cycle]]
number = 6
date = 2018-07-16
"#;

/// SYNTHETIC: three cycles of doxorubicin (3 × 126 / 1.69 = 223.668 →
/// 223.67 mg/m²), then radiation whose field is not recorded.
fn synthetic_dox3_radiation_unknown() -> String {
    let cut = SYNTHETIC_DOX6.find("[[line.cycle]]\nnumber = 4").unwrap();
    SYNTHETIC_DOX6[..cut].replace("end = 2018-07-16", "end = 2018-05-14")
        + "[[event]]\nkind = \"radiation\"\ndate = 2018-06-01\nsite = \"T9-T11\"\n"
}

/// SYNTHETIC: the six doxorubicin cycles, then a line whose regimen the
/// source does not name and whose cycles it does not count.
fn synthetic_with_a_line_not_stated() -> String {
    SYNTHETIC_DOX6.to_owned()
        + r#"
[[line]]
number = 2
regimen_not_stated = "anthracycline-based chemotherapy at another hospital"
cycles = "unknown"
start = 2019-01-07
end = 2019-04-01
stop_reason = "not-stated"
"#
}

fn temp_write(tag: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("chemodose-hist-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("history.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn first_case_report_as_the_report_states_it() {
    let r = report("docs/examples/lms-case-1.toml");
    // Two lines with the report's doses (case-report regimens), the number of
    // cycles it states, and why each stopped.
    assert_eq!(r.lines.len(), 2);
    let (l1, l2) = (&r.lines[0], &r.lines[1]);
    assert_eq!(
        l1.regimen.as_deref(),
        Some("dacarbazine-doxorubicin-case-report")
    );
    assert_eq!(
        l2.regimen.as_deref(),
        Some("cisplatin-ifosfamide-case-report")
    );
    assert_eq!(l1.stated_cycles, Some(StatedCycles::Count(3)));
    assert_eq!(l2.stated_cycles, Some(StatedCycles::Count(2)));
    assert!(l1.cycles.is_empty() && l2.cycles.is_empty());
    assert_eq!(l1.intent, Some(Intent::Palliative));
    assert_eq!(l1.stop_reason, Some(StopReason::Progression));
    assert_eq!(l2.stop_reason, Some(StopReason::PatientDecision));
    // Radiotherapy to T9-T11 came BEFORE chemotherapy, after the laminectomy.
    let kinds: Vec<EventKind> = r.events.iter().map(|e| e.kind).collect();
    let surgery = r
        .events
        .iter()
        .find(|e| e.kind == EventKind::Surgery)
        .unwrap();
    let radiation = r
        .events
        .iter()
        .find(|e| e.kind == EventKind::Radiation)
        .unwrap();
    assert!(
        surgery
            .description
            .as_deref()
            .unwrap()
            .contains("laminectomy")
    );
    assert!(surgery.date < radiation.date && radiation.date < l1.start);
    // Its field is not stated: unknown, not false.
    assert_eq!(radiation.cardiac_region, Some(CardiacRegion::Unknown));
    // The untreated synchronous gastric adenocarcinoma and the liver lesions.
    let others: Vec<&str> = r
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Other)
        .filter_map(|e| e.description.as_deref())
        .collect();
    assert!(others.iter().any(|t| t.contains("gastric adenocarcinoma")
        && t.contains("refused surgery for stomach cancer")));
    assert!(others.iter().any(|t| t.contains("S4") && t.contains("S8")));
    assert_eq!(kinds.last(), Some(&EventKind::Death));
    // No dates in the report: placeholders, so no durations.
    assert!(r.placeholder_dates.is_some());
    assert_eq!(l1.duration_days, None);
    assert_eq!(l1.time_to_next_treatment_days, None);
    // Nothing invented enters a cumulative dose: the day lists and the
    // cycles' measurements are not stated, so both lines add nothing.
    assert!(r.cumulative.is_empty(), "{:?}", r.cumulative);
    assert!(!r.cumulative_complete());
    assert_eq!(
        r.incomplete.iter().map(|l| l.line).collect::<Vec<_>>(),
        vec![1, 2]
    );
    assert_eq!(
        r.incomplete[0].drugs.as_deref(),
        Some(&["dacarbazine".to_owned(), "doxorubicin".to_owned()][..])
    );
    assert_eq!(
        codes(&r),
        vec![
            "cumulative-incomplete",
            "cumulative-incomplete",
            "cardiac-region-unknown"
        ]
    );
    // The anthracycline total: nothing counted, line 1 not counted, the lower
    // limit applied because the radiation field is unknown.
    let a = r.anthracycline.as_ref().unwrap();
    assert!(a.contributions.is_empty());
    assert_eq!(a.incomplete_lines, vec![1]);
    assert_eq!(a.cardiac_radiation, CardiacRadiation::Unknown);
    assert_eq!(a.limit_mg_per_m2, d("400"));
    assert_eq!(a.remaining_mg_per_m2, None);
}

#[test]
fn second_case_report_as_the_report_states_it() {
    let r = report("docs/examples/uterine-lms-case-2.toml");
    assert_eq!(r.lines.len(), 1);
    let l = &r.lines[0];
    // "Adriamycin-based chemotherapy as a post-operative treatment": no
    // regimen, no cycle count, no stop reason in the report.
    assert_eq!(l.regimen, None);
    assert_eq!(
        l.regimen_not_stated.as_deref(),
        Some("Adriamycin-based chemotherapy")
    );
    assert_eq!(l.stated_cycles, Some(StatedCycles::Unknown));
    assert_eq!(l.intent, Some(Intent::Adjuvant));
    assert_eq!(l.stop_reason, Some(StopReason::NotStated));
    assert_eq!(
        l.gaps,
        vec![
            Gap::RegimenNotStated {
                description: "Adriamycin-based chemotherapy".to_owned()
            },
            Gap::CyclesUnknown
        ]
    );
    // No doxorubicin figure is invented (the old file had 447.34 mg/m²):
    // nothing is counted, and any drug may be missing.
    assert!(r.cumulative.is_empty());
    assert_eq!(r.incomplete.len(), 1);
    assert_eq!(r.incomplete[0].drugs, None);
    assert_eq!(codes(&r), vec!["cumulative-incomplete"]);
    let a = r.anthracycline.as_ref().unwrap();
    assert_eq!((a.total_mg_per_m2, a.remaining_mg_per_m2), (d("0"), None));
    assert_eq!(a.limit_mg_per_m2, d("550"), "no radiation is reported");
    // Surgery two years before presentation, the debulking, the recurrence
    // after 18 months and the death with its cause.
    let last = r.events.last().unwrap();
    assert_eq!(last.kind, EventKind::Death);
    assert!(
        last.description
            .as_deref()
            .unwrap()
            .contains("metastasis to the bone, liver, and lung")
    );
    let recurrence = &r.events[r.events.len() - 2];
    assert_eq!(recurrence.kind, EventKind::Recurrence);
    assert!(
        recurrence
            .description
            .as_deref()
            .unwrap()
            .contains("18 months")
    );
    assert!(recurrence.date > l.end.unwrap());
    let surgeries = r
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Surgery)
        .count();
    assert_eq!(surgeries, 2);
    // A later anthracycline is not blocked by an invented figure, and not
    // cleared either: the prior exposure is incomplete.
    let lib = Library::bundled().unwrap();
    let text = std::fs::read_to_string("docs/examples/uterine-lms-case-2.toml").unwrap();
    let prior = parse_history("c2", &text, &lib)
        .unwrap()
        .prior_exposure(&lib, Before::Everything, &AnthracyclinePolicy::default())
        .unwrap();
    assert!(prior.exposures.is_empty());
    assert!(!prior.is_complete());
    assert_eq!(prior.incomplete[0].line, 1);
}

#[test]
fn synthetic_cumulative_doxorubicin_by_hand() {
    let r = report_of(SYNTHETIC_DOX6);
    let dox = &r.cumulative[0];
    assert_eq!((dox.mg, dox.mg_per_m2), (d("756"), d("447.34")));
    assert!(dox.incomplete_lines.is_empty());
    assert!(r.cumulative_complete());
    assert_eq!(r.lines[0].cycles[0].bsa_m2, Some(d("1.69")));
    // 447.34 / 550 = 81.3 %: over 80 %, near the limit; over 300: cardioprotection.
    assert_eq!(codes(&r), vec!["cardioprotection", "lifetime-limit-near"]);
    let a = r.anthracycline.unwrap();
    assert_eq!(a.remaining_mg_per_m2, Some(d("102.66")));
    assert_eq!(a.cardiac_radiation, CardiacRadiation::No);
    // Dates are real here: durations are given (2018-04-02 to 2018-07-16).
    assert_eq!(r.lines[0].duration_days, Some(106));
}

#[test]
fn prior_anthracycline_and_cardiac_radiation() {
    let lib = Library::bundled().unwrap();
    let text = SYNTHETIC_DOX6.to_owned()
        + "\n[[event]]\nkind = \"prior-anthracycline\"\ndate = 2010-01-01\ndrug = \"epirubicin\"\ncumulative = \"100 mg/m2\"\n\n[[event]]\nkind = \"radiation\"\ndate = 2011-01-01\nsite = \"mediastinum\"\ncardiac_region = true\n";
    let h = parse_history("h.toml", &text, &lib).unwrap();
    let r = h.report(&lib).unwrap();
    let a = r.anthracycline.clone().unwrap();
    // 447.34 (doxorubicin, 6 × 126 mg / 1.69) + 100 × 1 (epirubicin, conservative
    // factor) = 547.34 mg/m², over the 400 mg/m² limit that applies after
    // cardiac-region radiation
    assert_eq!(a.total_mg_per_m2, d("547.34"));
    assert_eq!(a.limit_mg_per_m2, d("400"));
    assert_eq!(a.cardiac_radiation, CardiacRadiation::Yes);
    assert!(codes(&r).contains(&"lifetime-limit-exceeded"));
    assert!(!codes(&r).contains(&"cardiac-region-unknown"));
    // The history's prior exposure for a new course: doxorubicin-equivalent 547.34 mg/m²
    let prior = h
        .prior_exposure(&lib, Before::Everything, &AnthracyclinePolicy::default())
        .unwrap();
    assert!(prior.is_complete());
    assert_eq!(prior.cardiac_radiation, CardiacRadiation::Yes);
    assert_eq!(
        prior
            .exposures
            .iter()
            .find(|p| p.drug == "doxorubicin")
            .unwrap()
            .mg_per_m2,
        d("547.34")
    );
}

#[test]
fn unknown_cardiac_region_applies_the_lower_limit() {
    // SYNTHETIC: 447.34 mg/m² doxorubicin (by hand above), then radiation to
    // the thoracic spine. Its field is not recorded: the lower limit applies.
    let radiation = "\n[[event]]\nkind = \"radiation\"\ndate = 2019-01-01\nsite = \"T9-T11\"\n";
    for field in ["", "cardiac_region = \"unknown\"\n"] {
        let r = report_of(&(SYNTHETIC_DOX6.to_owned() + radiation + field));
        assert_eq!(r.events[0].cardiac_region, Some(CardiacRegion::Unknown));
        let a = r.anthracycline.as_ref().unwrap();
        // 447.34 > 400: past the lower limit, which is assumed, and said so.
        assert_eq!(a.limit_mg_per_m2, d("400"));
        assert!(a.after_cardiac_radiation);
        assert_eq!(a.cardiac_radiation, CardiacRadiation::Unknown);
        assert_eq!(a.remaining_mg_per_m2, Some(d("0")));
        assert_eq!(
            codes(&r),
            vec![
                "cardiac-region-unknown",
                "cardioprotection",
                "lifetime-limit-exceeded"
            ]
        );
        let w = r.warnings[0].to_string();
        assert!(
            w.contains("T9-T11") && w.contains("not known") && w.contains("400 mg/m²"),
            "{w}"
        );
        // The drug's own limit from the regimen is the lower one too.
        let l = r.cumulative[0].limit.as_ref().unwrap();
        assert_eq!(l.limit_value, d("400"));
        assert!(l.after_cardiac_radiation);
    }
    // Known to have spared the heart: 550 mg/m², 447.34 / 550 = 81.3 %: near.
    let r = report_of(&(SYNTHETIC_DOX6.to_owned() + radiation + "cardiac_region = false\n"));
    assert_eq!(r.events[0].cardiac_region, Some(CardiacRegion::NotIncluded));
    let a = r.anthracycline.as_ref().unwrap();
    assert_eq!(a.limit_mg_per_m2, d("550"));
    assert_eq!(a.cardiac_radiation, CardiacRadiation::No);
    assert_eq!(codes(&r), vec!["cardioprotection", "lifetime-limit-near"]);
    // A known cardiac field wins over an unknown one: no assumption to report.
    let r = report_of(
        &(SYNTHETIC_DOX6.to_owned()
            + radiation
            + "\n[[event]]\nkind = \"radiation\"\ndate = 2019-02-01\nsite = \"mediastinum\"\ncardiac_region = true\n"),
    );
    assert_eq!(
        r.anthracycline.as_ref().unwrap().cardiac_radiation,
        CardiacRadiation::Yes
    );
    assert!(!codes(&r).contains(&"cardiac-region-unknown"));
}

#[test]
fn a_line_not_stated_adds_nothing_and_marks_prior_exposure_incomplete() {
    let lib = Library::bundled().unwrap();
    let h = history(&synthetic_with_a_line_not_stated());
    let r = h.report(&lib).unwrap();
    // Line 1 counts (447.34 mg/m², by hand above); line 2 adds nothing.
    let dox = &r.cumulative[0];
    assert_eq!((dox.mg, dox.mg_per_m2), (d("756"), d("447.34")));
    assert_eq!(dox.incomplete_lines, vec![2]);
    assert_eq!(r.lines[1].regimen, None);
    assert_eq!(codes(&r)[0], "cumulative-incomplete");
    let w = r.warnings[0].to_string();
    assert!(
        w.contains("line 2")
            && w.contains("anthracycline-based chemotherapy at another hospital")
            && w.contains("number of cycles unknown")
            && w.contains("any drug may be missing"),
        "{w}"
    );
    let a = r.anthracycline.as_ref().unwrap();
    assert_eq!(a.total_mg_per_m2, d("447.34"));
    assert_eq!(a.incomplete_lines, vec![2]);
    assert_eq!(
        a.remaining_mg_per_m2, None,
        "not known: line 2 is not counted"
    );
    // The prior exposure of a new course is incomplete, naming line 2.
    let policy = AnthracyclinePolicy::default();
    let prior = h.prior_exposure(&lib, Before::Everything, &policy).unwrap();
    assert!(!prior.is_complete());
    assert_eq!(prior.incomplete.len(), 1);
    assert_eq!(prior.incomplete[0].line, 2);
    assert_eq!(prior.incomplete[0].drugs, None);
    assert_eq!(prior.exposures[0].mg_per_m2, d("447.34"));
    // Before line 2 started, the prior exposure is complete.
    let date = chrono::NaiveDate::from_ymd_opt(2018, 12, 1).unwrap();
    let prior = h.prior_exposure(&lib, Before::Date(date), &policy).unwrap();
    assert!(prior.is_complete());
}

#[test]
fn a_stated_cycle_count_adds_nothing() {
    // SYNTHETIC: "4 cycles of doxorubicin" without dates or measurements.
    let text = r#"
[patient]
id = "SYNTHETIC-COUNT"

[[line]]
number = 1
regimen = "doxorubicin"
cycles = 4
start = 2019-01-07
"#;
    let r = report_of(text);
    assert_eq!(r.lines[0].stated_cycles, Some(StatedCycles::Count(4)));
    assert!(r.cumulative.is_empty());
    assert_eq!(
        r.incomplete[0].gaps,
        vec![Gap::CyclesNotRecorded { count: 4 }]
    );
    assert_eq!(
        r.incomplete[0].drugs.as_deref(),
        Some(&["doxorubicin".to_owned()][..])
    );
    assert_eq!(codes(&r), vec!["cumulative-incomplete"]);
    // The same line with no cycles yet is not incomplete: none is none yet.
    let r = report_of(&text.replace("cycles = 4\n", ""));
    assert!(r.cumulative_complete());
    assert!(r.anthracycline.is_none());
}

#[test]
fn cycles_of_a_regimen_with_an_unconfirmed_day_list_are_not_computed() {
    // SYNTHETIC inline regimen whose source states a dose but not its days.
    let text = r#"
[patient]
id = "SYNTHETIC-DAYS"

[[line]]
number = 1
start = 2021-01-04

[line.inline_regimen]
id = "local-case-report"
name = "Doxorubicin 15 mg/m2 every 3 weeks (days not stated)"
version = "1"
status = "case-report"
status_note = "As published; the days are not stated."
last_reviewed = 2021-01-01
emetogenic_risk = "moderate"

[line.inline_regimen.cycle]
length_days = 21
cycles = 3

[[line.inline_regimen.source]]
citation = "A case report"

[[line.inline_regimen.drug]]
name = "doxorubicin"
role = "antineoplastic"
dose = "15 mg/m2"
dose_per = "day"
route = "IV"
days = "1"
days_confirmed = false
round = "1 mg"

[[line.cycle]]
number = 1
date = 2021-01-04
"#;
    // No measurement is needed: nothing is computed, no day count invented.
    let r = report_of(text);
    let c = &r.lines[0].cycles[0];
    assert!(!c.computed);
    assert_eq!(c.bsa_m2, None);
    assert!(c.doses.is_empty());
    assert!(r.cumulative.is_empty());
    assert_eq!(
        r.lines[0].gaps,
        vec![Gap::DaysUnconfirmed {
            drugs: vec!["doxorubicin".to_owned()]
        }]
    );
    assert_eq!(codes(&r), vec!["cumulative-incomplete"]);
    assert!(
        r.warnings[0]
            .to_string()
            .contains("day list of DOXOrubicin")
    );
}

#[test]
fn bad_history_files_name_file_line_and_column() {
    let lib = Library::bundled().unwrap();
    let err = |text: &str| parse_history("h.toml", text, &lib).unwrap_err().to_string();
    let text = std::fs::read_to_string("docs/examples/lms-case-1.toml").unwrap();
    let bad = text.replacen(
        "stop_reason = \"progression\"",
        "stop_reason = \"progressed\"",
        1,
    );
    let (l, c) = loc(&bad, "\"progressed\"");
    let e = err(&bad);
    assert!(
        e.starts_with(&format!("h.toml:{l}:{c}: unknown stop reason `progressed`")),
        "{e}"
    );
    let bad = SYNTHETIC_DOX6.replacen("weight = \"64kg\"", "weight = \"64\"", 1);
    assert!(err(&bad).contains("weight needs a unit"));
    let bad = text.replacen("[patient]", "[patient]\nnickname = \"Jane\"", 1);
    assert!(err(&bad).contains("unknown field `nickname`"));
    // `cycles`: a number or "unknown", located at the value.
    let bad = text.replacen("\ncycles = 3\n", "\ncycles = \"several\"\n", 1);
    let (l, c) = loc(&bad, "\"several\"");
    let e = err(&bad);
    assert!(
        e.starts_with(&format!(
            "h.toml:{l}:{c}: line 1: cycles `several` must be a number of cycles or \"unknown\""
        )),
        "{e}"
    );
    let bad = text.replacen("\ncycles = 3\n", "\ncycles = 0\n", 1);
    let (l, c) = loc(&bad, "cycles = 0");
    assert!(
        err(&bad).starts_with(&format!(
            "h.toml:{l}:{}: line 1: cycles = 0 is out of range",
            c + 9
        )),
        "{}",
        err(&bad)
    );
    // `cycles` and [[line.cycle]] together.
    let bad = SYNTHETIC_DOX6.replacen("start = 2018-04-02", "cycles = 6\nstart = 2018-04-02", 1);
    let (l, c) = loc(&bad, "cycles = 6");
    assert!(
        err(&bad).starts_with(&format!(
            "h.toml:{l}:{}: line 1: give the cycles either as a number",
            c + 9
        )),
        "{}",
        err(&bad)
    );
    let bad = text.replacen("\ncycles = 3\n", "\ncycles = 100000\n", 1);
    assert!(err(&bad).contains("line 1: cycles = 100000 is out of range"));
    // A regimen not stated cannot have cycles recorded one by one.
    let bad = synthetic_with_a_line_not_stated().replace("cycles = \"unknown\"\n", "")
        + "\n[[line.cycle]]\nnumber = 1\ndate = 2019-01-07\n";
    assert!(
        err(&bad)
            .contains("line 2: the cycles of a regimen that is not stated cannot be recomputed"),
        "{}",
        err(&bad)
    );
    // A regimen not stated needs `cycles`, and is the only regimen.
    let case2 = std::fs::read_to_string("docs/examples/uterine-lms-case-2.toml").unwrap();
    let bad = case2.replacen("cycles = \"unknown\"\n", "", 1);
    let (l, c) = loc(&bad, "\"Adriamycin-based chemotherapy\"\n");
    assert!(
        err(&bad).starts_with(&format!(
            "h.toml:{l}:{c}: line 1: the regimen is not stated: say how many cycles"
        )),
        "{}",
        err(&bad)
    );
    let bad = case2.replacen(
        "regimen_not_stated =",
        "regimen = \"doxorubicin\"\nregimen_not_stated =",
        1,
    );
    assert!(err(&bad).contains(
        "line 1 needs exactly one of `regimen` (an id), `[line.inline_regimen]` or `regimen_not_stated`"
    ));
    let bad = case2.replacen(
        "\"Adriamycin-based chemotherapy\"\ncycles",
        "\" \"\ncycles",
        1,
    );
    assert!(err(&bad).contains("line 1: regimen_not_stated is blank"));
    // cardiac_region: true, false or "unknown"; radiation events only.
    let bad = text.replacen(
        "\ncardiac_region = \"unknown\"",
        "\ncardiac_region = \"maybe\"",
        1,
    );
    let (l, c) = loc(&bad, "\"maybe\"");
    assert!(
        err(&bad).starts_with(&format!(
            "h.toml:{l}:{c}: cardiac_region `maybe` must be true, false or \"unknown\""
        )),
        "{}",
        err(&bad)
    );
    let bad = text.replacen(
        "kind = \"surgery\"\n",
        "kind = \"surgery\"\ncardiac_region = false\n",
        1,
    );
    let (l, c) = loc(&bad, "cardiac_region = false");
    assert!(
        err(&bad).starts_with(&format!(
            "h.toml:{l}:{}: cardiac_region belongs to a radiation event only",
            c + 17
        )),
        "{}",
        err(&bad)
    );
}

#[test]
fn the_history_json_schema_is_up_to_date() {
    let schema = schemars::schema_for!(chemodose::history::HistoryFile);
    let text = serde_json::to_string_pretty(&schema).unwrap() + "\n";
    let path = std::path::Path::new("docs/history.schema.json");
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(path, &text).unwrap();
    }
    assert!(
        std::fs::read_to_string(path).unwrap_or_default() == text,
        "docs/history.schema.json is stale: UPDATE_SCHEMA=1 cargo test --test history"
    );
}

#[test]
fn show_prints_what_is_not_stated_in_every_format() {
    let out = Run::new(&["history", "show", "docs/examples/lms-case-1.toml"]).success();
    for want in [
        "DATES ARE PLACEHOLDERS",
        "line 1 ends, 3 cycles (stated): progression: After three cycles of chemotherapy",
        "line 2 ends, 2 cycles (stated): patient's decision",
        "CUMULATIVE DOSES INCOMPLETE: line 1 (dacarbazine-doxorubicin-case-report) adds nothing",
        "[cardiac region unknown: lower anthracycline limit applied]",
        "DOXOrubicin  not known",
        "Anthracyclines: INCOMPLETE: line 1 not counted",
        "remaining unknown",
    ] {
        assert!(out.contains(want), "{want}\n{out}");
    }
    // The warnings come first, before the timeline.
    assert!(out.find("Warnings").unwrap() < out.find("Timeline").unwrap());
    let out = Run::new(&["history", "show", "docs/examples/uterine-lms-case-2.toml"]).success();
    for want in [
        "line 1 starts: regimen not stated in the source (\"Adriamycin-based chemotherapy\")",
        "line 1 ends, cycles unknown: reason not stated",
        "any drug may be missing",
        "(regimen not stated)  not known",
    ] {
        assert!(out.contains(want), "{want}\n{out}");
    }
    for format in ["md", "html"] {
        let out = Run::new(&[
            "history",
            "show",
            "docs/examples/uterine-lms-case-2.toml",
            "--format",
            format,
        ])
        .success();
        assert!(out.contains("not stated in the source"), "{out}");
        assert!(out.contains("CUMULATIVE DOSES INCOMPLETE"), "{out}");
        assert!(out.contains("unknown"), "{out}");
    }
    let json = |path: &str| -> serde_json::Value {
        let out = Run::new(&["history", "show", path, "--format", "json"]).success();
        serde_json::from_str(&out).unwrap()
    };
    let j = json("docs/examples/uterine-lms-case-2.toml");
    let line = &j["lines"][0];
    assert_eq!(line["regimen"], serde_json::Value::Null);
    assert_eq!(line["regimen_not_stated"], "Adriamycin-based chemotherapy");
    assert_eq!(line["cycle_count"], serde_json::Value::Null);
    assert_eq!(line["cycle_count_source"], "unknown");
    assert_eq!(line["counted"], false);
    assert_eq!(line["gaps"][0]["kind"], "regimen-not-stated");
    assert_eq!(line["gaps"][1]["kind"], "cycles-unknown");
    assert_eq!(line["stop_reason"], "not-stated");
    assert_eq!(line["duration_days"], serde_json::Value::Null);
    assert_eq!(j["cumulative_complete"], false);
    assert_eq!(j["cumulative"], serde_json::json!([]));
    assert_eq!(j["incomplete_lines"][0]["line"], 1);
    assert_eq!(j["incomplete_lines"][0]["drugs"], serde_json::Value::Null);
    assert_eq!(j["anthracycline"]["complete"], false);
    assert_eq!(
        j["anthracycline"]["remaining_mg_per_m2"],
        serde_json::Value::Null
    );
    assert_eq!(j["warnings"][0]["code"], "cumulative-incomplete");
    assert!(j["placeholder_dates"].is_string());
    let j = json("docs/examples/lms-case-1.toml");
    let radiation = j["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "radiation")
        .unwrap();
    assert_eq!(radiation["cardiac_region"], "unknown");
    assert_eq!(j["events"][0]["cardiac_region"], serde_json::Value::Null);
    assert_eq!(j["lines"][0]["cycle_count"], 3);
    assert_eq!(j["lines"][0]["cycle_count_source"], "stated");
    assert_eq!(j["lines"][0]["gaps"][0]["kind"], "cycles-not-recorded");
    assert_eq!(j["lines"][0]["gaps"][0]["count"], 3);
    assert_eq!(j["anthracycline"]["cardiac_radiation"], "unknown");
    assert_eq!(j["anthracycline"]["after_cardiac_radiation"], true);
    assert_eq!(j["anthracycline"]["limit_mg_per_m2"], 400.0);
    let codes: Vec<&str> = j["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "cumulative-incomplete",
            "cumulative-incomplete",
            "cardiac-region-unknown"
        ]
    );
    // A counted history: complete, with numbers.
    let path = temp_write("json", SYNTHETIC_DOX6);
    let j = json(path.to_str().unwrap());
    assert_eq!(j["cumulative_complete"], true);
    assert_eq!(j["cumulative"][0]["complete"], true);
    assert_eq!(j["cumulative"][0]["mg_per_m2"], 447.34);
    assert_eq!(j["lines"][0]["cycles"][0]["computed"], true);
    assert_eq!(j["lines"][0]["cycle_count"], 6);
    assert_eq!(j["lines"][0]["cycle_count_source"], "recorded");
    assert_eq!(j["anthracycline"]["remaining_mg_per_m2"], 102.66);
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[test]
fn start_record_end_keep_comments_and_refuse_at_the_limit() {
    let path = temp_write("edit", SYNTHETIC_DOX6);
    let p = path.to_str().unwrap();
    // Line 1 has ended: a second line can start.
    Run::new(&[
        "history",
        "start-line",
        p,
        "--regimen",
        "doxorubicin",
        "--date",
        "2020-03-02",
        "--intent",
        "palliative",
    ])
    .success();
    // It is open now: another start is refused.
    let err = Run::new(&[
        "history",
        "start-line",
        p,
        "--regimen",
        "eribulin",
        "--date",
        "2020-04-01",
    ])
    .fails(2);
    assert!(err.contains("has not ended"), "{err}");
    // Cycle 1: 447.34 + 126 / 1.69 (74.56) = 521.90 mg/m² < 550: recorded.
    Run::new(&[
        "history",
        "record",
        p,
        "--line",
        "2",
        "--date",
        "2020-03-02",
    ])
    .success();
    let before = std::fs::read_to_string(&path).unwrap();
    assert!(before.contains("# SYNTHETIC history"), "comments kept");
    // Cycle 2 would reach 8 × 126 / 1.69 = 596.45 mg/m² > 550: refused, file untouched.
    let err = Run::new(&[
        "history",
        "record",
        p,
        "--line",
        "2",
        "--date",
        "2020-03-23",
    ])
    .fails(1);
    assert!(
        err.contains("past a lifetime limit") && err.contains("Nothing was written"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), before);
    // With a reason it is recorded, and the reason is written into the file.
    Run::new(&[
        "history",
        "record",
        p,
        "--line",
        "2",
        "--date",
        "2020-03-23",
        "--allow-over-limit",
        "cardio-oncology review, dexrazoxane",
    ])
    .success();
    let after = std::fs::read_to_string(&path).unwrap();
    assert!(
        after.contains("allow_over_limit = \"cardio-oncology review, dexrazoxane\""),
        "{after}"
    );
    Run::new(&[
        "history",
        "end-line",
        p,
        "--line",
        "2",
        "--date",
        "2020-04-13",
        "--reason",
        "toxicity",
        "--note",
        "LVEF fell",
    ])
    .success();
    let err = Run::new(&[
        "history",
        "end-line",
        p,
        "--line",
        "2",
        "--date",
        "2020-04-14",
        "--reason",
        "toxicity",
    ])
    .fails(2);
    assert!(err.contains("already ended"), "{err}");
    let err = Run::new(&[
        "history",
        "end-line",
        p,
        "--line",
        "1",
        "--date",
        "2020-04-14",
        "--reason",
        "bored",
    ])
    .fails(2);
    assert!(err.contains("unknown stop reason"), "{err}");
    let out = Run::new(&["history", "show", p]).success();
    assert!(
        out.contains("line 2 ends, 2 cycles: toxicity: LVEF fell"),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[test]
fn cycles_given_as_a_number_cannot_be_recorded_one_by_one() {
    let text = synthetic_with_a_line_not_stated()
        .replace("end = 2019-04-01\nstop_reason = \"not-stated\"\n", "");
    let path = temp_write("counted", &text);
    let p = path.to_str().unwrap();
    let err = Run::new(&[
        "history",
        "record",
        p,
        "--line",
        "2",
        "--date",
        "2019-02-01",
    ])
    .fails(2);
    assert!(
        err.contains("its cycles cannot be recorded one by one"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    // A cycle recorded on a counted line while another line is not counted:
    // recorded, with a warning that the limit check counted recorded cycles only.
    Run::new(&[
        "history",
        "end-line",
        p,
        "--line",
        "2",
        "--date",
        "2019-04-01",
        "--reason",
        "not-stated",
    ])
    .success();
    Run::new(&[
        "history",
        "start-line",
        p,
        "--regimen",
        "gemcitabine-docetaxel",
        "--date",
        "2019-06-03",
    ])
    .success();
    let run = Run::new(&[
        "history",
        "record",
        p,
        "--line",
        "3",
        "--date",
        "2019-06-03",
    ]);
    run.success();
    assert!(
        run.stderr()
            .contains("warning: cumulative-incomplete: the lifetime-limit check counted recorded cycles only: line 2"),
        "{}",
        run.stderr()
    );
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[test]
fn nothing_is_recorded_after_death() {
    let path = temp_write(
        "death",
        &std::fs::read_to_string("docs/examples/lms-case-1.toml").unwrap(),
    );
    let err = Run::new(&[
        "history",
        "start-line",
        path.to_str().unwrap(),
        "--regimen",
        "doxorubicin",
        "--date",
        "2001-01-01",
    ])
    .fails(2);
    assert!(err.contains("death on 2000-07-20"), "{err}");
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[test]
fn an_interrupted_write_leaves_the_original_intact() {
    let path = temp_write("crash", SYNTHETIC_DOX6);
    let original = std::fs::read_to_string(&path).unwrap();
    let out = common::chemodose()
        .args([
            "history",
            "start-line",
            path.to_str().unwrap(),
            "--regimen",
            "eribulin",
            "--date",
            "2020-03-02",
        ])
        .env("CHEMODOSE_FAILPOINT", "before-rename")
        .output()
        .unwrap();
    assert!(!out.status.success(), "the process was killed mid-write");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        original,
        "the original is intact"
    );
    // The file still parses, and the next write succeeds.
    Run::new(&[
        "history",
        "start-line",
        path.to_str().unwrap(),
        "--regimen",
        "eribulin",
        "--date",
        "2020-03-02",
    ])
    .success();
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .contains("regimen = \"eribulin\"")
    );
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[test]
fn dose_with_history_counts_prior_doxorubicin() {
    let path = temp_write("dose", SYNTHETIC_DOX6);
    let p = path.to_str().unwrap();
    // 447.34 mg/m² before (6 × 126 mg / 1.69); the latest measurements give 1.69 m² again,
    // 75 × 1.69 = 126.75 mg held under the ceiling share 126.75 mg → 126 mg a cycle;
    // 6 more cycles = 756 mg / 1.69 = 447.34 mg/m² → 447.34 + 447.34 = 894.68 > 550: refused.
    let err = Run::new(&[
        "dose",
        "doxorubicin",
        "--history",
        p,
        "--bilirubin",
        "0.6mg/dL",
    ])
    .fails(1);
    assert!(
        err.contains("894.68 mg/m²") && err.contains("plus prior exposure"),
        "{err}"
    );
    // One cycle: 126 / 1.69 = 74.556 → 74.56; 447.34 + 74.56 = 521.90 mg/m²,
    // 521.90 / 550 = 94.9 % of the limit.
    let run = Run::new(&[
        "dose",
        "doxorubicin",
        "--history",
        p,
        "--cycles",
        "1",
        "--bilirubin",
        "0.6mg/dL",
    ]);
    let out = run.success();
    assert!(out.contains("521.9 of 550 mg/m²"), "{out}");
    assert!(out.contains("94.9%"), "{out}");
    // The creatinine's date is its measurement's in the history.
    assert!(
        out.contains("serum creatinine 0.7 mg/dL (measured 2018-03-30)"),
        "{out}"
    );
    assert!(!out.contains("WARNING"), "a complete history: {out}");
    assert!(
        run.stderr().contains("latest measurements"),
        "{}",
        run.stderr()
    );
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[test]
fn dose_with_an_incomplete_history_stops_until_overridden_and_names_the_lines() {
    let path = temp_write("dose-incomplete", &synthetic_with_a_line_not_stated());
    let p = path.to_str().unwrap();
    let base = [
        "dose",
        "doxorubicin",
        "--history",
        p,
        "--cycles",
        "1",
        "--bilirubin",
        "0.6mg/dL",
    ];
    // Line 2 does not state its regimen: it may have held an anthracycline,
    // so the doxorubicin limit cannot be checked. A stop, not a figure.
    let err = Run::new(&base).fails(1);
    assert!(err.contains("line 2 may have given it"), "{err}");
    assert!(err.contains("--override prior-incomplete="), "{err}");
    // With a reason: the recorded line still counts, 447.34 + 74.56 = 521.90
    // of 550, but only as a lower bound; the remaining amount is unknown.
    let reason = "prior-incomplete=outside records requested; cardiology agrees";
    let mut with = base.to_vec();
    with.extend(["--override", reason]);
    let run = Run::new(&with);
    let out = run.success();
    assert!(
        out.contains("at least 521.9 of 550 mg/m² (remaining unknown: history line 2 not counted)"),
        "{out}"
    );
    assert!(
        out.starts_with("WARNING (prior-exposure-incomplete): the prior exposure from"),
        "{out}"
    );
    assert!(out.contains("line 2 adds nothing"), "{out}");
    assert!(
        out.contains("override prior-incomplete: outside records requested"),
        "{out}"
    );
    assert!(
        run.stderr().contains("warning: prior-exposure-incomplete:")
            && run
                .stderr()
                .contains("anthracycline-based chemotherapy at another hospital"),
        "{}",
        run.stderr()
    );
    let mut json = with.clone();
    json.extend(["--format", "json"]);
    let out = Run::new(&json).success();
    let j: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["warnings"][0]["code"], "prior-exposure-incomplete");
    assert!(
        j["warnings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("line 2")
    );
    let limit = &j["totals"][0]["limit"];
    assert_eq!(limit["complete"], false);
    assert!(limit["remaining"].is_null(), "{limit}");
    assert_eq!(limit["uncounted_lines"], serde_json::json!([2]));
    // schedule: the same stop, then with the reason the same warning, on
    // stderr and at the head of the text.
    let sched = [
        "schedule",
        "doxorubicin",
        "--history",
        p,
        "--start",
        "2020-03-02",
        "--cycles",
        "1",
        "--bilirubin",
        "0.6mg/dL",
        "--on",
        "2020-03-02",
    ];
    let err = Run::new(&sched).fails(1);
    assert!(err.contains("prior-incomplete"), "{err}");
    let mut with = sched.to_vec();
    with.extend(["--override", reason]);
    let run = Run::new(&with);
    let out = run.success();
    assert!(
        out.starts_with("WARNING (prior-exposure-incomplete)"),
        "{out}"
    );
    assert!(run.stderr().contains("warning: prior-exposure-incomplete"));
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[test]
fn dose_after_radiation_of_unknown_field_uses_the_lower_limit() {
    // SYNTHETIC: 223.67 mg/m² before (3 × 126 / 1.69); one more cycle,
    // 126 / 1.69 = 74.56 → 298.23 mg/m² of the lower limit, 400 mg/m².
    let path = temp_write("dose-rt", &synthetic_dox3_radiation_unknown());
    let p = path.to_str().unwrap();
    let run = Run::new(&[
        "dose",
        "doxorubicin",
        "--history",
        p,
        "--cycles",
        "1",
        "--bilirubin",
        "0.6mg/dL",
    ]);
    let out = run.success();
    assert!(out.contains("298.23 of 400 mg/m²"), "{out}");
    assert!(
        run.stderr()
            .contains("cardiac region unknown: the lower limit is applied"),
        "{}",
        run.stderr()
    );
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[test]
fn a_line_with_an_inline_regimen() {
    let lib = Library::bundled().unwrap();
    let text = r#"
[patient]
id = "P-INLINE"
sex = "female"
birth_year = 1960

[[measurement]]
date = 2021-01-01
height = "160cm"
weight = "60kg"

[[line]]
number = 1
start = 2021-01-04

[line.inline_regimen]
id = "local-vinorelbine"
name = "Vinorelbine weekly (local)"
version = "1"
status = "draft"
status_note = "Local protocol."
last_reviewed = 2021-01-01
emetogenic_risk = "minimal"

[line.inline_regimen.cycle]
length_days = 7
cycles = 4

[[line.inline_regimen.source]]
citation = "Local protocol"

[[line.inline_regimen.drug]]
name = "vinorelbine"
role = "antineoplastic"
dose = "25 mg/m2"
route = "IV"
days = "1"
round = "1 mg"

[[line.cycle]]
number = 1
date = 2021-01-04
"#;
    let h = parse_history("inline.toml", text, &lib).unwrap();
    let r = h.report(&lib).unwrap();
    // 160 × 60: BSA sqrt(9600 / 3600) = 1.633 → 1.63; 25 × 1.63 = 40.75 → 41 mg
    assert_eq!(r.lines[0].regimen.as_deref(), Some("local-vinorelbine"));
    assert_eq!(r.cumulative[0].mg, d("41"));
    // An inline regimen with a mistake is reported at the inline table.
    let bad = text.replace("dose = \"25 mg/m2\"", "dose = \"25 mg/m\"");
    let e = parse_history("inline.toml", &bad, &lib)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("line 1: inline regimen: dose of vinorelbine: unknown dose unit"),
        "{e}"
    );
}

/// A history's recorded cycles are recomputed without the clinical rules
/// (`apply_rules = false`): a regimen that requires inputs a history cannot
/// hold (docetaxel: bilirubin, AST, ALT, ALP) is a record of what was given,
/// not a dose to refuse.
#[test]
fn a_recorded_cycle_is_recomputed_even_when_its_regimen_requires_labs() {
    let text = r#"
[patient]
id = "SYNTHETIC-REQUIRES"
sex = "female"
age_at = { years = 60, on = 2026-10-01 }

[[measurement]]
date = 2026-10-01
height = "170cm"
weight = "70kg"

[[line]]
number = 1
regimen = "gemcitabine-docetaxel"
start = 2026-10-01

[[line.cycle]]
number = 1
date = 2026-10-01
"#;
    let lib = Library::bundled().unwrap();
    let report = parse_history("gemdoc.toml", text, &lib)
        .unwrap()
        .report(&lib)
        .unwrap_or_else(|e| panic!("the recorded cycle is refused: {e}"));
    // BSA sqrt(170 × 70 / 3600) = 1.818119 → 1.82 m²: gemcitabine 900 × 1.82 =
    // 1638 mg on days 1 and 8 = 3276 mg; docetaxel 100 × 1.82 = 182 mg.
    let total = |drug: &str| {
        report
            .cumulative
            .iter()
            .find(|c| c.drug == drug)
            .map(|c| c.mg)
    };
    assert_eq!(total("gemcitabine"), Some(d("3276")));
    assert_eq!(total("docetaxel"), Some(d("182")));
}

/// Issue 14: control and bidirectional characters in a history file's patient
/// id or drug names were printed as they were (a forged line in `history
/// show`, a name read backwards). They are refused where they are, with the
/// other problems of the file.
#[test]
fn regression_control_and_bidi_characters_in_a_history_file_are_refused() {
    let lib = Library::bundled().unwrap();
    let text = SYNTHETIC_DOX6
        .replace(
            "id = \"SYNTHETIC-DOX6\"",
            "id = \"SYNTHETIC-DOX6\\nFAKE LINE\"",
        )
        .replace(
            "stop_reason = \"completed\"",
            "stop_reason = \"completed\"\nstop_note = \"given \u{202E}elsewhere\"",
        );
    let e = parse_history("h.toml", &text, &lib)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(
            "h.toml:3:6: `id` holds a control character (U+000A, line feed) at character 15"
        ),
        "{e}"
    );
    assert!(
        e.contains("`stop_note` holds a bidirectional control (U+202E, right-to-left override) at character 7"),
        "{e}"
    );
}

/// Issue 14: the text `history record`, `start-line` and `end-line` write into
/// the file (reasons, notes, a setting, a drug name) is refused with a control
/// or bidirectional character, before the file is touched.
#[test]
fn regression_history_edits_refuse_control_characters() {
    let path = temp_write("edit-plain", SYNTHETIC_DOX6);
    let p = path.to_str().unwrap();
    let before = std::fs::read_to_string(&path).unwrap();
    for args in [
        vec![
            "start-line",
            p,
            "--regimen",
            "doxorubicin",
            "--date",
            "2020-03-02",
            "--setting",
            "second\nline",
        ],
        vec![
            "end-line",
            p,
            "--line",
            "1",
            "--date",
            "2018-07-16",
            "--reason",
            "completed",
            "--note",
            "a\u{1B}[2Jb",
        ],
        vec![
            "record",
            p,
            "--line",
            "1",
            "--date",
            "2018-08-01",
            "--delay-reason",
            "x\u{202E}y",
        ],
        vec![
            "record",
            p,
            "--line",
            "1",
            "--date",
            "2018-08-01",
            "--actual",
            "doxo\u{200B}rubicin=25mg",
        ],
    ] {
        let mut all = vec!["history"];
        all.extend(args);
        let err = Run::new(&all).fails(2);
        assert!(err.contains("plain printable text"), "{err}");
        assert!(
            !err.contains('\u{1B}') && !err.contains('\u{202E}'),
            "{err:?}"
        );
    }
    assert_eq!(std::fs::read_to_string(&path).unwrap(), before);
}

/// Issue 14, second defence: a report whose patient id and note hold a line
/// break and an ESC (past the loader's refusal) is printed with those
/// characters as their escapes, in text and HTML.
#[test]
fn regression_history_text_writes_control_characters_as_escapes() {
    let mut r = report_of(SYNTHETIC_DOX6);
    r.patient_id = "P1\nFAKE LINE".into();
    r.note = Some("note \u{1B}[31mred \u{202E}desrever".into());
    for out in [
        chemodose::render::history::history_text(&r),
        chemodose::render::history::history_html(&r),
    ] {
        assert!(
            !out.contains('\u{1B}') && !out.contains('\u{202E}'),
            "{out:?}"
        );
        assert!(!out.lines().any(|l| l.starts_with("FAKE LINE")), "{out}");
        assert!(out.contains("P1\\u{a}FAKE LINE"), "{out}");
    }
}

/// Issue 14: Markdown output passed raw HTML, links and images from the
/// patient id and the note. They are written with backslashes, and an
/// independent Markdown parser finds no link, image or HTML in the report.
#[test]
fn regression_history_markdown_writes_html_links_and_images_as_text() {
    let mut r = report_of(SYNTHETIC_DOX6);
    r.patient_id = "<script>alert(1)</script>|[x](https://evil.example/)".into();
    r.note = Some("![i](http://evil.example/i.png) `code` www.evil.example".into());
    let md = chemodose::render::history::history_markdown(&r);
    common::assert_inert_markdown(&md);
    assert!(
        md.starts_with(
            r"# Treatment history of \<script\>alert(1)\</script\>\|\[x\](https\://evil.example/)"
        ),
        "{md}"
    );
    assert!(
        md.contains(r"Note: !\[i\](http\://evil.example/i.png) \`code\` www\.evil.example"),
        "{md}"
    );
}

/// Issue 14 (siblings of the regimen-file messages): an empty history file
/// was reported as `missing field patient`; it is named as empty, with its
/// name. A 250 KB one-line bad history file prints a clipped excerpt.
#[test]
fn regression_history_file_messages_name_the_file_and_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.toml");
    std::fs::write(&empty, "\n").unwrap();
    let err = Run::new(&["history", "show", empty.to_str().unwrap()]).fails(2);
    assert!(err.contains("empty.toml: the file is empty"), "{err}");
    let long = dir.path().join("long.toml");
    std::fs::write(&long, format!("x = \"{}\" y\n", "a".repeat(250_000))).unwrap();
    let err = Run::new(&["history", "show", long.to_str().unwrap()]).fails(2);
    assert!(err.len() < 4096, "{} bytes of messages", err.len());
    assert!(err.contains("long.toml:1:250008"), "{err}");
}

/// Issue 14: `history show /dev/zero` read the whole "file" and grew to
/// gigabytes. A history is read through the bounded reader: a device, a
/// pipe or a directory is refused by what it is, and a file over 1 MiB by
/// its size, before anything is parsed.
#[cfg(unix)]
#[test]
fn regression_history_files_are_read_bounded() {
    let show = |path: &str| common::Run::within(&["history", "show", path], 5);
    let err = show("/dev/zero").fails(2);
    assert!(
        err.contains("/dev/zero: a character device, not a regular file: give the path of a treatment-history file"),
        "{err}"
    );
    let dir = tempfile::tempdir().unwrap();
    let err = show(dir.path().to_str().unwrap()).fails(2);
    assert!(err.contains(": a directory, not a regular file"), "{err}");
    let pipe = dir.path().join("h.toml");
    if std::process::Command::new("mkfifo")
        .arg(&pipe)
        .status()
        .is_ok_and(|s| s.success())
    {
        let err = show(pipe.to_str().unwrap()).fails(2);
        assert!(
            err.contains("h.toml: a named pipe, not a regular file"),
            "{err}"
        );
        let err = common::Run::within(
            &[
                "history",
                "record",
                pipe.to_str().unwrap(),
                "--line",
                "1",
                "--date",
                "2026-12-01",
            ],
            5,
        )
        .fails(2);
        assert!(
            err.contains("h.toml: a named pipe, not a regular file"),
            "{err}"
        );
    }
    // 1 MiB + 1 byte of comment.
    let big = dir.path().join("big.toml");
    std::fs::write(&big, vec![b'#'; 1024 * 1024 + 1]).unwrap();
    let err = show(big.to_str().unwrap()).fails(2);
    assert!(
        err.contains("the file is 1048577 bytes; treatment-history files are limited to 1 MiB (1048576 bytes)"),
        "{err}"
    );
}

/// An explicitly SYNTHETIC history with one open doxorubicin line and its
/// first cycle (invented figures, not a patient).
const SYNTHETIC_OPEN_DOX: &str = r#"# SYNTHETIC history for tests: invented figures, not a patient.
[patient]
id = "SYNTHETIC-OPEN"

[[measurement]]
date = 2026-01-02
height = "170cm"
weight = "70kg"

[[line]]
number = 1
regimen = "doxorubicin"
start = 2026-01-05

[[line.cycle]]
number = 1
date = 2026-01-05
"#;

fn record(path: &std::path::Path, args: &[&str]) -> Run {
    let mut all = vec!["history", "record", path.to_str().unwrap(), "--line", "1"];
    all.extend_from_slice(args);
    Run::new(&all)
}

/// Regression (issue 14): `history show h.toml -o h.toml` replaced the
/// treatment history with the rendered report, exit 0.
#[test]
fn regression_show_onto_its_own_history_is_refused() {
    let path = temp_write("show-onto-itself", SYNTHETIC_DOX6);
    let p = path.to_str().unwrap();
    let err = Run::new(&["history", "show", p, "-o", p]).fails(2);
    assert!(
        err.contains(&format!("the output {p} is the input {p}"))
            && err.contains("nothing was written"),
        "{err}"
    );
    // Another spelling of the same path, and a hard link, are the same file.
    let dotted = path.parent().unwrap().join(".").join("history.toml");
    let err = Run::new(&["history", "show", p, "-o", dotted.to_str().unwrap()]).fails(2);
    assert!(err.contains("is the input"), "{err}");
    let link = path.parent().unwrap().join("link.toml");
    std::fs::hard_link(&path, &link).unwrap();
    let err = Run::new(&["history", "show", p, "-o", link.to_str().unwrap()]).fails(2);
    assert!(err.contains("are one file"), "{err}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), SYNTHETIC_DOX6);
    // A new file is written as before.
    let out = path.parent().unwrap().join("report.txt");
    Run::new(&["history", "show", p, "-o", out.to_str().unwrap()]).success();
    assert!(
        std::fs::read_to_string(&out)
            .unwrap()
            .contains("SYNTHETIC-DOX6")
    );
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

/// A SYNTHETIC history of `n` open lines (invented), so that concurrent
/// writers' cycles do not depend on each other's order: writer i records
/// cycle 1 of line i + 1 on its start, [`burst_date`]`(i)`.
fn synthetic_open_lines(n: u64) -> String {
    let mut text = SYNTHETIC_OPEN_DOX
        .split("[[line]]")
        .next()
        .unwrap()
        .to_owned();
    for i in 0..n {
        text.push_str(&format!(
            "[[line]]\nnumber = {}\nregimen = \"gemcitabine-docetaxel\"\nstart = {}\n\n",
            i + 1,
            burst_date(i)
        ));
    }
    text
}

fn burst_date(i: u64) -> String {
    (chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap() + chrono::Days::new(i)).to_string()
}

/// Starts `n` `history record` processes on `path` at once, writer i on
/// line i + 1, each waiting up to `wait` seconds for the lock; returns each
/// writer's exit code and standard error.
fn burst(path: &std::path::Path, n: u64, wait: &str) -> Vec<(Option<i32>, String)> {
    let children: Vec<_> = (0..n)
        .map(|i| {
            common::chemodose()
                .args(["history", "record", path.to_str().unwrap()])
                .args(["--line", &(i + 1).to_string(), "--date", &burst_date(i)])
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .env_remove("CHEMODOSE_REGIMENS")
                .env("CHEMODOSE_LOCK_TIMEOUT", wait)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    children
        .into_iter()
        .map(|child| {
            let out = child.wait_with_output().unwrap();
            (
                out.status.code(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            )
        })
        .collect()
}

/// The lines of `path` that hold their writer's cycle (cycle 1 on the
/// line's start), and the number of cycles in the file.
fn landed(path: &std::path::Path) -> (Vec<u32>, usize) {
    let lib = Library::bundled().unwrap();
    let h = parse_history("h.toml", &std::fs::read_to_string(path).unwrap(), &lib).unwrap();
    let with_cycle = h
        .lines
        .iter()
        .filter(|l| {
            l.cycles.len() == 1
                && l.cycles[0].number == 1
                && l.cycles[0].date.to_string() == burst_date(u64::from(l.number) - 1)
        })
        .map(|l| l.number)
        .collect();
    let cycles = h.lines.iter().map(|l| l.cycles.len()).sum();
    (with_cycle, cycles)
}

/// Regression (issue 14): 50 concurrent `history record` processes reported
/// about 50 "recorded" while 8 to 14 cycles landed: each read the file,
/// added its cycle and renamed its version over the others'. Edits now hold
/// a lock on the file from before reading it until the rename; a writer that
/// finds the file locked waits, so all 50 succeed and all 50 cycles land.
#[test]
fn regression_concurrent_records_all_land() {
    let path = temp_write("concurrent", &synthetic_open_lines(50));
    let results = burst(&path, 50, "300");
    for (i, (code, err)) in results.iter().enumerate() {
        assert_eq!(*code, Some(0), "writer {i} waited and succeeded: {err}");
        assert!(
            err.contains(&format!("recorded line {} cycle", i + 1)),
            "writer {i}: {err}"
        );
    }
    let (with_cycle, cycles) = landed(&path);
    assert_eq!(cycles, 50, "one cycle a success, none lost or doubled");
    assert_eq!(with_cycle, (1..=50).collect::<Vec<u32>>());
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

/// With no time to wait (`CHEMODOSE_LOCK_TIMEOUT=0`), a writer that finds
/// the file locked fails clearly (exit 2, nothing written) instead of
/// reporting a cycle that is then lost: the cycles in the file are exactly
/// those of the writers that reported success.
#[test]
fn concurrent_records_that_cannot_wait_fail_and_write_nothing() {
    let path = temp_write("concurrent-nowait", &synthetic_open_lines(50));
    let results = burst(&path, 50, "0");
    let mut succeeded = Vec::new();
    for (i, (code, err)) in results.iter().enumerate() {
        match code {
            Some(0) => {
                assert!(
                    err.contains(&format!("recorded line {} cycle", i + 1)),
                    "writer {i}: {err}"
                );
                succeeded.push(i as u32 + 1);
            }
            Some(2) => assert!(
                err.contains("another chemodose is editing this history file")
                    && err.contains("nothing was written"),
                "writer {i}: {err}"
            ),
            other => panic!("writer {i} ended with {other:?}: {err}"),
        }
    }
    assert!(
        !succeeded.is_empty(),
        "the first writer finds the file free"
    );
    let (with_cycle, cycles) = landed(&path);
    assert_eq!(cycles, succeeded.len(), "one cycle a success, none lost");
    assert_eq!(with_cycle, succeeded);
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

/// A second edit waits for the first; one that cannot get the lock in time
/// fails clearly and writes nothing.
#[test]
fn an_edit_that_cannot_get_the_lock_fails_clearly() {
    use fs4::FileExt;
    let path = temp_write("locked", SYNTHETIC_OPEN_DOX);
    let held = std::fs::File::open(&path).unwrap();
    FileExt::lock(&held).unwrap();
    let out = common::chemodose()
        .args(["history", "record", path.to_str().unwrap()])
        .args(["--line", "1", "--date", "2026-01-26"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("CHEMODOSE_REGIMENS")
        .env("CHEMODOSE_LOCK_TIMEOUT", "0.5")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("another chemodose is editing this history file")
            && err.contains("nothing was written"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), SYNTHETIC_OPEN_DOX);
    // Released, the same edit goes through.
    drop(held);
    record(&path, &["--date", "2026-01-26"]).success();
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

/// Regression (issue 14): `--actual doxorubicn=300mg` (misspelt) was
/// written, and the cumulative dose then ignored it.
#[test]
fn regression_an_actual_dose_of_a_drug_not_in_the_regimen_is_refused() {
    let path = temp_write("actual-drug", SYNTHETIC_OPEN_DOX);
    let err = record(
        &path,
        &["--date", "2026-01-26", "--actual", "doxorubicn=30mg"],
    )
    .fails(2);
    assert!(
        err.contains("nothing was written: --actual doxorubicn=…: `doxorubicn` is not a drug of regimen doxorubicin (line 1). Write --actual DRUG=DOSE with one of its drugs dosed in cycle 2: doxorubicin"),
        "{err}"
    );
    // The same drug twice (in any case): one dose would replace the other.
    let err = record(
        &path,
        &[
            "--date",
            "2026-01-26",
            "--actual",
            "doxorubicin=30mg",
            "--actual",
            "Doxorubicin=40mg",
        ],
    )
    .fails(2);
    assert!(
        err.contains("--actual doxorubicin=…: a dose of doxorubicin is given twice"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), SYNTHETIC_OPEN_DOX);
    // Spelt right (any case), it is recorded and counted: 75 × 1.82 = 136.5
    // → 136 mg in cycle 1 (held under the ceiling's share), then the 30 mg
    // given in cycle 2: 166 mg.
    record(
        &path,
        &["--date", "2026-01-26", "--actual", "DOXOrubicin=30mg"],
    )
    .success();
    let r = report(path.to_str().unwrap());
    let dox = r
        .cumulative
        .iter()
        .find(|c| c.drug == "doxorubicin")
        .unwrap();
    assert_eq!(dox.mg, d("166"));
    // Hand-written with a space and capitals in a quoted key, it is the same
    // drug and is counted, not left out: 136 + 30 = 166 mg again.
    let spaced = SYNTHETIC_OPEN_DOX.to_owned()
        + "\n[[line.cycle]]\nnumber = 2\ndate = 2026-01-26\nactual = { \" DOXOrubicin\" = \"30 mg\" }\n";
    let r = report_of(&spaced);
    let dox = r
        .cumulative
        .iter()
        .find(|c| c.drug == "doxorubicin")
        .unwrap();
    assert_eq!(dox.mg, d("166"));
    // A hand-written file with such a name fails at load, located.
    let bad = SYNTHETIC_OPEN_DOX.to_owned() + "actual = { epirubicin = \"50 mg\" }\n";
    let lib = Library::bundled().unwrap();
    let e = parse_history("h.toml", &bad, &lib).unwrap_err().to_string();
    let (l, c) = loc(&bad, "\"50 mg\"");
    assert!(
        e.starts_with(&format!(
            "h.toml:{l}:{c}: line 1 cycle 1: `epirubicin` is not a drug of regimen doxorubicin"
        )),
        "{e}"
    );
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

/// An actual dose is counted only under a drug the line's regimen doses in
/// that cycle: a drug given per an instruction, or one the regimen gives in
/// other cycles only, is refused too (SYNTHETIC inline regimen: vinorelbine
/// weekly, cisplatin in cycle 1 only, an antiemetic per protocol).
#[test]
fn an_actual_dose_of_a_drug_not_dosed_in_that_cycle_is_refused() {
    use chemodose::history::{ActualDrugProblem, NewCycle, NewCycleProblem};
    let lib = Library::bundled().unwrap();
    let text = r#"# SYNTHETIC history for tests: invented figures, not a patient.
[patient]
id = "SYNTHETIC-INLINE"

[[measurement]]
date = 2021-01-01
height = "160cm"
weight = "60kg"

[[line]]
number = 1
start = 2021-01-04

[line.inline_regimen]
id = "local-vinorelbine"
name = "Vinorelbine weekly (local)"
version = "1"
status = "draft"
status_note = "Local protocol."
last_reviewed = 2021-01-01
emetogenic_risk = "minimal"

[line.inline_regimen.cycle]
length_days = 7
cycles = 4

[[line.inline_regimen.source]]
citation = "Local protocol"

[[line.inline_regimen.drug]]
name = "vinorelbine"
role = "antineoplastic"
dose = "25 mg/m2"
route = "IV"
days = "1"
round = "1 mg"

[[line.inline_regimen.drug]]
name = "cisplatin"
role = "antineoplastic"
dose = "20 mg/m2"
route = "IV"
days = "1"
cycles = "1"
round = "1 mg"

[[line.inline_regimen.drug]]
name = "ondansetron"
role = "supportive"
instruction = "per local antiemetic protocol"
route = "IV"
days = "1"

[[line.cycle]]
number = 1
date = 2021-01-04
"#;
    let h = parse_history("inline.toml", text, &lib).unwrap();
    let drugs = [
        "cisplatin".to_owned(),
        "ondansetron".to_owned(),
        "vinorelbine".to_owned(),
    ];
    let problems = h.new_cycle_problems(
        NewCycle {
            line: 1,
            number: None,
            date: chrono::NaiveDate::from_ymd_opt(2021, 1, 11).unwrap(),
            actual_drugs: &drugs,
        },
        &lib,
    );
    let problem = |drug: &str, problem| NewCycleProblem::ActualDrug {
        drug: drug.to_owned(),
        problem,
        regimen: "local-vinorelbine".to_owned(),
        cycle: 2,
        dosed: vec!["vinorelbine".to_owned()],
    };
    assert_eq!(
        problems,
        [
            problem("cisplatin", ActualDrugProblem::NotGivenInCycle),
            problem("ondansetron", ActualDrugProblem::NoDoseOfItsOwn),
        ]
    );
    // In cycle 1 cisplatin is dosed: its actual dose is accepted and counted.
    // (The text ends in cycle 1's table.)
    let ok = text.to_owned() + "actual = { cisplatin = \"30 mg\" }\n";
    let r = parse_history("inline.toml", &ok, &lib)
        .unwrap()
        .report(&lib)
        .unwrap();
    let cis = r.cumulative.iter().find(|c| c.drug == "cisplatin").unwrap();
    assert_eq!(cis.mg, d("30"));
    // Hand-written in cycle 2, each is an error located at its dose.
    let bad = text.to_owned()
        + "\n[[line.cycle]]\nnumber = 2\ndate = 2021-01-11\nactual = { cisplatin = \"30 mg\", ondansetron = \"8 mg\", Vinorelbine = \"40 mg\", vinorelbine = \"41 mg\" }\n";
    let e = parse_history("inline.toml", &bad, &lib)
        .unwrap_err()
        .to_string();
    let (l, c) = loc(&bad, "\"30 mg\"");
    assert!(
        e.contains(&format!("inline.toml:{l}:{c}: line 1 cycle 2: cisplatin is not given in cycle 2 of regimen local-vinorelbine; its drugs dosed in cycle 2: vinorelbine")),
        "{e}"
    );
    assert!(
        e.contains(
            "line 1 cycle 2: ondansetron has no dose of its own in regimen local-vinorelbine"
        ),
        "{e}"
    );
    assert!(
        e.contains("line 1 cycle 2: an actual dose of vinorelbine is given twice"),
        "{e}"
    );
    // Through the command: filgrastim in gemcitabine-docetaxel is given per
    // an instruction; the refusal says to leave it out and names the drugs
    // an actual dose can be given for.
    let path = temp_write("filgrastim", &synthetic_open_lines(1));
    let err = record(
        &path,
        &["--date", &burst_date(0), "--actual", "filgrastim=300mcg"],
    )
    .fails(2);
    assert!(
        err.contains("--actual filgrastim=…: filgrastim has no dose of its own in regimen gemcitabine-docetaxel")
            && err.contains("leave it out")
            && err.contains("dosed in cycle 1: dexamethasone, gemcitabine, docetaxel"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

/// Regression (issue 14): a cycle on the date of the one before (a
/// duplicate, or a second "cycle" the same day) was accepted; one dated
/// before the previous cycle is refused too, each with its own words.
#[test]
fn regression_duplicate_and_backward_cycle_dates_are_refused() {
    let path = temp_write("dates", SYNTHETIC_OPEN_DOX);
    let err = record(&path, &["--date", "2026-01-05"]).fails(2);
    assert!(
        err.contains("nothing was written: --date 2026-01-05: line 1 cycle 1 was given on 2026-01-05, and each cycle is recorded once, on its own day 1. Give the new cycle's day 1 (after 2026-01-05) in --date"),
        "{err}"
    );
    let err = record(&path, &["--date", "2026-01-04"]).fails(2);
    assert!(
        err.contains("--date 2026-01-04: line 1 cycle 1 was given later, on 2026-01-05; cycles are recorded in order. Give the new cycle's day 1 (after 2026-01-05) in --date"),
        "{err}"
    );
    let err = record(&path, &["--date", "2026-02-05", "--cycle", "1"]).fails(2);
    assert!(
        err.contains("--cycle 1: line 1 has cycle 1 recorded already, and cycle numbers go up. Leave out --cycle for cycle 2"),
        "{err}"
    );
    // Every problem at once, one a line: before the line's start (2026-01-05)
    // is also before its cycle 1.
    let err = record(&path, &["--date", "2025-12-01", "--cycle", "1"]).fails(2);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 4, "{err}");
    assert!(lines[0].ends_with("nothing was written:"), "{err}");
    assert!(lines[1].starts_with("error: --cycle 1: "), "{err}");
    assert!(
        lines[2].starts_with("error: --date 2025-12-01: line 1 cycle 1 was given later"),
        "{err}"
    );
    assert!(
        lines[3].starts_with("error: --date 2025-12-01: line 1 starts on 2026-01-05, after it"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), SYNTHETIC_OPEN_DOX);
    // In a hand-written file, each is an error located at the date.
    let lib = Library::bundled().unwrap();
    for (date, says) in [
        ("2026-01-05", "has the date of cycle 1 (2026-01-05)"),
        ("2026-01-04", "is dated before cycle 1 (2026-01-05)"),
    ] {
        let hand = format!("{SYNTHETIC_OPEN_DOX}\n[[line.cycle]]\nnumber = 2\ndate = {date}\n");
        let e = parse_history("h.toml", &hand, &lib)
            .unwrap_err()
            .to_string();
        let at = hand.rfind(date).unwrap();
        let l = hand[..at].lines().count();
        assert!(
            e.contains(&format!("h.toml:{l}:8: cycle 2 of line 1")) && e.contains(says),
            "{e}"
        );
    }
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

/// A cycle sooner than the regimen's cycle length after the one before is
/// refused (exit 1: a date typed wrong, or a cycle given early) unless
/// `--early-reason` says why; the reason is written with the cycle.
#[test]
fn a_cycle_sooner_than_the_cycle_length_needs_a_reason() {
    let path = temp_write("early", SYNTHETIC_OPEN_DOX);
    // Doxorubicin repeats every 21 days: day 1 of cycle 2 is 2026-01-26 at
    // the earliest; 2026-01-06 is 1 day after cycle 1.
    let err = record(&path, &["--date", "2026-01-06"]).fails(1);
    assert!(
        err.contains("line 1 cycle 2 on 2026-01-06 would be 1 day(s) after cycle 1 (2026-01-05), sooner than the 21 days doxorubicin repeats in; nothing was written")
            && err.contains("--early-reason"),
        "{err}"
    );
    let err = record(&path, &["--date", "2026-01-25"]).fails(1);
    assert!(err.contains("20 day(s) after cycle 1"), "{err}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), SYNTHETIC_OPEN_DOX);
    // Cycle 3 recorded without cycle 2: two cycle lengths (42 days) apart.
    let err = record(&path, &["--date", "2026-02-10", "--cycle", "3"]).fails(1);
    assert!(err.contains("sooner than the 42 days"), "{err}");
    record(&path, &["--date", "2026-01-26"]).success();
    record(
        &path,
        &[
            "--date",
            "2026-02-14",
            "--early-reason",
            "given 2 days early for the holiday",
        ],
    )
    .success();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("early_reason = \"given 2 days early for the holiday\""),
        "{text}"
    );
    let lib = Library::bundled().unwrap();
    let h = parse_history("h.toml", &text, &lib).unwrap();
    assert!(h.early_cycles(&lib).is_empty());
    // The reason is shown with the cycle (text notes, JSON `early_reason`).
    let out = Run::new(&["history", "show", path.to_str().unwrap()]).success();
    assert!(
        out.contains("early: given 2 days early for the holiday"),
        "{out}"
    );
    assert!(!codes(&h.report(&lib).unwrap()).contains(&"cycle-early"));
    let json: serde_json::Value = serde_json::from_str(
        &Run::new(&[
            "history",
            "show",
            path.to_str().unwrap(),
            "--format",
            "json",
        ])
        .success(),
    )
    .unwrap();
    assert_eq!(
        json["lines"][0]["cycles"][2]["early_reason"],
        "given 2 days early for the holiday"
    );
    assert_eq!(
        json["lines"][0]["cycles"][1]["early_reason"],
        serde_json::Value::Null
    );
    // Written by hand without a reason, an early cycle is accepted (the file
    // may record what happened) but the report warns: cycle 2 one day after
    // cycle 1 of 21-day doxorubicin.
    let hand = SYNTHETIC_OPEN_DOX.to_owned() + "\n[[line.cycle]]\nnumber = 2\ndate = 2026-01-06\n";
    let r = report_of(&hand);
    assert_eq!(codes(&r), ["cycle-early"]);
    assert!(
        r.warnings[0].to_string().starts_with(
            "line 1 cycle 2 on 2026-01-06 is 1 day(s) after cycle 1 (2026-01-05), sooner than the 21 days doxorubicin repeats in, and no early_reason is recorded"
        ),
        "{}",
        r.warnings[0]
    );
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

/// Regression (issue 14): a cycle after a recorded death passed. The death
/// is a `death` event or a line stopped by death; nothing is started or given
/// on or after it, by the commands or in a hand-written file.
#[test]
fn regression_nothing_is_given_after_a_death_however_recorded() {
    let path = temp_write("death-stop", SYNTHETIC_OPEN_DOX);
    let p = path.to_str().unwrap();
    Run::new(&[
        "history",
        "end-line",
        p,
        "--line",
        "1",
        "--date",
        "2026-01-20",
        "--reason",
        "death",
    ])
    .success();
    let err = Run::new(&[
        "history",
        "start-line",
        p,
        "--regimen",
        "eribulin",
        "--date",
        "2026-02-01",
    ])
    .fails(2);
    assert!(err.contains("death on 2026-01-20"), "{err}");
    // A death event: a later cycle is refused by `record` and at load.
    let with_event =
        SYNTHETIC_OPEN_DOX.to_owned() + "\n[[event]]\nkind = \"death\"\ndate = 2026-01-20\n";
    let path2 = temp_write("death-event", &with_event);
    let err = record(&path2, &["--date", "2026-01-26"]).fails(2);
    assert!(err.contains("death on 2026-01-20"), "{err}");
    let lib = Library::bundled().unwrap();
    let hand = SYNTHETIC_OPEN_DOX.to_owned()
        + "\n[[line.cycle]]\nnumber = 2\ndate = 2026-01-26\n\n[[event]]\nkind = \"death\"\ndate = 2026-01-20\n";
    let e = parse_history("h.toml", &hand, &lib)
        .unwrap_err()
        .to_string();
    let (l, c) = loc(&hand, "2026-01-26");
    assert!(
        e.starts_with(&format!(
            "h.toml:{l}:{c}: line 1 cycle 2 is dated 2026-01-26, on or after the death recorded on 2026-01-20"
        )),
        "{e}"
    );
    let hand = SYNTHETIC_DOX6.to_owned()
        + "\n[[line]]\nnumber = 2\nregimen = \"eribulin\"\nstart = 2019-01-07\n\n[[event]]\nkind = \"death\"\ndate = 2018-12-01\n";
    let e = parse_history("h.toml", &hand, &lib)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("line 2 starts on 2019-01-07, on or after the death recorded on 2018-12-01"),
        "{e}"
    );
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
    let _ = std::fs::remove_dir_all(path2.parent().unwrap());
}

/// An edit the loader refuses (a line ended before it starts and before its
/// cycle) names the file, says nothing was written, and shows the problem in
/// the text the edit would have written.
#[test]
fn an_edit_that_would_make_the_file_invalid_names_it_and_writes_nothing() {
    let path = temp_write("end-before-start", SYNTHETIC_OPEN_DOX);
    let p = path.to_str().unwrap();
    let err = Run::new(&[
        "history",
        "end-line",
        p,
        "--line",
        "1",
        "--date",
        "2026-01-01",
        "--reason",
        "toxicity",
    ])
    .fails(2);
    assert!(
        err.starts_with(&format!(
            "error: {p}: the edit would make the file invalid (shown below in the text it would write); nothing was written:"
        )) && err.contains("line 1 ends before it starts")
            && err.contains("line 1 ends before its cycle 1"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), SYNTHETIC_OPEN_DOX);
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

/// An edit through a symbolic link edits the history it points to; the
/// rename used to put the new text in place of the link and leave the
/// history itself without the cycle.
#[cfg(unix)]
#[test]
fn an_edit_through_a_symbolic_link_edits_the_history() {
    let path = temp_write("symlink", SYNTHETIC_OPEN_DOX);
    let link = path.parent().unwrap().join("link.toml");
    std::os::unix::fs::symlink(&path, &link).unwrap();
    record(&link, &["--date", "2026-01-26"]).success();
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .contains("date = 2026-01-26")
    );
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

/// Regression (issue 14, a sibling of `> /dev/full`): a standard error that
/// cannot be written (a closed pipe here; `2> /dev/full` is the same)
/// made `eprintln!` panic: exit 101, hiding whether the cycle was recorded.
/// A refusal keeps its exit 2, a success its exit 0 with the cycle written.
#[cfg(unix)]
#[test]
fn regression_an_unwritable_standard_error_keeps_the_exit_code() {
    let path = temp_write("closed-stderr", SYNTHETIC_OPEN_DOX);
    let run = |date: &str| {
        let mut child = common::chemodose()
            .args(["history", "record", path.to_str().unwrap()])
            .args(["--line", "1", "--date", date])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env_remove("CHEMODOSE_REGIMENS")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Close the reading end before the process writes its first word.
        drop(child.stderr.take());
        child.wait().unwrap().code()
    };
    // The same day as cycle 1: refused.
    assert_eq!(run("2026-01-05"), Some(2));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), SYNTHETIC_OPEN_DOX);
    assert_eq!(run("2026-01-26"), Some(0));
    let lib = Library::bundled().unwrap();
    let h = parse_history("h.toml", &std::fs::read_to_string(&path).unwrap(), &lib).unwrap();
    assert_eq!(h.lines[0].cycles.len(), 2);
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

/// A history edit that cannot be written (a full disk; here a file-size
/// limit, EFBIG) exits 2 naming the history file, leaves it as it was and
/// leaves no temporary file beside it.
#[cfg(unix)]
#[test]
fn a_history_edit_that_cannot_be_written_leaves_the_file_intact() {
    // About 7 KB, above the 2-4 KiB `ulimit -f 4` allows.
    let text = synthetic_open_lines(100);
    assert!(text.len() > 4096);
    let path = temp_write("efbig", &text);
    let script = format!(
        "trap '' XFSZ; ulimit -f 4; exec '{}' history record '{}' --line 1 --date {}",
        env!("CARGO_BIN_EXE_chemodose"),
        path.display(),
        burst_date(0)
    );
    let run = std::process::Command::new("sh")
        .args(["-c", &script])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("CHEMODOSE_REGIMENS")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!("cannot write {}", path.display()))
            && err.contains("the history file is as it was, unchanged"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    let left: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, [std::ffi::OsString::from("history.toml")]);
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

/// Issue 14: a date far outside any treatment (`9999-12-31`, `0001-01-01`)
/// was read from a history file. Every date of the file is held to
/// 1900-01-01 to 2199-12-31, located at the value; `history record --date`
/// is held to the same window on the command line.
#[test]
fn history_dates_outside_the_window_are_refused() {
    let lib = Library::bundled().unwrap();
    let bad = SYNTHETIC_DOX6.replacen("date = 2018-07-16", "date = 9999-07-16", 1);
    let (l, c) = loc(&bad, "9999-07-16");
    let e = parse_history("h.toml", &bad, &lib).unwrap_err().to_string();
    assert!(
        e.starts_with(&format!(
            "h.toml:{l}:{c}: the date 9999-07-16 is outside 1900-01-01 to 2199-12-31; check the year"
        )),
        "{e}"
    );
    let bad = SYNTHETIC_DOX6.replacen("start = 2018-04-02", "start = 0001-04-02", 1);
    let e = parse_history("h.toml", &bad, &lib).unwrap_err().to_string();
    assert!(
        e.contains("the date 0001-04-02 is outside 1900-01-01 to 2199-12-31"),
        "{e}"
    );
    let path = temp_write("window", SYNTHETIC_DOX6);
    let err = Run::new(&[
        "history",
        "record",
        path.to_str().unwrap(),
        "--line",
        "1",
        "--date",
        "2199-12-32",
    ])
    .fails(2);
    assert!(err.contains("`2199-12-32` is not a date"), "{err}");
    let err = Run::new(&[
        "history",
        "record",
        path.to_str().unwrap(),
        "--line",
        "1",
        "--date",
        "2200-01-01",
    ])
    .fails(2);
    assert!(
        err.contains("the date 2200-01-01 is outside 1900-01-01 to 2199-12-31"),
        "{err}"
    );
    // Issue 14: `--line -1` was read as a flag ("unexpected argument").
    let err = Run::new(&[
        "history",
        "record",
        path.to_str().unwrap(),
        "--line",
        "-1",
        "--date",
        "2018-08-06",
    ])
    .fails(2);
    assert!(
        err.contains("'--line <N>': the line number cannot be negative (got `-1`); write a whole number from 1, e.g. --line 2"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), SYNTHETIC_DOX6);
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

/// An explicitly SYNTHETIC history (invented figures, not a patient): one
/// line of gemcitabine-docetaxel at 170 cm, 70 kg, cycle 2 recorded with
/// docetaxel alone at dose level -1. BSA sqrt(170 × 70 / 3600) = 1.8181 →
/// 1.82 m². Cycle 1: gemcitabine 900 × 1.82 = 1,638 mg on days 1 and 8
/// (3,276 mg), docetaxel 100 × 1.82 = 182 mg. Cycle 2: gemcitabine
/// unchanged, 3,276 mg; docetaxel at its level -1, 75 mg/m² (the regimen
/// file's `reductions`): 75 × 1.82 = 136.5 → 137 mg.
const SYNTHETIC_GEM_DOC_BY_DRUG: &str = r#"# SYNTHETIC history for tests: invented figures, not a patient.
[patient]
id = "SYNTH-GD"

[[measurement]]
date = 2026-01-05
height = "170cm"
weight = "70kg"

[[line]]
number = 1
regimen = "gemcitabine-docetaxel"
start = 2026-01-05

[[line.cycle]]
number = 1
date = 2026-01-05

[[line.cycle]]
number = 2
date = 2026-01-26
level = { docetaxel = -1 }
"#;

/// Issue 18: a dose level by drug in a history file, as `dose --level
/// docetaxel=-1` gives it: only that drug is reduced when the cycle is
/// recomputed, and only that drug may not be raised again without a reason.
#[test]
fn a_dose_level_by_drug_reduces_that_drug_only() {
    let r = report_of(SYNTHETIC_GEM_DOC_BY_DRUG);
    let cycles = &r.lines[0].cycles;
    assert_eq!(cycles[0].doses["gemcitabine"].0, d("3276"));
    assert_eq!(cycles[0].doses["docetaxel"].0, d("182"));
    assert_eq!(cycles[1].doses["gemcitabine"].0, d("3276"));
    assert_eq!(cycles[1].doses["docetaxel"].0, d("137"));
    // The note beside cycle 2 names the drug.
    let path = temp_write("by-drug", SYNTHETIC_GEM_DOC_BY_DRUG);
    let text = Run::new(&["history", "show", path.to_str().unwrap()]).success();
    assert!(text.contains("DOCEtaxel: dose level -1"), "{text}");
    // Cycle 3 at full docetaxel is a re-escalation of docetaxel alone.
    let dose = |more: &[&str]| {
        let mut args = vec![
            "dose",
            "gemcitabine-docetaxel",
            "--history",
            path.to_str().unwrap(),
            "--cycle",
            "3",
        ];
        args.extend(common::NORMAL_LABS);
        args.extend(more);
        Run::new(&args)
    };
    let err = dose(&[]).fails(1);
    assert!(
        err.contains("refused: DOCEtaxel: the line's last cycle was given at dose level -1; the full dose would raise the dose again"),
        "{err}"
    );
    // Docetaxel kept at level -1, gemcitabine at full dose: no stop.
    let out = dose(&["--level", "docetaxel=-1"]).success();
    assert!(out.contains("1,638 mg"), "{out}");
    assert!(out.contains("137 mg"), "{out}");
}

#[test]
fn bad_dose_levels_by_drug_are_located() {
    let lib = Library::bundled().unwrap();
    let err = |text: &str| parse_history("h.toml", text, &lib).unwrap_err().to_string();
    // A misspelt drug: it would be written and never applied.
    let bad = SYNTHETIC_GEM_DOC_BY_DRUG.replace("{ docetaxel = -1 }", "{ docetaxl = -1 }");
    let (l, c) = loc(&bad, "-1 }");
    let e = err(&bad);
    assert!(
        e.starts_with(&format!(
            "h.toml:{l}:{c}: line 1 cycle 2: `docetaxl` is not an antineoplastic drug of regimen gemcitabine-docetaxel; its antineoplastic drugs: gemcitabine, docetaxel"
        )),
        "{e}"
    );
    // A supportive drug has no dose level.
    let bad = SYNTHETIC_GEM_DOC_BY_DRUG.replace("{ docetaxel = -1 }", "{ dexamethasone = -1 }");
    assert!(err(&bad).contains("`dexamethasone` is not an antineoplastic drug"));
    // A level and a percent for the same drug.
    let bad = SYNTHETIC_GEM_DOC_BY_DRUG.replace(
        "level = { docetaxel = -1 }",
        "level = { docetaxel = -1 }\nreduce = { docetaxel = \"20%\" }",
    );
    assert!(
        err(&bad).contains("docetaxel has both a `level` and a `reduce`"),
        "{}",
        err(&bad)
    );
    // For all drugs, both: refused as before.
    let bad = SYNTHETIC_GEM_DOC_BY_DRUG
        .replace("level = { docetaxel = -1 }", "level = -1\nreduce = \"20%\"");
    assert!(err(&bad).contains("give `level` or `reduce`, not both"));
    // An empty table, a bad percent by drug, a level that is not a number.
    let bad = SYNTHETIC_GEM_DOC_BY_DRUG.replace("{ docetaxel = -1 }", "{}");
    assert!(
        err(&bad).contains("an empty `level` table"),
        "{}",
        err(&bad)
    );
    let bad = SYNTHETIC_GEM_DOC_BY_DRUG.replace(
        "level = { docetaxel = -1 }",
        "reduce = { gemcitabine = \"20\" }",
    );
    let (l, c) = loc(&bad, "\"20\"");
    assert!(
        err(&bad).starts_with(&format!("h.toml:{l}:{c}:")),
        "{}",
        err(&bad)
    );
    let bad = SYNTHETIC_GEM_DOC_BY_DRUG.replace("{ docetaxel = -1 }", "{ docetaxel = \"-1\" }");
    assert!(err(&bad).starts_with("h.toml:"), "{}", err(&bad));
    // A mixed form: gemcitabine 20 % off, docetaxel at level -1.
    let ok = SYNTHETIC_GEM_DOC_BY_DRUG.replace(
        "level = { docetaxel = -1 }",
        "level = { docetaxel = -1 }\nreduce = { gemcitabine = \"20%\" }",
    );
    let r = report_of(&ok);
    // 1,638 × 0.8 = 1,310.4 → 1,310 mg a day, twice: 2,620 mg.
    assert_eq!(r.lines[0].cycles[1].doses["gemcitabine"].0, d("2620"));
    assert_eq!(r.lines[0].cycles[1].doses["docetaxel"].0, d("137"));
}

#[test]
fn history_record_writes_a_dose_level_by_drug() {
    let path = temp_write(
        "record-by-drug",
        &SYNTHETIC_GEM_DOC_BY_DRUG.replace(
            "\n[[line.cycle]]\nnumber = 2\ndate = 2026-01-26\nlevel = { docetaxel = -1 }\n",
            "\n",
        ),
    );
    record(&path, &["--date", "2026-01-26", "--level", "docetaxel=-1"]).success();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("level = { docetaxel = -1 }"), "{text}");
    // A level for all drugs and one by drug cannot share the key.
    let before = std::fs::read_to_string(&path).unwrap();
    let err = record(
        &path,
        &[
            "--date",
            "2026-02-16",
            "--level",
            "-1",
            "--level",
            "docetaxel=-2",
        ],
    )
    .fails(2);
    assert!(
        err.contains("a dose level for all antineoplastic drugs and a dose level by drug cannot both be recorded"),
        "{err}"
    );
    // A level and a percent for one drug, as `dose` refuses them.
    let err = record(
        &path,
        &[
            "--date",
            "2026-02-16",
            "--level",
            "docetaxel=-1",
            "--reduce",
            "docetaxel=20%",
        ],
    )
    .fails(2);
    assert!(
        err.contains("cannot both be given for the same drug"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), before);
}
