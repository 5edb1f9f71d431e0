//! Schedules: dates worked out by hand, delays, dose changes, flags, cumulative
//! doses, and every output format (snapshots for looks, parsers for validity).
//! Every schedule is given normal liver tests and blood counts
//! (`docs/examples/gemdoc-labs.toml`): gemcitabine-docetaxel requires them
//! (docetaxel), and no rule fires on them.

mod common;

use std::collections::BTreeSet;

use chemodose::course::{Course, CourseIdentity, CourseKey, Revisions};
use chemodose::dose::{DoseOptions, Reduction};
use chemodose::patient::{Patient, Sex};
use chemodose::quantity::{Percent, parse_gfr, parse_height, parse_weight};
use chemodose::regimen::{Library, Regimen};
use chemodose::render::schedule::{
    RenderContext, dose_change_text, schedule_csv, schedule_html, schedule_ics, schedule_json,
    schedule_markdown, schedule_text,
};
use chemodose::schedule::{DoseChange, Schedule, ScheduleError, ScheduleOptions, build_schedule};
use chrono::NaiveDate;
use rust_decimal::Decimal;

fn regimen(id: &str) -> Regimen {
    Library::bundled().unwrap().get(id).unwrap().regimen.clone()
}

fn patient() -> Patient {
    Patient {
        height: parse_height("170cm").unwrap(),
        weight: parse_weight("70kg").unwrap(),
        measured_on: None,
        sex: Some(Sex::Female),
        age: None,
        serum_creatinine: None,
        serum_creatinine_on: None,
    }
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn options(start: &str) -> ScheduleOptions {
    ScheduleOptions {
        start: Some(date(start)),
        ..ScheduleOptions::default()
    }
}

fn build(id: &str, o: &ScheduleOptions) -> Schedule {
    let options = common::with_normal_labs(&DoseOptions::default());
    build_schedule(&regimen(id), &patient(), &options, o).unwrap()
}

/// The inputs the clinical rules of the doxorubicin, dacarbazine and
/// ifosfamide regimens require, at normal values: total bilirubin 0.6 mg/dL
/// (below the label's 1.2 mg/dL band) and a GFR of 90 mL/min (above every
/// renal band; the patient has no SCr). The rules are tested by the golden checks.
fn normal_inputs() -> DoseOptions {
    common::with_normal_labs(&DoseOptions {
        gfr: Some(parse_gfr("90mL/min").unwrap()),
        ..DoseOptions::default()
    })
}

fn build_normal(id: &str, o: &ScheduleOptions) -> Schedule {
    build_schedule(&regimen(id), &patient(), &normal_inputs(), o).unwrap()
}

fn dates_of(s: &Schedule, drug: &str) -> Vec<NaiveDate> {
    s.administrations()
        .filter(|(_, a)| a.administration.drug == drug)
        .map(|(_, a)| a.date)
        .collect()
}

fn dates(list: &[&str]) -> Vec<NaiveDate> {
    list.iter().map(|d| date(d)).collect()
}

#[test]
fn gemcitabine_docetaxel_day_8_dates() {
    // Cycle n day 8 = 2026-12-01 + 21 × (n − 1) + 7 days.
    let s = build("gemcitabine-docetaxel", &options("2026-12-01"));
    assert_eq!(s.cycles.len(), 6);
    assert_eq!(
        dates_of(&s, "docetaxel"),
        dates(&[
            "2026-12-08",
            "2026-12-29",
            "2027-01-19",
            "2027-02-09",
            "2027-03-02",
            "2027-03-23"
        ])
    );
    assert_eq!(
        dates_of(&s, "gemcitabine"),
        dates(&[
            "2026-12-01",
            "2026-12-08",
            "2026-12-22",
            "2026-12-29",
            "2027-01-12",
            "2027-01-19",
            "2027-02-02",
            "2027-02-09",
            "2027-02-23",
            "2027-03-02",
            "2027-03-16",
            "2027-03-23",
        ])
    );
}

#[test]
fn a_delay_moves_that_cycle_and_every_later_one() {
    let mut o = options("2026-12-01");
    o.delays.insert(3, 7);
    let s = build("gemcitabine-docetaxel", &o);
    // Cycles 1-2 unchanged; cycle 3 day 1 = 2027-01-12 + 7 = 2027-01-19, and so on.
    assert_eq!(
        dates_of(&s, "docetaxel"),
        dates(&[
            "2026-12-08",
            "2026-12-29",
            "2027-01-26",
            "2027-02-16",
            "2027-03-09",
            "2027-03-30"
        ])
    );
    assert_eq!(s.cycles[2].delay_days, 7);
    // Two delays add up: +7 at cycle 3 and +3 at cycle 5.
    o.delays.insert(5, 3);
    let s = build("gemcitabine-docetaxel", &o);
    assert_eq!(s.cycles[4].start, date("2027-03-05")); // 2027-02-23 + 10
    assert_eq!(s.cycles[5].start, date("2027-03-26")); // 2027-03-16 + 10
}

#[test]
fn dose_changes_apply_from_their_cycle_and_are_shown() {
    let mut o = options("2026-12-01");
    o.changes.push(DoseChange {
        from_cycle: 4,
        drug: Some("docetaxel".into()),
        reduction: Reduction::Level(-1),
    });
    o.changes.push(DoseChange {
        from_cycle: 5,
        drug: None,
        reduction: Reduction::Percent(Percent::whole(20)),
    });
    let s = build("gemcitabine-docetaxel", &o);
    let doc: Vec<Decimal> = s
        .administrations()
        .filter(|(_, a)| a.administration.drug == "docetaxel")
        .map(|(_, a)| a.administration.final_dose)
        .collect();
    // 100 × 1.82 = 182 (cycles 1-3); level -1 75 × 1.82 = 136.5 → 137 (cycle 4);
    // from cycle 5, 20 % off for all: 182 × 0.8 = 145.6 → 146
    let want: Vec<Decimal> = [182, 182, 182, 137, 146, 146]
        .into_iter()
        .map(Decimal::from)
        .collect();
    assert_eq!(doc, want);
    let changes = |c: usize| -> Vec<String> {
        s.cycles[c]
            .dose_changes
            .iter()
            .map(dose_change_text)
            .collect()
    };
    assert_eq!(changes(3), ["DOCEtaxel: dose level -1"]);
    assert_eq!(changes(4), ["all antineoplastic drugs: reduced by 20%"]);
}

#[test]
fn weekends_and_holidays_are_flagged_not_moved() {
    // 2026-12-05 is a Saturday; day 8 is Saturday 2026-12-12 too.
    let mut o = options("2026-12-05");
    o.cycles = Some(1);
    o.holidays = [date("2026-12-12")].into_iter().collect::<BTreeSet<_>>();
    let s = build("gemcitabine-docetaxel", &o);
    let first = &s.cycles[0].administrations[0];
    assert_eq!(first.date, date("2026-12-05"));
    assert!(first.weekend && !first.holiday);
    // After day 1: dexamethasone twice on day 7 (Friday), then day 8.
    let day8 = s.cycles[0]
        .administrations
        .iter()
        .find(|a| a.administration.day == 8)
        .unwrap();
    assert_eq!(day8.date, date("2026-12-12"));
    assert!(day8.weekend && day8.holiday);
    assert!(
        s.warnings
            .iter()
            .any(|w| w.code() == "weekend-or-holiday" && w.to_string().contains("Sat 2026-12-05"))
    );
}

#[test]
fn cumulative_doxorubicin_after_each_cycle() {
    let s = build_normal("doxorubicin", &options("2026-12-01"));
    for (i, c) in s.cycles.iter().enumerate() {
        let d = c
            .cumulative
            .iter()
            .find(|x| x.drug == "doxorubicin")
            .unwrap();
        // 136 mg per cycle: 75 × 1.82 = 136.5 mg, at the ceiling share
        // 75 mg/m² × 1.82 / 1 day = 136.5 mg; 137 would cross it, so 136
        assert_eq!(d.total, Decimal::from(136 * (i as i64 + 1)));
        let limit = d.limit.as_ref().unwrap();
        assert_eq!(limit.limit_value, Decimal::from(550));
    }
    // After 6 cycles: 6 × 136 = 816 mg / 1.82 m² = 448.35 mg/m²
    let last = &s.cycles[5].cumulative[0];
    assert_eq!(last.total_per_m2, Some(Decimal::new(44835, 2)));
}

#[test]
fn a_schedule_past_the_lifetime_limit_is_refused() {
    let mut o = options("2026-12-01");
    o.cycles = Some(8);
    let e = build_schedule(&regimen("doxorubicin"), &patient(), &normal_inputs(), &o).unwrap_err();
    assert!(e.to_string().contains("lifetime limit of 550 mg/m²"), "{e}");
}

#[test]
fn until_progression_needs_a_cycle_count() {
    let e = build_schedule(
        &regimen("trabectedin"),
        &patient(),
        &DoseOptions::default(),
        &options("2026-12-01"),
    )
    .unwrap_err();
    assert!(matches!(e, ScheduleError::NeedsCycles { .. }), "{e}");
    let mut o = options("2026-12-01");
    o.delays.insert(9, 7);
    let e = build_schedule(
        &regimen("doxorubicin"),
        &patient(),
        &DoseOptions::default(),
        &o,
    )
    .unwrap_err();
    assert!(
        matches!(e, ScheduleError::NoSuchCycle { cycle: 9, .. }),
        "{e}"
    );
}

#[test]
fn continuous_infusion_and_companions_appear_on_their_days() {
    let mut o = options("2026-12-01");
    o.cycles = Some(1);
    let s = build_normal("doxorubicin-ifosfamide-mesna", &o);
    // Three mesna doses (0, 4 and 8 h of ifosfamide) on each ifosfamide day.
    let mut mesna = dates_of(&s, "mesna");
    assert_eq!(mesna.len(), 12);
    mesna.dedup();
    assert_eq!(
        mesna,
        dates(&["2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04"])
    );
    let s = build_normal("dacarbazine-doxorubicin-ci", &o);
    assert_eq!(dates_of(&s, "doxorubicin").len(), 4);
}

fn snapshot_schedule() -> (Schedule, RenderContext) {
    let mut o = options("2026-12-01");
    o.delays.insert(3, 7);
    o.changes.push(DoseChange {
        from_cycle: 4,
        drug: Some("docetaxel".into()),
        reduction: Reduction::Level(-1),
    });
    let s = build("gemcitabine-docetaxel", &o);
    let ctx = RenderContext {
        patient_id: Some("PT-0042".into()),
        generated: Some(chrono::DateTime::from_timestamp(1_795_000_000, 0).unwrap()),
        course: Some(Course {
            key: CourseKey::of(&CourseIdentity::Patient {
                patient_id: "PT-0042",
                regimen_id: "gemcitabine-docetaxel",
                planned_start: date("2026-12-01"),
            }),
            revisions: Revisions::of(&o),
        }),
        regimen_source: Some(
            Library::bundled()
                .unwrap()
                .get("gemcitabine-docetaxel")
                .unwrap()
                .source
                .clone(),
        ),
        // A name with markup and quotes: escaped in the page and in its
        // running header (a CSS string).
        identity: chemodose::render::schedule::PrintedIdentity {
            name: Some("Ann <b>O'Neil</b> & \"Co\"".into()),
            mrn: Some("MRN-12345".into()),
            birth_date: Some(date("1961-04-02")),
        },
        paper: chemodose::render::schedule::Paper::A4,
    };
    (s, ctx)
}

#[test]
fn snapshots_of_every_format() {
    let (s, ctx) = snapshot_schedule();
    insta::assert_snapshot!("schedule_text", schedule_text(&s, &ctx));
    insta::assert_snapshot!("schedule_markdown", schedule_markdown(&s, &ctx));
    insta::assert_snapshot!("schedule_html", schedule_html(&s, &ctx));
    insta::assert_snapshot!("schedule_csv", schedule_csv(&s, &ctx));
    insta::assert_snapshot!(
        "schedule_json",
        serde_json::to_string_pretty(&schedule_json(&s, &ctx)).unwrap()
    );
    insta::assert_snapshot!("schedule_ics", schedule_ics(&s, &ctx));
}

#[test]
fn the_ics_parses_back_with_an_independent_parser() {
    let (s, ctx) = snapshot_schedule();
    let text = schedule_ics(&s, &ctx);
    assert!(
        text.lines().all(|l| l.len() <= 75),
        "every content line is folded to 75 octets"
    );
    assert!(text.contains("\r\n"));
    let mut parser = ical::IcalParser::new(std::io::BufReader::new(text.as_bytes()));
    let cal = parser.next().expect("one calendar").expect("parses");
    // One event per administration day: days 1, 7 (dexamethasone), 8 and
    // G-CSF days 9-15 of 6 cycles.
    assert_eq!(cal.events.len(), 6 * 10);
    let mut uids = BTreeSet::new();
    for e in &cal.events {
        let prop = |name: &str| {
            e.properties
                .iter()
                .find(|p| p.name == name)
                .and_then(|p| p.value.clone())
                .unwrap_or_default()
        };
        assert!(uids.insert(prop("UID")), "UIDs are unique");
        // 1_795_000_000 s after the epoch = 2026-11-18 11:06:40 UTC
        assert_eq!(prop("DTSTAMP"), "20261118T110640Z");
        let start = NaiveDate::parse_from_str(&prop("DTSTART"), "%Y%m%d").unwrap();
        let end = NaiveDate::parse_from_str(&prop("DTEND"), "%Y%m%d").unwrap();
        assert_eq!(
            end - start,
            chrono::Duration::days(1),
            "all-day end is exclusive"
        );
    }
    let first = &cal.events[0];
    let summary = first
        .properties
        .iter()
        .find(|p| p.name == "SUMMARY")
        .unwrap()
        .value
        .clone()
        .unwrap();
    assert!(summary.contains("gemcitabine 1\\,638 mg"), "{summary}");
    // Stable: the same schedule gives the same UIDs.
    let again = schedule_ics(&s, &ctx);
    assert_eq!(text, again);
}

#[test]
fn the_csv_parses_back_with_the_csv_crate() {
    let (s, ctx) = snapshot_schedule();
    let text = schedule_csv(&s, &ctx);
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let headers = r.headers().unwrap().clone();
    assert_eq!(&headers[0], "patient_id");
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    let i = |name: &str| headers.iter().position(|h| h == name).unwrap();
    // 3 doses, 6 dexamethasone doses (twice daily, days 7-9), the low-risk
    // antiemetic on day 1 (day 8's steroid is the premedication) and 7 G-CSF
    // days per cycle × 6 cycles
    assert_eq!(rows.len(), 6 * 17);
    let gcsf = rows.iter().find(|r| &r[i("drug")] == "filgrastim").unwrap();
    assert_eq!(&gcsf[i("date")], "2026-12-09");
    assert_eq!(
        &gcsf[i("final_dose")],
        "",
        "no amount for a drug given by protocol"
    );
    assert_eq!(
        &gcsf[i("instruction")],
        "Filgrastim SC once daily: dose and product by local protocol (label 5 mcg/kg/day [R138])"
    );
    assert_eq!(&rows[0][i("date")], "2026-12-01");
    assert_eq!(&rows[0][i("final_dose")], "1638");
    // cycle 4 docetaxel at level -1: 75 × 1.82 = 136.5 → 137
    let doc4 = rows
        .iter()
        .find(|r| &r[i("cycle")] == "4" && &r[i("drug")] == "docetaxel")
        .unwrap();
    assert_eq!(&doc4[i("final_dose")], "137");
    assert!(doc4[i("adjustments")].contains("dose level -1"));
}

#[test]
fn the_html_is_well_formed() {
    let (s, ctx) = snapshot_schedule();
    let html = schedule_html(&s, &ctx);
    let mut reader = quick_xml::Reader::from_str(&html);
    let mut depth = 0i32;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(_)) => depth += 1,
            Ok(quick_xml::events::Event::End(_)) => depth -= 1,
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("not well-formed at {}: {e}", reader.buffer_position()),
        }
    }
    assert_eq!(depth, 0);
    assert!(!html.contains("<script"));
    assert!(
        !html.contains("http://") || html.contains("pmc.ncbi"),
        "no external assets"
    );
    assert_eq!(
        html.matches("<section class=\"cycle\">").count(),
        5,
        "a page break before cycles 2-6"
    );
}

