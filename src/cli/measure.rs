//! `chemodose bsa`, `crcl` and `carboplatin`.

use clap::Args;
use serde_json::json;
use uom::si::f64::{Length, Mass, MassConcentration, Time, VolumeRate};

use chemodose::bsa::{BodySurfaceArea, BsaFormula, BsaRounding};
use chemodose::patient::Sex;
use chemodose::quantity::{Auc, cm, kg, m2, mg_per_dl, ml_per_min, years};
use chemodose::renal::{
    CockcroftGaultOptions, GfrCap, WeightBasis, calvert, ckd_epi_2021, cockcroft_gault,
};
use chemodose::render::ismp::format_number;
use chemodose::render::text_table;
use chemodose::rounding::tidy;
use uom::si::mass::milligram;

use chemodose::dose::Adjustment;
use chemodose::dose::round::{calvert_rounding, round_within};
use chemodose::quantity::{DoseUnit, Percent};
use chemodose::regimen::RoundingRule;
use chemodose::render::dose::adjustment_text;
use chemodose::render::ismp::format_decimal;
use chemodose::render::regimen::rounding_text;

use super::args::{self, FormulaChoice, SimpleFormat};
use super::hints::{PROPORTIONS_HINT, bsa_hint, renal_hint, with_hint};
use super::{Failure, InputError, Report};

/// A renal error with the flag that answers it.
fn renal_failure(e: chemodose::renal::RenalError) -> InputError {
    InputError(with_hint(&e.to_string(), renal_hint(&e)))
}

#[derive(Debug, Args)]
pub struct BsaArgs {
    /// Height with its unit: 170cm, 1.7m, 67in or 5ft7in.
    #[arg(long, required = true, value_name = "HEIGHT", allow_hyphen_values = true, value_parser = args::height)]
    height: Length,
    /// Weight with its unit: 70kg or 154lb.
    #[arg(long, required = true, value_name = "WEIGHT", allow_hyphen_values = true, value_parser = args::weight)]
    weight: Mass,
    /// The patient's sex, needed by Schlich.
    #[arg(long, value_name = "SEX", value_parser = args::SEX)]
    sex: Option<Sex>,
    /// BSA formula, or all of them side by side.
    #[arg(long, value_name = "FORMULA", default_value = "mosteller", value_parser = args::FORMULA_OR_ALL)]
    formula: FormulaChoice,
    /// BSA rounding for dosing: a step in m², or none.
    #[arg(long, value_name = "STEP", default_value_t = chemodose::dose::DoseOptions::default().bsa_rounding, value_parser = args::BSA_ROUNDING)]
    bsa_round: BsaRounding,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: SimpleFormat,
}

pub fn bsa(a: BsaArgs) -> Result<Report, InputError> {
    chemodose::quantity::check_proportions(a.height, a.weight)
        .map_err(|e| InputError(with_hint(&e.to_string(), Some(PROPORTIONS_HINT))))?;
    let mut notes = Vec::new();
    let formulas: Vec<BsaFormula> = match a.formula {
        FormulaChoice::One(f) => vec![f],
        FormulaChoice::All => BsaFormula::ALL
            .into_iter()
            .filter(|f| {
                let keep = !f.needs_sex() || a.sex.is_some();
                if !keep {
                    notes.push(format!(
                        "{} left out: it differs by sex; give --sex to include it",
                        f.name()
                    ));
                }
                keep
            })
            .collect(),
    };
    let mut results = Vec::new();
    for f in formulas {
        results.push(
            BodySurfaceArea::compute(f, a.height, a.weight, a.sex, a.bsa_round)
                .map_err(|e| InputError(with_hint(&e.to_string(), bsa_hint(&e))))?,
        );
    }
    let stdout = match a.format {
        SimpleFormat::Json => {
            let rows: Vec<_> = results
                .iter()
                .map(|b| {
                    json!({
                        "formula": b.formula.id(),
                        "bsa_m2": tidy(m2(b.unrounded)),
                        "bsa_m2_rounded": tidy(m2(b.used)),
                    })
                })
                .collect();
            serde_json::to_string_pretty(&rows)? + "\n"
        }
        SimpleFormat::Text => {
            let mut out = patient_line(a.height, a.weight, a.sex);
            out.push_str(&format!(
                "BSA for dosing: {}\n\n",
                chemodose::render::dose::bsa_rounding_text(a.bsa_round)
            ));
            let rows: Vec<Vec<String>> = results
                .iter()
                .map(|b| {
                    vec![
                        b.formula.name().to_owned(),
                        format_number(m2(b.unrounded), 4),
                        format_number(m2(b.used), 4),
                        b.formula.citation().to_owned(),
                    ]
                })
                .collect();
            out.push_str(&text_table(
                &["Formula", "BSA (m²)", "For dosing (m²)", "Source"],
                &rows,
            ));
            out
        }
    };
    Ok(Report {
        stdout,
        notes,
        problem: false,
        warnings: Vec::new(),
    })
}

