//! One `[[drug]]` of a regimen file, checked part by part: how its amount is
//! given, its route, infusion and days, its phases, its caps and ceilings,
//! its rounding, its reduction levels, its lifetime limit and its renal
//! requirement.
//!
//! Owns: the rules a single drug entry must keep (one way of dosing; a vinca
//! alkaloid never intrathecal; settings that shape an amount only on a drug
//! with its own dose; ceilings in the dose's basis that the file's own doses
//! keep; reductions smaller than the full dose and each deeper level smaller
//! again).
//! Never does: compare one drug with another (companions are checked with the
//! whole regimen, in `mod.rs`), or compute a dose for a patient.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;
use toml::Spanned;
use uom::si::f64::{Area, Mass};

use super::days::overlaps;
use super::{LIMITS, Validator};
use crate::quantity::{DoseBasis, PrescribedDose, parse_bsa, parse_gfr};
use crate::regimen::file::{CompanionFile, DrugFile};
use crate::regimen::{
    Ceiling, CycleSpec, DosePer, Dosing, Drug, LifetimeLimit, Phase, RenalRequirement, Role,
    RoundingRule,
};
use crate::rounding::{round_dp_half_up, to_decimal};

/// Drugs that must never be given intrathecally (ISMP; fatal).
const VINCA_ALKALOIDS: &[&str] = &[
    "vincristine",
    "vinblastine",
    "vinorelbine",
    "vindesine",
    "vinflunine",
];

/// Routes accepted in regimen files.
const ROUTES: &[&str] = &[
    "IV", "PO", "SC", "IM", "IT", "IP", "IA", "IVES", "TOP", "INH", "SL",
];

/// Most bands a drug may list (a band table can be long; strengths are few).
const MAX_BANDS: usize = 200;

impl Validator {
    /// A drug entry, or `None` when anything in it is wrong; every problem
    /// found is recorded, not only the first.
    pub(super) fn drug(&mut self, d: &DrugFile, cycle: Option<CycleSpec>) -> Option<Drug> {
        let name = d.name.get_ref().trim().to_lowercase();
        let before = self.problems.len();
        if name.is_empty() {
            self.problems
                .at(d.name.span(), "a drug needs a name")
                .label("empty");
        }
        let dosing = self.dosing(d, &name);
        let route = self.route(d, &name);
        self.settings_need_own_dose(d, &name);
        self.infusion(d);
        let (days, relative_days) = self.drug_days(d, &name, cycle);
        let cycles = d.cycles.as_ref().and_then(|c| self.cycle_range(c, cycle));
        self.cycle_total_needs_two_days(d, &name, dosing.as_ref(), days.as_deref());
        let phases = self.phases(d, &name, dosing.as_ref(), cycle);
        let max_single_dose = d
            .max_single_dose
            .as_ref()
            .and_then(|m| self.mass(m, "max_single_dose"));
        let max_per_cycle = self.max_per_cycle(d, &name, dosing.as_ref(), days.as_deref(), &phases);
        let bsa_cap = self.bsa_cap(d, &name, dosing.as_ref());
        let (strengths, rounding) = self.rounding(d, &name);
        let reductions = self.reductions(d, &name, dosing.as_ref());
        let lifetime_limit = self.lifetime_limit(d);
        let renal = self.renal(d);
        let requires = self.requires(d);
        let rules = self.rules(d, &name, dosing.as_ref(), days.as_deref(), &reductions);
        let timing = self.timing(d, &name);
        let given_when = d
            .given_when
            .as_ref()
            .and_then(|g| self.given_when(g, &name));
        if self.problems.len() > before {
            return None;
        }
        Some(Drug {
            name,
            role: d.role,
            dosing: dosing?,
            route,
            infusion: d.infusion.as_ref().map(|s| s.get_ref().trim().to_owned()),
            days: days?,
            cycles,
            phases,
            max_single_dose,
            max_per_cycle,
            bsa_cap,
            rounding,
            reductions,
            strengths,
            lifetime_limit,
            renal,
            requires,
            rules,
            days_confirmed: d.days_confirmed.unwrap_or(true),
            premedicates: d
                .premedicates
                .as_ref()
                .map(|p| p.get_ref().trim().to_lowercase()),
            relative_days,
            timing,
            given_when,
            note: d.note.clone(),
        })
    }

