//! The schedule as iCalendar (RFC 5545): one all-day event per administration
//! day listing the drugs and doses, with stable UIDs and an explicit DTSTAMP.
//! Line folding and text escaping are done by the `icalendar` crate.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use icalendar::{Calendar, Component, Event, EventLike};

use super::{RenderContext, dose_text, drug_name, prescribed_text};
use crate::schedule::{Schedule, ScheduledAdministration, ScheduledCycle};

/// A UID that stays the same when the schedule is printed again: regimen,
/// patient id (or the start date), cycle and day.
fn uid(s: &Schedule, ctx: &RenderContext, cycle: u32, day: u32) -> String {
    let who = ctx
        .patient_id
        .as_deref()
        .map(|p| {
            p.chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect::<String>()
        })
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| {
            s.cycles
                .first()
                .map_or_else(String::new, |c| c.start.format("%Y%m%d").to_string())
        });
    format!("{}-{who}-c{cycle}-d{day}@chemodose", s.regimen.id)
}

/// The .ics text.
pub fn schedule_ics(s: &Schedule, ctx: &RenderContext) -> String {
    let mut cal = Calendar::empty();
    cal.append_property(("VERSION", "2.0"));
    cal.append_property(("PRODID", "-//chemodose//chemodose schedule//EN"));
    cal.append_property(("CALSCALE", "GREGORIAN"));
    cal.name(&format!("{} ({})", s.regimen.name, s.regimen.id));
    let mut by_day: BTreeMap<
        (NaiveDate, u32, u32),
        (&ScheduledCycle, Vec<&ScheduledAdministration>),
    > = BTreeMap::new();
    for (c, a) in s.administrations() {
        by_day
            .entry((a.date, c.number, a.administration.day))
            .or_insert_with(|| (c, Vec::new()))
            .1
            .push(a);
    }
    let stamp = ctx.generated.unwrap_or_else(|| {
        // No time given: the start date at midnight keeps the output reproducible.
        s.cycles
            .first()
            .and_then(|c| c.start.and_hms_opt(0, 0, 0))
            .map_or_else(chrono::DateTime::default, |t| t.and_utc())
    });
    for ((date, cycle, day), (_, list)) in by_day {
        let drugs: Vec<String> = list
            .iter()
            .map(|a| format!("{} {}", drug_name(a), dose_text(a)))
            .collect();
        let mut description = vec![format!("{} cycle {cycle} day {day}", s.regimen.name)];
        if let Some(p) = &ctx.patient_id {
            description.push(format!("Patient id: {p}"));
        }
        for a in &list {
            let adm = &a.administration;
            let mut line = format!("{} {} {}", drug_name(a), dose_text(a), adm.route);
            if let Some(i) = &adm.infusion {
                line.push_str(&format!(" over {i}"));
            }
            line.push_str(&format!(" ({})", prescribed_text(a)));
            description.push(line);
        }
        if s.regimen.status.needs_attention() {
            description.push(format!(
                "Regimen status: {}",
                s.regimen.status.id().to_uppercase()
            ));
        }
        let event = Event::new()
            .uid(&uid(s, ctx, cycle, day))
            .timestamp(stamp)
            .summary(&format!("C{cycle}D{day}: {}", drugs.join(", ")))
            .description(&description.join("\n"))
            .starts(date)
            .ends(date.checked_add_days(Days::new(1)).unwrap_or(date))
            .done();
        cal.push(event);
    }
    cal.done().to_string()
}