fn patient_line(height: Length, weight: Mass, sex: Option<Sex>) -> String {
    let mut s = format!(
        "Height {} cm, weight {} kg",
        format_number(cm(height), 2),
        format_number(kg(weight), 3)
    );
    if let Some(sex) = sex {
        s.push_str(&format!(", {sex}"));
    }
    s.push('\n');
    s
}

/// The measurements Cockcroft-Gault needs, as `crcl` and `carboplatin`
/// hold them.
struct RenalInputs {
    age: Time,
    weight: Mass,
    sex: Sex,
    scr: MassConcentration,
}

/// Refuses a height and weight that cannot be one person's.
fn check_proportions(height: Option<Length>, weight: Option<Mass>) -> Result<(), InputError> {
    if let (Some(height), Some(weight)) = (height, weight) {
        chemodose::quantity::check_proportions(height, weight)
            .map_err(|e| InputError(with_hint(&e.to_string(), Some(PROPORTIONS_HINT))))?;
    }
    Ok(())
}

#[derive(Debug, Args)]
pub struct CrclArgs {
    /// Age in years: 64 (or 64y).
    #[arg(long, required = true, value_name = "YEARS", allow_hyphen_values = true, value_parser = args::age)]
    age: Time,
    /// Weight with its unit: 70kg or 154lb.
    #[arg(long, required = true, value_name = "WEIGHT", allow_hyphen_values = true, value_parser = args::weight)]
    weight: Mass,
    /// The patient's sex, for the formulas.
    #[arg(long, required = true, value_name = "SEX", value_parser = args::SEX)]
    sex: Sex,
    /// Serum creatinine with its unit: 1.1mg/dL or 97umol/L.
    #[arg(long, required = true, value_name = "SCR", allow_hyphen_values = true, value_parser = args::creatinine)]
    scr: MassConcentration,
    /// Height with its unit, needed for an ideal or adjusted weight: 170cm,
    /// 67in or 5ft7in.
    #[arg(long, value_name = "HEIGHT", allow_hyphen_values = true, value_parser = args::height)]
    height: Option<Length>,
    #[command(flatten)]
    cg: CockcroftGaultArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: SimpleFormat,
}

/// The Cockcroft-Gault options, named as on `dose`, `schedule` and `batch`.
#[derive(Debug, Args)]
pub struct CockcroftGaultArgs {
    /// Weight for Cockcroft-Gault (ideal and adjusted need --height).
    #[arg(long, alias = "weight-basis", value_name = "BASIS",
          default_value_t = CockcroftGaultOptions::default().weight_basis, value_parser = args::WEIGHT_BASIS)]
    crcl_weight: WeightBasis,
    /// Lowest serum creatinine to use, with its unit: 0.7mg/dL. Off when
    /// not given.
    #[arg(long, value_name = "SCR", allow_hyphen_values = true, value_parser = args::creatinine)]
    scr_floor: Option<MassConcentration>,
}

impl CockcroftGaultArgs {
    fn options(&self) -> CockcroftGaultOptions {
        CockcroftGaultOptions {
            weight_basis: self.crcl_weight,
            creatinine_floor: self.scr_floor,
        }
    }
}

