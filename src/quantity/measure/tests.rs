//! Tests of `quantity::measure`: parsing, units and plausibility of height, weight, age and the other measurements.

use super::*;
use crate::quantity::{cm, kg, m2, mg_per_dl, ml_per_min, years};

fn h(s: &str) -> f64 {
    cm(parse_height(s).unwrap())
}

#[test]
fn heights_in_every_accepted_form() {
    assert!((h("170cm") - 170.0).abs() < 1e-9);
    assert!((h("170 cm") - 170.0).abs() < 1e-9);
    assert!((h("1.7m") - 170.0).abs() < 1e-9);
    assert!((h("1700mm") - 170.0).abs() < 1e-9);
    assert!((h("170CM") - 170.0).abs() < 1e-9);
    // 67 in × 2.54 = 170.18 cm
    assert!((h("67in") - 170.18).abs() < 1e-9);
    // 5 ft 7 in = 67 in
    for s in [
        "5ft7in",
        "5ft 7in",
        "5 ft 7 in",
        "5'7\"",
        "5'7",
        "5′7″",
        "5' 7\"",
    ] {
        assert!((h(s) - 170.18).abs() < 1e-9, "{s}");
    }
    assert!((h("6ft") - 182.88).abs() < 1e-9);
}

#[test]
fn weights_and_creatinine() {
    assert!((kg(parse_weight("70kg").unwrap()) - 70.0).abs() < 1e-9);
    assert!((kg(parse_weight("70000g").unwrap()) - 70.0).abs() < 1e-9);
    // 154 lb × 0.45359237 kg/lb = 69.85322498 kg
    assert!((kg(parse_weight("154lb").unwrap()) - 69.853_224_98).abs() < 1e-8);
    assert!((mg_per_dl(parse_serum_creatinine("1.1mg/dL").unwrap()) - 1.1).abs() < 1e-12);
    // 97 µmol/L × 113.12 g/mol = 10 972.64 µg/L = 1.097264 mg/dL
    for s in ["97umol/L", "97µmol/L", "97 μmol/l", "97 UMOL/L"] {
        let v = mg_per_dl(parse_serum_creatinine(s).unwrap());
        assert!((v - 1.097_264).abs() < 1e-9, "{s}: {v}");
    }
}

#[test]
fn bare_number_names_the_fix() {
    let e = parse_height("170").unwrap_err();
    assert_eq!(
        e.to_string(),
        "height needs a unit, e.g. 170cm or 67in (got `170`)"
    );
    let e = parse_weight("70").unwrap_err();
    assert_eq!(
        e.to_string(),
        "weight needs a unit, e.g. 70kg or 154lb (got `70`)"
    );
}

#[test]
fn wrong_kind_and_unknown_units() {
    let e = parse_height("70kg").unwrap_err();
    assert!(
        matches!(e, QuantityError::WrongKind { kind: "mass", .. }),
        "{e}"
    );
    assert!(
        e.to_string()
            .contains("`kg` in `70kg` is a unit of mass, not of height")
    );
    let e = parse_weight("70 stone").unwrap_err();
    assert!(matches!(e, QuantityError::UnknownUnit { .. }), "{e}");
    assert!(e.to_string().contains("unknown unit `stone`"));
    assert!(matches!(
        parse_serum_creatinine("1.1 mmol/L").unwrap_err(),
        QuantityError::UnknownUnit { .. }
    ));
}

#[test]
fn zero_negative_nan_infinite_garbage() {
    assert!(matches!(
        parse_weight("0kg").unwrap_err(),
        QuantityError::NotPositive { .. }
    ));
    assert!(matches!(
        parse_height("-170cm").unwrap_err(),
        QuantityError::NotPositive { .. }
    ));
    assert!(matches!(
        parse_height("NaN").unwrap_err(),
        QuantityError::NotFinite { .. }
    ));
    assert!(matches!(
        parse_height("inf").unwrap_err(),
        QuantityError::NotFinite { .. }
    ));
    assert!(matches!(
        parse_height("").unwrap_err(),
        QuantityError::NotANumber { .. }
    ));
    assert!(matches!(
        parse_height("cm").unwrap_err(),
        QuantityError::NotANumber { .. }
    ));
    assert!(parse_height("170cm 3").is_err());
    assert!(parse_height("170cm3in").is_err());
    assert!(parse_height("7in5ft").is_err());
    assert!(parse_weight("70kg70kg").is_err());
    assert!(parse_height("1.2.3cm").is_err());
}