    /// How the amount is given: exactly one of an own `dose`, a percent of a
    /// parent drug's dose (`[drug.companion]`) or a written `instruction`,
    /// and an instruction only for supportive care.
    fn dosing(&mut self, d: &DrugFile, name: &str) -> Option<Dosing> {
        if let Some(text) = &d.instruction {
            if d.role == Role::Antineoplastic {
                self.problems
                    .at(
                        d.name.span(),
                        format!("{name} is antineoplastic: it needs a `dose`; `instruction` is only for supportive care and premedication"),
                    )
                    .label("needs a dose");
            }
            if d.dose.is_some() || d.companion.is_some() || text.trim().is_empty() {
                self.problems
                    .at(
                        d.name.span(),
                        format!("{name}: give exactly one of `dose`, `[drug.companion]` or a non-empty `instruction`"),
                    )
                    .label("instruction and dose");
            }
        }
        match (&d.dose, &d.companion) {
            _ if d.instruction.is_some() => Some(Dosing::Instruction(
                d.instruction.clone().unwrap_or_default(),
            )),
            (Some(dose), None) => {
                let per = self.dose_per(d);
                self.dose(dose, &format!("dose of {name}"))
                    .map(|dose| Dosing::Own { dose, per })
            }
            (None, Some(c)) => self.companion(d, c, name),
            (Some(dose), Some(_)) => {
                self.problems
                    .at(
                        dose.span(),
                        format!("{name} has both a dose and a companion; give one"),
                    )
                    .label("dose and companion");
                None
            }
            (None, None) => {
                self.problems
                    .at(
                        d.name.span(),
                        format!("{name} needs a `dose` or a `[drug.companion]`"),
                    )
                    .label("no dose")
                    .help("e.g. dose = \"900 mg/m2\"");
                None
            }
        }
    }

    /// `dose_per`: the own dose is given on each listed day ("day", the
    /// default) or is the cycle total split over the days ("cycle").
    fn dose_per(&mut self, d: &DrugFile) -> DosePer {
        match d.dose_per.as_ref().map(|s| s.get_ref().as_str()) {
            None | Some("day") => DosePer::Day,
            Some("cycle") => DosePer::Cycle,
            Some(other) => {
                let span = d.dose_per.as_ref().map_or(0..0, Spanned::span);
                self.problems
                    .at(
                        span,
                        format!("dose_per must be \"day\" or \"cycle\" (got \"{other}\")"),
                    )
                    .label("day or cycle")
                    .help("\"day\": the dose is given on each listed day; \"cycle\": the dose is the cycle total split over the days");
                DosePer::Day
            }
        }
    }

    /// A companion dose: a percent (above 0, at most 500) of its parent's
    /// final dose; `dose_per` does not apply.
    fn companion(&mut self, d: &DrugFile, c: &CompanionFile, name: &str) -> Option<Dosing> {
        let pct = *c.percent.get_ref();
        if !(pct.is_finite() && pct > 0.0 && pct <= 500.0) {
            self.problems
                .at(
                    c.percent.span(),
                    format!("companion percent must be above 0 and at most 500 (got {pct})"),
                )
                .label("out of range");
        }
        if d.dose_per.is_some() {
            self.problems
                .at(
                    d.dose_per.as_ref().map_or(0..0, Spanned::span),
                    format!("{name} is a companion; dose_per does not apply"),
                )
                .label("not for companions");
        }
        Decimal::from_f64(pct).map(|percent| Dosing::Companion {
            of: c.of.get_ref().trim().to_lowercase(),
            percent: percent.normalize(),
        })
    }