pub fn crcl(a: CrclArgs) -> Result<Report, InputError> {
    check_proportions(a.height, Some(a.weight))?;
    let r = RenalInputs {
        age: a.age,
        weight: a.weight,
        sex: a.sex,
        scr: a.scr,
    };
    let cg = cockcroft_gault(r.age, r.weight, a.height, r.sex, r.scr, a.cg.options())
        .map_err(renal_failure)?;
    let egfr = ckd_epi_2021(r.age, r.sex, r.scr).map_err(renal_failure)?;
    let stdout = match a.format {
        SimpleFormat::Json => {
            serde_json::to_string_pretty(&json!({
                "crcl_ml_min": tidy(ml_per_min(cg.value)),
                "crcl_formula": "cockcroft_gault",
                "weight_basis": cg.weight_basis.id(),
                "weight_used_kg": tidy(kg(cg.weight_used)),
                "scr_used_mg_dl": tidy(mg_per_dl(cg.creatinine_used)),
                "scr_floored": cg.creatinine_floored,
                "egfr_ckd_epi_2021_ml_min_1_73m2": tidy(egfr.ml_min_1_73m2()),
            }))? + "\n"
        }
        SimpleFormat::Text => {
            let mut out = format!(
                "Age {} years, {}, weight {} kg, serum creatinine {} mg/dL\n\n",
                format_number(years(r.age), 1),
                r.sex,
                format_number(kg(r.weight), 3),
                format_number(mg_per_dl(r.scr), 3),
            );
            let floor = if cg.creatinine_floored {
                format!(
                    "; creatinine raised to the floor of {} mg/dL",
                    format_number(mg_per_dl(cg.creatinine_used), 3)
                )
            } else {
                String::new()
            };
            out.push_str(&format!(
                "Creatinine clearance (Cockcroft-Gault): {} mL/min ({} weight {} kg{floor})\n",
                format_number(ml_per_min(cg.value), 1),
                cg.weight_basis,
                format_number(kg(cg.weight_used), 2),
            ));
            out.push_str(&format!(
                "eGFR (CKD-EPI 2021, race-free): {} mL/min/1.73 m²\n",
                format_number(egfr.ml_min_1_73m2(), 1)
            ));
            out
        }
    };
    Ok(Report::text(stdout))
}

#[derive(Debug, Args)]
pub struct CarboplatinArgs {
    /// Target AUC in mg/mL·min: 5 (or "AUC 5").
    #[arg(long, value_name = "AUC", allow_hyphen_values = true, value_parser = args::auc)]
    auc: Auc,
    /// A measured or estimated GFR with its unit: 90mL/min. Without it,
    /// Cockcroft-Gault from --age, --weight, --sex and --scr.
    #[arg(long, value_name = "GFR", allow_hyphen_values = true, value_parser = args::gfr)]
    gfr: Option<VolumeRate>,
    /// Do not cap the GFR at 125 mL/min.
    #[arg(long)]
    no_gfr_cap: bool,
    /// Age in years: 64 (or 64y). Required unless --gfr is given.
    #[arg(long, required_unless_present = "gfr", value_name = "YEARS", allow_hyphen_values = true, value_parser = args::age)]
    age: Option<Time>,
    /// Weight with its unit: 70kg or 154lb. Required unless --gfr is given.
    #[arg(long, required_unless_present = "gfr", value_name = "WEIGHT", allow_hyphen_values = true, value_parser = args::weight)]
    weight: Option<Mass>,
    /// The patient's sex, for the formula. Required unless --gfr is given.
    #[arg(long, required_unless_present = "gfr", value_name = "SEX", value_parser = args::SEX)]
    sex: Option<Sex>,
    /// Serum creatinine with its unit: 1.1mg/dL or 97umol/L. Required
    /// unless --gfr is given.
    #[arg(long, required_unless_present = "gfr", value_name = "SCR", allow_hyphen_values = true, value_parser = args::creatinine)]
    scr: Option<MassConcentration>,
    /// Height with its unit, needed for an ideal or adjusted weight: 170cm,
    /// 67in or 5ft7in.
    #[arg(long, value_name = "HEIGHT", allow_hyphen_values = true, value_parser = args::height)]
    height: Option<Length>,
    #[command(flatten)]
    cg: CockcroftGaultArgs,
    /// Rounding of the dose, as `dose --round`: a step with its unit (1mg,
    /// 10mg) or none. Without it, the nearest 1 mg, as the bundled
    /// carboplatin regimen rounds.
    #[arg(long, value_name = "RULE", value_parser = rounding)]
    round: Option<RoundingRule>,
    /// Largest accepted change by rounding, in percent of the calculated
    /// dose: 10% (HOPA).
    #[arg(long, value_name = "PERCENT", default_value_t = chemodose::dose::DoseOptions::DEFAULT_ROUNDING_TOLERANCE,
          allow_hyphen_values = true, value_parser = args::tolerance)]
    round_tolerance: Percent,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: SimpleFormat,
}

