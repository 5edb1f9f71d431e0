//! A history's report: each line's cycles recomputed by the dose engine,
//! the lifetime cumulative doses per drug (mg and mg/m² at each cycle's
//! BSA), the doxorubicin-equivalent anthracycline total, and the prior
//! exposure a new dose is checked against.
//!
//! Owns: [`History::report`], [`History::report_with`] and
//! [`History::prior_exposure`]. Never does: read or write files.

use super::*;

impl History {
    /// The regimen of a line; `None` when the source does not name it.
    pub(super) fn regimen<'a>(
        &'a self,
        line: &'a Line,
        library: &'a Library,
    ) -> Result<Option<&'a Regimen>, HistoryError> {
        match &line.regimen {
            LineRegimen::Inline(r) => Ok(Some(r)),
            LineRegimen::NotStated { .. } => Ok(None),
            LineRegimen::Id { id, .. } => {
                library.get(id).map(|e| Some(&e.regimen)).ok_or_else(|| {
                    HistoryError::UnknownRegimen {
                        line: line.number,
                        id: id.clone(),
                    }
                })
            }
        }
    }

    /// Recomputes every given cycle and adds up the lifetime doses.
    ///
    /// # Errors
    /// A line whose regimen is not in `library`, a cycle without a height and
    /// weight measured on or before its date, or a cycle the engine cannot
    /// recompute.
    pub fn report(&self, library: &Library) -> Result<HistoryReport, HistoryError> {
        self.report_with(library, &AnthracyclinePolicy::default())
    }

    /// The report, with anthracyclines counted by `policy`.
    ///
    /// # Errors
    /// As [`History::report`].
    pub fn report_with(
        &self,
        library: &Library,
        policy: &AnthracyclinePolicy,
    ) -> Result<HistoryReport, HistoryError> {
        self.report_of(library, policy, Before::Everything)
    }

    /// The line a new dose of `regimen` continues: the last line with that
    /// regimen that has not ended.
    pub fn current_line(&self, regimen: &str) -> Option<&Line> {
        self.lines.iter().rev().find(|l| {
            l.end.is_none() && matches!(&l.regimen, LineRegimen::Id { id, .. } if id == regimen)
        })
    }

    /// The report of the cycles `before` counts.
    fn report_of(
        &self,
        library: &Library,
        policy: &AnthracyclinePolicy,
        before: Before<'_>,
    ) -> Result<HistoryReport, HistoryError> {
        let current = match before {
            Before::Cycle { regimen, .. } => self.current_line(regimen).map(|l| l.number),
            _ => None,
        };
        let keep_cycle = |line: &Line, c: &GivenCycle| match before {
            Before::Everything => true,
            Before::Date(d) => c.date < d,
            // The current line's cycles from this one on are the course
            // being dosed, not prior exposure: counting them twice would
            // refuse a course that is within the limit.
            Before::Cycle { cycle, .. } => !(Some(line.number) == current && c.number >= cycle),
        };
        let keep_line = |line: &Line| match before {
            Before::Date(d) => line.start < d,
            _ => true,
        };
        let placeholder = self.placeholder_dates.is_some();
        let mut version_warnings = Vec::new();
        let mut lines = Vec::new();
        let mut incomplete = Vec::new();
        let mut totals: BTreeMap<String, (Decimal, Decimal)> = BTreeMap::new();
        for (i, line) in self.lines.iter().enumerate() {
            let regimen = self.regimen(line, library)?;
            if let (
                LineRegimen::Id {
                    version: Some(v), ..
                },
                Some(regimen),
            ) = (&line.regimen, regimen)
                && *v != regimen.version
            {
                version_warnings.push(HistoryWarning::Dose(Warning::RegimenVersionChanged {
                    line: line.number,
                    regimen: regimen.id.clone(),
                    given: v.clone(),
                    current: regimen.version.clone(),
                }));
            }
            let kept: Vec<&GivenCycle> =
                line.cycles.iter().filter(|c| keep_cycle(line, c)).collect();
            let mut gaps = Vec::new();
            if let LineRegimen::NotStated { description } = &line.regimen {
                gaps.push(Gap::RegimenNotStated {
                    description: description.clone(),
                });
            }
            match line.stated_cycles {
                Some(StatedCycles::Count(count)) => gaps.push(Gap::CyclesNotRecorded { count }),
                Some(StatedCycles::Unknown) => gaps.push(Gap::CyclesUnknown),
                None => {}
            }
            let unconfirmed: Vec<String> = regimen
                .map(|r| {
                    r.drugs
                        .iter()
                        .filter(|d| !d.days_confirmed)
                        .map(|d| d.name.clone())
                        .collect()
                })
                .unwrap_or_default();
            if !unconfirmed.is_empty() && (!kept.is_empty() || line.stated_cycles.is_some()) {
                gaps.push(Gap::DaysUnconfirmed {
                    drugs: unconfirmed.clone(),
                });
            }
            let mut cycles = Vec::new();
            for c in kept {
                match regimen {
                    Some(r) if unconfirmed.is_empty() => {
                        let doses = self.cycle_doses(line, c, r)?;
                        if let Some(bsa) = doses.bsa_m2 {
                            for (drug, (mg, _)) in &doses.doses {
                                // The BSA is positive (`cycle_doses`); checked
                                // all the same, never a panic.
                                let per_m2 =
                                    mg.checked_div(bsa).ok_or_else(|| HistoryError::Dose {
                                        line: line.number,
                                        cycle: c.number,
                                        error: crate::dose::DoseError::NotRepresentable {
                                            drug: drug.clone(),
                                        },
                                    })?;
                                let t = totals.entry(drug.clone()).or_default();
                                t.0 += *mg;
                                t.1 += per_m2;
                            }
                        }
                        cycles.push(doses);
                    }
                    // No regimen, or a day list not confirmed: nothing is
                    // computed and nothing is added (the gap says so).
                    _ => cycles.push(CycleDoses {
                        number: c.number,
                        date: c.date,
                        bsa_m2: None,
                        doses: BTreeMap::new(),
                        administrations: Vec::new(),
                        computed: false,
                        reduction: c.reduction.clone(),
                        delay_reason: c.delay_reason.clone(),
                        early_reason: c.early_reason.clone(),
                        allow_over_limit: c.allow_over_limit.clone(),
                    }),
                }
            }
            if !gaps.is_empty() && keep_line(line) {
                incomplete.push(IncompleteLine {
                    line: line.number,
                    regimen: regimen.map(|r| r.id.clone()),
                    drugs: regimen.map(|r| {
                        r.drugs
                            .iter()
                            .filter(|d| !matches!(d.dosing, crate::regimen::Dosing::Instruction(_)))
                            .map(|d| d.name.clone())
                            .collect()
                    }),
                    gaps: gaps.clone(),
                });
            }
            let next_start = self.lines.get(i + 1).map(|n| n.start);
            lines.push(LineReport {
                number: line.number,
                regimen: regimen.map(|r| r.id.clone()),
                regimen_name: regimen.map(|r| r.name.clone()),
                regimen_not_stated: match &line.regimen {
                    LineRegimen::NotStated { description } => Some(description.clone()),
                    _ => None,
                },
                setting: line.setting.clone(),
                intent: line.intent,
                start: line.start,
                end: line.end,
                duration_days: line
                    .end
                    .filter(|_| !placeholder)
                    .map(|e| (e - line.start).num_days() + 1),
                time_to_next_treatment_days: next_start
                    .filter(|_| !placeholder)
                    .map(|n| (n - line.start).num_days()),
                stop_reason: line.stop_reason,
                stop_note: line.stop_note.clone(),
                cycles,
                stated_cycles: line.stated_cycles,
                gaps,
            });
        }
        let cardiac = self.cardiac_radiation();
        let options = DoseOptions {
            cardiac_radiation: cardiac.lower_limit(),
            ..DoseOptions::default()
        };
        let not_counted = |drug: &str| -> Vec<u32> {
            incomplete
                .iter()
                .filter(|l: &&IncompleteLine| l.may_include(drug))
                .map(|l| l.line)
                .collect()
        };
        let mut cumulative = Vec::new();
        for (drug, (mg, per_m2)) in &totals {
            let per_m2 = round_dp_half_up(*per_m2, 2);
            let limit_drug = self
                .lines
                .iter()
                .filter_map(|l| self.regimen(l, library).ok().flatten())
                .find_map(|r| r.drug(drug).filter(|d| d.lifetime_limit.is_some()));
            let limit = match limit_drug {
                Some(d) => lifetime_limit(
                    d,
                    Exposure {
                        mg: *mg,
                        mg_per_m2: per_m2,
                    },
                    &options,
                )
                .ok()
                .flatten(),
                None => None,
            };
            cumulative.push(CumulativeDrug {
                drug: drug.clone(),
                mg: *mg,
                mg_per_m2: per_m2,
                limit,
                incomplete_lines: not_counted(drug),
            });
        }
        let anthracycline = self.anthracycline_total(&cumulative, &incomplete, policy);
        let mut warnings: Vec<HistoryWarning> = incomplete
            .iter()
            .cloned()
            .map(HistoryWarning::CumulativeIncomplete)
            .collect();
        if cardiac == CardiacRadiation::Unknown {
            let limit = policy.total_limit().in_force(true);
            for e in self.events.iter().filter(|e| {
                e.kind == EventKind::Radiation
                    && e.cardiac_region.unwrap_or(CardiacRegion::Unknown) == CardiacRegion::Unknown
            }) {
                warnings.push(HistoryWarning::CardiacRegionUnknown {
                    date: e.date,
                    site: e.site.clone(),
                    limit_mg_per_m2: limit,
                });
            }
        }
        // Early cycles among those counted.
        let counted = |e: &EarlyCycle| {
            self.lines.iter().any(|l| {
                l.number == e.line
                    && keep_line(l)
                    && l.cycles
                        .iter()
                        .any(|c| c.number == e.cycle && keep_cycle(l, c))
            })
        };
        warnings.extend(
            self.early_cycles(library)
                .into_iter()
                .filter(counted)
                .map(HistoryWarning::CycleEarly),
        );
        warnings.extend(version_warnings);
        if let Some(a) = &anthracycline {
            if a.total_mg_per_m2 >= AnthracyclinePolicy::CARDIOPROTECTION_MG_PER_M2 {
                warnings.push(HistoryWarning::Dose(Warning::Cardioprotection {
                    cumulative_mg_per_m2: a.total_mg_per_m2,
                }));
            }
            if a.total_mg_per_m2 > a.limit_mg_per_m2 {
                warnings.push(HistoryWarning::Dose(Warning::AnthracyclineLimitExceeded {
                    total_mg_per_m2: a.total_mg_per_m2,
                    limit_mg_per_m2: a.limit_mg_per_m2,
                    source: a.limit_source.clone(),
                }));
            } else if a.total_mg_per_m2 * Decimal::from(100)
                >= a.limit_mg_per_m2 * Decimal::from(80)
            {
                warnings.push(HistoryWarning::Dose(Warning::AnthracyclineLimitNear {
                    total_mg_per_m2: a.total_mg_per_m2,
                    limit_mg_per_m2: a.limit_mg_per_m2,
                }));
            }
        }
        Ok(HistoryReport {
            patient_id: self.patient_id.clone(),
            name: self.name.clone(),
            mrn: self.mrn.clone(),
            note: self.note.clone(),
            placeholder_dates: self.placeholder_dates.clone(),
            lines,
            events: self.events.clone(),
            cumulative,
            anthracycline,
            incomplete,
            warnings,
        })
    }

    fn cycle_doses(
        &self,
        line: &Line,
        c: &GivenCycle,
        regimen: &Regimen,
    ) -> Result<CycleDoses, HistoryError> {
        let (patient, missing) = self.patient_on(c.date);
        let Some(patient) = patient else {
            return Err(HistoryError::NoMeasurement {
                line: line.number,
                cycle: c.number,
                date: c.date,
                what: missing.unwrap_or("height"),
            });
        };
        // A record of what was given: the engine recomputes, it does not refuse.
        let mut overrides = Overrides::new();
        for code in ["per-cycle-ceiling", "status-draft", "status-withdrawn"] {
            overrides.insert(code, "historical record");
        }
        let mut options = DoseOptions {
            lifetime_check: LifetimeCheck::Caller,
            overrides,
            rounding_tolerance: crate::quantity::Percent::whole(100),
            planned_cycles: Some(
                c.number
                    .max(regimen.cycle.count.planned().unwrap_or(c.number)),
            ),
            apply_rules: false,
            ..DoseOptions::default()
        };
        options.reductions = c.reduction.clone();
        let plan = calculate(regimen, &patient, c.number, &options).map_err(|error| {
            HistoryError::Dose {
                line: line.number,
                cycle: c.number,
                error,
            }
        })?;
        let mut doses: BTreeMap<String, (Decimal, bool)> = BTreeMap::new();
        let mut administrations = Vec::new();
        for a in plan
            .administrations
            .iter()
            // The standard antiemetic set is not a cumulative dose of the line.
            .filter(|a| a.instruction().is_none() && a.role != crate::regimen::Role::Antiemetic)
        {
            let (mg, actual) = match c.actual.get(&a.drug) {
                Some(v) => (*v, true),
                None => (a.final_mg(), false),
            };
            let e = doses.entry(a.drug.clone()).or_default();
            e.0 += mg;
            e.1 |= actual;
            administrations.push(DoseGiven {
                drug: a.drug.clone(),
                day: a.day,
                route: a.route.clone(),
                role: a.role,
                mg,
                actual,
            });
        }
        // Positive and plausible (checked when it was computed); never a guess.
        let bsa_m2 = plan.bsa.used_m2().ok_or_else(|| HistoryError::Dose {
            line: line.number,
            cycle: c.number,
            error: crate::dose::DoseError::NotRepresentable {
                drug: regimen.id.clone(),
            },
        })?;
        Ok(CycleDoses {
            number: c.number,
            date: c.date,
            bsa_m2: Some(bsa_m2),
            doses,
            administrations,
            computed: true,
            reduction: c.reduction.clone(),
            delay_reason: c.delay_reason.clone(),
            early_reason: c.early_reason.clone(),
            allow_over_limit: c.allow_over_limit.clone(),
        })
    }

    fn anthracycline_total(
        &self,
        cumulative: &[CumulativeDrug],
        incomplete: &[IncompleteLine],
        policy: &AnthracyclinePolicy,
    ) -> Option<AnthracyclineTotal> {
        let share = |drug: &str, given_elsewhere: bool, mg_per_m2: Decimal| {
            policy.factors.factor(drug).map(|f| Contribution {
                drug: drug.to_owned(),
                given_elsewhere,
                mg_per_m2,
                factor: f.factor,
                equivalent_mg_per_m2: round_dp_half_up(mg_per_m2 * f.factor, 2),
                source: f.source.clone(),
            })
        };
        let in_lines = cumulative
            .iter()
            .filter_map(|c| share(&c.drug, false, c.mg_per_m2));
        let elsewhere = self
            .events
            .iter()
            .filter(|e| e.kind == EventKind::PriorAnthracycline)
            .filter_map(|e| share(e.drug.as_deref()?, true, e.cumulative_mg_per_m2?));
        let contributions: Vec<Contribution> = in_lines.chain(elsewhere).collect();
        // Lines not counted that held, or may have held, an anthracycline.
        let incomplete_lines: Vec<u32> = incomplete
            .iter()
            .filter(|l| match &l.drugs {
                None => true,
                Some(d) => d.iter().any(|d| policy.factors.factor(d).is_some()),
            })
            .map(|l| l.line)
            .collect();
        if contributions.is_empty() && incomplete_lines.is_empty() {
            return None;
        }
        let total: Decimal = contributions.iter().map(|c| c.equivalent_mg_per_m2).sum();
        let cardiac = self.cardiac_radiation();
        let total_limit = policy.total_limit();
        let limit = total_limit.in_force(cardiac.lower_limit());
        let remaining = if total >= limit {
            Some(Decimal::ZERO)
        } else if incomplete_lines.is_empty() {
            Some(limit - total)
        } else {
            None
        };
        Some(AnthracyclineTotal {
            factor_set: policy.factors.name.clone(),
            contributions,
            total_mg_per_m2: total,
            limit_mg_per_m2: limit,
            after_cardiac_radiation: cardiac.lower_limit(),
            cardiac_radiation: cardiac,
            remaining_mg_per_m2: remaining,
            limit_source: total_limit.source,
            incomplete_lines,
        })
    }

    /// The prior exposure this history adds to a dose: each drug's
    /// cumulative dose over the cycles `before` counts, with anthracyclines
    /// counted as doxorubicin equivalents against doxorubicin's limit; the
    /// earlier lines whose doses are not (all) counted, which make it
    /// incomplete; and cardiac-region radiation.
    ///
    /// # Errors
    /// As [`History::report`].
    pub fn prior_exposure(
        &self,
        library: &Library,
        before: Before<'_>,
        policy: &AnthracyclinePolicy,
    ) -> Result<Prior, HistoryError> {
        let report = self.report_of(library, policy, before)?;
        let mut exposures: Vec<PriorExposure> = report
            .cumulative
            .iter()
            .filter(|c| policy.factors.factor(&c.drug).is_none())
            .map(|c| PriorExposure {
                drug: c.drug.clone(),
                mg_per_m2: c.mg_per_m2,
                mg: c.mg,
            })
            .collect();
        if let Some(a) = &report.anthracycline
            && !a.contributions.is_empty()
        {
            let dox_mg = report
                .cumulative
                .iter()
                .find(|c| c.drug == "doxorubicin")
                .map_or(Decimal::ZERO, |c| c.mg);
            exposures.push(PriorExposure {
                drug: "doxorubicin".to_owned(),
                mg_per_m2: a.total_mg_per_m2,
                mg: dox_mg,
            });
        }
        Ok(Prior {
            exposures,
            incomplete: report.incomplete,
            cardiac_radiation: self.cardiac_radiation(),
        })
    }
}
