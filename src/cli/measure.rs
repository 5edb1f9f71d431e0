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

use super::args::{self, FormulaChoice, SimpleFormat};
use super::hints::{PROPORTIONS_HINT, bsa_hint, renal_hint, with_hint};
use super::{InputError, Report};

/// A renal error with the flag that answers it.
fn renal_failure(e: chemodose::renal::RenalError) -> InputError {
    InputError(with_hint(&e.to_string(), renal_hint(&e)))
}

#[derive(Debug, Args)]
pub struct BsaArgs {
    /// Height with a unit: 170cm, 1.7m, 67in, 5ft7in.
    #[arg(long, allow_hyphen_values = true, value_parser = args::height)]
    height: Length,
    /// Weight with a unit: 70kg, 154lb.
    #[arg(long, allow_hyphen_values = true, value_parser = args::weight)]
    weight: Mass,
    /// female or male (needed by Schlich).
    #[arg(long, value_parser = args::sex)]
    sex: Option<Sex>,
    /// mosteller (default), dubois, haycock, gehan_george, boyd, fujimoto,
    /// takahira, shuter_aslani, schlich, livingston_lee, or all.
    #[arg(long, default_value = "mosteller", value_parser = args::formula_choice)]
    formula: FormulaChoice,
    /// BSA rounding for dosing: a step of 0.1, 0.01 or 0.001 m², or none.
    #[arg(long, default_value_t = chemodose::dose::DoseOptions::default().bsa_rounding, value_parser = args::bsa_rounding)]
    bsa_round: BsaRounding,
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

/// The measurements Cockcroft-Gault needs, shared by `crcl` and `carboplatin`.
#[derive(Debug, Args)]
pub struct RenalArgs {
    /// Age: 64 (years), 64y.
    #[arg(long, allow_hyphen_values = true, value_parser = args::age)]
    age: Option<Time>,
    /// Weight with a unit: 70kg, 154lb.
    #[arg(long, allow_hyphen_values = true, value_parser = args::weight)]
    weight: Option<Mass>,
    /// female or male.
    #[arg(long, value_parser = args::sex)]
    sex: Option<Sex>,
    /// Serum creatinine with a unit: 1.1mg/dL, 97umol/L.
    #[arg(long, allow_hyphen_values = true, value_parser = args::creatinine)]
    scr: Option<MassConcentration>,
    /// Height with a unit (needed for ideal or adjusted weight).
    #[arg(long, allow_hyphen_values = true, value_parser = args::height)]
    height: Option<Length>,
    /// Weight for Cockcroft-Gault: actual (default), ideal or adjusted.
    #[arg(long, default_value = "actual", value_parser = args::weight_basis)]
    weight_basis: WeightBasis,
    /// Minimum serum creatinine to use, e.g. 0.7mg/dL (off by default).
    #[arg(long, allow_hyphen_values = true, value_parser = args::creatinine)]
    scr_floor: Option<MassConcentration>,
}

struct RenalInputs {
    age: Time,
    weight: Mass,
    sex: Sex,
    scr: MassConcentration,
}

impl RenalArgs {
    fn require(&self, why: &str) -> Result<RenalInputs, InputError> {
        let mut missing = Vec::new();
        if self.age.is_none() {
            missing.push("--age");
        }
        if self.weight.is_none() {
            missing.push("--weight");
        }
        if self.sex.is_none() {
            missing.push("--sex");
        }
        if self.scr.is_none() {
            missing.push("--scr");
        }
        if let (Some(height), Some(weight)) = (self.height, self.weight) {
            chemodose::quantity::check_proportions(height, weight)
                .map_err(|e| InputError(with_hint(&e.to_string(), Some(PROPORTIONS_HINT))))?;
        }
        match (self.age, self.weight, self.sex, self.scr) {
            (Some(age), Some(weight), Some(sex), Some(scr)) => Ok(RenalInputs {
                age,
                weight,
                sex,
                scr,
            }),
            _ => Err(InputError(format!("{why} needs {}", missing.join(", ")))),
        }
    }

    fn options(&self) -> CockcroftGaultOptions {
        CockcroftGaultOptions {
            weight_basis: self.weight_basis,
            creatinine_floor: self.scr_floor,
        }
    }
}

#[derive(Debug, Args)]
pub struct CrclArgs {
    #[command(flatten)]
    renal: RenalArgs,
    #[arg(long, value_enum, default_value_t)]
    format: SimpleFormat,
}

pub fn crcl(a: CrclArgs) -> Result<Report, InputError> {
    let r = a.renal.require("creatinine clearance")?;
    let cg = cockcroft_gault(
        r.age,
        r.weight,
        a.renal.height,
        r.sex,
        r.scr,
        a.renal.options(),
    )
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
    /// Target AUC in mg/mL·min: 5 or "AUC 5".
    #[arg(long, allow_hyphen_values = true, value_parser = args::auc)]
    auc: Auc,
    /// A measured or estimated GFR, e.g. 90mL/min (else Cockcroft-Gault from
    /// --age, --weight, --sex, --scr).
    #[arg(long, allow_hyphen_values = true, value_parser = args::gfr)]
    gfr: Option<VolumeRate>,
    /// Do not cap the GFR at 125 mL/min.
    #[arg(long)]
    no_gfr_cap: bool,
    #[command(flatten)]
    renal: RenalArgs,
    #[arg(long, value_enum, default_value_t)]
    format: SimpleFormat,
}

pub fn carboplatin(a: CarboplatinArgs) -> Result<Report, InputError> {
    let (gfr, source) = match a.gfr {
        Some(g) => (g, "given".to_owned()),
        None => {
            let r = a
                .renal
                .require("carboplatin dosing without --gfr (Cockcroft-Gault)")?;
            let cg = cockcroft_gault(
                r.age,
                r.weight,
                a.renal.height,
                r.sex,
                r.scr,
                a.renal.options(),
            )
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
    let dose_mg = dose.dose.get::<milligram>();
    let stdout = match a.format {
        SimpleFormat::Json => {
            serde_json::to_string_pretty(&json!({
                "auc": a.auc.mg_min_per_ml(),
                "dose_mg": tidy(dose_mg),
                "gfr_ml_min": tidy(ml_per_min(dose.gfr_used)),
                "gfr_given_ml_min": tidy(ml_per_min(dose.gfr_given)),
                "gfr_source": source,
                "gfr_capped": dose.gfr_capped,
                "gfr_cap_ml_min": if a.no_gfr_cap { None } else { Some(125) },
            }))? + "\n"
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
            format!(
                "CARBOplatin {} mg = AUC {} × (GFR {} mL/min{cap_note} + 25)\nGFR: {source}\nCalvert AH et al. J Clin Oncol 1989;7:1748-56\n",
                format_number(dose_mg, 1),
                format_number(a.auc.mg_min_per_ml(), 2),
                format_number(ml_per_min(dose.gfr_used), 1),
            )
        }
    };
    Ok(Report::text(stdout))
}
