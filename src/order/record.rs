//! The patient's record as an independent source: the latest height and
//! weight of the electronic record (read from a FHIR bundle by the command
//! line, `order verify --fhir`), compared with the order's own.
//!
//! Owns: the comparison and its findings (`record-weight-differs`,
//! `record-height-differs`, `record-sex-differs`): the order's values are
//! what the prescriber used and stay the ones the doses are recomputed
//! from; the record's are the pharmacist's independent check of them.
//! Never does: replace an order's value with the record's, or read FHIR
//! (the command line hands typed values in).

use chrono::NaiveDate;
use uom::si::f64::{Length, Mass};

use super::check::{SRC_ORDER, SRC_THRESHOLDS, finding, percent_of};
use super::{Finding, Issue, Order, Severity};
use crate::patient::Sex;
use crate::quantity::{cm, kg};
use crate::rounding::to_decimal;

/// A value of the record, with its date and where it is (`Observation/w1`
/// in `bundle.json`).
#[derive(Debug, Clone, PartialEq)]
pub struct RecordValue<T> {
    /// The value.
    pub value: T,
    /// When it was measured.
    pub date: NaiveDate,
    /// Where it is, in words.
    pub source: String,
}

/// What the patient's record says, to compare with the order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RecordPatient {
    /// The latest body height.
    pub height: Option<RecordValue<Length>>,
    /// The latest body weight.
    pub weight: Option<RecordValue<Mass>>,
    /// The sex recorded, and where.
    pub sex: Option<(Sex, String)>,
}

/// The order's height and weight against the record's latest: a
/// difference above the agreement threshold (5 % by default, as for the
/// BSA and weight used) is queried, a smaller one is noted; the same value
/// is no finding. A sex recorded otherwise than the order's is queried.
pub(super) fn record_findings(
    order: &Order,
    record: &RecordPatient,
    agree: rust_decimal::Decimal,
    out: &mut Vec<Finding>,
) {
    let p = &order.patient;
    let compare = |what: &'static str,
                   unit: &'static str,
                   ordered: f64,
                   ordered_on: NaiveDate,
                   recorded: f64,
                   r_date: NaiveDate,
                   source: &str,
                   out: &mut Vec<Finding>| {
        let (Some(o), Some(r)) = (to_decimal(ordered), to_decimal(recorded)) else {
            return;
        };
        let (o, r) = (o.round_dp(2).normalize(), r.round_dp(2).normalize());
        let Some(pct) = percent_of(o, r) else { return };
        if pct.is_zero() {
            return;
        }
        out.push(finding(
            if pct.abs() > agree {
                Severity::Query
            } else {
                Severity::Info
            },
            &format!("record-{what}-differs"),
            None,
            None,
            Issue::RecordDiffers {
                what,
                unit,
                order_value: o,
                order_date: ordered_on,
                record_value: r,
                record_date: r_date,
                record_source: source.to_owned(),
                percent: pct,
            },
            SRC_THRESHOLDS,
        ));
    };
    if let Some(w) = &record.weight {
        compare(
            "weight",
            "kg",
            kg(p.weight.value),
            p.weight.date,
            kg(w.value),
            w.date,
            &w.source,
            out,
        );
    }
    if let Some(h) = &record.height {
        compare(
            "height",
            "cm",
            cm(p.height.value),
            p.height.date,
            cm(h.value),
            h.date,
            &h.source,
            out,
        );
    }
    if let (Some(ordered), Some((recorded, source))) = (p.sex, &record.sex)
        && ordered != *recorded
    {
        out.push(finding(
            Severity::Query,
            "record-sex-differs",
            None,
            None,
            Issue::RecordSexDiffers {
                order: ordered,
                record: *recorded,
                record_source: source.clone(),
            },
            SRC_ORDER,
        ));
    }
}
