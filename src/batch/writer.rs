//! Output rows: the header line, and each patient's row as CSV bytes.
//!
//! Owns: the output column names (`<drug>_d<day>_mg`, `<drug>_cycle_mg`,
//! `<drug>_course_mg`, as the pandas peer in `shared/bench/` names them),
//! CSV quoting of ids, the BSA to 4 decimals, doses in mg as plain decimals,
//! and the per-drug cycle and course sums of a row. The id and the header
//! names are text cells and go through [`crate::render::csv`] (formula
//! injection); the BSA and the doses are numbers and never do.
//! Never does: compute, round or check a dose (the plan does), or read input.

use rust_decimal::Decimal;

use super::{BatchPlan, Layout};
use crate::render::csv::{push_field, text, text_bytes, text_field};

impl BatchPlan<'_> {
    /// The header line for `layout`, ending in a newline: for the wide layout
    /// `id,bsa_m2`, then `<drug>_d<day>_mg` per dose column, then
    /// `<drug>_cycle_mg` and `<drug>_course_mg` per drug.
    pub fn header(&self, layout: Layout) -> String {
        match layout {
            Layout::Long => "id,bsa_m2,drug,day,dose_mg\n".to_owned(),
            Layout::Wide => {
                let mut h = String::from("id,bsa_m2");
                for c in &self.columns {
                    h.push(',');
                    h.push_str(&text_field(&format!("{}_d{}_mg", c.drug, c.day)));
                }
                for d in &self.drugs {
                    h.push(',');
                    h.push_str(&text_field(&format!("{d}_cycle_mg")));
                }
                for d in &self.drugs {
                    h.push(',');
                    h.push_str(&text_field(&format!("{d}_course_mg")));
                }
                h.push('\n');
                h
            }
        }
    }
}

/// Writes a plan's output rows, with the per-drug sums it reuses from row to
/// row.
pub(super) struct RowWriter<'p> {
    /// The plan: its columns, their drugs and the planned cycles.
    plan: &'p BatchPlan<'p>,
    /// The layout of every row.
    layout: Layout,
    /// Each drug's sum over the row's columns, mg (the cycle dose).
    totals: Vec<Decimal>,
    /// The same sums for rows written from whole-mg doses.
    whole_mg_totals: Vec<u64>,
}

impl<'p> RowWriter<'p> {
    /// A writer of `plan`'s rows in `layout`.
    pub(super) fn new(plan: &'p BatchPlan<'p>, layout: Layout) -> Self {
        RowWriter {
            plan,
            layout,
            totals: vec![Decimal::ZERO; plan.drugs.len()],
            whole_mg_totals: vec![0; plan.drugs.len()],
        }
    }

    /// A wide row from whole-mg doses (one per column) and the unrounded BSA
    /// (m²). Only for the wide layout.
    pub(super) fn whole_mg_row(&mut self, id: &[u8], bsa: f64, doses: &[u64], out: &mut Vec<u8>) {
        let plan = self.plan;
        let totals = &mut self.whole_mg_totals;
        push_id(out, id);
        out.push(b',');
        push_bsa(out, bsa);
        totals.iter_mut().for_each(|t| *t = 0);
        // Day 1 and day 8 doses are usually equal: copy the digits instead of
        // formatting them again.
        let mut last: Option<(u64, usize, usize)> = None;
        for (dose, drug) in doses.iter().zip(&plan.column_drug) {
            out.push(b',');
            match last {
                Some((v, from, to)) if v == *dose => out.extend_from_within(from..to),
                _ => {
                    let from = out.len();
                    push_u64(out, *dose);
                    last = Some((*dose, from, out.len()));
                }
            }
            totals[*drug] += dose;
        }
        for t in totals.iter() {
            out.push(b',');
            push_u64(out, *t);
        }
        for t in totals.iter() {
            out.push(b',');
            // Course = cycle × planned cycles: the fast path only runs for regimens
            // without phases or cycle-restricted drugs.
            if let Some(n) = plan.planned {
                push_u64(out, t * u64::from(n));
            }
        }
        out.push(b'\n');
    }

    /// A row (wide) or rows (long) from doses in mg (one per column), the
    /// engine's course totals in mg (one per drug; empty when the fast path
    /// computed the doses: course = cycle × planned cycles) and the unrounded
    /// BSA (m²).
    pub(super) fn row(
        &mut self,
        id: &[u8],
        bsa: f64,
        doses: &[Decimal],
        course: &[Decimal],
        out: &mut Vec<u8>,
    ) {
        let plan = self.plan;
        let totals = &mut self.totals;
        match self.layout {
            Layout::Long => {
                for (col, dose) in plan.columns.iter().zip(doses) {
                    push_id(out, id);
                    out.push(b',');
                    push_bsa(out, bsa);
                    out.push(b',');
                    push_field(out, text(&col.drug).as_bytes());
                    out.push(b',');
                    push_u64(out, u64::from(col.day));
                    out.push(b',');
                    push_decimal(out, *dose);
                    out.push(b'\n');
                }
            }
            Layout::Wide => {
                push_id(out, id);
                out.push(b',');
                push_bsa(out, bsa);
                totals.iter_mut().for_each(|t| *t = Decimal::ZERO);
                for (dose, drug) in doses.iter().zip(&plan.column_drug) {
                    out.push(b',');
                    push_decimal(out, *dose);
                    totals[*drug] += *dose;
                }
                for t in totals.iter() {
                    out.push(b',');
                    push_decimal(out, *t);
                }
                for (i, t) in totals.iter().enumerate() {
                    out.push(b',');
                    match (course.get(i), plan.planned) {
                        (Some(c), _) => push_decimal(out, *c),
                        (None, Some(n)) => push_decimal(out, *t * Decimal::from(n)),
                        (None, None) => {}
                    }
                }
                out.push(b'\n');
            }
        }
    }
}

/// A dose in mg as a plain decimal: no exponent, no trailing zeros
/// (`1638`, `0.5`).
fn push_decimal(out: &mut Vec<u8>, d: Decimal) {
    if (d.scale() == 0 || d.fract().is_zero())
        && let Ok(i) = i64::try_from(d.trunc().mantissa() / 10i128.pow(d.trunc().scale()))
    {
        out.extend_from_slice(itoa::Buffer::new().format(i).as_bytes());
        return;
    }
    out.extend_from_slice(d.normalize().to_string().as_bytes());
}

/// The BSA (m²) to 4 decimals, as the peer script prints it.
fn push_bsa(out: &mut Vec<u8>, bsa: f64) {
    let scaled = (bsa * 10_000.0).round() as u64;
    out.extend_from_slice(itoa::Buffer::new().format(scaled / 10_000).as_bytes());
    out.push(b'.');
    let frac = scaled % 10_000;
    out.extend_from_slice(&[
        b'0' + (frac / 1000) as u8,
        b'0' + (frac / 100 % 10) as u8,
        b'0' + (frac / 10 % 10) as u8,
        b'0' + (frac % 10) as u8,
    ]);
}

/// The id as read, a text cell: with a single quote in front when it would
/// start a formula, quoted (with `""` for `"`) when it holds a comma, a
/// quote or a line break.
fn push_id(out: &mut Vec<u8>, id: &[u8]) {
    push_field(out, &text_bytes(id));
}

/// A whole number in decimal digits.
fn push_u64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bsa_with_four_decimals() {
        let mut out = Vec::new();
        push_bsa(&mut out, 1.818_118_685_772_619);
        assert_eq!(out, b"1.8181");
    }
}