    /// The route, upper-cased: one of [`ROUTES`], and never intrathecal for a
    /// vinca alkaloid.
    fn route(&mut self, d: &DrugFile, name: &str) -> String {
        let route = d.route.get_ref().trim().to_uppercase();
        if !ROUTES.contains(&route.as_str()) {
            self.problems
                .at(
                    d.route.span(),
                    format!("unknown route `{}`", d.route.get_ref()),
                )
                .label("unknown route")
                .help(format!("use one of {}", ROUTES.join(", ")));
        }
        // ISMP: vinca alkaloids given intrathecally are fatal; never allow it.
        if route == "IT" && VINCA_ALKALOIDS.contains(&name) {
            self.problems
                .at(
                    d.route.span(),
                    format!(
                        "{name} must never be given intrathecally (fatal; ISMP): route IT refused"
                    ),
                )
                .label("fatal route")
                .help("vinca alkaloids are given IV only, as a minibag infusion");
        }
        route
    }

    /// Settings that shape an own dose make no sense on a derived (companion)
    /// or protocol (instruction) dose.
    fn settings_need_own_dose(&mut self, d: &DrugFile, name: &str) {
        if d.dose.is_some() {
            return;
        }
        let own_only = [
            ("reductions", !d.reductions.is_empty()),
            ("[[drug.phase]]", !d.phases.is_empty()),
            ("bsa_cap", d.bsa_cap.is_some()),
            ("max_per_cycle", d.max_per_cycle.is_some()),
            ("max_single_dose", d.max_single_dose.is_some()),
            ("[drug.limit]", d.limit.is_some()),
            // The engine judges requirements and day lists with a drug's own
            // dose: on a companion or an instruction they would be ignored.
            ("requires", !d.requires.is_empty()),
            ("days_confirmed", d.days_confirmed.is_some()),
        ];
        for (key, present) in own_only {
            if present {
                self.problems
                    .at(
                        d.name.span(),
                        format!("{name}: `{key}` applies only to a drug with its own `dose`"),
                    )
                    .label("only with a dose")
                    .help(
                        "a companion follows its parent's final dose; an instruction has no amount",
                    );
            }
        }
        if d.instruction.is_some() && (d.round.is_some() || d.dose_per.is_some()) {
            self.problems
                .at(
                    d.name.span(),
                    format!("{name}: `round` and `dose_per` do not apply to an instruction"),
                )
                .label("only with an amount");
        }
    }

    /// `infusion`: a duration ("90 min", "24 h", "2-5 min") or a bolus.
    fn infusion(&mut self, d: &DrugFile) {
        if let Some(inf) = &d.infusion
            && !is_duration(inf.get_ref())
        {
            self.problems
                .at(
                    inf.span(),
                    format!("infusion `{}` is not a duration", inf.get_ref()),
                )
                .label("not a duration")
                .help("write e.g. \"90 min\", \"24 h\", \"2-5 min\" or \"bolus\" (at most 14 days; a range runs forwards)");
        }
    }

    /// A cycle total (`dose_per = "cycle"`) is split over at least two days.
    fn cycle_total_needs_two_days(
        &mut self,
        d: &DrugFile,
        name: &str,
        dosing: Option<&Dosing>,
        days: Option<&[u32]>,
    ) {
        if let (
            Some(Dosing::Own {
                per: DosePer::Cycle,
                ..
            }),
            Some(days),
        ) = (dosing, days)
            && days.len() < 2
        {
            self.problems
                .at(
                    d.days_span(),
                    format!("{name}: dose_per = \"cycle\" splits the cycle total over the days, but only one day is listed"),
                )
                .label("one day")
                .help("use dose_per = \"day\" for a single-day dose");
        }
    }

