//! The standard antiemetic set on the bundled regimens (issue 17, part 1),
//! checked by hand against the clinical reference 9.6: ASCO 2020 classes
//! [R144][R145], the dose-schedule table and its multi-day rule [R146],
//! doses by risk category [R148].

mod common;

use chemodose::dose::{DoseOptions, DosePlan, Prescription, calculate};
use chemodose::patient::{Patient, Sex};
use chemodose::quantity::{parse_age, parse_height, parse_serum_creatinine, parse_weight};
use chemodose::regimen::{Library, Role};

fn patient() -> Patient {
    Patient {
        height: parse_height("170cm").unwrap(),
        weight: parse_weight("70kg").unwrap(),
        measured_on: None,
        sex: Some(Sex::Female),
        age: Some(parse_age("50").unwrap()),
        serum_creatinine: Some(parse_serum_creatinine("0.8mg/dL").unwrap()),
        serum_creatinine_on: None,
    }
}

fn plan(id: &str, options: &DoseOptions) -> DosePlan {
    let lib = Library::bundled().unwrap();
    let r = &lib.get(id).unwrap().regimen;
    calculate(r, &patient(), 1, &common::with_normal_labs(options)).unwrap()
}

/// The antiemetic items as (day, drug, dose in mg or `None` for a blank).
fn set(p: &DosePlan) -> Vec<(i32, String, Option<u32>)> {
    p.administrations
        .iter()
        .filter(|a| a.role == Role::Antiemetic)
        .map(|a| {
            let dose = match a.prescription {
                Prescription::Instruction(_) => None,
                _ => Some(u32::try_from(a.final_dose.mantissa()).unwrap()),
            };
            (a.day, a.drug.clone(), dose)
        })
        .collect()
}

fn item(day: i32, drug: &str, mg: Option<u32>) -> (i32, String, Option<u32>) {
    (day, drug.to_owned(), mg)
}

#[test]
fn doxorubicin_alone_gets_the_high_risk_set() {
    // Doxorubicin 75 mg/m² day 1: high (doxorubicin >= 60 mg/m², NCCN-derived
    // chart [R149]; the engine default). Aprepitant 125 mg day 1, 80 mg days
    // 2-3; a 5-HT3 antagonist day 1 (product a local choice: blank);
    // dexamethasone 12 mg day 1, 8 mg days 2-4 (with oral aprepitant);
    // olanzapine 5-10 mg days 1-4 (dose a local choice: blank) [R146][R148].
    let p = plan("doxorubicin", &DoseOptions::default());
    assert_eq!(
        set(&p),
        [
            item(1, "aprepitant", Some(125)),
            item(1, "5-HT3 antagonist", None),
            item(1, "dexamethasone", Some(12)),
            item(1, "olanzapine", None),
            item(2, "aprepitant", Some(80)),
            item(2, "dexamethasone", Some(8)),
            item(2, "olanzapine", None),
            item(3, "aprepitant", Some(80)),
            item(3, "dexamethasone", Some(8)),
            item(3, "olanzapine", None),
            item(4, "dexamethasone", Some(8)),
            item(4, "olanzapine", None),
        ]
    );
    // Each day's chemotherapy comes first.
    assert_eq!(p.administrations[0].drug, "doxorubicin");
}

#[test]
fn multi_day_cisplatin_gets_each_day_and_two_after_to_fill() {
    // Cisplatin + ifosfamide days 1-5, high risk: days 1-7 [R146], each a
    // blank (the spread of NK1 antagonist and steroid over a multi-day
    // course is not in the sources).
    let p = plan("cisplatin-ifosfamide", &DoseOptions::default());
    let expected: Vec<_> = (1..=7).map(|d| item(d, "antiemetics", None)).collect();
    assert_eq!(set(&p), expected);
}

#[test]
fn gemcitabine_docetaxel_day_8_steroid_is_the_premedication() {
    // Low risk: one of dexamethasone 8 mg or a 5-HT3 antagonist on each
    // chemotherapy day [R145]; on day 8 the docetaxel premedication
    // (dexamethasone 8 mg twice daily) is that steroid, so only day 1 has
    // the item.
    let p = plan("gemcitabine-docetaxel", &DoseOptions::default());
    assert_eq!(set(&p), [item(1, "antiemetic (low risk)", None)]);
}

#[test]
fn eribulin_low_risk_on_both_days() {
    let p = plan("eribulin", &DoseOptions::default());
    assert_eq!(
        set(&p),
        [
            item(1, "antiemetic (low risk)", None),
            item(8, "antiemetic (low risk)", None)
        ]
    );
}

#[test]
fn trabectedin_moderate_set_without_a_second_steroid() {
    // Moderate: a 5-HT3 antagonist + dexamethasone 8 mg day 1; the
    // dexamethasone 20 mg premedication is the steroid (clinical reference
    // 9.6 [R109][R112]), so the set adds the 5-HT3 antagonist only.
    let p = plan("trabectedin", &DoseOptions::default());
    assert_eq!(set(&p), [item(1, "5-HT3 antagonist", None)]);
}

#[test]
fn olaratumab_day_8_has_no_set_and_pazopanib_none_scheduled() {
    // The risk is doxorubicin's, day 1 only (antiemetic_days = "1").
    let mut options = DoseOptions::default();
    options.overrides.insert("status-withdrawn", "test");
    let p = plan("olaratumab-doxorubicin", &options);
    assert!(set(&p).iter().all(|(d, _, _)| *d <= 4), "{:?}", set(&p));
    assert_eq!(set(&p).len(), 12);
    // Daily oral pazopanib: antiemetics as needed, none scheduled.
    assert!(set(&plan("pazopanib", &DoseOptions::default())).is_empty());
}

#[test]
fn regimens_show_says_how_the_antiemetics_are_scheduled() {
    let lib = Library::bundled().unwrap();
    let text = |id: &str| {
        chemodose::render::regimen::regimen_text(&lib.get(id).unwrap().regimen, "bundled")
    };
    assert!(
        text("olaratumab-doxorubicin")
            .contains("Antiemetics: high emetic risk; the standard set on day 1 (ASCO 2020")
    );
    assert!(
        text("trabectedin").contains(
            "Antiemetics: moderate emetic risk; the standard set on every chemotherapy day"
        )
    );
    assert!(text("pazopanib").contains("Antiemetics: low emetic risk; as needed, none scheduled"));
}
