//! Body surface area and body-weight descriptors.
//!
//! Owns: every established BSA formula (each cited below and in
//! `docs/formulas.md`), the BSA rounding policy, and the weight descriptors
//! the dose engine needs (BMI, ideal, adjusted and lean body weight).
//! Never does: cap a BSA (a cap is a per-drug dosing decision made in the
//! dose engine) or read anything from outside.
//!
//! Heights enter the formulas in cm and weights in kg, as published.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use uom::si::area::square_meter;
use uom::si::areal_mass_density::kilogram_per_square_meter;
use uom::si::f64::{Area, ArealMassDensity, Length, Mass};
use uom::si::mass::kilogram;

use crate::patient::Sex;
use crate::quantity::{Measure, Percent, cm, kg, m2};
use crate::rounding::{round_dp_half_up, to_decimal, to_f64};

/// A body surface area formula.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum BsaFormula {
    /// `sqrt(H × W / 3600)`. Mosteller RD. Simplified calculation of body-surface
    /// area. N Engl J Med 1987;317:1098. The default: simplest, and the one most
    /// oncology protocols name.
    #[default]
    Mosteller,
    /// `0.007184 × W^0.425 × H^0.725`. DuBois D, DuBois EF. A formula to estimate
    /// the approximate surface area if height and weight be known. Arch Intern
    /// Med 1916;17:863–71.
    DuBois,
    /// `0.024265 × W^0.5378 × H^0.3964`. Haycock GB, Schwartz GJ, Wisotsky DH.
    /// Geometric method for measuring body surface area. J Pediatr 1978;93:62–6.
    Haycock,
    /// `0.0235 × W^0.51456 × H^0.42246`. Gehan EA, George SL. Estimation of human
    /// body surface area from height and weight. Cancer Chemother Rep 1970;54:225–35.
    GehanGeorge,
    /// `0.0003207 × H^0.3 × Wg^(0.7285 − 0.0188 × log10(Wg))`, weight in grams.
    /// Boyd E. The Growth of the Surface Area of the Human Body. University of
    /// Minnesota Press, 1935.
    Boyd,
    /// `0.008883 × W^0.444 × H^0.663`. Fujimoto S et al. Nippon Eiseigaku Zasshi
    /// 1968 (volume and pages unconfirmed).
    Fujimoto,
    /// `0.007241 × W^0.425 × H^0.725`. Takahira, usually cited to the Fujimoto
    /// 1968 paper (original publication unconfirmed).
    Takahira,
    /// `0.00949 × W^0.441 × H^0.655`. Shuter B, Aslani A. Body surface area:
    /// Du Bois and Du Bois revisited. Eur J Appl Physiol 2000;82:250–4.
    ShuterAslani,
    /// Women `0.000975482 × W^0.46 × H^1.08`; men `0.000579479 × W^0.38 × H^1.24`.
    /// Schlich E, Schumm M, Schlich M. Ernährungs Umschau 2010;57:178–83.
    Schlich,
    /// `0.1173 × W^0.6466` (W ≥ 10 kg), `0.1037 × W^0.6724` (W < 10 kg); weight
    /// only. Livingston EH, Lee S. Am J Physiol Endocrinol Metab 2001;281:E586–91.
    LivingstonLee,
}

impl BsaFormula {
    /// Every formula, in the order tables list them.
    pub const ALL: [BsaFormula; 10] = [
        BsaFormula::Mosteller,
        BsaFormula::DuBois,
        BsaFormula::Haycock,
        BsaFormula::GehanGeorge,
        BsaFormula::Boyd,
        BsaFormula::Fujimoto,
        BsaFormula::Takahira,
        BsaFormula::ShuterAslani,
        BsaFormula::Schlich,
        BsaFormula::LivingstonLee,
    ];

