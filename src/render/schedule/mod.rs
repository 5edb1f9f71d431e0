//! One schedule model, several renderers: text, Markdown, HTML (print-ready),
//! CSV, JSON and iCalendar. Each renderer is a function of a [`Schedule`] and
//! a [`RenderContext`] to a string.

mod csv;
pub mod html;
mod ical;
mod json;
mod markdown;
mod text;

pub use csv::schedule_csv;
pub use html::schedule_html;
pub use ical::schedule_ics;
pub use json::schedule_json;
pub use markdown::schedule_markdown;
pub use text::schedule_text;

use chrono::{DateTime, Utc};

use crate::dose::Reduction;
pub use crate::render::dose::adjustments_text;
use crate::render::dose::amount;
use crate::render::escape::visible;
use crate::render::ismp::{drug_display_name, format_decimal};
use crate::render::messages::limit_unit_text;
use crate::schedule::{CumulativeDose, ReductionInForce, Schedule, ScheduledAdministration};

/// What a renderer needs besides the schedule; passed in so that the same
/// input always gives the same bytes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RenderContext {
    /// A pseudonymous patient id for headers, never a name.
    pub patient_id: Option<String>,
    /// When the output was made (iCalendar DTSTAMP); `None` prints no time.
    pub generated: Option<DateTime<Utc>>,
    /// The course's identity on a calendar (iCalendar UIDs and SEQUENCE);
    /// `None` keeps the UIDs of a course without one (regimen, start date).
    pub course: Option<crate::course::Course>,
    /// The regimen file the schedule was computed from; `None` prints no
    /// provenance (every command of the binary gives it).
    pub regimen_source: Option<crate::regimen::RegimenSource>,
    /// The patient's name, MRN and date of birth for the printed page (left
    /// blank to fill by hand when not given); never in a calendar or a file
    /// meant for other systems.
    pub identity: PrintedIdentity,
    /// The paper the HTML page is laid out for.
    pub paper: Paper,
}

/// Who the printed schedule is for, as the prescriber and the nurse check it
/// (two identifiers at every administration: the order standards of
/// clinical reference 7.3).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrintedIdentity {
    /// The patient's name.
    pub name: Option<String>,
    /// The medical record number.
    pub mrn: Option<String>,
    /// The date of birth.
    pub birth_date: Option<chrono::NaiveDate>,
}

/// Paper sizes of the printed page: A4 (the sources are Australian, UK and
/// EU) by default, or US Letter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Paper {
    /// 210 × 297 mm.
    #[default]
    A4,
    /// 8.5 × 11 in.
    Letter,
}

/// A paper name that is neither `a4` nor `letter`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the paper is a4 or letter (got `{0}`)")]
pub struct UnknownPaper(pub String);

impl std::str::FromStr for Paper {
    type Err = UnknownPaper;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "a4" => Ok(Paper::A4),
            "letter" => Ok(Paper::Letter),
            _ => Err(UnknownPaper(s.to_owned())),
        }
    }
}

impl Paper {
    /// The name a site writes: `a4` or `letter`.
    pub fn name(self) -> &'static str {
        match self {
            Paper::A4 => "a4",
            Paper::Letter => "letter",
        }
    }

    /// The CSS `@page` size.
    pub fn css(self) -> &'static str {
        match self {
            Paper::A4 => "A4",
            Paper::Letter => "letter",
        }
    }
}

/// "Tue 2026-12-01".
pub fn date_text(d: chrono::NaiveDate) -> String {
    d.format("%a %Y-%m-%d").to_string()
}

/// " (delayed 7 days)" or "".
pub fn delay_text(c: &crate::schedule::ScheduledCycle) -> String {
    if c.delay_days > 0 {
        format!(" (delayed {} days)", c.delay_days)
    } else {
        String::new()
    }
}

/// "weekend", "holiday", "weekend, holiday" or "".
pub fn flags_text(a: &ScheduledAdministration) -> String {
    let mut f = Vec::new();
    if a.weekend {
        f.push("weekend");
    }
    if a.holiday {
        f.push("holiday");
    }
    f.join(", ")
}

/// The final dose with its unit.
pub fn dose_text(a: &ScheduledAdministration) -> String {
    amount(&a.administration, a.administration.final_dose)
}

/// A cumulative line: "DOXOrubicin 274 mg (150.55 mg/m²; 27.4% of 550 mg/m²)".
pub fn cumulative_text(c: &CumulativeDose) -> String {
    let mut s = format!(
        "{} {} {}",
        drug_display_name(&c.drug),
        format_decimal(crate::rounding::round_dp_half_up(c.total, 2)),
        c.unit.symbol()
    );
    let mut extra = Vec::new();
    if let Some(p) = c.total_per_m2 {
        extra.push(format!("{} {}/m²", format_decimal(p), c.unit.symbol()));
    }
    if let Some(l) = &c.limit {
        let prior = if l.prior.is_zero() {
            String::new()
        } else {
            format!(
                " with {} {} prior",
                format_decimal(l.prior),
                limit_unit_text(l.unit)
            )
        };
        let at_least = if l.uncounted_lines.is_empty() {
            String::new()
        } else {
            "at least ".to_owned()
        };
        extra.push(format!(
            "{at_least}{}% of the {} {} lifetime limit{prior}",
            format_decimal(l.percent_of_limit),
            format_decimal(l.limit_value),
            limit_unit_text(l.unit)
        ));
        if !l.uncounted_lines.is_empty() {
            extra.push(crate::render::dose::uncounted_text(&l.uncounted_lines));
        }
    }
    if !extra.is_empty() {
        s.push_str(&format!(" ({})", extra.join("; ")));
    }
    s
}

