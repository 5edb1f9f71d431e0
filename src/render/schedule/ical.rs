//! The schedule as iCalendar (RFC 5545): one all-day event per administration
//! day listing the drugs and doses, with stable UIDs and an explicit DTSTAMP.
//! The escaping of `SUMMARY` and `DESCRIPTION` is done by the `icalendar`
//! crate; every value is first made [`visible`] (no bare CR, no control
//! character), and `NAME`, which the crate writes as it is given, is escaped
//! here ([`ics_text`]). Lines are folded here too ([`fold`]): the
//! crate's folding lets a continuation line reach 76 octets.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use icalendar::{Calendar, Component, Event, EventLike};

use super::{RenderContext, dose_text, drug_name, prescribed_text};
use crate::render::escape::{ics_lines, ics_text, visible};
use crate::schedule::{Schedule, ScheduledAdministration, ScheduledCycle};

/// A UID that stays the same when the schedule is printed again, unique
/// per patient and course: regimen, course key, cycle and day
/// (`crate::course`). Without a course (a library caller that gives none):
/// regimen, patient id (or the start date), cycle and day.
fn uid(s: &Schedule, ctx: &RenderContext, cycle: u32, day: i32) -> String {
    if let Some(course) = &ctx.course {
        return format!(
            "{}-{}-c{cycle}-d{day}@chemodose",
            s.regimen.id,
            course.key.as_str()
        );
    }
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
    // The crate escapes X-* properties but writes NAME as it is given (it
    // does not know RFC 7986's NAME as TEXT): NAME is escaped here.
    let name = format!("{} ({})", s.regimen.name, s.regimen.id);
    cal.append_property(("NAME", ics_text(&name).as_str()));
    cal.append_property(("X-WR-CALNAME", &*visible(&name)));
    if let Some(source) = &ctx.regimen_source {
        // Which regimen file the doses came from (issue 17, part 5).
        cal.append_property((
            "X-CHEMODOSE-REGIMEN-FILE",
            &*crate::render::provenance::origin_text(source),
        ));
        cal.append_property((
            "X-CHEMODOSE-REGIMEN-SHA256",
            source.sha256.to_string().as_str(),
        ));
        if let Some(note) = crate::render::provenance::replaces_line(source) {
            cal.append_property(("X-CHEMODOSE-REGIMEN-NOTE", note.as_str()));
        }
    }
    if let Some(course) = &ctx.course {
        cal.append_property(("X-CHEMODOSE-COURSE", course.key.as_str()));
    }
    let mut by_day: BTreeMap<
        (NaiveDate, u32, i32),
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
        // A drug given several times that day once, with its count:
        // "mesna 3 × 364 mg".
        let mut drugs: Vec<(String, String, u32)> = Vec::new();
        for a in &list {
            let (name, dose) = (drug_name(a), dose_text(a));
            match drugs.last_mut() {
                Some((n, d, count)) if *n == name && *d == dose => *count += 1,
                _ => drugs.push((name, dose, 1)),
            }
        }
        let drugs: Vec<String> = drugs
            .into_iter()
            .map(|(name, dose, count)| match count {
                1 => format!("{name} {dose}"),
                n => format!("{name} {n} × {dose}"),
            })
            .collect();
        let mut description = vec![format!(
            "{} cycle {cycle} day {day}",
            visible(&s.regimen.name)
        )];
        if let Some(p) = &ctx.patient_id {
            description.push(format!("Patient id: {}", visible(p)));
        }
        for a in &list {
            let adm = &a.administration;
            let mut line = format!("{} {} {}", drug_name(a), dose_text(a), visible(&adm.route));
            if let Some(i) = &adm.infusion {
                line.push_str(&format!(" over {}", visible(i)));
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
        let mut event = Event::new();
        event.uid(&uid(s, ctx, cycle, day)).timestamp(stamp);
        if let Some(course) = &ctx.course {
            // A re-printed course replaces its own events: same UID, a
            // revision raised by each delay day and change in force.
            event.sequence(course.revisions.sequence(cycle));
        }
        let event = event
            .summary(&format!("C{cycle}D{day}: {}", drugs.join(", ")))
            .description(&ics_lines(&description))
            .starts(date)
            .ends(date.checked_add_days(Days::new(1)).unwrap_or(date))
            .done();
        cal.push(event);
    }
    fold(&cal.done().to_string())
}

/// Content lines folded by RFC 5545 §3.1: at most 75 octets a line, CRLF
/// endings, a continuation starting with one space, never inside a UTF-8
/// character nor before a space of the value. Lines the crate folded are
/// unfolded first.
fn fold(ics: &str) -> String {
    const LIMIT: usize = 75;
    let unfolded = ics.replace("\r\n ", "");
    let mut out = String::with_capacity(unfolded.len() + unfolded.len() / 25);
    for line in unfolded.split_terminator("\r\n") {
        let mut rest = line;
        let mut limit = LIMIT;
        loop {
            if rest.len() <= limit {
                out.push_str(rest);
                out.push_str("\r\n");
                break;
            }
            let mut cut = limit;
            while !rest.is_char_boundary(cut) {
                cut -= 1;
            }
            // A continuation that starts with a space of the value is legal,
            // but some readers trim it: cut before the space instead.
            while rest[cut..].starts_with(' ')
                && let Some((before, _)) = rest[..cut].char_indices().next_back()
                && before > 0
            {
                cut = before;
            }
            out.push_str(&rest[..cut]);
            out.push_str("\r\n ");
            rest = &rest[cut..];
            // The leading space counts toward the next line's 75 octets.
            limit = LIMIT - 1;
        }
    }
    out
}
