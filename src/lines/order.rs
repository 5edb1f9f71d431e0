//! The order of patients in an administrations file.
//!
//! Owns: the check that the file is sorted by patient id, so that each
//! patient's records are together and the reader holds one patient at a
//! time. A file is accepted when its ids are in strictly increasing text
//! order (byte order, as `LC_ALL=C sort` gives) or, when every id is a
//! number, in strictly increasing numeric order (as `sort -n` gives). Each
//! of the two is a total order, so in a file that follows one of them a
//! patient cannot appear again after another. (Comparing numbers as numbers
//! and other ids as text, pair by pair, is no order at all: `10`, `5x`,
//! `9`, `10` passed, and patient 10's records were split in two.)
//! Never does: remember the ids seen (memory stays bounded), or sort.

/// Where one of the two orders was first broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderBreak {
    /// `patient` comes after `previous` on `line`, not after it in this order.
    After {
        /// The line of the record (the header is line 1).
        line: u64,
        /// Its patient id.
        patient: String,
        /// The patient id of the record before.
        previous: String,
    },
    /// An id is not a number, so the file is not in numeric order.
    NotANumber {
        /// The patient id.
        patient: String,
    },
}

impl std::fmt::Display for OrderBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OrderBreak::After {
                line,
                patient,
                previous,
            } => write!(f, "line {line}: `{patient}` after `{previous}`"),
            OrderBreak::NotANumber { patient } => write!(f, "`{patient}` is not a number"),
        }
    }
}

/// The two orders a file may follow, checked patient by patient.
#[derive(Debug, Default)]
pub(super) struct PatientOrder {
    /// Where text order was first broken.
    text: Option<OrderBreak>,
    /// Where numeric order was first broken.
    numbers: Option<OrderBreak>,
}

impl PatientOrder {
    /// Records that `patient`, on `line`, follows `previous` (another id).
    /// `Err` with both breaks once the file follows neither order.
    #[cfg(test)]
    fn next(
        &mut self,
        line: u64,
        previous: &str,
        patient: &str,
    ) -> Result<(), (OrderBreak, OrderBreak)> {
        let (text, numbers) = self.judge(line, previous, patient);
        self.take(text, numbers)
    }

    /// How `patient`, on `line`, after `previous` breaks each order not yet
    /// broken here (a reader of part of a file judges its own pairs, and
    /// the file's order then [`take`](Self::take)s what it found).
    pub(super) fn judge(
        &self,
        line: u64,
        previous: &str,
        patient: &str,
    ) -> (Option<OrderBreak>, Option<OrderBreak>) {
        let after = || OrderBreak::After {
            line,
            patient: patient.to_owned(),
            previous: previous.to_owned(),
        };
        let text = (self.text.is_none() && patient <= previous).then(after);
        let numbers = if self.numbers.is_some() {
            None
        } else {
            match (number(previous), number(patient)) {
                (Some(a), Some(b)) if b > a => None,
                (Some(_), Some(_)) => Some(after()),
                (None, _) => Some(OrderBreak::NotANumber {
                    patient: previous.to_owned(),
                }),
                (_, None) => Some(OrderBreak::NotANumber {
                    patient: patient.to_owned(),
                }),
            }
        };
        (text, numbers)
    }

    /// Takes the breaks of one pair of ids, in file order; `Err` with both
    /// breaks once the file follows neither order.
    pub(super) fn take(
        &mut self,
        text: Option<OrderBreak>,
        numbers: Option<OrderBreak>,
    ) -> Result<(), (OrderBreak, OrderBreak)> {
        if self.text.is_none() {
            self.text = text;
        }
        if self.numbers.is_none() {
            self.numbers = numbers;
        }
        match (&self.text, &self.numbers) {
            (Some(t), Some(n)) => Err((t.clone(), n.clone())),
            _ => Ok(()),
        }
    }
}

/// An id made of digits only, as a number.
fn number(id: &str) -> Option<u128> {
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    id.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first line at which `ids` (one record each, from line 2) follow
    /// neither order.
    fn refused_at(ids: &[&str]) -> Option<u64> {
        let mut order = PatientOrder::default();
        for (i, pair) in ids.windows(2).enumerate() {
            if order.next(i as u64 + 3, pair[0], pair[1]).is_err() {
                return Some(i as u64 + 3);
            }
        }
        None
    }

    #[test]
    fn text_or_numeric_order_is_accepted_and_a_mix_is_not() {
        // Numeric order, and the text order `sort` gives without -n.
        assert_eq!(refused_at(&["2", "10", "11"]), None);
        assert_eq!(refused_at(&["1", "10", "2"]), None);
        assert_eq!(refused_at(&["a", "b", "c10", "c2"]), None);
        // `001` and `1` are two ids, in text order.
        assert_eq!(refused_at(&["001", "1"]), None);
        // Out of order either way.
        assert_eq!(refused_at(&["2", "10", "2"]), Some(4));
        assert_eq!(refused_at(&["1", "001"]), Some(3));
        // Each pair in order by one rule or the other, the whole in neither:
        // patient 10 comes back.
        assert_eq!(refused_at(&["10", "5x", "9", "10"]), Some(5));
    }
}