#[test]
fn implausible_values_name_the_bound() {
    let e = parse_height("1700cm").unwrap_err();
    assert_eq!(
        e.to_string(),
        "height of 1,700 cm is implausible (got `1700cm`); accepted range is 30 to 250 cm"
    );
    let e = parse_weight("400kg").unwrap_err();
    assert!(
        e.to_string().contains("accepted range is 0.5 to 350 kg"),
        "{e}"
    );
    assert!(parse_serum_creatinine("25mg/dL").is_err());
    assert!(parse_serum_creatinine("0.05mg/dL").is_err());
    assert!(parse_age("121").is_err());
    assert!(parse_bsa("9m2").is_err());
}

/// Issue 14: `4ft4ft` was read as 243.84 cm and `5ft17in` as 195.58 cm;
/// `5lb5lb` and `1kg2kg` were "unknown units", `1e29kg` an unknown unit
/// `e29kg`. Each is now refused for what it is.
#[test]
fn malformed_heights_and_weights_are_refused_for_what_they_are() {
    let msg = |r: Result<f64, QuantityError>| r.unwrap_err().to_string();
    let height = |s: &str| msg(parse_height(s).map(cm));
    let weight = |s: &str| msg(parse_weight(s).map(kg));
    assert_eq!(
        height("4ft4ft"),
        "height: `4ft4ft` has `ft` after feet; only inches may follow feet, once, e.g. 170cm, 67in or 5ft7in"
    );
    assert_eq!(
        height("5ft7cm"),
        "height: `5ft7cm` has `cm` after feet; only inches may follow feet, once, e.g. 170cm, 67in or 5ft7in"
    );
    assert_eq!(
        height("5ft17in"),
        "height: `5ft17in` has 17 inches after feet; the inches must be under 12 (or write the height in inches alone, or in cm), e.g. 170cm, 67in or 5ft7in"
    );
    assert!(height("5ft12in").contains("12 inches after feet"));
    assert_eq!(
        height("5.5ft6in"),
        "height: `5.5ft6in` has a fraction of a foot followed by inches; write whole feet then inches, e.g. 170cm, 67in or 5ft7in"
    );
    for s in ["5ft-7in", "5ft+7in", "5'-7\""] {
        assert_eq!(
            height(s),
            format!(
                "height: `{s}` has a sign before the inches; write feet then inches, e.g. 170cm, 67in or 5ft7in"
            )
        );
    }
    for s in ["170cm3in", "7in5ft", "5ft7in3", "170cm 3"] {
        assert_eq!(
            height(s),
            format!(
                "height: `{s}` has more than one number; write one number and its unit, or feet then inches, e.g. 170cm, 67in or 5ft7in"
            )
        );
    }
    for s in ["5lb5lb", "1kg2kg", "70kg70kg", "70kg-5"] {
        assert_eq!(
            weight(s),
            format!(
                "weight: `{s}` has more than one number; write one number and its unit, e.g. 70kg or 154lb"
            )
        );
    }
    for s in ["1e29kg", "1E3kg", "7e+1kg", "7e-1kg"] {
        assert_eq!(
            weight(s),
            format!(
                "weight: `{s}` is written with an exponent; write the number in full, e.g. 70kg or 154lb"
            )
        );
    }
    assert_eq!(
        msg(parse_age("1e2").map(years)),
        "age: `1e2` is written with an exponent; write the number in full, e.g. 64 or 64y"
    );
    for s in ["70,5kg", "70,000g"] {
        assert_eq!(
            weight(s),
            format!(
                "weight: `{s}` has a comma in a number, which could be a decimal comma or a thousands separator; write a decimal point and no separators, e.g. 70kg or 154lb"
            )
        );
    }
    assert!(height("1,70m").contains("has a comma in a number"));
    // Stones are not a unit here: the accepted ones are listed.
    assert_eq!(
        weight("10st"),
        "weight: unknown unit `st` in `10st`; accepted units: kg, g, lb"
    );
    // Still accepted: 11 inches, no inches, a space anywhere, a leading +.
    assert!((h("5ft11in") - 180.34).abs() < 1e-9);
    assert!((h("5ft0in") - 152.4).abs() < 1e-9);
    assert!((h("5ft 7 in") - 170.18).abs() < 1e-9);
    assert!((kg(parse_weight("+70kg").unwrap()) - 70.0).abs() < 1e-12);
}