/// Issue 14: `schedule --format csv` wrote a patient id `=HYPERLINK(...)` as
/// it was given, a live formula in a spreadsheet. Every text cell that starts
/// a formula is written with a single quote in front (OWASP CSV injection);
/// the cycle, day and dose columns are numbers and stay bare.
#[test]
fn regression_csv_text_cells_starting_a_formula_are_neutralised() {
    let text = include_str!("../regimens/gemcitabine-docetaxel.toml").replace(
        "instruction = \"Filgrastim SC once daily",
        "instruction = \"@Filgrastim SC once daily",
    );
    let r = chemodose::regimen::parse_regimen("x.toml", &text).unwrap();
    let options = common::with_normal_labs(&DoseOptions::default());
    let s = build_schedule(&r, &patient(), &options, &options_for_csv()).unwrap();
    for (id, written) in [
        (
            "=HYPERLINK(\"http://evil.example/\",\"open\")",
            "'=HYPERLINK(\"http://evil.example/\",\"open\")",
        ),
        ("-1", "'-1"),
        ("+44 20", "'+44 20"),
        ("PT-0042", "PT-0042"),
    ] {
        let ctx = RenderContext {
            patient_id: Some(id.into()),
            generated: None,
            ..Default::default()
        };
        let csv_text = schedule_csv(&s, &ctx);
        let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
        let headers = reader.headers().unwrap().clone();
        let i = |name: &str| headers.iter().position(|h| h == name).unwrap();
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert!(
            rows.iter().all(|r| &r[i("patient_id")] == written),
            "{csv_text}"
        );
        let gcsf = rows.iter().find(|r| &r[i("drug")] == "filgrastim").unwrap();
        assert_eq!(
            &gcsf[i("instruction")],
            "'@Filgrastim SC once daily: dose and product by local protocol (label 5 mcg/kg/day [R138])"
        );
        // 170 cm, 70 kg: 1.82 m² × 900 mg/m² = 1638 mg, a bare number.
        assert_eq!(&rows[0][i("final_dose")], "1638");
        assert_eq!(&rows[0][i("cycle")], "1");
        assert_eq!(&rows[0][i("day")], "1");
    }
}