    /// `[[drug.phase]]`: cycle-specific doses in the basis of the full dose,
    /// whose cycle ranges do not overlap.
    fn phases(
        &mut self,
        d: &DrugFile,
        name: &str,
        dosing: Option<&Dosing>,
        cycle: Option<CycleSpec>,
    ) -> Vec<Phase> {
        let mut phases = Vec::new();
        if d.phases.len() > LIMITS.max_list {
            self.problems
                .at(
                    d.name.span(),
                    format!("{name}: at most {} phases", LIMITS.max_list),
                )
                .label("too many");
            return phases;
        }
        for p in &d.phases {
            let range = self.cycle_range(&p.cycles, cycle);
            let dose = self.dose(&p.dose, &format!("phase dose of {name}"));
            if let (Some(full), Some(pd)) = (own_dose(dosing), dose)
                && full.basis() != pd.basis()
            {
                self.problems
                    .at(
                        p.dose.span(),
                        format!(
                            "phase dose `{}` is {} but the dose of {name} is {}",
                            p.dose.get_ref(),
                            pd.basis().describe(),
                            full.basis().describe()
                        ),
                    )
                    .label("different basis");
            }
            if let (Some(cycles), Some(dose)) = (range, dose) {
                if phases.iter().any(|q: &Phase| overlaps(q.cycles, cycles)) {
                    self.problems
                        .at(p.cycles.span(), format!("{name}: phases overlap"))
                        .label("overlap");
                }
                phases.push(Phase { cycles, dose });
            }
        }
        phases
    }

    /// `max_per_cycle`: a ceiling on the cycle total, in the dose's basis or
    /// in mg. The file's own full and phase doses must keep it: a file that
    /// broke its own ceiling would load and then refuse every calculation.
    fn max_per_cycle(
        &mut self,
        d: &DrugFile,
        name: &str,
        dosing: Option<&Dosing>,
        days: Option<&[u32]>,
        phases: &[Phase],
    ) -> Option<Ceiling> {
        let m = d.max_per_cycle.as_ref()?;
        let ceiling = self.dose(m, "max_per_cycle")?;
        if let Some(full) = own_dose(dosing)
            && ceiling.basis() != full.basis()
            && ceiling.basis() != DoseBasis::Flat
        {
            self.problems
                .at(
                    m.span(),
                    format!(
                        "max_per_cycle `{}` is {} but the dose of {name} is {}",
                        m.get_ref(),
                        ceiling.basis().describe(),
                        full.basis().describe()
                    ),
                )
                .label("different basis")
                .help("write the ceiling in the dose's basis (\"100 mg/m2\") or in mg");
        }
        if let (Some(Dosing::Own { dose, per }), Some(days)) = (dosing, days) {
            let prescribed = std::iter::once(*dose).chain(phases.iter().map(|p| p.dose));
            if let Some((x, total)) = above_ceiling(ceiling, *per, days.len(), prescribed) {
                let given = match per {
                    DosePer::Day => format!(" on each of {} days", days.len()),
                    DosePer::Cycle => " per cycle".to_owned(),
                };
                let total = cycle_total_text(total);
                let unit = basis_unit(x.basis());
                self.problems
                    .at(
                        m.span(),
                        format!(
                            "{name}: the file prescribes {total} {unit} per cycle ({x}{given}), above its own max_per_cycle of {ceiling}"
                        ),
                    )
                    .label("below the prescribed dose")
                    .help("check the day list, dose_per and the ceiling");
            }
        }
        Some(Ceiling {
            dose: ceiling,
            source: d.max_per_cycle_source.clone(),
        })
    }

    /// `bsa_cap`: the largest BSA a per-m² dose is calculated with; only for
    /// a per-m² dose.
    fn bsa_cap(&mut self, d: &DrugFile, name: &str, dosing: Option<&Dosing>) -> Option<Area> {
        let c = d.bsa_cap.as_ref()?;
        let cap = self
            .problems
            .parse_named(c, "bsa_cap", parse_bsa)
            .map_err(|p| p.label("not a BSA").help("write e.g. \"2 m2\""))
            .ok()?;
        if let Some(full) = own_dose(dosing)
            && full.basis() != DoseBasis::PerM2
        {
            self.problems
                .at(
                    c.span(),
                    format!(
                        "{name} is dosed {}; a BSA cap only applies to per-m² doses",
                        full.basis().describe()
                    ),
                )
                .label("cap on a non-BSA dose")
                .help("remove bsa_cap, or use max_single_dose for a ceiling in mg");
        }
        Some(cap)
    }

