//! Supportive care in a cycle's plan, the engine's last steps: a drug
//! given several times a day becomes one administration per time (step 6);
//! a drug given only from a cumulative dose of another is left out of a
//! cycle that starts below it (step 7); the standard antiemetic set follows
//! the chemotherapy days (step 8, [`crate::antiemetics`]).
//!
//! Owns: when in the day, and in which cycles, supportive care is given.
//! Never does: compute a dose (the companion and own doses come from the
//! steps before) or judge a criterion.

use std::collections::BTreeSet;

use rust_decimal::Decimal;

use super::{Administration, DoseError, DoseTime, Engine, day_offset};
use crate::regimen::{AntiemeticSet, Dosing, Regimen, Role, Timing};

impl Engine<'_> {
    /// The G-CSF label windows on the days as prescribed: the loader checks
    /// a regimen's own days, but a day list stated for this dose (`--days`)
    /// can move a cytotoxic dose next to a G-CSF day, or a G-CSF next to
    /// one. Each conflict the stated days make is a stop (`gcsf-timing-`).
    pub(super) fn gcsf_timing(&self, ledger: &mut super::StopLedger) {
        if self.options.days.is_empty() {
            return;
        }
        let effective: Vec<crate::regimen::Drug> = self
            .regimen
            .drugs
            .iter()
            .map(|d| crate::regimen::Drug {
                days: self.days(d).to_vec(),
                ..d.clone()
            })
            .collect();
        let length = self.regimen.cycle.length_days;
        let before = crate::regimen::load::timing::gcsf_conflicts(&self.regimen.drugs, length);
        for c in crate::regimen::load::timing::gcsf_conflicts(&effective, length) {
            // A conflict of the regimen's own days was refused when it loaded.
            if before.contains(&c) {
                continue;
            }
            ledger.meet(
                super::Stop::GcsfTiming {
                    gcsf: c.gcsf,
                    day: c.day,
                    cytotoxic: c.cytotoxic,
                    cytotoxic_day: c.cytotoxic_day,
                    rule: c.rule.to_owned(),
                },
                &self.options.overrides,
            );
        }
    }

    /// Step 5b: a premedication given on days counted from the drug it
    /// premedicates (`relative_days`, docetaxel's dexamethasone the day
    /// before, of and after) gets those days from the drug's days in this
    /// cycle's plan, so a dose left out (a rule, a day list) leaves out its
    /// premedication; a day before day 1 is day -1. Days the prescriber
    /// states for the premedication itself (`--days`) are used as given.
    pub(super) fn relative_days(
        &self,
        cycle: u32,
        out: &mut Vec<Administration>,
    ) -> Result<(), DoseError> {
        for drug in &self.regimen.drugs {
            let Some(target) = drug.premedicates.as_ref() else {
                continue;
            };
            if drug.relative_days.is_empty()
                || self.options.days.contains_key(&drug.name)
                || !drug.given_in_cycle(cycle)
            {
                continue;
            }
            let days: BTreeSet<i32> = out
                .iter()
                .filter(|a| a.drug == *target)
                .flat_map(|a| drug.relative_days.iter().map(|&o| day_offset(a.day, o)))
                .collect();
            match &drug.dosing {
                Dosing::Instruction(text) => {
                    out.extend(days.iter().map(|&day| super::instruction(drug, text, day)));
                }
                Dosing::Own { .. } => {
                    let Some(in_force) = self.in_force(drug, cycle)? else {
                        continue;
                    };
                    if in_force.rules.omitted.is_some() {
                        continue;
                    }
                    for &day in &days {
                        out.push(self.own_dose(drug, &in_force, day, None)?.0);
                    }
                }
                // The loader gives relative days to a premedication with
                // its own dose or an instruction only.
                Dosing::Companion { .. } => {}
            }
        }
        Ok(())
    }

    /// Step 7: a drug given only from a cumulative dose of another
    /// (`given_when`, dexrazoxane from doxorubicin 300 mg/m²) is left out
    /// of a cycle that starts below it. The cumulative dose is the prior
    /// exposure and what the course gave before this cycle (the caller's
    /// count, or the regimen's cycles from `course_from`), per m² of the BSA
    /// used.
    pub(super) fn conditions(
        &self,
        cycle: u32,
        out: &mut Vec<Administration>,
    ) -> Result<(), DoseError> {
        for drug in &self.regimen.drugs {
            let Some(c) = &drug.given_when else { continue };
            let prior: Decimal = self
                .options
                .prior
                .iter()
                .filter(|p| p.drug == c.drug)
                .map(|p| p.mg_per_m2)
                .sum();
            let so_far: Decimal = match &self.options.given_so_far {
                Some(given) => given
                    .iter()
                    .filter(|p| p.drug == c.drug)
                    .map(|p| p.mg_per_m2)
                    .sum(),
                None => {
                    let from = self.options.course_from.unwrap_or(1).max(1);
                    let bsa = self
                        .bsa
                        .used_m2()
                        .ok_or_else(|| DoseError::NotRepresentable {
                            drug: drug.name.clone(),
                        })?;
                    let mut sum = Decimal::ZERO;
                    if cycle > from {
                        for admins in self.course(cycle - 1)?.iter().skip((from - 1) as usize) {
                            for a in admins.iter().filter(|a| a.drug == c.drug) {
                                sum += a.final_mg().checked_div(bsa).ok_or_else(|| {
                                    DoseError::NotRepresentable {
                                        drug: drug.name.clone(),
                                    }
                                })?;
                            }
                        }
                    }
                    sum
                }
            };
            if prior + so_far < c.at_least_mg_per_m2 {
                out.retain(|a| a.drug != drug.name);
            }
        }
        Ok(())
    }
}