fn options_for_csv() -> ScheduleOptions {
    ScheduleOptions {
        cycles: Some(1),
        ..options("2026-12-01")
    }
}

/// Issue 14: a line break or an ESC in `--patient-id` printed a forged line
/// (`FAKE LINE: gemcitabine 9,999 mg`) or raw terminal codes in every format.
/// Such an id is refused as bad input, and the message shows the character
/// as its escape, not as the character.
#[test]
fn regression_patient_id_with_control_or_bidi_characters_is_refused() {
    for (id, what) in [
        ("PT-1\nFAKE LINE: gemcitabine 9,999 mg", "U+000A, line feed"),
        ("PT-1\u{1B}[31m", "U+001B, escape"),
        ("PT-1\u{202E}2400", "U+202E, right-to-left override"),
    ] {
        let run = common::Run::new(&[
            "schedule",
            "gemcitabine-docetaxel",
            "--start",
            "2026-12-01",
            "--height",
            "170cm",
            "--weight",
            "70kg",
            "--labs",
            common::NORMAL_LABS_FILE,
            "--on",
            "2026-12-01",
            "--patient-id",
            id,
        ]);
        let err = run.fails(2);
        assert!(err.contains("--patient-id"), "{err}");
        assert!(err.contains(what), "{err}");
        assert!(
            !err.contains('\u{1B}') && !err.contains('\u{202E}') && !err.contains("\nFAKE"),
            "{err:?}"
        );
        assert_eq!(run.stdout(), "");
    }
}