    /// How the final dose is rounded (`round`), with the `strengths` and
    /// `bands` it may need; returns the strengths and the rule.
    fn rounding(&mut self, d: &DrugFile, name: &str) -> (Vec<Mass>, RoundingRule) {
        if !d.bands.is_empty()
            && d.round
                .as_ref()
                .is_none_or(|r| r.get_ref().trim() != "bands")
        {
            self.problems
                .at(
                    d.bands[0].span(),
                    format!("{name}: `bands` are listed but round is not \"bands\""),
                )
                .label("unused bands")
                .help("add round = \"bands\" or remove the bands");
        }
        let strengths: Vec<_> = d
            .strengths
            .iter()
            .filter_map(|s| self.mass(s, "strength"))
            .collect();
        let bands: Vec<_> = d
            .bands
            .iter()
            .filter_map(|s| self.mass(s, "band"))
            .collect();
        if d.strengths.len() > LIMITS.max_list || d.bands.len() > MAX_BANDS {
            self.problems
                .at(
                    d.name.span(),
                    format!("{name}: too many strengths or bands"),
                )
                .label("too many");
        }
        let rule = match &d.round {
            None => RoundingRule::None,
            Some(r) => self.rounding_rule(r, name, !strengths.is_empty(), bands),
        };
        (strengths, rule)
    }

    /// The `round` value: "none", "strengths" (needs strengths), "bands"
    /// (needs bands) or a step such as "1 mg".
    fn rounding_rule(
        &mut self,
        r: &Spanned<String>,
        name: &str,
        has_strengths: bool,
        bands: Vec<Mass>,
    ) -> RoundingRule {
        let text = r.get_ref().trim();
        match text {
            "none" => RoundingRule::None,
            "strengths" => {
                if !has_strengths {
                    self.problems
                        .at(
                            r.span(),
                            format!("{name}: round = \"strengths\" needs a `strengths` list"),
                        )
                        .label("needs strengths")
                        .help("e.g. strengths = [\"200 mg\", \"400 mg\"]");
                }
                RoundingRule::Strengths
            }
            "bands" => {
                if bands.is_empty() {
                    self.problems
                        .at(
                            r.span(),
                            format!("{name}: round = \"bands\" needs a `bands` list"),
                        )
                        .label("needs bands");
                }
                RoundingRule::Bands(bands)
            }
            _ => self
                .problems
                .parse_named(r, &format!("{name}: round"), |t| RoundingRule::step(t.trim()))
                .map_err(|p| {
                    p.label("not a rounding rule").help(
                        "use \"none\", a step such as \"1 mg\" or \"10 mg\", \"strengths\" or \"bands\"",
                    )
                })
                .unwrap_or(RoundingRule::None),
        }
    }

    /// `reductions`: dose levels -1, -2, ... written plainly, each in the
    /// basis of the full dose and smaller than it, each deeper level smaller
    /// than the one above.
    fn reductions(
        &mut self,
        d: &DrugFile,
        name: &str,
        dosing: Option<&Dosing>,
    ) -> BTreeMap<i32, PrescribedDose> {
        let mut reductions = BTreeMap::new();
        if d.reductions.len() > LIMITS.max_list {
            self.problems
                .at(
                    d.name.span(),
                    format!("{name}: at most {} reduction levels", LIMITS.max_list),
                )
                .label("too many");
        }
        for (key, value) in &d.reductions {
            if let Some((level, dose)) = self.reduction_level(key, value, name, own_dose(dosing)) {
                reductions.insert(level, dose);
            }
        }
        self.deeper_levels_smaller(d, name, &reductions);
        reductions
    }

