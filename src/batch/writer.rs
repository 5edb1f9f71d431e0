//! Output rows: the header line, and each patient's row as CSV bytes.
//!
//! Owns: the output column names (`<drug>_d<day>_mg`, `<drug>_cycle_mg`,
//! `<drug>_course_mg`, as the pandas peer in `shared/bench/` names them,
//! also the names of a table's columns),
//! CSV quoting of ids, the BSA to 4 decimals, doses in mg as plain decimals,
//! and the per-drug cycle and course sums of a row (a table's rows take the
//! same sums). The id and the header
//! names are text cells and go through [`crate::render::csv`] (formula
//! injection); the BSA and the doses are numbers and never do.
//! Never does: compute, round or check a dose (the plan does), or read input.

use rust_decimal::Decimal;

use super::{BatchPlan, Layout};
use crate::render::csv::{push_field, text, text_bytes, text_field};

impl BatchPlan<'_> {
    /// The output column names for `layout`: for the wide layout `id`,
    /// `bsa_m2`, then `<drug>_d<day>_mg` per dose column, then
    /// `<drug>_cycle_mg` and `<drug>_course_mg` per drug; for the long
    /// layout `id`, `bsa_m2`, `drug`, `day`, `dose_mg`.
    pub fn column_names(&self, layout: Layout) -> Vec<String> {
        let mut names = vec!["id".to_owned(), "bsa_m2".to_owned()];
        match layout {
            Layout::Long => names.extend(["drug", "day", "dose_mg"].map(str::to_owned)),
            Layout::Wide => {
                names.extend(
                    self.columns
                        .iter()
                        .map(|c| format!("{}_d{}_mg", c.drug, c.day)),
                );
                names.extend(self.drugs.iter().map(|d| format!("{d}_cycle_mg")));
                names.extend(self.drugs.iter().map(|d| format!("{d}_course_mg")));
            }
        }
        names
    }

    /// The header line for `layout`, ending in a newline: the
    /// [`column_names`](Self::column_names), each a text cell.
    pub fn header(&self, layout: Layout) -> String {
        let mut h = self
            .column_names(layout)
            .iter()
            .map(|n| text_field(n))
            .collect::<Vec<_>>()
            .join(",");
        h.push('\n');
        h
    }

    /// Whether the course columns have values: the number of cycles in the
    /// course is known (the options', else the regimen's); else every
    /// `<drug>_course_mg` cell is empty.
    pub fn course_known(&self) -> bool {
        self.planned.is_some()
    }

    /// Each drug's sum over a row's dose columns, mg (its cycle dose), into
    /// `totals` (one per drug).
    pub(super) fn cycle_totals<T: Copy + Default + std::ops::AddAssign>(
        &self,
        doses: &[T],
        totals: &mut [T],
    ) {
        totals.iter_mut().for_each(|t| *t = T::default());
        for (dose, drug) in doses.iter().zip(&self.column_drug) {
            totals[*drug] += *dose;
        }
    }

    /// Drug `i`'s course total, mg: the engine's (`course`, one per drug,
    /// when the engine computed the row), else its cycle dose `total` ×
    /// the planned cycles (the fast path runs only for regimens without
    /// phases or cycle-restricted drugs); `None` when the number of cycles
    /// is not known.
    pub(super) fn course_total(
        &self,
        i: usize,
        course: &[Decimal],
        total: Decimal,
    ) -> Option<Decimal> {
        match (course.get(i), self.planned) {
            (Some(c), _) => Some(*c),
            (None, Some(n)) => Some(total * Decimal::from(n)),
            (None, None) => None,
        }
    }

    /// [`course_total`](Self::course_total) of a row of whole-mg doses
    /// (always the fast path).
    pub(super) fn course_whole_mg(&self, total: u64) -> Option<u64> {
        self.planned.map(|n| total * u64::from(n))
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
        // Day 1 and day 8 doses are usually equal: copy the digits instead of
        // formatting them again.
        let mut last: Option<(u64, usize, usize)> = None;
        for dose in doses {
            out.push(b',');
            match last {
                Some((v, from, to)) if v == *dose => out.extend_from_within(from..to),
                _ => {
                    let from = out.len();
                    push_u64(out, *dose);
                    last = Some((*dose, from, out.len()));
                }
            }
        }
        plan.cycle_totals(doses, totals);
        for t in totals.iter() {
            out.push(b',');
            push_u64(out, *t);
        }
        for t in totals.iter() {
            out.push(b',');
            if let Some(c) = plan.course_whole_mg(*t) {
                push_u64(out, c);
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
                for dose in doses {
                    out.push(b',');
                    push_decimal(out, *dose);
                }
                plan.cycle_totals(doses, totals);
                for t in totals.iter() {
                    out.push(b',');
                    push_decimal(out, *t);
                }
                for (i, t) in totals.iter().enumerate() {
                    out.push(b',');
                    if let Some(c) = plan.course_total(i, course, *t) {
                        push_decimal(out, c);
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

/// The BSA (m²) in ten-thousandths, rounded as the output prints it.
pub(super) fn bsa_ten_thousandths(bsa: f64) -> u64 {
    (bsa * 10_000.0).round() as u64
}

/// The BSA (m²) to 4 decimals, as the peer script prints it.
fn push_bsa(out: &mut Vec<u8>, bsa: f64) {
    let scaled = bsa_ten_thousandths(bsa);
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
