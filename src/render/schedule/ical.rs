//! The schedule as iCalendar (RFC 5545): one all-day event per administration
//! day listing the drugs and doses, with stable UIDs and an explicit DTSTAMP.
//!
//! The content lines are written here ([`ContentLines`]), each folded once
//! as it is written ([`fold_into`]), and every TEXT value is made
//! [`visible`](crate::render::escape::visible) (no bare CR, no control
//! character) and escaped ([`ics_text`]). The `icalendar` crate wrote them before: it folded each
//! line by counting characters from the line's start at every fold, so a
//! long value (a 100,000-character patient id) took 0.4 s in a release
//! build and 105 s in a debug one; it let a continuation line reach 76
//! octets and wrote `NAME` unescaped, which this module had already
//! corrected after it.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};

use super::{RenderContext, dose_text, drug_name, prescribed_text};
use crate::render::escape::{ics_lines, ics_text};
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
    let mut ics = ContentLines::default();
    ics.line("BEGIN", "VCALENDAR");
    ics.line("VERSION", "2.0");
    ics.line("PRODID", "-//chemodose//chemodose schedule//EN");
    ics.line("CALSCALE", "GREGORIAN");
    let name = format!("{} ({})", s.regimen.name, s.regimen.id);
    // RFC 7986's NAME, and the name most calendar programs read.
    ics.text("NAME", &name);
    ics.text("X-WR-CALNAME", &name);
    if let Some(source) = &ctx.regimen_source {
        // Which regimen file the doses came from (issue 17, part 5).
        ics.text(
            "X-CHEMODOSE-REGIMEN-FILE",
            &crate::render::provenance::origin_text(source),
        );
        ics.text("X-CHEMODOSE-REGIMEN-SHA256", &source.sha256.to_string());
        if let Some(note) = crate::render::provenance::replaces_line(source) {
            ics.text("X-CHEMODOSE-REGIMEN-NOTE", &note);
        }
    }
    if let Some(course) = &ctx.course {
        ics.text("X-CHEMODOSE-COURSE", course.key.as_str());
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
        // Plain lines: `ics_lines` makes each one visible and escapes it.
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
        // An event's properties in name order, as before (the `icalendar`
        // crate kept them sorted): the same text for the same schedule.
        ics.line("BEGIN", "VEVENT");
        ics.line("DESCRIPTION", &ics_lines(&description));
        let end = date.checked_add_days(Days::new(1)).unwrap_or(date);
        ics.line("DTEND;VALUE=DATE", &end.format("%Y%m%d").to_string());
        ics.line("DTSTAMP", &stamp.format("%Y%m%dT%H%M%SZ").to_string());
        ics.line("DTSTART;VALUE=DATE", &date.format("%Y%m%d").to_string());
        if let Some(course) = &ctx.course {
            // A re-printed course replaces its own events: same UID, a
            // revision raised by each delay day and change in force.
            ics.line("SEQUENCE", &course.revisions.sequence(cycle).to_string());
        }
        ics.text("SUMMARY", &format!("C{cycle}D{day}: {}", drugs.join(", ")));
        ics.text("UID", &uid(s, ctx, cycle, day));
        ics.line("END", "VEVENT");
    }
    ics.line("END", "VCALENDAR");
    ics.out
}

/// The .ics text being written, one content line at a time.
#[derive(Default)]
struct ContentLines {
    out: String,
}

impl ContentLines {
    /// `NAME:value`, the value already in iCalendar form (a date, a
    /// number, an escaped text), folded.
    fn line(&mut self, name: &str, value: &str) {
        fold_into(&mut self.out, name, value);
    }

    /// `NAME:value` for a TEXT value, escaped by [`ics_text`].
    fn text(&mut self, name: &str, value: &str) {
        self.line(name, &ics_text(value));
    }
}

/// `name:value` written to `out` as one content line folded by RFC 5545
/// §3.1: at most 75 octets a line, CRLF endings, a continuation starting
/// with one space, never inside a UTF-8 character and, where the value
/// allows, not before a space of the value. One pass: each cut looks back
/// at most one line's width.
fn fold_into(out: &mut String, name: &str, value: &str) {
    const LIMIT: usize = 75;
    let line = [name, ":", value].concat();
    let mut rest = line.as_str();
    let mut limit = LIMIT;
    while rest.len() > limit {
        let mut cut = limit;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        // A continuation that starts with a space of the value is legal,
        // but some readers trim it: cut before the space instead, unless
        // the spaces reach back to the line's start.
        let mut before_space = cut;
        while rest[before_space..].starts_with(' ')
            && let Some((before, _)) = rest[..before_space].char_indices().next_back()
        {
            before_space = before;
        }
        if before_space > 0 {
            cut = before_space;
        }
        out.push_str(&rest[..cut]);
        out.push_str("\r\n ");
        rest = &rest[cut..];
        // The leading space counts toward the next line's 75 octets.
        limit = LIMIT - 1;
    }
    out.push_str(rest);
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::fold_into;

    /// The folded line's pieces, and the line unfolded again (RFC 5545
    /// §3.1: remove each CRLF followed by one space).
    fn folded(name: &str, value: &str) -> (Vec<String>, String) {
        let mut out = String::new();
        fold_into(&mut out, name, value);
        assert!(out.ends_with("\r\n"), "{out:?}");
        let pieces: Vec<String> = out[..out.len() - 2]
            .split("\r\n")
            .map(str::to_owned)
            .collect();
        (pieces, out[..out.len() - 2].replace("\r\n ", ""))
    }

    #[test]
    fn a_short_line_is_written_whole() {
        assert_eq!(folded("SUMMARY", "C1D1").0, ["SUMMARY:C1D1"]);
        // 75 octets exactly: no fold.
        let value = "a".repeat(75 - "SUMMARY:".len());
        assert_eq!(folded("SUMMARY", &value).0.len(), 1);
    }

    #[test]
    fn long_lines_fold_at_75_octets_and_unfold_to_the_value() {
        let cases = [
            "a".repeat(76 - "X:".len()),
            "a".repeat(1000),
            "é".repeat(500),
            "老虎".repeat(300),
            format!("{}{}y", "é".repeat(300), " ".repeat(200)),
            " ".repeat(500),
            "a b ".repeat(300),
        ];
        for value in cases {
            let (pieces, unfolded) = folded("X", &value);
            assert_eq!(unfolded, format!("X:{value}"));
            assert!(pieces.len() > 1, "{value:?} was not folded");
            for (i, piece) in pieces.iter().enumerate() {
                assert!(piece.len() <= 75, "piece {i} of {value:?}: {piece:?}");
                assert_eq!(i > 0, piece.starts_with(' '), "piece {i}: {piece:?}");
            }
        }
    }

    #[test]
    fn a_fold_is_not_put_before_a_space_of_the_value() {
        // "X:" and 73 a's are 75 octets, then " b": a cut at 75 would leave
        // the value's space at the start of the continuation, so the cut
        // moves back one a.
        let value = format!("{} b", "a".repeat(73));
        let (pieces, _) = folded("X", &value);
        assert_eq!(pieces, [format!("X:{}", "a".repeat(72)), " a b".to_owned()]);
    }
}