    /// One reduction level: its key (-1 to -20, written plainly) and its dose,
    /// smaller than the full dose and in the same basis.
    fn reduction_level(
        &mut self,
        key: &str,
        value: &Spanned<String>,
        name: &str,
        full: Option<PrescribedDose>,
    ) -> Option<(i32, PrescribedDose)> {
        let level = match key.parse::<i32>() {
            // "-01" and "-1" would be one level written twice.
            Ok(l) if (-20..=-1).contains(&l) && l.to_string() == key => l,
            _ => {
                self.problems
                    .at(
                        value.span(),
                        format!(
                            "reduction level `{key}` must be a negative whole number written plainly (-1, -2, ...)"
                        ),
                    )
                    .label("bad level");
                return None;
            }
        };
        let dose = self.dose(value, &format!("reduction level {level} of {name}"))?;
        if let Some(full) = full {
            if dose.basis() != full.basis() {
                self.problems
                    .at(
                        value.span(),
                        format!(
                            "reduction level {level} `{}` is {} but the dose of {name} is {}",
                            value.get_ref(),
                            dose.basis().describe(),
                            full.basis().describe()
                        ),
                    )
                    .label("different basis");
            } else if dose.canonical() >= full.canonical() {
                self.problems
                    .at(
                        value.span(),
                        format!("reduction level {level} ({dose}) is not smaller than the full dose ({full})"),
                    )
                    .label("not a reduction");
            }
        }
        Some((level, dose))
    }

    /// Deeper levels must be smaller than shallower ones (-2 below -1).
    fn deeper_levels_smaller(
        &mut self,
        d: &DrugFile,
        name: &str,
        reductions: &BTreeMap<i32, PrescribedDose>,
    ) {
        let mut shallower: Option<(i32, f64)> = None;
        for (level, dose) in reductions.iter().rev() {
            if let Some((l, v)) = shallower
                && dose.canonical() >= v
            {
                let span = d
                    .reductions
                    .get(&level.to_string())
                    .map_or(d.name.span(), Spanned::span);
                self.problems
                    .at(
                        span,
                        format!("{name}: level {level} is not smaller than level {l}"),
                    )
                    .label("not decreasing");
            }
            shallower = Some((*level, dose.canonical()));
        }
    }

    /// `[drug.limit]`: a lifetime cumulative limit in mg/m² or mg with its
    /// source, and a lower limit after cardiac-region radiation.
    fn lifetime_limit(&mut self, d: &DrugFile) -> Option<LifetimeLimit> {
        let l = d.limit.as_ref()?;
        let lifetime = self.dose(&l.lifetime, "lifetime limit")?;
        if l.source.trim().is_empty() {
            self.problems
                .at(l.lifetime.span(), "a lifetime limit needs its `source`")
                .label("no source");
        }
        if !matches!(lifetime.basis(), DoseBasis::PerM2 | DoseBasis::Flat) {
            self.problems
                .at(l.lifetime.span(), "a lifetime limit is in mg/m² or mg")
                .label("bad basis");
        }
        let after = l.after_cardiac_radiation.as_ref().and_then(|a| {
            let v = self.dose(a, "after_cardiac_radiation")?;
            if v.basis() != lifetime.basis() || v.canonical() > lifetime.canonical() {
                self.problems
                    .at(
                        a.span(),
                        "after_cardiac_radiation must be in the same unit as lifetime and not higher",
                    )
                    .label("not lower");
            }
            Some(v)
        });
        Some(LifetimeLimit {
            lifetime,
            after_cardiac_radiation: after,
            source: l.source.clone(),
        })
    }

    /// `[drug.renal]`: whether a renal function is required, and the
    /// clearance below which the dose is flagged.
    fn renal(&mut self, d: &DrugFile) -> Option<RenalRequirement> {
        let r = d.renal.as_ref()?;
        Some(RenalRequirement {
            required: r.required,
            flag_below: r.flag_below.as_ref().and_then(|f| {
                self.problems
                    .parse_named(f, "flag_below", parse_gfr)
                    .map_err(|p| p.label("not a clearance"))
                    .ok()
            }),
            note: r.note.clone(),
            source: r.source.clone(),
        })
    }
}