    /// The name used on the command line and in JSON.
    pub fn id(self) -> &'static str {
        match self {
            BsaFormula::Mosteller => "mosteller",
            BsaFormula::DuBois => "dubois",
            BsaFormula::Haycock => "haycock",
            BsaFormula::GehanGeorge => "gehan_george",
            BsaFormula::Boyd => "boyd",
            BsaFormula::Fujimoto => "fujimoto",
            BsaFormula::Takahira => "takahira",
            BsaFormula::ShuterAslani => "shuter_aslani",
            BsaFormula::Schlich => "schlich",
            BsaFormula::LivingstonLee => "livingston_lee",
        }
    }

    /// The name as printed for people.
    pub fn name(self) -> &'static str {
        match self {
            BsaFormula::Mosteller => "Mosteller",
            BsaFormula::DuBois => "DuBois & DuBois",
            BsaFormula::Haycock => "Haycock",
            BsaFormula::GehanGeorge => "Gehan & George",
            BsaFormula::Boyd => "Boyd",
            BsaFormula::Fujimoto => "Fujimoto",
            BsaFormula::Takahira => "Takahira",
            BsaFormula::ShuterAslani => "Shuter & Aslani",
            BsaFormula::Schlich => "Schlich",
            BsaFormula::LivingstonLee => "Livingston & Lee",
        }
    }

    /// The primary citation.
    pub fn citation(self) -> &'static str {
        match self {
            BsaFormula::Mosteller => "Mosteller RD. N Engl J Med 1987;317:1098",
            BsaFormula::DuBois => "DuBois D, DuBois EF. Arch Intern Med 1916;17:863-71",
            BsaFormula::Haycock => "Haycock GB, Schwartz GJ, Wisotsky DH. J Pediatr 1978;93:62-6",
            BsaFormula::GehanGeorge => "Gehan EA, George SL. Cancer Chemother Rep 1970;54:225-35",
            BsaFormula::Boyd => "Boyd E. The Growth of the Surface Area of the Human Body. 1935",
            BsaFormula::Fujimoto => "Fujimoto S et al. Nippon Eiseigaku Zasshi 1968 (unconfirmed)",
            BsaFormula::Takahira => "Takahira, cited via Fujimoto 1968 (unconfirmed)",
            BsaFormula::ShuterAslani => "Shuter B, Aslani A. Eur J Appl Physiol 2000;82:250-4",
            BsaFormula::Schlich => "Schlich E et al. Ernahrungs Umschau 2010;57:178-83",
            BsaFormula::LivingstonLee => {
                "Livingston EH, Lee S. Am J Physiol Endocrinol Metab 2001;281:E586-91"
            }
        }
    }

    /// Whether the formula differs by sex.
    pub fn needs_sex(self) -> bool {
        self == BsaFormula::Schlich
    }
}

impl fmt::Display for BsaFormula {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl FromStr for BsaFormula {
    type Err = BsaError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_lowercase().replace(['-', ' ', '&'], "_");
        BsaFormula::ALL
            .into_iter()
            .find(|f| f.id() == wanted || f.id().replace('_', "") == wanted.replace('_', ""))
            .ok_or_else(|| BsaError::UnknownFormula(s.to_owned()))
    }
}

/// Why a BSA or a weight descriptor could not be given. The message is
/// written by `render::messages` from the values held here.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BsaError {
    /// A formula name nobody knows, as typed.
    UnknownFormula(String),
    /// A sex-specific formula (Schlich) without the patient's sex; holds the
    /// formula's name.
    SexRequired(&'static str),
    /// The result is outside what a human body can have (see
    /// [`Measure::BodySurfaceArea`] bounds).
    Implausible {
        /// The formula's name.
        formula: &'static str,
        /// The value computed, m² (may be NaN or infinite).
        value_m2: f64,
    },
    /// Devine IBW is undefined below 60 inches (152.4 cm).
    IdealWeightUndefined {
        /// The patient's height, cm.
        height_cm: f64,
    },
    /// A BSA rounding policy that is not `none` or a step of 0.1, 0.01 or
    /// 0.001 m², as typed (a coarser step, `1`, could move a BSA by half a
    /// square metre).
    BadRounding(String),
}

/// Computes a body surface area by `formula`. `sex` is needed by Schlich only.
pub fn body_surface_area(
    formula: BsaFormula,
    height: Length,
    weight: Mass,
    sex: Option<Sex>,
) -> Result<Area, BsaError> {
    let h = cm(height);
    let w = kg(weight);
    let value = match formula {
        BsaFormula::Mosteller => (h * w / 3600.0).sqrt(),
        BsaFormula::DuBois => 0.007184 * w.powf(0.425) * h.powf(0.725),
        BsaFormula::Haycock => 0.024265 * w.powf(0.5378) * h.powf(0.3964),
        BsaFormula::GehanGeorge => 0.0235 * w.powf(0.51456) * h.powf(0.42246),
        BsaFormula::Boyd => {
            // The grams form with log10 (§1.3 of the clinical reference lists
            // the ln and 0.0333-with-grams mix-ups seen in public code).
            let wg = w * 1000.0;
            0.0003207 * h.powf(0.3) * wg.powf(0.7285 - 0.0188 * wg.log10())
        }
        BsaFormula::Fujimoto => 0.008883 * w.powf(0.444) * h.powf(0.663),
        BsaFormula::Takahira => 0.007241 * w.powf(0.425) * h.powf(0.725),
        BsaFormula::ShuterAslani => 0.00949 * w.powf(0.441) * h.powf(0.655),
        BsaFormula::Schlich => match sex {
            Some(Sex::Female) => 0.000975482 * w.powf(0.46) * h.powf(1.08),
            Some(Sex::Male) => 0.000579479 * w.powf(0.38) * h.powf(1.24),
            None => return Err(BsaError::SexRequired(formula.name())),
        },
        BsaFormula::LivingstonLee => {
            if w >= 10.0 {
                0.1173 * w.powf(0.6466)
            } else {
                0.1037 * w.powf(0.6724)
            }
        }
    };
    let bounds = Measure::BodySurfaceArea.bounds();
    if !value.is_finite() || value < bounds.min || value > bounds.max {
        return Err(BsaError::Implausible {
            formula: formula.name(),
            value_m2: value,
        });
    }
    Ok(Area::new::<square_meter>(value))
}