/// A regimen that bypassed the loader's refusal (built in code) with a line
/// break, an ESC and a right-to-left override in its names, and such a
/// patient id: what every renderer is handed when the first defence is
/// missed.
fn hostile_schedule() -> (Schedule, RenderContext) {
    let mut r = regimen("gemcitabine-docetaxel");
    r.name = "GemDoc\nFAKE LINE: gemcitabine 9,999 mg".into();
    r.drugs[0].name = "gem\u{202E}enibatic".into();
    r.drugs[0].route = "IV\u{1B}[8m".into();
    let options = common::with_normal_labs(&DoseOptions::default());
    let s = build_schedule(&r, &patient(), &options, &options_for_csv()).unwrap();
    let ctx = RenderContext {
        patient_id: Some("PT-1\u{1B}[31m\r\nFAKE LINE".into()),
        generated: None,
        ..Default::default()
    };
    (s, ctx)
}

/// No raw control or bidirectional character, and no line a value started.
fn assert_no_raw_controls(format: &str, out: &str) {
    assert!(
        !out.contains('\u{1B}') && !out.contains('\u{202E}'),
        "{format}: {out:?}"
    );
    assert!(
        !out.lines().any(|l| l.trim_start().starts_with("FAKE LINE")),
        "{format}: a value started a line: {out}"
    );
}

/// Issue 14: a newline or ESC in the patient id or a name printed a forged
/// line or raw terminal codes. Besides the refusal at input, every renderer
/// writes such characters as their escapes (`\u{1b}`, `\u{202e}`, `\u{a}`).
#[test]
fn regression_renderers_write_control_characters_as_escapes() {
    let (s, ctx) = hostile_schedule();
    let text = schedule_text(&s, &ctx);
    assert_no_raw_controls("text", &text);
    assert!(
        text.contains("Patient id: PT-1\\u{1b}[31m\\u{d}\\u{a}FAKE LINE"),
        "{text}"
    );
    assert!(text.contains("gem\\u{202e}enibatic"), "{text}");
    assert!(text.contains("IV\\u{1b}[8m"), "{text}");
    let html = schedule_html(&s, &ctx);
    assert_no_raw_controls("html", &html);
    assert!(html.contains("GemDoc\\u{a}FAKE LINE"), "{html}");
    let csv = schedule_csv(&s, &ctx);
    assert_no_raw_controls("csv", &csv);
    assert!(!csv.contains("\r\nFAKE"), "{csv}");
}

/// Issue 14: Markdown output passed raw `<script>`, links and images from the
/// patient id and the regimen name. Markdown and HTML syntax in values is
/// written with backslashes, so it reads as the characters typed.
#[test]
fn regression_markdown_writes_html_links_and_images_as_text() {
    let mut r = regimen("gemcitabine-docetaxel");
    r.name =
        "GemDoc [click](http://evil.example/) ![x](http://evil.example/i.png) *bold* `code`".into();
    r.drugs[0].name = "gem<img src=x onerror=alert(1)>|www.evil.example".into();
    r.sources[0].citation = "<a href=\"javascript:alert(1)\">x</a> https://evil.example/".into();
    let options = common::with_normal_labs(&DoseOptions::default());
    let s = build_schedule(&r, &patient(), &options, &options_for_csv()).unwrap();
    let ctx = RenderContext {
        patient_id: Some("<script>alert(1)</script>|x".into()),
        generated: None,
        ..Default::default()
    };
    let md = schedule_markdown(&s, &ctx);
    // Every `<` is escaped: no tag can open.
    assert!(!md.replace("\\<", "").contains('<'), "{md}");
    assert!(!md.contains("[click]") && !md.contains("![x]"), "{md}");
    assert!(
        md.contains(r"- Patient id: \<script\>alert(1)\</script\>\|x"),
        "{md}"
    );
    assert!(
        md.starts_with(
            r"# GemDoc \[click\](http\://evil.example/) !\[x\](http\://evil.example/i.png) \*bold\* \`code\`"
        ),
        "{md}"
    );
    // An independent parser finds no link, image or HTML.
    common::assert_inert_markdown(&md);
    let (s, ctx) = hostile_schedule();
    let md = schedule_markdown(&s, &ctx);
    assert_no_raw_controls("markdown", &md);
    common::assert_inert_markdown(&md);
}

/// Issue 14, through the binary: `schedule --format md` with a hostile
/// patient id writes it inert, and so do the warnings above the schedule.
#[test]
fn regression_schedule_md_patient_id_is_inert() {
    let out = common::Run::new(&[
        "schedule",
        "gemcitabine-docetaxel",
        "--height",
        "170cm",
        "--weight",
        "70kg",
        "--start",
        "2026-12-01",
        "--patient-id",
        "<script>alert(1)</script>[x](https://evil.example/)![i](www.evil.example)|`",
        "--format",
        "md",
        common::NORMAL_LABS[0],
        common::NORMAL_LABS[1],
        common::NORMAL_LABS[2],
        common::NORMAL_LABS[3],
    ])
    .success();
    common::assert_inert_markdown(&out);
    assert!(
        out.contains(r"\<script\>alert(1)\</script\>\[x\](https\://evil.example/)!\[i\](www\.evil.example)\|\`"),
        "{out}"
    );
}

