//! The schedule as CSV (RFC 4180 via the `csv` crate): one row per administration.
//! Every text column goes through [`crate::render::csv::text`] (formula
//! injection); the number columns (`cycle`, `day`, `calculated`,
//! `final_dose`) are written from numbers and never do.

use super::{RenderContext, adjustments_text, check_text, prescribed_text};
use crate::dose::DoseTime;
use crate::render::csv::text;
use crate::schedule::Schedule;

/// The header row.
pub const CSV_HEADER: [&str; 24] = [
    "patient_id",
    "regimen",
    "regimen_version",
    "cycle",
    "day",
    "date",
    "weekday",
    "drug",
    "role",
    "prescribed",
    "calculated",
    "final_dose",
    "unit",
    "route",
    "infusion",
    "adjustments",
    "verdict",
    "check",
    "weekend",
    "holiday",
    "instruction",
    "time_from",
    "time_minutes",
    "dose_of_day",
];

/// CSV with a header. Numbers are plain decimals (no thousands separators) so
/// that spreadsheets read them as numbers.
pub fn schedule_csv(s: &Schedule, ctx: &RenderContext) -> String {
    let mut w = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let _ = w.write_record(CSV_HEADER);
    for (c, a) in s.administrations() {
        let adm = &a.administration;
        let t = |s: &str| text(s).into_owned();
        let record = [
            t(ctx.patient_id.as_deref().unwrap_or_default()),
            t(&s.regimen.id),
            t(&s.regimen.version),
            c.number.to_string(),
            adm.day.to_string(),
            a.date.format("%Y-%m-%d").to_string(),
            a.date.format("%a").to_string(),
            t(&adm.drug),
            format!("{:?}", adm.role).to_lowercase(),
            t(&prescribed_text(a)),
            amount_cell(adm, adm.calculated),
            amount_cell(adm, adm.final_dose),
            adm.unit.symbol().to_owned(),
            t(&adm.route),
            t(adm.infusion.as_deref().unwrap_or_default()),
            match adjustments_text(adm, &s.overridden).as_str() {
                "none" => String::new(),
                words => t(words),
            },
            adm.verdict
                .map(crate::render::json::verdict_id)
                .unwrap_or_default()
                .to_owned(),
            match check_text(a).as_str() {
                "-" => String::new(),
                words => t(words),
            },
            a.weekend.to_string(),
            a.holiday.to_string(),
            t(adm.instruction().unwrap_or_default()),
            // One of several doses that day: from which drug's start, how
            // many minutes (negative before), or dose n of m at local times.
            match &adm.time {
                Some(DoseTime::From { drug, .. }) => t(drug),
                _ => String::new(),
            },
            match &adm.time {
                Some(DoseTime::From { minutes, .. }) => minutes.to_string(),
                _ => String::new(),
            },
            match &adm.time {
                Some(DoseTime::OfDay { n, count }) => format!("{n} of {count}"),
                _ => String::new(),
            },
        ];
        let _ = w.write_record(&record);
    }
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

/// A plain number, or nothing for a drug given by protocol (no amount).
fn amount_cell(a: &crate::dose::Administration, value: rust_decimal::Decimal) -> String {
    if a.instruction().is_some() {
        String::new()
    } else {
        value.normalize().to_string()
    }
}