impl fmt::Display for BsaRounding {
    /// The policy's id, as typed on the command line (`0.01`, `none`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id())
    }
}

/// How the BSA used for dosing is rounded. The unrounded value is always kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BsaRounding {
    /// Dose from the unrounded BSA.
    None,
    /// Round half up to this many decimals before multiplying (default 2):
    /// 1 to [`BsaRounding::MAX_DECIMALS`], a step of 0.1 m² at most
    /// ([`BodySurfaceArea::compute`] refuses any other number).
    Decimals(u32),
}

impl Default for BsaRounding {
    fn default() -> Self {
        BsaRounding::Decimals(2)
    }
}

impl BsaRounding {
    /// The finest step accepted: 0.001 m².
    pub const MAX_DECIMALS: u32 = 3;

    /// Whether the policy is one of those accepted: none, or a step of 0.1,
    /// 0.01 or 0.001 m². A step of 1 m² turned 1.8181 m² into 2 m² and
    /// 0.2041 m² into 0 m² (issue 14).
    pub fn is_valid(self) -> bool {
        match self {
            BsaRounding::None => true,
            BsaRounding::Decimals(n) => (1..=Self::MAX_DECIMALS).contains(&n),
        }
    }

    /// Applies the policy; `None` when the BSA is not a finite number.
    pub fn apply(self, bsa: Area) -> Option<Area> {
        match self {
            BsaRounding::None => Some(bsa),
            BsaRounding::Decimals(n) => to_decimal(m2(bsa))
                .map(|d| Area::new::<square_meter>(to_f64(round_dp_half_up(d, n)))),
        }
    }

    /// The policy as written on the command line and in JSON: `none`, `0.01`.
    pub fn id(self) -> String {
        match self {
            BsaRounding::None => "none".to_owned(),
            BsaRounding::Decimals(0) => "1".to_owned(),
            BsaRounding::Decimals(n @ 1..=28) => format!("0.{}1", "0".repeat(n as usize - 1)),
            BsaRounding::Decimals(n) => format!("1e-{n}"),
        }
    }
}

impl FromStr for BsaRounding {
    type Err = BsaError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("none") {
            return Ok(BsaRounding::None);
        }
        let bad = || BsaError::BadRounding(s.to_owned());
        let step: Decimal = t.parse().map_err(|_| bad())?;
        let step = step.normalize();
        // Only 0.1, 0.01, 0.001 are meaningful steps for a BSA: 1 moves a
        // BSA by up to half a square metre.
        match (step.mantissa(), step.scale()) {
            (1, scale @ 1..=Self::MAX_DECIMALS) => Ok(BsaRounding::Decimals(scale)),
            _ => Err(bad()),
        }
    }
}

/// A BSA with the formula and policy that produced it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BodySurfaceArea {
    /// The formula.
    pub formula: BsaFormula,
    /// The value the formula gave.
    pub unrounded: Area,
    /// The value used for dosing, after the rounding policy.
    pub used: Area,
    /// The rounding policy.
    pub rounding: BsaRounding,
}

impl BodySurfaceArea {
    /// Computes the BSA and applies the rounding policy.
    ///
    /// # Errors
    /// [`BsaError::BadRounding`] for a policy that is not valid
    /// ([`BsaRounding::is_valid`]); the errors of [`body_surface_area`]; and
    /// [`BsaError::Implausible`] should the BSA used for dosing fall outside
    /// the plausible range (it cannot with a valid policy: the smallest
    /// plausible BSA, 0.05 m², rounds to 0.1 m² at the coarsest step).
    pub fn compute(
        formula: BsaFormula,
        height: Length,
        weight: Mass,
        sex: Option<Sex>,
        rounding: BsaRounding,
    ) -> Result<Self, BsaError> {
        if !rounding.is_valid() {
            return Err(BsaError::BadRounding(rounding.id()));
        }
        let unrounded = body_surface_area(formula, height, weight, sex)?;
        let bounds = Measure::BodySurfaceArea.bounds();
        let used = rounding.apply(unrounded);
        let value = used.map_or(f64::NAN, m2);
        if !value.is_finite() || value < bounds.min || value > bounds.max {
            return Err(BsaError::Implausible {
                formula: formula.name(),
                value_m2: value,
            });
        }
        Ok(BodySurfaceArea {
            formula,
            unrounded,
            used: Area::new::<square_meter>(value),
            rounding,
        })
    }