/// `--round` of `carboplatin`: one rule for the one drug, alone or in the
/// per-drug form of `dose` (`carboplatin=1mg`).
fn rounding(s: &str) -> Result<RoundingRule, String> {
    match args::rounding_for(s)? {
        (None | Some(_), args::RoundArg::RegimenBands) => Err(format!(
            "dose bands come from a regimen file, and this command has none: write a step (1mg, 10mg) or none, or use `dose` with the regimen (got `{s}`)"
        )),
        (None, args::RoundArg::Rule(rule)) => Ok(rule),
        (Some(drug), args::RoundArg::Rule(rule)) if drug == "carboplatin" => Ok(rule),
        (Some(drug), _) => Err(format!(
            "this command doses carboplatin only, not {drug}: write the rounding alone (1mg, 10mg or none) or carboplatin=1mg (got `{s}`)"
        )),
    }
}

pub fn carboplatin(a: CarboplatinArgs) -> Result<Report, Failure> {
    check_proportions(a.height, a.weight)?;
    let (gfr, source) = match a.gfr {
        Some(g) => (g, "given".to_owned()),
        None => {
            // clap requires the four unless --gfr is given.
            let (Some(age), Some(weight), Some(sex), Some(scr)) = (a.age, a.weight, a.sex, a.scr)
            else {
                return Err(InputError(
                    "carboplatin dosing without --gfr needs --age, --weight, --sex and --scr"
                        .to_owned(),
                )
                .into());
            };
            let cg = cockcroft_gault(age, weight, a.height, sex, scr, a.cg.options())
                .map_err(renal_failure)?;
            (
                cg.value,
                format!("Cockcroft-Gault, {} weight", cg.weight_basis),
            )
        }
    };
    let cap = if a.no_gfr_cap {
        GfrCap::Off
    } else {
        GfrCap::Fda125
    };
    let dose = calvert(a.auc, gfr, cap);
    // The dose engine's own steps: the Calvert figure as an exact decimal,
    // then the one rounding function `dose` uses, with its tolerance.
    let calculated =
        chemodose::rounding::to_decimal(dose.dose.get::<milligram>()).ok_or_else(|| {
            InputError("the Calvert dose is beyond the range of exact arithmetic".to_owned())
        })?;
    let rule = a.round.clone().unwrap_or_else(calvert_rounding);
    let (final_mg, adjustment) = round_within(
        "carboplatin",
        1,
        DoseUnit::Mg,
        calculated,
        &rule,
        &[],
        None,
        a.round_tolerance,
    )
    .map_err(super::dose::dose_failure)?;
    let stdout = match a.format {
        SimpleFormat::Json => {
            let deviation = match &adjustment {
                Some(Adjustment::Rounding {
                    deviation_percent, ..
                }) => *deviation_percent,
                _ => rust_decimal::Decimal::ZERO,
            };
            serde_json::to_string_pretty(&json!({
                "auc": a.auc.mg_min_per_ml(),
                "dose_mg": final_mg,
                "calculated_mg": calculated,
                "rounding": rounding_text(&rule, DoseUnit::Mg),
                "rounding_deviation_percent": deviation,
                "gfr_ml_min": tidy(ml_per_min(dose.gfr_used)),
                "gfr_given_ml_min": tidy(ml_per_min(dose.gfr_given)),
                "gfr_source": source,
                "gfr_capped": dose.gfr_capped,
                "gfr_cap_ml_min": if a.no_gfr_cap { None } else { Some(125) },
            }))
            .map_err(InputError::from)?
                + "\n"
        }
        SimpleFormat::Text => {
            let cap_note = if dose.gfr_capped {
                format!(
                    " (capped from {} mL/min)",
                    format_number(ml_per_min(dose.gfr_given), 1)
                )
            } else if a.no_gfr_cap {
                " (GFR cap turned off)".to_owned()
            } else {
                String::new()
            };
            let rounded = match &adjustment {
                Some(adj) => adjustment_text(adj, DoseUnit::Mg),
                None => format!("{}: no change", rounding_text(&rule, DoseUnit::Mg)),
            };
            format!(
                "CARBOplatin {final_dose} mg\nCalculated: {calc} mg = AUC {auc} × (GFR {gfr} mL/min{cap_note} + 25)\nRounding: {rounded}\nGFR: {source}\nCalvert AH et al. J Clin Oncol 1989;7:1748-56\n",
                final_dose = format_decimal(final_mg),
                calc = format_decimal(calculated.round_dp(2)),
                auc = format_number(a.auc.mg_min_per_ml(), 2),
                gfr = format_number(ml_per_min(dose.gfr_used), 1),
            )
        }
    };
    Ok(Report::text(stdout))
}
