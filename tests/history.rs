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
regimen_version = "1.1.0"
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
    let bad = text.replacen("[patient]", "[patient]\nname = \"Jane Doe\"", 1);
    assert!(err(&bad).contains("unknown field `name`"));
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
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_chemodose"))
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
        err.contains("'--line <LINE>': the line number cannot be negative (got `-1`); write a whole number from 1, e.g. --line 2"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), SYNTHETIC_DOX6);
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}