/// The drug's own full dose, when it has one (not a companion or instruction).
fn own_dose(dosing: Option<&Dosing>) -> Option<PrescribedDose> {
    match dosing {
        Some(Dosing::Own { dose, .. }) => Some(*dose),
        _ => None,
    }
}

/// The first prescribed dose (full, then phases) in the ceiling's basis whose
/// cycle total is above the ceiling, with that total in the basis's mg unit.
fn above_ceiling(
    ceiling: PrescribedDose,
    per: DosePer,
    days: usize,
    prescribed: impl Iterator<Item = PrescribedDose>,
) -> Option<(PrescribedDose, f64)> {
    let cycle_total = |x: &PrescribedDose| match per {
        DosePer::Day => x.canonical() * days as f64,
        DosePer::Cycle => x.canonical(),
    };
    prescribed
        .filter(|x| x.basis() == ceiling.basis())
        .map(|x| (x, cycle_total(&x)))
        .find(|(_, total)| *total > ceiling.canonical() * (1.0 + 1e-9))
}

/// The mg unit of a basis, as [`PrescribedDose::canonical`] counts it.
fn basis_unit(basis: DoseBasis) -> &'static str {
    match basis {
        DoseBasis::PerM2 => "mg/m²",
        DoseBasis::PerKg => "mg/kg",
        DoseBasis::Flat => "mg",
        DoseBasis::Auc => "AUC",
    }
}

/// A cycle total as the message writes it, as every dose is written: at
/// most four decimals, half up, by the ISMP rules ("1,800"); "invalid" for
/// a figure no decimal holds. (A located diagnostic is text for people; the
/// loader, at the file edge, takes the one ISMP number writer.)
fn cycle_total_text(total: f64) -> String {
    match to_decimal(total) {
        Some(t) => crate::render::ismp::format_decimal(round_dp_half_up(t, 4)),
        None => "invalid".to_owned(),
    }
}

/// An infusion duration as written: "bolus", "push", "slow push", or minutes
/// or hours, one value or a rising range, at most 14 days.
fn is_duration(s: &str) -> bool {
    infusion_minutes(s).is_some()
}

/// The longest an infusion written as [`is_duration`] reads it may run,
/// minutes (0 for a bolus or push); `None` when it is not a duration.
pub(super) fn infusion_minutes(s: &str) -> Option<f64> {
    let t = s.trim().to_lowercase();
    if matches!(t.as_str(), "bolus" | "push" | "slow push") {
        return Some(0.0);
    }
    let (number, unit) = t.split_once(' ')?;
    let minutes_per = match unit.trim() {
        "min" | "minutes" => 1.0,
        "h" | "hours" | "hour" => 60.0,
        _ => return None,
    };
    let values: Vec<f64> = number
        .split('-')
        .filter_map(|n| n.parse::<f64>().ok())
        .collect();
    // Longer than a continuous infusion could run (14 days) is a typo.
    let sane = |v: &f64| v.is_finite() && *v > 0.0 && v * minutes_per <= 14.0 * 24.0 * 60.0;
    let valid = values.len() == number.split('-').count()
        && (1..=2).contains(&values.len())
        && values.iter().all(sane)
        && values.windows(2).all(|w| w[0] < w[1]);
    valid.then(|| values.iter().fold(0.0, |m: f64, v| m.max(v * minutes_per)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycle_totals_are_written_like_doses() {
        // 900 mg/m² on each of 2 days = 1,800 mg/m² (bad file 126).
        assert_eq!(cycle_total_text(1800.0), "1,800");
        assert_eq!(cycle_total_text(999.0), "999");
        assert_eq!(cycle_total_text(1_234_567.25), "1,234,567.25");
        // Four decimals, half up, trailing zeros dropped.
        assert_eq!(cycle_total_text(2.00005), "2.0001");
        assert_eq!(cycle_total_text(2.00004), "2");
        assert_eq!(cycle_total_text(0.5), "0.5");
        assert_eq!(cycle_total_text(f64::INFINITY), "invalid");
    }
}
