//! Properties of the dose engine and the parsers over generated inputs:
//! no input panics; per-m² doses scale linearly with BSA before rounding;
//! caps are never exceeded; rounding never moves a dose beyond its tolerance.

mod common;

use chemodose::bsa::BsaRounding;
use chemodose::dose::{Adjustment, DoseOptions, calculate};
use chemodose::patient::{Patient, Sex};
use chemodose::quantity::{
    parse_bsa, parse_dose, parse_height, parse_serum_creatinine, parse_weight,
};
use chemodose::regimen::{Library, parse_regimen};
use common::Run;
use proptest::prelude::*;
use rust_decimal::Decimal;
use uom::si::f64::{Length, Mass};
use uom::si::length::centimeter;
use uom::si::mass::kilogram;

fn patient(h: f64, w: f64) -> Patient {
    Patient {
        height: Length::new::<centimeter>(h),
        weight: Mass::new::<kilogram>(w),
        measured_on: None,
        sex: Some(Sex::Male),
        age: Some(chemodose::quantity::parse_age("55").unwrap()),
        serum_creatinine: Some(parse_serum_creatinine("1mg/dL").unwrap()),
        serum_creatinine_on: None,
    }
}

/// A body-mass index within the window the engine accepts (10 to 100
/// kg/m²); pairs outside it are refused as mistyped.
fn one_person(h: f64, w: f64) -> bool {
    (10.0..=100.0).contains(&(w / (h / 100.0).powi(2)))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn quantity_parsers_never_panic(s in "\\PC{0,24}") {
        let _ = parse_height(&s);
        let _ = parse_weight(&s);
        let _ = parse_serum_creatinine(&s);
        let _ = parse_bsa(&s);
        let _ = parse_dose(&s);
    }

    #[test]
    fn quantity_errors_name_the_input(s in "[0-9a-z./' ]{1,12}") {
        if let Err(e) = parse_height(&s) {
            prop_assert!(e.to_string().contains(&format!("`{s}`")) || e.to_string().contains(s.trim()), "{e}");
        }
    }

    #[test]
    fn regimen_loader_never_panics(s in "\\PC{0,200}") {
        let _ = parse_regimen("fuzz.toml", &s);
    }

    #[test]
    fn per_m2_doses_scale_linearly_with_bsa(h in 120.0f64..210.0, w in 35.0f64..180.0) {
        prop_assume!(one_person(h, w));
        let lib = Library::bundled().unwrap();
        let r = &lib.get("gemcitabine-docetaxel").unwrap().regimen;
        // docetaxel requires liver tests: normal results, no rule fires
        let options = common::with_normal_labs(&DoseOptions { bsa_rounding: BsaRounding::None, ..DoseOptions::default() });
        let plan = calculate(r, &patient(h, w), 1, &options).unwrap();
        let bsa = (h * w / 3600.0).sqrt();
        // The per-m² drugs (dexamethasone premedication is a flat 8 mg).
        for a in plan.administrations.iter().filter(|a| a.instruction().is_none() && a.drug != "dexamethasone") {
            let per_m2 = if a.drug == "gemcitabine" { 900.0 } else { 100.0 };
            let calculated: f64 = a.calculated.try_into().unwrap();
            prop_assert!((calculated - per_m2 * bsa).abs() < 1e-6 * per_m2 * bsa, "{} {calculated}", a.drug);
        }
    }

    #[test]
    fn caps_are_never_exceeded_and_rounding_stays_within_tolerance(
        h in 140.0f64..210.0, w in 40.0f64..200.0, cap in 1.5f64..2.2, step in prop::sample::select(vec!["1mg", "5mg", "10mg", "25mg"])
    ) {
        let lib = Library::bundled().unwrap();
        let r = &lib.get("gemcitabine-docetaxel").unwrap().regimen;
        let cap_area = parse_bsa(&format!("{cap}m2")).unwrap();
        let (_, rule) = (step, chemodose::regimen::RoundingRule::Nearest {
            step: chemodose::quantity::DoseUnit::Mg.mass(step.trim_end_matches("mg").parse().unwrap()),
            unit: chemodose::quantity::DoseUnit::Mg,
        });
        // docetaxel requires liver tests: normal results, no rule fires
        let options = common::with_normal_labs(&DoseOptions {
            bsa_cap: Some(cap_area),
            rounding: chemodose::dose::PerDrug { all: Some(rule), ..Default::default() },
            ..DoseOptions::default()
        });
        prop_assume!(one_person(h, w));
        let plan = match calculate(r, &patient(h, w), 1, &options) {
            Ok(p) => p,
            // Rounding up would cross the cap and rounding down is beyond the
            // tolerance: refusing is the right answer.
            Err(chemodose::dose::DoseError::RoundingTolerance { .. }) => return Ok(()),
            Err(e) => return Err(TestCaseError::fail(e.to_string())),
        };
        let cap_d = Decimal::try_from(cap).unwrap();
        for a in plan.administrations.iter().filter(|a| a.instruction().is_none()) {
            let per_m2 = Decimal::from(if a.drug == "gemcitabine" { 900 } else { 100 });
            // never above prescribed × cap, even after rounding
            prop_assert!(a.final_dose <= (per_m2 * cap_d).round_dp(6), "{} {} > {}", a.drug, a.final_dose, per_m2 * cap_d);
            for adj in &a.adjustments {
                if let Adjustment::Rounding { deviation_percent, .. } = adj {
                    prop_assert!(deviation_percent.abs() <= Decimal::TEN);
                }
            }
        }
    }

    #[test]
    fn the_engine_never_panics_on_any_bundled_regimen(
        h in 30.0f64..250.0, w in 0.5f64..350.0, cycle in 1u32..10, level in -3i32..0
    ) {
        let lib = Library::bundled().unwrap();
        for e in lib.entries() {
            let mut options = DoseOptions { planned_cycles: Some(8), ..DoseOptions::default() };
            if level < -1 {
                options.reductions.all = Some(chemodose::dose::Reduction::Level(level));
            }
            let _ = calculate(&e.regimen, &patient(h, w), cycle, &options);
            // and with normal labs, so that regimens with required labs reach their rules
            let _ = calculate(&e.regimen, &patient(h, w), cycle, &common::with_normal_labs(&options));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Mutating one value of a real regimen file: the loader accepts it or
    /// names the file and a location, and never panics.
    #[test]
    fn mutated_regimen_files_never_panic(
        which in 0usize..14,
        at in 0usize..4000,
        replacement in prop::sample::select(vec![
            "\"\"", "0", "-1", "1e309", "\"900 mg/m\"", "\"AUC 99\"", "\"0-0\"", "[]", "{}", "\"1-99\"",
            "\"µg\"", "\"𝼑\"", "true", "\"\\u0000\"", "99999999999999999999", "\"9 m2\"", "\"-01\"",
        ]),
    ) {
        let (name, text) = chemodose::regimen::bundled()[which % chemodose::regimen::bundled().len()];
        // Replace the value after the `=` of the line containing byte `at`.
        let at = at.min(text.len().saturating_sub(1));
        let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
        let line = &text[line_start..line_end];
        let Some(eq) = line.find(" = ") else { return Ok(()) };
        let mutated = format!("{}{}{}{}", &text[..line_start], &line[..eq + 3], replacement, &text[line_end..]);
        if let Err(e) = parse_regimen(name, &mutated) {
            let shown = e.to_string();
            prop_assert!(shown.starts_with(name), "{shown}");
            for p in &e.problems {
                let _ = e.location(p);
            }
            // The command line draws the same problems underlined (miette): it must not panic either.
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join(name), &mutated).unwrap();
            let run = Run::in_dir(&["regimens", "check", name], dir.path().to_str().unwrap());
            prop_assert_eq!(run.code(), Some(1), "{}", run.stderr());
            prop_assert!(
                run.stdout().ends_with("1 regimen file checked: 0 valid, 1 with problems\n"),
                "{}",
                run.stdout()
            );
        }
    }
}