/// A reduction in words: "dose level -1", "reduced by 20%".
pub fn reduction_text(r: &Reduction) -> String {
    match r {
        Reduction::Level(l) => format!("dose level {l}"),
        Reduction::Percent(p) => format!("reduced by {}%", format_decimal(p.value())),
    }
}

/// The reductions recorded for a cycle, by drug or for all antineoplastic
/// drugs: "dose level -1" (all alone), "DOCEtaxel: dose level -1",
/// "all antineoplastic drugs: reduced by 20%; DOCEtaxel: dose level -1".
/// `None` when none was.
pub fn reductions_text(r: &crate::dose::PerDrug<Reduction>) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    if let Some(all) = &r.all {
        parts.push(if r.drugs.is_empty() {
            reduction_text(all)
        } else {
            format!("all antineoplastic drugs: {}", reduction_text(all))
        });
    }
    for (drug, x) in &r.drugs {
        parts.push(format!(
            "{}: {}",
            drug_display_name(drug),
            reduction_text(x)
        ));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// A reduction in force in a cycle: "all antineoplastic drugs: dose level -1",
/// "DOCEtaxel: reduced by 20%".
pub fn dose_change_text(c: &ReductionInForce) -> String {
    let who = c
        .drug
        .as_deref()
        .map_or_else(|| "all antineoplastic drugs".to_owned(), drug_display_name);
    format!("{who}: {}", reduction_text(&c.reduction))
}

/// The drug's name as printed (tall-man letters).
pub fn drug_name(a: &ScheduledAdministration) -> String {
    drug_display_name(&a.administration.drug)
}

/// The administration's treatment-day check: its verdict and what decided
/// it, or "-" for a drug without rules.
pub fn check_text(a: &ScheduledAdministration) -> String {
    crate::render::rules::check_text(a.administration.verdict, &a.administration.criteria)
}

/// The treatment-day criteria judged in the schedule, once each, with the
/// days they apply to: the legend of the Check column.
pub fn criteria_lines(s: &Schedule) -> Vec<String> {
    let mut seen: Vec<(&str, &crate::rules::Rule, Vec<u32>)> = Vec::new();
    for (_, a) in s.administrations() {
        let adm = &a.administration;
        for r in &adm.criteria {
            match seen
                .iter_mut()
                .find(|(d, rule, _)| *d == adm.drug && **rule == *r.rule)
            {
                // Criteria are judged on the drug's own days, from day 1.
                Some((_, _, days)) => {
                    if let Ok(day) = u32::try_from(adm.day)
                        && !days.contains(&day)
                    {
                        days.push(day);
                    }
                }
                None => seen.push((
                    &adm.drug,
                    &r.rule,
                    u32::try_from(adm.day).into_iter().collect(),
                )),
            }
        }
    }
    seen.into_iter()
        .map(|(drug, rule, mut days)| {
            days.sort_unstable();
            crate::render::rules::criteria_line(drug, &days, rule)
        })
        .collect()
}

/// The prescription as printed, with the time in the day of one of
/// several doses.
pub fn prescribed_text(a: &ScheduledAdministration) -> String {
    crate::render::dose::administration_prescribed(&a.administration)
}

/// The laboratory results the schedule was judged with, one line each;
/// without any, one line saying so.
pub fn lab_lines(s: &Schedule) -> Vec<String> {
    if s.labs.is_empty() {
        return vec!["Laboratory results: none given".to_owned()];
    }
    s.labs
        .iter()
        .map(|r| format!("Lab: {}", crate::render::rules::lab_result_text(r)))
        .collect()
}

/// Header lines shared by the text-like renderers.
pub fn header_lines(s: &Schedule, ctx: &RenderContext) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(id) = &ctx.patient_id {
        lines.push(format!("Patient id: {}", visible(id)));
    }
    lines.extend(crate::render::dose::patient_lines(&s.first_plan));
    lines.extend(lab_lines(s));
    lines.push(format!(
        "Regimen: {} ({} v{}), status {}",
        visible(&s.regimen.name),
        visible(&s.regimen.id),
        visible(&s.regimen.version),
        s.regimen.status
    ));
    let last = s
        .last_date()
        .map_or_else(String::new, |d| format!(" to {}", date_text(d)));
    let n = s.cycles.len();
    lines.push(format!(
        "Course: {n} {} every {} days, {}{last}",
        if n == 1 { "cycle" } else { "cycles" },
        s.regimen.cycle_length_days,
        s.cycles
            .first()
            .map_or_else(String::new, |c| date_text(c.start))
    ));
    if let Some(source) = &ctx.regimen_source {
        lines.extend(crate::render::provenance::source_lines(source));
    }
    lines
}
