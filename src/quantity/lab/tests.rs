//! Tests of `quantity::lab`: parsing, units and plausibility of laboratory results.

use super::*;

/// The canonical value of a measured result.
fn measured(lab: Lab, s: &str) -> f64 {
    match parse_lab(lab, s) {
        Ok(LabValue::Measured(v)) => v,
        other => panic!("{s}: {other:?}"),
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn ids_labels_and_aliases() {
    for lab in Lab::ALL {
        assert_eq!(lab.id().parse::<Lab>(), Ok(lab));
        assert_eq!(lab.id().to_uppercase().parse::<Lab>(), Ok(lab));
    }
    assert_eq!("haemoglobin".parse(), Ok(Lab::Haemoglobin));
    assert_eq!("Hemoglobin".parse(), Ok(Lab::Haemoglobin));
    assert_eq!(" hb ".parse(), Ok(Lab::Haemoglobin));
    assert_eq!("plt".parse(), Ok(Lab::Platelets));
    assert_eq!("CK".parse(), Ok(Lab::Cpk));
    assert_eq!(
        "wbc".parse::<Lab>(),
        Err(LabError::UnknownLab {
            input: "wbc".to_owned()
        })
    );
    let labels: Vec<_> = Lab::ALL.iter().map(|l| l.label()).collect();
    assert_eq!(
        labels,
        [
            "ANC",
            "platelets",
            "haemoglobin",
            "total bilirubin",
            "AST",
            "ALT",
            "ALP",
            "albumin",
            "CPK",
            "LVEF"
        ]
    );
    let uln: Vec<_> = Lab::ALL.into_iter().filter(|l| l.uln_based()).collect();
    assert_eq!(
        uln,
        [Lab::Bilirubin, Lab::Ast, Lab::Alt, Lab::Alp, Lab::Cpk]
    );
}

#[test]
fn counts_in_every_accepted_form() {
    for lab in [Lab::Anc, Lab::Platelets] {
        // ×10⁹/L and G/L are the canonical unit: 1.2 stays 1.2.
        for s in [
            "1.2x10^9/L",
            "1.2×10^9/L",
            "1.2 x 10^9/L",
            "1.2 × 10^9 /L",
            "1.2x10e9/L",
            "1.2X10^9/l",
            "1.2×10⁹/L",
            "1.2G/L",
            "1.2 G/L",
            "+1.2x10^9/L",
        ] {
            assert_eq!(measured(lab, s), 1.2, "{s}");
        }
        // Per µL = per mm³ = ×10⁶/L: ÷ 1,000. 1,200/µL = 1.2 ×10⁹/L.
        for s in [
            "1200/uL",
            "1200/µL",
            "1200/μL",
            "1200/mm3",
            "1200/mm³",
            "1200 cells/uL",
            "1200 cells/mm3",
            "1200/mcL",
            "1200 x10^6/L",
            "1200/UL",
        ] {
            assert_eq!(measured(lab, s), 1.2, "{s}");
        }
    }
    // Clinical reference §9.1 [R115]: 1,500/mm³ = 1.5 ×10⁹/L, exactly
    // (a rule reads ANC ≥ 1.5).
    assert_eq!(measured(Lab::Anc, "1500/mm3"), 1.5);
    // 150,000/µL ÷ 1,000 = 150 ×10⁹/L.
    assert_eq!(measured(Lab::Platelets, "150000/uL"), 150.0);
    assert_eq!(measured(Lab::Platelets, "75000/uL"), 75.0);
}

#[test]
fn haemoglobin_in_g_dl_g_l_and_mmol_l() {
    assert_eq!(measured(Lab::Haemoglobin, "12g/dL"), 12.0);
    assert_eq!(measured(Lab::Haemoglobin, "12 G/DL"), 12.0);
    // g/L ÷ 10: 120 g/L = 12 g/dL; 90 g/L is exactly 9 g/dL (trabectedin: Hb ≥ 9 g/dL).
    assert_eq!(measured(Lab::Haemoglobin, "120g/L"), 12.0);
    assert_eq!(measured(Lab::Haemoglobin, "90 g/l"), 9.0);
    // mmol/L × 16,114 / 10,000: 7.5 × 1.6114 = 12.0855 g/dL.
    assert!(close(measured(Lab::Haemoglobin, "7.5mmol/L"), 12.0855));
    // 6.2 × 1.6114 = 9.99068 g/dL.
    assert!(close(measured(Lab::Haemoglobin, "6.2 mmol/l"), 9.990_68));
    // 1 g/dL = 0.6206 mmol/L: 0.6206 × 1.6114 = 1.00003484, so
    // 12 g/dL = 7.4472 mmol/L → 7.4472 × 1.6114 = 12.00041808.
    assert!(close(
        measured(Lab::Haemoglobin, "7.4472mmol/L"),
        12.000_418_08
    ));
}

#[test]
fn bilirubin_in_mg_dl_and_umol_l() {
    assert_eq!(measured(Lab::Bilirubin, "1.2mg/dL"), 1.2);
    assert_eq!(measured(Lab::Bilirubin, "1.2 MG/DL"), 1.2);
    // µmol/L × 584.66 / 10,000: 20 × 584.66 = 11,693.2 → 1.16932 mg/dL.
    for s in ["20umol/L", "20µmol/L", "20 μmol/L", "20 UMOL/L"] {
        assert!(close(measured(Lab::Bilirubin, s), 1.169_32), "{s}");
    }
    // The band edges of the clinical reference §9.3 (there with ÷ 17.1):
    // 51.3 × 584.66 = 29,993.058 → 2.9993058 mg/dL (≤ 3.0, the 50 % band);
    // 53.0 × 584.66 = 30,986.98 → 3.098698 mg/dL (> 3.0, the 25 % band);
    // 85.5 × 584.66 = 49,988.43 → 4.998843 mg/dL (≤ 5.0).
    assert!(close(measured(Lab::Bilirubin, "51.3umol/L"), 2.999_305_8));
    assert!(close(measured(Lab::Bilirubin, "53umol/L"), 3.098_698));
    assert!(close(measured(Lab::Bilirubin, "85.5umol/L"), 4.998_843));
    // 1 mg/dL = 10,000 / 584.66 = 17.104 µmol/L: 17.104 × 584.66 =
    // 10,000.02464 → 1.000002464 mg/dL.
    assert!(close(
        measured(Lab::Bilirubin, "17.104umol/L"),
        1.000_002_464
    ));
}

/// docs/labs.md: the derived ÷ 17.104 and the reference's ÷ 17.1 put no
/// value typed in whole µmol/L or to one decimal in a different §9.3
/// band; 20.52 µmol/L (two decimals) is the first that differs.
#[test]
fn bilirubin_factors_agree_on_bands_to_one_decimal() {
    // Edges in mg/dL, and whether the edge value belongs to the band below.
    let edges = [
        (1.2, false),
        (1.6, false),
        (3.0, true),
        (5.0, true),
        (7.0, true),
    ];
    let band = |mg: f64| {
        edges
            .iter()
            .filter(|(e, closed_below)| if *closed_below { mg > *e } else { mg >= *e })
            .count()
    };
    for tenths in 0..=5_000 {
        let typed = format!("{}.{}umol/L", tenths / 10, tenths % 10);
        let derived = measured(Lab::Bilirubin, &typed);
        // The reference's conventional factor, in the same 12 digits.
        let conventional = tidy(f64::from(tenths) / 10.0 / 17.1);
        assert_eq!(band(derived), band(conventional), "{typed}");
    }
    // 20.52 × 584.66 / 10,000 = 1.1997223 mg/dL (< 1.2); 20.52 / 17.1 = 1.2.
    assert!(close(measured(Lab::Bilirubin, "20.52umol/L"), 1.199_722_32));
    assert_eq!(tidy(20.52 / 17.1), 1.2);
}

#[test]
fn enzymes_albumin_and_lvef() {
    for lab in [Lab::Ast, Lab::Alt, Lab::Alp, Lab::Cpk] {
        for s in ["45U/L", "45 u/l", "45 IU/L", "45 units/L", "45 Units/L"] {
            assert_eq!(measured(lab, s), 45.0, "{lab:?} {s}");
        }
    }
    assert_eq!(measured(Lab::Albumin, "35g/L"), 35.0);
    // g/dL × 10: 3.5 g/dL = 35 g/L; 2.5 g/dL = 25 g/L exactly (trabectedin: albumin ≥ 25 g/L).
    assert_eq!(measured(Lab::Albumin, "3.5g/dL"), 35.0);
    assert_eq!(measured(Lab::Albumin, "2.5 g/dl"), 25.0);
    assert_eq!(measured(Lab::Lvef, "55%"), 55.0);
    assert_eq!(measured(Lab::Lvef, "55 %"), 55.0);
}

#[test]
fn multiples_of_the_uln() {
    for lab in [Lab::Bilirubin, Lab::Ast, Lab::Alt, Lab::Alp, Lab::Cpk] {
        for s in [
            "2.5xULN",
            "2.5 x ULN",
            "2.5×ULN",
            "2.5 × uln",
            "2.5XULN",
            "2.5 x uln",
        ] {
            assert_eq!(parse_lab(lab, s), Ok(LabValue::TimesUln(2.5)), "{s}");
        }
        assert_eq!(parse_lab(lab, "0xULN"), Ok(LabValue::TimesUln(0.0)));
        assert_eq!(
            parse_lab(lab, "1000xULN"),
            Ok(LabValue::TimesUln(MAX_TIMES_ULN))
        );
        assert!(matches!(
            parse_lab(lab, "1000.1xULN"),
            Err(LabError::Implausible { value, .. }) if value == 1000.1
        ));
    }
    for lab in [
        Lab::Anc,
        Lab::Platelets,
        Lab::Haemoglobin,
        Lab::Albumin,
        Lab::Lvef,
    ] {
        assert!(
            matches!(parse_lab(lab, "2.5xULN"), Err(LabError::NotUlnBased { .. })),
            "{lab:?}"
        );
    }
}

#[test]
fn bare_numbers_are_refused_with_an_example() {
    let e = parse_lab(Lab::Platelets, "150").unwrap_err();
    assert_eq!(
        e,
        LabError::MissingUnit {
            lab: Lab::Platelets,
            input: "150".to_owned()
        }
    );
    assert_eq!(
        e.to_string(),
        "platelets need a unit, e.g. 150x10^9/L or 150000/uL (got `150`)"
    );
    assert_eq!(
        parse_lab(Lab::Anc, "1.2").unwrap_err().to_string(),
        "ANC needs a unit, e.g. 1.5x10^9/L or 1500/uL (got `1.2`)"
    );
    for lab in Lab::ALL {
        assert!(
            matches!(parse_lab(lab, "17"), Err(LabError::MissingUnit { .. })),
            "{lab:?}"
        );
    }
    // LVEF as a fraction is a bare number too.
    assert!(matches!(
        parse_lab(Lab::Lvef, "0.55"),
        Err(LabError::MissingUnit { .. })
    ));
}

#[test]
fn units_of_another_kind_are_refused_naming_the_right_ones() {
    let cases = [
        (Lab::Anc, "1.2g/dL", "mass concentration"),
        (Lab::Platelets, "150g/L", "mass concentration"),
        (Lab::Platelets, "150U/L", "enzyme activity"),
        (Lab::Bilirubin, "17mmol/L", "substance concentration"),
        (Lab::Bilirubin, "17U/L", "enzyme activity"),
        (Lab::Bilirubin, "1.2g/dL", "mass concentration"),
        (Lab::Haemoglobin, "120mg/dL", "mass concentration"),
        (Lab::Ast, "45%", "percentage"),
        (Lab::Alt, "45umol/L", "substance concentration"),
        (Lab::Albumin, "35mmol/L", "substance concentration"),
        (Lab::Lvef, "55U/L", "enzyme activity"),
    ];
    for (lab, s, kind) in cases {
        match parse_lab(lab, s) {
            Err(LabError::WrongUnit { kind: k, .. }) => assert_eq!(k, kind, "{s}"),
            other => panic!("{lab:?} {s}: {other:?}"),
        }
    }
    // A capital G is giga: `120G/L` is a count, never grams of haemoglobin.
    assert!(matches!(
        parse_lab(Lab::Haemoglobin, "120G/L"),
        Err(LabError::WrongUnit { kind, .. }) if kind.starts_with("cell count")
    ));
    let e = parse_lab(Lab::Bilirubin, "17mmol/L").unwrap_err();
    assert_eq!(
        e.to_string(),
        "total bilirubin: `mmol/L` in `17mmol/L` is a unit of substance concentration, not one total bilirubin is written in; accepted units: mg/dL, umol/L (µmol/L), or a multiple of the ULN (1.5xULN)"
    );
    let e = parse_lab(Lab::Anc, "1.2 stone").unwrap_err();
    assert_eq!(
        e,
        LabError::UnknownUnit {
            lab: Lab::Anc,
            input: "1.2 stone".to_owned(),
            unit: "stone".to_owned()
        }
    );
    assert!(matches!(
        parse_lab(Lab::Alt, "45 ukat/L"),
        Err(LabError::UnknownUnit { .. })
    ));
    assert!(matches!(
        parse_lab(Lab::Ast, "2.5 ULN"),
        Err(LabError::UnknownUnit { .. })
    ));
}

/// The unit slips of the clinical reference §9.1 fail the bounds.
#[test]
fn typical_unit_slips_fail_the_bounds() {
    // Platelets 150,000 per µL typed as ×10⁹/L.
    assert!(matches!(
        parse_lab(Lab::Platelets, "150000x10^9/L"),
        Err(LabError::Implausible { value, .. }) if value == 150_000.0
    ));
    // ANC 1,500 per µL typed as ×10⁹/L.
    assert!(matches!(
        parse_lab(Lab::Anc, "1500x10^9/L"),
        Err(LabError::Implausible { .. })
    ));
    // Albumin 3.5 g/dL typed as g/L.
    assert!(matches!(
        parse_lab(Lab::Albumin, "3.5g/L"),
        Err(LabError::Implausible { .. })
    ));
    // Haemoglobin 90 g/L typed as g/dL.
    assert!(matches!(
        parse_lab(Lab::Haemoglobin, "90g/dL"),
        Err(LabError::Implausible { .. })
    ));
    // Bilirubin 17 µmol/L typed without a unit is refused for the unit;
    // typed as `17mg/dL` it is inside 0–50 mg/dL, the reference's bounds,
    // and only a rule can catch it (doxorubicin: > 5 mg/dL contraindicated).
    assert!(matches!(
        parse_lab(Lab::Bilirubin, "17"),
        Err(LabError::MissingUnit { .. })
    ));
    assert_eq!(measured(Lab::Bilirubin, "17mg/dL"), 17.0);
    let e = parse_lab(Lab::Platelets, "150000x10^9/L").unwrap_err();
    assert_eq!(
        e.to_string(),
        "platelets of 150,000 ×10⁹/L is implausible (got `150000x10^9/L`); accepted range is 0 to 2,000 ×10⁹/L; write e.g. 150x10^9/L or 150000/uL"
    );
}

#[test]
fn bounds_are_inclusive_and_zero_only_where_the_table_starts_at_zero() {
    let edges = [
        (Lab::Anc, "x10^9/L", 0.0, 100.0),
        (Lab::Platelets, "x10^9/L", 0.0, 2_000.0),
        (Lab::Haemoglobin, "g/dL", 2.0, 25.0),
        (Lab::Bilirubin, "mg/dL", 0.0, 50.0),
        (Lab::Ast, "U/L", 0.0, 10_000.0),
        (Lab::Alt, "U/L", 0.0, 10_000.0),
        (Lab::Alp, "U/L", 0.0, 5_000.0),
        (Lab::Albumin, "g/L", 5.0, 60.0),
        (Lab::Cpk, "U/L", 0.0, 100_000.0),
        (Lab::Lvef, "%", 5.0, 85.0),
    ];
    for (lab, unit, min, max) in edges {
        assert_eq!(lab.bounds().min, min);
        assert_eq!(lab.bounds().max, max);
        assert_eq!(measured(lab, &format!("{min}{unit}")), min, "{lab:?}");
        assert_eq!(measured(lab, &format!("{max}{unit}")), max, "{lab:?}");
        let above = format!("{}{unit}", max + 0.01);
        assert!(
            matches!(parse_lab(lab, &above), Err(LabError::Implausible { .. })),
            "{above}"
        );
        if min > 0.0 {
            let below = format!("{}{unit}", min - 0.01);
            assert!(
                matches!(parse_lab(lab, &below), Err(LabError::Implausible { .. })),
                "{below}"
            );
            assert!(matches!(
                parse_lab(lab, &format!("0{unit}")),
                Err(LabError::Implausible { .. })
            ));
        }
    }
    // Bounds apply after conversion: 2,000,001/µL = 2,000.001 ×10⁹/L.
    assert!(matches!(
        parse_lab(Lab::Platelets, "2000001/uL"),
        Err(LabError::Implausible { .. })
    ));
    assert_eq!(measured(Lab::Platelets, "2000000/uL"), 2_000.0);
    // 855 µmol/L × 584.66 / 10,000 = 49.98843 mg/dL (in); 856 → 50.046896 (out).
    assert!(close(measured(Lab::Bilirubin, "855umol/L"), 49.988_43));
    assert!(matches!(
        parse_lab(Lab::Bilirubin, "856umol/L"),
        Err(LabError::Implausible { value, .. }) if close(value, 50.046_896)
    ));
}

#[test]
fn not_numbers_negatives_commas() {
    let kind = |lab, s| parse_lab(lab, s).unwrap_err();
    assert!(matches!(
        kind(Lab::Anc, "-1x10^9/L"),
        LabError::Negative { .. }
    ));
    assert!(matches!(kind(Lab::Ast, "-0U/L"), LabError::Negative { .. }));
    assert!(matches!(kind(Lab::Anc, "1,500/uL"), LabError::Comma { .. }));
    assert!(matches!(kind(Lab::Anc, "1,5G/L"), LabError::Comma { .. }));
    for s in ["nan", "inf", "-inf", "NaN"] {
        assert!(
            matches!(kind(Lab::Anc, s), LabError::NotFinite { .. }),
            "{s}"
        );
    }
    let huge = format!("1{}U/L", "0".repeat(400));
    assert!(matches!(kind(Lab::Ast, &huge), LabError::NotFinite { .. }));
    for s in [
        "",
        "   ",
        "x10^9/L",
        "abc",
        "1.2.3x10^9/L",
        "1.2 3x10^9/L",
        ".",
    ] {
        assert!(
            matches!(kind(Lab::Anc, s), LabError::NotANumber { .. }),
            "{s:?}"
        );
    }
    assert!(matches!(
        kind(Lab::Anc, "1e3/uL"),
        LabError::UnknownUnit { .. }
    ));
    assert_eq!(
        kind(Lab::Anc, "1,500/uL").to_string(),
        "ANC: `1,500/uL` has a comma, which could be a thousands separator or a decimal comma; write the number without separators and with a decimal point, e.g. 1.5x10^9/L or 1500/uL"
    );
}

#[test]
fn upper_limits_of_normal() {
    assert_eq!(parse_uln(Lab::Ast, "40U/L"), Ok(40.0));
    assert_eq!(parse_uln(Lab::Cpk, "190 IU/L"), Ok(190.0));
    assert_eq!(parse_uln(Lab::Bilirubin, "1.2mg/dL"), Ok(1.2));
    // 21 µmol/L × 584.66 / 10,000 = 1.227786 mg/dL.
    assert!(close(
        parse_uln(Lab::Bilirubin, "21umol/L").unwrap(),
        1.227_786
    ));
    let e = |lab, s| parse_uln(lab, s).unwrap_err();
    assert!(matches!(
        e(Lab::Ast, "1xULN"),
        LabError::UlnAsMultiple { .. }
    ));
    assert!(matches!(e(Lab::Ast, "0U/L"), LabError::UlnZero { .. }));
    assert!(matches!(e(Lab::Ast, "40"), LabError::MissingUnit { .. }));
    assert!(matches!(e(Lab::Ast, "-40U/L"), LabError::Negative { .. }));
    assert!(matches!(
        e(Lab::Ast, "10001U/L"),
        LabError::Implausible { .. }
    ));
    assert!(matches!(
        e(Lab::Anc, "1.5x10^9/L"),
        LabError::NotUlnBased { .. }
    ));
    assert!(matches!(
        e(Lab::Bilirubin, "40U/L"),
        LabError::WrongUnit { .. }
    ));
    assert_eq!(
        e(Lab::Ast, "1xULN").to_string(),
        "the ULN of AST is written in its units, not as a multiple of itself, e.g. 40U/L (got `1xULN`)"
    );
    assert_eq!(
        e(Lab::Anc, "1.5x10^9/L").to_string(),
        "ANC is read against fixed values, not against the upper limit of normal: it takes no ULN and no multiple of the ULN (got `1.5x10^9/L`); write e.g. 1.5x10^9/L or 1500/uL"
    );
}