/// Step 8: the standard antiemetic set for the regimen's emetogenic risk
/// on the days its antineoplastic drugs are given in this cycle (a dose
/// left out by a rule leaves its day out), in day order.
pub(super) fn antiemetics(regimen: &Regimen, out: &mut Vec<Administration>) {
    let (Some(risk), AntiemeticSet::Standard) = (regimen.emetogenic_risk, regimen.antiemetic_set)
    else {
        return;
    };
    // Chemotherapy is given from day 1; a premedication before day 1 is
    // not an antiemetic day, nor a dose the set could repeat.
    let chemo_days: BTreeSet<u32> = out
        .iter()
        .filter(|a| a.role == Role::Antineoplastic)
        .filter_map(|a| u32::try_from(a.day).ok())
        .filter(|d| {
            regimen
                .antiemetic_days
                .as_ref()
                .is_none_or(|days| days.contains(d))
        })
        .collect();
    let given: BTreeSet<(String, u32)> = out
        .iter()
        .filter_map(|a| Some((a.drug.clone(), u32::try_from(a.day).ok()?)))
        .collect();
    let set = crate::antiemetics::standard_set(risk, &chemo_days, &given);
    out.extend(crate::antiemetics::administrations(&set));
    // Stable: each day's chemotherapy first, then its antiemetics.
    out.sort_by_key(|a| a.day);
}

/// Step 6: a drug given several times a day (supportive care and
/// premedication with `times` or `times_a_day`) becomes one administration
/// per time, each of the dose computed for one time; one timed from a drug
/// not given that day is left out with it.
pub(super) fn timed(regimen: &Regimen, out: Vec<Administration>) -> Vec<Administration> {
    let given: BTreeSet<(String, i32)> = out.iter().map(|a| (a.drug.clone(), a.day)).collect();
    let mut timed = Vec::with_capacity(out.len());
    for a in out {
        let Some(timing) = regimen.drug(&a.drug).and_then(|d| d.timing.as_ref()) else {
            timed.push(a);
            continue;
        };
        match timing {
            Timing::From { drug, minutes } => {
                // Timed from a drug that is not given that day (left out by
                // a rule or a day list): nothing to time it from, not given.
                if !given.contains(&(drug.clone(), a.day)) {
                    continue;
                }
                for &m in minutes {
                    timed.push(Administration {
                        time: Some(DoseTime::From {
                            drug: drug.clone(),
                            minutes: m,
                        }),
                        ..a.clone()
                    });
                }
            }
            &Timing::TimesADay(count) => {
                for n in 1..=count {
                    timed.push(Administration {
                        time: Some(DoseTime::OfDay { n, count }),
                        ..a.clone()
                    });
                }
            }
        }
    }
    timed
}