/// Issue 14: `499g` said "weight of 0.5 kg is implausible" (0.499 kg
/// rounded onto the bound), and a value too large for a decimal said
/// "weight of invalid kg".
#[test]
fn implausible_values_are_shown_as_typed_and_never_rounded_onto_the_bound() {
    assert_eq!(
        parse_weight("499g").unwrap_err().to_string(),
        "weight of 499 g (0.499 kg) is implausible (got `499g`); accepted range is 0.5 to 350 kg (500 to 350,000 g)"
    );
    // 800 lb × 0.45359237 = 362.87 kg; 0.5 kg = 1.1023 lb, shown rounded
    // up (1.11), 350 kg = 771.6178 lb, shown rounded down (771.61).
    assert_eq!(
        parse_weight("800lb").unwrap_err().to_string(),
        "weight of 800 lb (362.87 kg) is implausible (got `800lb`); accepted range is 0.5 to 350 kg (1.11 to 771.61 lb)"
    );
    assert_eq!(
        parse_weight("0.4999kg").unwrap_err().to_string(),
        "weight of 0.4999 kg is implausible (got `0.4999kg`); accepted range is 0.5 to 350 kg"
    );
    assert_eq!(
        parse_weight("350.001kg").unwrap_err().to_string(),
        "weight of 350.001 kg is implausible (got `350.001kg`); accepted range is 0.5 to 350 kg"
    );
    let huge = format!("1{}kg", "0".repeat(33));
    assert_eq!(
        parse_weight(&huge).unwrap_err().to_string(),
        format!("weight `{huge}` is implausible; accepted range is 0.5 to 350 kg")
    );
}

/// Issue 14: 30 cm with 350 kg got an adult dose; 170 cm with 0.5 kg a
/// flat adult dose. Each value alone is within its bounds.
#[test]
fn height_and_weight_are_checked_together() {
    let p = |h: &str, w: &str| {
        check_proportions(parse_height(h).unwrap(), parse_weight(w).unwrap())
            .map_err(|e| e.to_string())
    };
    // 350 / 0.3² = 3,888.89 kg/m²
    assert_eq!(
        p("30cm", "350kg").unwrap_err(),
        "height 30 cm with weight 350 kg is a body-mass index of 3,888.89 kg/m², outside the plausible 10 to 100 kg/m²: one of them is mistyped or in the wrong unit"
    );
    // 0.5 / 1.7² = 0.17 kg/m²
    assert!(
        p("170cm", "0.5kg")
            .unwrap_err()
            .contains("index of 0.17 kg/m²")
    );
    // 300 / 1.7² = 103.81 kg/m²
    assert!(
        p("170cm", "300kg")
            .unwrap_err()
            .contains("index of 103.81 kg/m²")
    );
    // Near the edges: 29 kg at 170 cm is 10.03 kg/m², 288 kg 99.65 kg/m².
    assert!(p("170cm", "29kg").is_ok());
    assert!(p("170cm", "288kg").is_ok());
    assert!(p("170cm", "70kg").is_ok());
    // A term newborn, 50 cm and 3.5 kg: 14 kg/m².
    assert!(p("50cm", "3.5kg").is_ok());
    // 9.99 kg/m² is refused and written so, not as 10.
    assert!(
        p("100cm", "9.99kg")
            .unwrap_err()
            .contains("index of 9.99 kg/m²")
    );
}

#[test]
fn ages() {
    assert!((years(parse_age("64").unwrap()) - 64.0).abs() < 1e-9);
    assert!((years(parse_age("64y").unwrap()) - 64.0).abs() < 1e-9);
    assert!((years(parse_age("18mo").unwrap()) - 1.5).abs() < 1e-9);
    assert!((years(parse_age("0").unwrap())).abs() < 1e-12);
}

#[test]
fn bsa_and_gfr() {
    assert!((m2(parse_bsa("2.0m2").unwrap()) - 2.0).abs() < 1e-12);
    assert!((m2(parse_bsa("2 m²").unwrap()) - 2.0).abs() < 1e-12);
    assert!((ml_per_min(parse_gfr("90mL/min").unwrap()) - 90.0).abs() < 1e-9);
    assert!(matches!(
        parse_gfr("90").unwrap_err(),
        QuantityError::MissingUnit { .. }
    ));
}