    /// The BSA used for dosing as an exact decimal, m²: positive and
    /// plausible ([`BodySurfaceArea::compute`] checked it); `None` only for a
    /// value built by hand outside that range.
    pub fn used_m2(&self) -> Option<Decimal> {
        let bounds = Measure::BodySurfaceArea.bounds();
        to_decimal(m2(self.used)).filter(|d| {
            let v = to_f64(*d);
            *d > Decimal::ZERO && v >= bounds.min && v <= bounds.max
        })
    }

    /// The change the rounding made to the BSA, exactly: `used − unrounded`
    /// and the unrounded value, both in m²; `None` when not rounded or not
    /// representable.
    fn rounding_change(&self) -> Option<(Decimal, Decimal)> {
        let unrounded = to_decimal(m2(self.unrounded))?;
        let used = to_decimal(m2(self.used))?;
        (unrounded > Decimal::ZERO).then(|| (used - unrounded, unrounded))
    }

    /// The change the rounding made, percent of the unrounded BSA, signed, to
    /// 2 decimals (1.8181 → 1.82 m² is +0.1 %); zero when it changed nothing.
    pub fn rounding_change_percent(&self) -> Decimal {
        self.rounding_change()
            .and_then(|(change, unrounded)| {
                change
                    .checked_mul(Decimal::ONE_HUNDRED)?
                    .checked_div(unrounded)
            })
            .map_or(Decimal::ZERO, |p| round_dp_half_up(p, 2))
    }

    /// Whether the rounding moved the BSA by more than `tolerance` of its
    /// unrounded value, judged on the exact change (as dose rounding is,
    /// `dose::round`): the same tolerance holds for both, since a BSA
    /// rounded by 10 % moves every per-m² dose by 10 %.
    pub fn rounding_exceeds(&self, tolerance: Percent) -> bool {
        match self.rounding_change() {
            Some((change, unrounded)) => {
                change.abs() * Decimal::ONE_HUNDRED > tolerance.value() * unrounded
            }
            // A value that cannot be compared is not let through.
            None => self.used != self.unrounded,
        }
    }
}

/// Body-mass index, `W / (H/100)²`.
pub fn body_mass_index(height: Length, weight: Mass) -> ArealMassDensity {
    let h_m = cm(height) / 100.0;
    ArealMassDensity::new::<kilogram_per_square_meter>(kg(weight) / (h_m * h_m))
}

/// Ideal body weight by Devine: men `50 + 2.3 × (H_in − 60)`, women
/// `45.5 + 2.3 × (H_in − 60)` kg. Devine BJ. Drug Intell Clin Pharm 1974
/// (citation unconfirmed). The formula assumes a height of at least 60 in
/// (152.4 cm); below that it is refused rather than extrapolated.
pub fn ideal_body_weight(height: Length, sex: Sex) -> Result<Mass, BsaError> {
    let h_cm = cm(height);
    let h_in = h_cm / 2.54;
    // Small tolerance: 152.4 cm typed as "5ft" must not be refused for f64 noise.
    if h_in < 60.0 - 1e-9 {
        return Err(BsaError::IdealWeightUndefined { height_cm: h_cm });
    }
    let base = match sex {
        Sex::Male => 50.0,
        Sex::Female => 45.5,
    };
    Ok(Mass::new::<kilogram>(base + 2.3 * (h_in - 60.0)))
}

/// Adjusted body weight, `IBW + 0.4 × (TBW − IBW)` (NCCN Chemotherapy Order
/// Templates, Appendix B: carboplatin dosing in adults).
pub fn adjusted_body_weight(ideal: Mass, actual: Mass) -> Mass {
    ideal + (actual - ideal) * 0.4
}

/// Lean body weight by Janmahasatian: men `9270 × W / (6680 + 216 × BMI)`,
/// women `9270 × W / (8780 + 244 × BMI)`. Janmahasatian S et al. Clin
/// Pharmacokinet 2005 (citation unconfirmed).
pub fn lean_body_weight(height: Length, weight: Mass, sex: Sex) -> Mass {
    let w = kg(weight);
    let bmi = body_mass_index(height, weight).get::<kilogram_per_square_meter>();
    let lbw = match sex {
        Sex::Male => 9270.0 * w / (6680.0 + 216.0 * bmi),
        Sex::Female => 9270.0 * w / (8780.0 + 244.0 * bmi),
    };
    Mass::new::<kilogram>(lbw)
}