/// RFC 5545 §3.1: a content line unfolded (CRLF and one space removed).
fn unfold(ics: &str) -> Vec<String> {
    ics.replace("\r\n ", "")
        .split("\r\n")
        .map(str::to_owned)
        .collect()
}

/// RFC 5545 §3.3.11: a TEXT value unescaped.
fn unescape_text(v: &str) -> String {
    let mut out = String::new();
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Issue 14: the ICS DESCRIPTION passed bare CR bytes from the patient id,
/// and the calendar name was written without RFC 5545 escaping (`;`, `,`,
/// `\` and line breaks as they were). Every value is escaped, a control
/// character is written as its escape, no CR stands without its LF, and
/// every line is folded to 75 octets.
#[test]
fn regression_ics_escapes_text_and_has_no_bare_cr() {
    let (mut s, ctx) = hostile_schedule();
    s.regimen.name =
        "GemDoc; 900 mg/m², days 1,8 \\ q21d — ×10⁹/L ≥ 1.5 ééééééééééééééééééééééé\r\nX".into();
    let ics = schedule_ics(&s, &ctx);
    assert_no_raw_controls("ics", &ics);
    for (i, b) in ics.bytes().enumerate() {
        if b == b'\r' {
            assert_eq!(
                ics.as_bytes().get(i + 1),
                Some(&b'\n'),
                "bare CR at byte {i}"
            );
        }
    }
    for line in ics.split("\r\n") {
        assert!(line.len() <= 75, "{} octets: {line}", line.len());
    }
    let lines = unfold(&ics);
    let value = |name: &str| {
        lines
            .iter()
            .find_map(|l| l.strip_prefix(&format!("{name}:")))
            .map(unescape_text)
            .unwrap()
    };
    assert_eq!(
        value("NAME"),
        "GemDoc; 900 mg/m², days 1,8 \\ q21d — ×10⁹/L ≥ 1.5 ééééééééééééééééééééééé\\u{d}\\u{a}X (gemcitabine-docetaxel)"
    );
    assert_eq!(value("X-WR-CALNAME"), value("NAME"));
    let description = value("DESCRIPTION");
    let described: Vec<&str> = description.lines().collect();
    assert!(
        described[0].starts_with("GemDoc; 900 mg/m², days 1,8 \\ q21d"),
        "{description}"
    );
    assert!(
        described[0].ends_with("\\u{d}\\u{a}X cycle 1 day 1"),
        "{description}"
    );
    assert_eq!(
        described[1],
        "Patient id: PT-1\\u{1b}[31m\\u{d}\\u{a}FAKE LINE"
    );
    // It still parses with an independent parser.
    let mut parser = ical::IcalParser::new(std::io::BufReader::new(ics.as_bytes()));
    parser.next().expect("one calendar").expect("parses");
}

/// Issue 14: `schedule ... --height 50cm --weight 3kg --bsa-round 1`
/// panicked (division by a BSA rounded to 0 m²). The step is refused where
/// it is typed; at 0.1 m² the schedule is made (0.2041 → 0.2 m²:
/// gemcitabine 900 × 0.2 = 180 mg), and a 0.1 m² step that moves a BSA by
/// more than the 10 % tolerance (45 cm × 5 kg: exactly 0.25 → 0.3 m², +20 %)
/// is a safety stop, exit 1.
#[test]
fn regression_schedule_bsa_rounding_is_bounded_not_a_panic() {
    let run = |h: &str, w: &str, step: &str| {
        let mut args = vec![
            "schedule",
            "gemcitabine-docetaxel",
            "--start",
            "2026-12-01",
            "--height",
            h,
            "--weight",
            w,
            "--bsa-round",
            step,
            "--format",
            "json",
        ];
        args.extend(common::NORMAL_LABS);
        common::Run::new(&args)
    };
    let err = run("50cm", "3kg", "1").fails(2);
    assert!(err.contains("write 0.1, 0.01, 0.001 or none"), "{err}");
    let out = run("50cm", "3kg", "0.1").success();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let first = &v["cycles"][0]["administrations"][0];
    assert_eq!(first["drug"], "gemcitabine");
    assert_eq!(first["final_dose"].as_f64(), Some(180.0), "{first}");
    assert_eq!(first["unit"], "mg");
    let err = run("45cm", "5kg", "0.1").fails(1);
    assert!(
        err.contains("rounding the BSA of 0.25 m² to 0.3 m² is a 20% change"),
        "{err}"
    );
}

/// Issue 14: `schedule --holidays /dev/zero` read the whole "file" and grew
/// to gigabytes. Holidays files are read through the bounded reader: only
/// regular files, at most 64 KiB.
#[cfg(unix)]
#[test]
fn regression_holidays_files_are_read_bounded() {
    let run = |holidays: &str| {
        let mut args = vec![
            "schedule",
            "gemcitabine-docetaxel",
            "--start",
            "2026-12-01",
            "--height",
            "170cm",
            "--weight",
            "70kg",
            "--holidays",
            holidays,
        ];
        args.extend(common::NORMAL_LABS);
        common::Run::within(&args, 5)
    };
    let err = run("/dev/zero").fails(2);
    assert!(
        err.contains(
            "/dev/zero: a character device, not a regular file: give the path of a holidays file"
        ),
        "{err}"
    );
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("holidays.txt");
    std::fs::write(&big, "2026-12-25\n".repeat(6000)).unwrap(); // 66,000 bytes
    let err = run(big.to_str().unwrap()).fails(2);
    assert!(
        err.contains("the file is 66000 bytes; holidays files are limited to 64 KiB (65536 bytes)"),
        "{err}"
    );
}

/// A fresh folder for one test.
fn scratch(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("chemodose-sched-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Regression (issue 14): `schedule --holidays h.txt -o h.txt` replaced the
/// holidays with the schedule, exit 0. Every file the schedule reads is an
/// input the output may not replace: the holidays, the labs, the history,
/// the regimen file and the files of the regimen folder.
#[test]
fn regression_the_schedule_is_not_written_over_an_input() {
    let dir = scratch("onto-input");
    let holidays = dir.join("h.txt");
    std::fs::write(&holidays, "2026-12-25\n").unwrap();
    let labs = dir.join("labs.toml");
    std::fs::copy(common::NORMAL_LABS_FILE, &labs).unwrap();
    let history = dir.join("history.toml");
    std::fs::write(
        &history,
        "# SYNTHETIC: invented, not a patient.\n[patient]\nid = \"SYNTHETIC-S\"\n",
    )
    .unwrap();
    let folder = dir.join("regimens");
    std::fs::create_dir_all(&folder).unwrap();
    let regimen = folder.join("gemcitabine-docetaxel.toml");
    std::fs::copy("regimens/gemcitabine-docetaxel.toml", &regimen).unwrap();
    let base = [
        "schedule",
        "--start",
        "2026-12-01",
        "--height",
        "170cm",
        "--weight",
        "70kg",
        "--on",
        "2026-12-01",
    ];
    let (h, l, y, r, f) = (
        holidays.to_str().unwrap(),
        labs.to_str().unwrap(),
        history.to_str().unwrap(),
        regimen.to_str().unwrap(),
        folder.to_str().unwrap(),
    );
    let cases: Vec<(Vec<&str>, &std::path::Path)> = vec![
        (
            vec![
                "gemcitabine-docetaxel",
                "--holidays",
                h,
                "--labs",
                l,
                "-o",
                h,
            ],
            &holidays,
        ),
        (vec!["gemcitabine-docetaxel", "--labs", l, "-o", l], &labs),
        (
            vec![
                "gemcitabine-docetaxel",
                "--labs",
                l,
                "--history",
                y,
                "-o",
                y,
            ],
            &history,
        ),
        (vec![r, "--labs", l, "-o", r], &regimen),
        (
            vec![
                "gemcitabine-docetaxel",
                "--regimens",
                f,
                "--labs",
                l,
                "-o",
                r,
            ],
            &regimen,
        ),
    ];
    for (args, target) in cases {
        let before = std::fs::read(target).unwrap();
        let mut all = base.to_vec();
        all.extend(args);
        let err = common::Run::new(&all).fails(2);
        assert!(
            err.contains(&format!("the output {} is the input", target.display()))
                && err.contains("nothing was written"),
            "{err}"
        );
        assert_eq!(
            std::fs::read(target).unwrap(),
            before,
            "{} intact",
            target.display()
        );
    }
    // A new path beside them is written.
    let out = dir.join("schedule.txt");
    let mut all = base.to_vec();
    all.extend(["gemcitabine-docetaxel", "--holidays", h, "--labs", l, "-o"]);
    all.push(out.to_str().unwrap());
    common::Run::new(&all).success();
    assert!(std::fs::read_to_string(&out).unwrap().contains("DOCEtaxel"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Regression (issue 14): `-o` onto a character device replaced the device
/// node with a regular file; so would a named pipe or a symbolic link to
/// one (`-o /dev/stdout`).
#[cfg(unix)]
#[test]
fn regression_the_schedule_is_not_written_over_a_device() {
    let dir = scratch("device");
    let link = dir.join("to-null");
    std::os::unix::fs::symlink("/dev/null", &link).unwrap();
    for target in ["/dev/null", link.to_str().unwrap()] {
        let mut args = vec![
            "schedule",
            "gemcitabine-docetaxel",
            "--start",
            "2026-12-01",
            "--height",
            "170cm",
            "--weight",
            "70kg",
        ];
        args.extend(common::NORMAL_LABS);
        args.extend(["-o", target]);
        let err = common::Run::new(&args).fails(2);
        assert!(
            err.contains(&format!("cannot write {target}: it is a character device"))
                && err.contains("leave out --output"),
            "{err}"
        );
    }
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// SIGINT just before the rename (the temporary file written whole): the
/// temporary file is removed and the existing output is left as it was.
#[cfg(unix)]
#[test]
fn an_interrupted_schedule_write_keeps_the_old_output_and_no_temporary_file() {
    use std::os::unix::process::ExitStatusExt;
    let dir = scratch("interrupt");
    let out = dir.join("schedule.html");
    std::fs::write(&out, "the previous schedule\n").unwrap();
    let mut child = common::chemodose()
        .args([
            "schedule",
            "gemcitabine-docetaxel",
            "--start",
            "2026-12-01",
            "--height",
            "170cm",
            "--weight",
            "70kg",
            "--format",
            "html",
        ])
        .args(common::NORMAL_LABS)
        .arg("-o")
        .arg(&out)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("CHEMODOSE_REGIMENS")
        .env("CHEMODOSE_FAILPOINT", "pause-before-rename")
        .spawn()
        .unwrap();
    let temporaries = || -> Vec<std::path::PathBuf> {
        std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with(".chemodose-")
            })
            .collect()
    };
    // Wait until the temporary file holds the whole schedule.
    let started = std::time::Instant::now();
    while !temporaries()
        .iter()
        .any(|p| std::fs::read_to_string(p).is_ok_and(|t| t.contains("</html>")))
    {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(25),
            "no temporary file"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(2), "{status:?}");
    assert!(temporaries().is_empty());
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "the previous schedule\n"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 14: a schedule was built for 170 cm and 300 kg (a body-mass index
/// of 103.81 kg/m²) as for anyone.
#[test]
fn a_schedule_refuses_height_and_weight_that_cannot_be_one_person() {
    let err = common::Run::new(&[
        "schedule",
        "gemcitabine-docetaxel",
        "--start",
        "2026-12-01",
        "--height",
        "170cm",
        "--weight",
        "300kg",
        "--labs",
        common::NORMAL_LABS_FILE,
        "--on",
        "2026-12-01",
    ])
    .fails(2);
    // 300 / 1.70² = 103.81 kg/m²
    assert_eq!(
        err,
        "error: height 170 cm with weight 300 kg is a body-mass index of 103.81 kg/m², outside the plausible 10 to 100 kg/m²: one of them is mistyped or in the wrong unit. Check --height and --weight and their units, e.g. --height 170cm --weight 70kg\n"
    );
}

/// Issue 14: `--level-from 3=-1 --reduce-from 3=20%` silently dropped the
/// level (`dose` refuses `--level -1 --reduce 20%`). Two changes from the
/// same cycle for the same drug are refused, naming both as typed.
#[test]
fn two_dose_changes_from_one_cycle_for_one_drug_are_refused() {
    let run = |extra: &[&str]| {
        let mut args = vec![
            "schedule",
            "gemcitabine-docetaxel",
            "--start",
            "2026-12-01",
            "--height",
            "170cm",
            "--weight",
            "70kg",
            "--labs",
            common::NORMAL_LABS_FILE,
            "--on",
            "2026-12-01",
        ];
        args.extend_from_slice(extra);
        common::Run::new(&args)
    };
    assert_eq!(
        run(&["--level-from", "3=-1", "--reduce-from", "3=20%"]).fails(2),
        "error: --level-from 3=-1 and --reduce-from 3=20% both change the dose of all drugs from cycle 3: a dose level and a percent reduction cannot both be given for the same drug; give one of them\n"
    );
    assert_eq!(
        run(&[
            "--level-from",
            "3=docetaxel=-1",
            "--level-from",
            "3=Docetaxel=-2"
        ])
        .fails(2),
        "error: --level-from 3=docetaxel=-1 and --level-from 3=docetaxel=-2 are both given for docetaxel from cycle 3: give one\n"
    );
    // From different cycles, a later change replaces an earlier one.
    run(&["--level-from", "3=-1", "--reduce-from", "4=20%"]).success();

    // The library refuses them too.
    let mut o = options("2026-12-01");
    for reduction in [
        Reduction::Level(-1),
        Reduction::Percent(Percent::reduction("20%").unwrap()),
    ] {
        o.changes.push(DoseChange {
            from_cycle: 3,
            drug: None,
            reduction,
        });
    }
    let e = build_schedule(
        &regimen("gemcitabine-docetaxel"),
        &patient(),
        &common::with_normal_labs(&DoseOptions::default()),
        &o,
    )
    .unwrap_err();
    assert_eq!(
        e,
        ScheduleError::ConflictingChanges {
            cycle: 3,
            drug: None
        }
    );
    assert_eq!(
        e.to_string(),
        "two dose changes from cycle 3 for all drugs: give one change per drug and cycle"
    );
}

/// Issue 14: from the same cycle, a change for one drug and a later-applied
/// change for all drugs: the one for all drugs cleared the per-drug one, so
/// `--level-from 3=docetaxel=-1 --reduce-from 3=20%` gave docetaxel 20 %
/// off. As in `dose --level docetaxel=-1 --reduce 20%`, the drug's own
/// change wins.
#[test]
fn a_drug_change_wins_over_a_change_for_all_drugs_from_the_same_cycle() {
    let mut o = options("2026-12-01");
    o.changes = vec![
        DoseChange {
            from_cycle: 3,
            drug: Some("docetaxel".to_owned()),
            reduction: Reduction::Level(-1),
        },
        DoseChange {
            from_cycle: 3,
            drug: None,
            reduction: Reduction::Percent(Percent::reduction("20%").unwrap()),
        },
    ];
    let s = build("gemcitabine-docetaxel", &o);
    let dose = |cycle: usize, drug: &str, day: i32| {
        s.cycles[cycle - 1]
            .administrations
            .iter()
            .find(|a| a.administration.drug == drug && a.administration.day == day)
            .unwrap()
            .administration
            .final_dose
    };
    // BSA 1.82 m². Docetaxel level -1, 75 mg/m²: 136.5 mg, given as 137 mg.
    assert_eq!(dose(3, "docetaxel", 8), Decimal::from(137));
    // Gemcitabine 900 mg/m² × 1.82 = 1,638 mg, 20 % off: 1,310.4 → 1,310 mg.
    assert_eq!(dose(3, "gemcitabine", 1), Decimal::from(1310));
    // Before cycle 3, full doses: 100 mg/m² × 1.82 = 182 mg.
    assert_eq!(dose(2, "docetaxel", 8), Decimal::from(182));
}

/// Issue 14: `--level-from 3=filgrastim=-1` was accepted and ignored:
/// filgrastim is given by local protocol and has no dose to lower.
#[test]
fn a_change_from_a_cycle_for_a_drug_without_its_own_dose_is_refused() {
    let err = common::Run::new(&[
        "schedule",
        "gemcitabine-docetaxel",
        "--start",
        "2026-12-01",
        "--height",
        "170cm",
        "--weight",
        "70kg",
        "--labs",
        common::NORMAL_LABS_FILE,
        "--on",
        "2026-12-01",
        "--level-from",
        "3=filgrastim=-1",
    ])
    .fails(2);
    assert_eq!(
        err,
        "error: filgrastim has no dose of its own (it is given by local protocol): a dose level cannot apply to it. Leave filgrastim out of --level and --level-from\n"
    );
}

/// Issue 14: `--start 0000-01-01` and `9999-12-31` were accepted, and the
/// iCalendar then held `DTSTART;VALUE=DATE:+100000427`. Every date is read
/// within 1900-01-01 to 2199-12-31 (`chemodose::dates`): on the command
/// line (`--start`, `--on`, `--labs-date`) and in a holidays file, whose
/// byte-order mark (as Notepad writes) was read as part of the first date.
#[test]
fn dates_outside_the_window_are_refused_and_a_bom_is_read() {
    let dir = std::env::temp_dir().join(format!("chemodose-sched-dates-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let holidays = dir.join("holidays.txt");
    let holidays = holidays.to_str().unwrap();
    let run = |start: &str, extra: &[&str]| {
        let mut args = vec![
            "schedule",
            "gemcitabine-docetaxel",
            "--start",
            start,
            "--height",
            "170cm",
            "--weight",
            "70kg",
            "--labs",
            common::NORMAL_LABS_FILE,
        ];
        args.extend(extra);
        common::Run::new(&args)
    };
    for (start, shown) in [
        ("0000-01-01", "0000-01-01"),
        ("1899-12-31", "1899-12-31"),
        ("2200-01-01", "2200-01-01"),
        ("9999-12-31", "9999-12-31"),
        ("+10000-04-27", "+10000-04-27"),
    ] {
        let err = run(start, &["--on", "2026-12-01", "--format", "ics"]).fails(2);
        assert!(
            err.starts_with(&format!(
                "error: invalid value '{start}' for '--start <START>': the date {shown} is outside 1900-01-01 to 2199-12-31; check the year"
            )),
            "{err}"
        );
    }
    let err = run("2026-12-01", &["--on", "9999-12-01"]).fails(2);
    assert!(
        err.contains("'--on <DATE>': the date 9999-12-01 is outside 1900-01-01 to 2199-12-31"),
        "{err}"
    );
    let err = run(
        "2026-12-01",
        &["--on", "2026-12-01", "--labs-date", "0026-11-30"],
    )
    .fails(2);
    assert!(
        err.contains(
            "'--labs-date <DATE>': the date 0026-11-30 is outside 1900-01-01 to 2199-12-31"
        ),
        "{err}"
    );
    // A holidays file: a date outside the window is refused with its line;
    // a byte-order mark before the first date is skipped.
    std::fs::write(holidays, "2026-12-08\n9999-12-25\n").unwrap();
    let err = run(
        "2026-12-01",
        &["--on", "2026-12-01", "--holidays", holidays],
    )
    .fails(2);
    assert_eq!(
        err,
        format!(
            "error: {holidays}: line 2: the date 9999-12-25 is outside 1900-01-01 to 2199-12-31; check the year\n"
        )
    );
    std::fs::write(holidays, "\u{feff}2026-12-08\r\n").unwrap();
    let out = run(
        "2026-12-01",
        &[
            "--on",
            "2026-12-01",
            "--holidays",
            holidays,
            "--format",
            "csv",
        ],
    )
    .success();
    let mut csv = csv::Reader::from_reader(out.as_bytes());
    let holiday = csv.headers().unwrap().iter().position(|h| h == "holiday");
    let date = csv.headers().unwrap().iter().position(|h| h == "date");
    let flagged: Vec<String> = csv
        .records()
        .map(Result::unwrap)
        .filter(|r| &r[holiday.unwrap()] == "true")
        .map(|r| r[date.unwrap()].to_owned())
        .collect();
    // Gemcitabine, docetaxel and the two dexamethasone doses on day 8 of cycle 1.
    assert_eq!(flagged, ["2026-12-08"; 4], "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 17: dexrazoxane is on the calendar from the cycle that starts with
/// a cumulative doxorubicin of 300 mg/m² or more, counted from the doses
/// given. Doxorubicin 75 mg/m² × 1.82 m² = 136.5 → 136 mg a cycle (held
/// under the ceiling) = 74.725 mg/m²: before cycle 5, 4 × 74.725 = 298.9
/// mg/m² (below 300); before cycle 6, 373.63 mg/m². So cycle 6 only, 30 min
/// before doxorubicin, as a blank to fill (its ratio depends on the CrCl).
#[test]
fn dexrazoxane_from_the_cycle_that_starts_at_300_mg_per_m2() {
    let s = build_normal("doxorubicin", &options("2026-12-07"));
    let cycles: Vec<u32> = s
        .cycles
        .iter()
        .filter(|c| {
            c.administrations
                .iter()
                .any(|a| a.administration.drug == "dexrazoxane")
        })
        .map(|c| c.number)
        .collect();
    assert_eq!(cycles, [6]);
    let c6 = &s.cycles[5].administrations;
    assert_eq!(c6[0].administration.drug, "dexrazoxane");
    assert!(c6[0].administration.instruction().is_some());
    assert_eq!(
        c6[0].administration.time,
        Some(chemodose::dose::DoseTime::From {
            drug: "doxorubicin".to_owned(),
            minutes: -30
        })
    );
    // With a prior 200 mg/m² (a history), cycle 2 starts at 274.7 and
    // cycle 3 at 349.5 mg/m²: from cycle 3.
    let mut prior = normal_inputs();
    prior.prior.push(chemodose::dose::PriorExposure {
        drug: "doxorubicin".to_owned(),
        mg_per_m2: rust_decimal::Decimal::from(200),
        mg: rust_decimal::Decimal::from(364),
    });
    let mut o = options("2026-12-07");
    o.cycles = Some(4);
    let s = build_schedule(&regimen("doxorubicin"), &patient(), &prior, &o).unwrap();
    let first = s
        .cycles
        .iter()
        .find(|c| {
            c.administrations
                .iter()
                .any(|a| a.administration.drug == "dexrazoxane")
        })
        .map(|c| c.number);
    assert_eq!(first, Some(3));
}

/// Issue 17: mesna's three doses carry their times in the schedule JSON.
#[test]
fn mesna_doses_carry_their_times() {
    let mut o = options("2026-12-01");
    o.cycles = Some(1);
    let s = build_normal("cisplatin-ifosfamide", &o);
    let minutes: Vec<i32> = s
        .administrations()
        .filter(|(_, a)| a.administration.drug == "mesna" && a.administration.day == 1)
        .map(|(_, a)| match &a.administration.time {
            Some(chemodose::dose::DoseTime::From { drug, minutes }) if drug == "ifosfamide" => {
                *minutes
            }
            other => panic!("{other:?}"),
        })
        .collect();
    // Hours 0, 4 and 8 of the ifosfamide dose [R132].
    assert_eq!(minutes, [0, 240, 480]);
}

/// Issue 17: the CSV has the time of each of several doses in columns of
/// its own: mesna at 0, 240 and 480 minutes of ifosfamide (the mesna label's
/// hours 0, 4 and 8 [R132]).
#[test]
fn the_csv_gives_each_timed_dose_its_minutes() {
    let mut o = options("2026-12-01");
    o.cycles = Some(1);
    let s = build_normal("cisplatin-ifosfamide", &o);
    let text = schedule_csv(&s, &RenderContext::default());
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let headers = r.headers().unwrap().clone();
    let i = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let mesna: Vec<(String, String)> = r
        .records()
        .map(Result::unwrap)
        .filter(|row| &row[i("drug")] == "mesna" && &row[i("day")] == "1")
        .map(|row| {
            (
                row[i("time_from")].to_owned(),
                row[i("time_minutes")].to_owned(),
            )
        })
        .collect();
    let want: Vec<(String, String)> = ["0", "240", "480"]
        .iter()
        .map(|m| ("ifosfamide".to_owned(), (*m).to_owned()))
        .collect();
    assert_eq!(mesna, want);
}
