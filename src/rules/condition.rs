//! Conditions as regimen files write them: `crcl < 60 mL/min`,
//! `bilirubin > 1 x ULN`, `(ast > 1.5 x ULN or alt > 1.5 x ULN) and alp >
//! 2.5 x ULN`, `anc < 1.5 x10^9/L`, `child-pugh >= B`,
//! `febrile-neutropenia >= 3`.
//!
//! Owns: the variables a rule can read, the comparators (kept exactly as the
//! source writes them: `<` is not `<=`), thresholds with their units, the
//! parser (which refuses `and` and `or` mixed without parentheses) and the
//! evaluation in three values: true, false, or unknown when an input is
//! missing.
//! Never does: decide what a rule does when its condition holds (that is the
//! rule's action) or read a file.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;

use crate::quantity::{Lab, LabValue, parse_gfr, parse_lab, parse_serum_creatinine};
use crate::rounding::to_decimal;

/// The Child-Pugh class of hepatic impairment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChildPugh {
    /// Class A (mild).
    A,
    /// Class B (moderate).
    B,
    /// Class C (severe).
    C,
}

impl FromStr for ChildPugh {
    type Err = ConditionError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_uppercase().as_str() {
            "A" => Ok(ChildPugh::A),
            "B" => Ok(ChildPugh::B),
            "C" => Ok(ChildPugh::C),
            _ => Err(ConditionError::BadThreshold {
                variable: "child-pugh".to_owned(),
                text: s.to_owned(),
                expected: "A, B or C",
            }),
        }
    }
}

impl fmt::Display for ChildPugh {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ChildPugh::A => "A",
            ChildPugh::B => "B",
            ChildPugh::C => "C",
        })
    }
}

/// The CTCAE toxicities a toxicity rule or the caller can name, graded 0-5.
pub const TOXICITIES: &[&str] = &[
    "neutropenia",
    "febrile-neutropenia",
    "thrombocytopenia",
    "anaemia",
    "peripheral-neuropathy",
    "non-haematological",
    "hepatotoxicity",
    "skin",
    "pneumonitis",
    "cardiac",
    "mucositis",
    "diarrhoea",
];

/// What a rule can read.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Variable {
    /// Creatinine clearance, mL/min (Cockcroft-Gault, or a measured GFR).
    Crcl,
    /// Serum creatinine, mg/dL.
    Scr,
    /// A laboratory result.
    Lab(Lab),
    /// The Child-Pugh class.
    ChildPugh,
    /// The worst CTCAE grade of a toxicity in the previous cycle.
    Toxicity(String),
}

impl Variable {
    /// The name as written in rules and requirements.
    pub fn id(&self) -> &str {
        match self {
            Variable::Crcl => "crcl",
            Variable::Scr => "scr",
            Variable::Lab(l) => l.id(),
            Variable::ChildPugh => "child-pugh",
            Variable::Toxicity(t) => t,
        }
    }

    /// Reads a variable name; toxicities only where `toxicity` allows them.
    pub fn parse(name: &str, toxicity: bool) -> Result<Variable, ConditionError> {
        let n = name.trim().to_lowercase();
        Ok(match n.as_str() {
            "crcl" => Variable::Crcl,
            "scr" => Variable::Scr,
            "child-pugh" => Variable::ChildPugh,
            _ => match n.parse::<Lab>() {
                Ok(l) => Variable::Lab(l),
                Err(_) if toxicity && TOXICITIES.contains(&n.as_str()) => Variable::Toxicity(n),
                Err(_) => {
                    return Err(ConditionError::UnknownVariable {
                        name: name.trim().to_owned(),
                        toxicity,
                    });
                }
            },
        })
    }
}

impl fmt::Display for Variable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// A comparator, as the source writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Comparator {
    /// `<`
    Below,
    /// `<=`
    AtMost,
    /// `>`
    Above,
    /// `>=`
    AtLeast,
    /// `=`
    Equal,
}

impl Comparator {
    /// As written: `<`, `<=`, `>`, `>=`, `=`.
    pub fn symbol(self) -> &'static str {
        match self {
            Comparator::Below => "<",
            Comparator::AtMost => "<=",
            Comparator::Above => ">",
            Comparator::AtLeast => ">=",
            Comparator::Equal => "=",
        }
    }

    fn holds(self, ord: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            Comparator::Below => ord == Less,
            Comparator::AtMost => ord != Greater,
            Comparator::Above => ord == Greater,
            Comparator::AtLeast => ord != Less,
            Comparator::Equal => ord == Equal,
        }
    }
}

/// A threshold with its unit.
#[derive(Debug, Clone, PartialEq)]
pub enum Threshold {
    /// In the variable's canonical unit (mL/min, mg/dL, the lab's unit).
    Value(Decimal),
    /// A multiple of the upper limit of normal.
    TimesUln(Decimal),
    /// A Child-Pugh class.
    Class(ChildPugh),
    /// A CTCAE grade, 0-5.
    Grade(u8),
}

/// One comparison: `anc < 1.5 x10^9/L`.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// What is read.
    pub variable: Variable,
    /// How it is compared.
    pub comparator: Comparator,
    /// With what.
    pub threshold: Threshold,
    /// The threshold as written (`1.5 x10^9/L`), for messages.
    pub written: String,
}

/// A condition: comparisons joined by `and` or `or`.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// One comparison.
    Compare(Comparison),
    /// Every part holds.
    All(Vec<Condition>),
    /// At least one part holds.
    Any(Vec<Condition>),
}

/// Why a condition as written cannot be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConditionError {
    /// Nothing to read.
    #[error("the condition is empty")]
    Empty,
    /// `and` and `or` at one level.
    #[error("`and` and `or` are mixed in `{0}`: group them with parentheses")]
    Mixed(String),
    /// Unbalanced parentheses.
    #[error("the parentheses in `{0}` do not balance")]
    Parentheses(String),
    /// No comparator.
    #[error("`{0}` is not a comparison: write e.g. `crcl < 60 mL/min` or `bilirubin > 1 x ULN`")]
    NotAComparison(String),
    /// A name nobody knows.
    #[error("unknown input `{name}`; use crcl, scr, anc, platelets, hb, bilirubin, ast, alt, alp, albumin, cpk, lvef or child-pugh{}", if *toxicity { ", or a toxicity (neutropenia, febrile-neutropenia, thrombocytopenia, anaemia, peripheral-neuropathy, non-haematological, hepatotoxicity, skin, pneumonitis, cardiac, mucositis, diarrhoea)" } else { "" })]
    UnknownVariable {
        /// The name as written.
        name: String,
        /// Whether toxicities were allowed here.
        toxicity: bool,
    },
    /// A threshold that does not fit its variable.
    #[error("`{text}` is not a threshold for {variable}: expected {expected}")]
    BadThreshold {
        /// The variable.
        variable: String,
        /// The threshold as written.
        text: String,
        /// What is expected.
        expected: &'static str,
    },
    /// Too deep or too long for a rule.
    #[error("the condition is too long (at most 16 comparisons, nested 4 deep)")]
    TooLong,
}

const MAX_COMPARISONS: usize = 16;
const MAX_DEPTH: usize = 4;

impl Condition {
    /// Parses a condition as written. `toxicity` allows toxicity grades as
    /// variables (toxicity rules only).
    ///
    /// # Errors
    /// [`ConditionError`] naming what cannot be read.
    pub fn parse(text: &str, toxicity: bool) -> Result<Condition, ConditionError> {
        let c = parse_level(text, toxicity, 0)?;
        if c.comparisons().len() > MAX_COMPARISONS {
            return Err(ConditionError::TooLong);
        }
        Ok(c)
    }

    /// Every comparison, in order.
    pub fn comparisons(&self) -> Vec<&Comparison> {
        match self {
            Condition::Compare(c) => vec![c],
            Condition::All(parts) | Condition::Any(parts) => {
                parts.iter().flat_map(Condition::comparisons).collect()
            }
        }
    }

    /// The variables read, each once.
    pub fn variables(&self) -> Vec<Variable> {
        let mut v: Vec<Variable> = self
            .comparisons()
            .into_iter()
            .map(|c| c.variable.clone())
            .collect();
        v.sort();
        v.dedup();
        v
    }
}

/// Splits `text` at top-level occurrences of the word `word`.
fn split_top(text: &str, word: &str) -> Result<Vec<String>, ConditionError> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut current = String::new();
    let tokens: Vec<&str> = text.split_whitespace().collect();
    for t in tokens {
        let opens = t.matches('(').count() as i32;
        let closes = t.matches(')').count() as i32;
        if depth == 0 && t.eq_ignore_ascii_case(word) {
            parts.push(std::mem::take(&mut current));
            continue;
        }
        depth += opens - closes;
        if depth < 0 {
            return Err(ConditionError::Parentheses(text.to_owned()));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(t);
    }
    if depth != 0 {
        return Err(ConditionError::Parentheses(text.to_owned()));
    }
    parts.push(current);
    Ok(parts)
}

fn parse_level(text: &str, toxicity: bool, depth: usize) -> Result<Condition, ConditionError> {
    if depth > MAX_DEPTH {
        return Err(ConditionError::TooLong);
    }
    let t = text.trim();
    if t.is_empty() {
        return Err(ConditionError::Empty);
    }
    let ands = split_top(t, "and")?;
    let ors = split_top(t, "or")?;
    if ands.len() > 1 && ors.len() > 1 {
        return Err(ConditionError::Mixed(t.to_owned()));
    }
    if ands.len() > 1 {
        return ands
            .iter()
            .map(|p| parse_level(p, toxicity, depth + 1))
            .collect::<Result<Vec<_>, _>>()
            .map(Condition::All);
    }
    if ors.len() > 1 {
        return ors
            .iter()
            .map(|p| parse_level(p, toxicity, depth + 1))
            .collect::<Result<Vec<_>, _>>()
            .map(Condition::Any);
    }
    if let Some(inner) = t.strip_prefix('(').and_then(|s| s.strip_suffix(')')) {
        // "(a) and (b)" splits above; here the whole text is one group.
        if split_top(inner, "and").is_ok() && split_top(inner, "or").is_ok() {
            return parse_level(inner, toxicity, depth + 1);
        }
    }
    parse_comparison(t, toxicity).map(Condition::Compare)
}

fn parse_comparison(text: &str, toxicity: bool) -> Result<Comparison, ConditionError> {
    let ops: [(&str, Comparator); 7] = [
        ("<=", Comparator::AtMost),
        (">=", Comparator::AtLeast),
        ("≤", Comparator::AtMost),
        ("≥", Comparator::AtLeast),
        ("<", Comparator::Below),
        (">", Comparator::Above),
        ("=", Comparator::Equal),
    ];
    let (at, symbol, comparator) = ops
        .iter()
        .filter_map(|(s, c)| text.find(s).map(|i| (i, *s, *c)))
        .min_by_key(|(i, s, _)| (*i, std::cmp::Reverse(s.len())))
        .ok_or_else(|| ConditionError::NotAComparison(text.to_owned()))?;
    let name = text[..at].trim();
    let written = text[at + symbol.len()..].trim();
    if name.is_empty() || written.is_empty() {
        return Err(ConditionError::NotAComparison(text.to_owned()));
    }
    let variable = Variable::parse(name, toxicity)?;
    let bad = |expected| ConditionError::BadThreshold {
        variable: variable.id().to_owned(),
        text: written.to_owned(),
        expected,
    };
    let decimal = |x: f64| to_decimal(x).ok_or_else(|| bad("a finite number"));
    let threshold = match &variable {
        Variable::Crcl => Threshold::Value(decimal(crate::quantity::ml_per_min(
            parse_gfr(written).map_err(|_| bad("a clearance in mL/min, e.g. 60 mL/min"))?,
        ))?),
        Variable::Scr => Threshold::Value(decimal(crate::quantity::mg_per_dl(
            parse_serum_creatinine(written)
                .map_err(|_| bad("a creatinine with its unit, e.g. 1.5 mg/dL"))?,
        ))?),
        Variable::Lab(lab) => match parse_lab(*lab, &fold_uln(written)) {
            Ok(LabValue::Measured(v)) => Threshold::Value(decimal(v)?),
            Ok(LabValue::TimesUln(x)) => Threshold::TimesUln(decimal(x)?),
            Err(_) => return Err(bad(lab.example())),
        },
        Variable::ChildPugh => Threshold::Class(written.parse()?),
        Variable::Toxicity(_) => match written.parse::<u8>() {
            Ok(g) if g <= 5 => Threshold::Grade(g),
            _ => return Err(bad("a CTCAE grade from 0 to 5")),
        },
    };
    if matches!(variable, Variable::ChildPugh | Variable::Toxicity(_))
        != matches!(threshold, Threshold::Class(_) | Threshold::Grade(_))
    {
        return Err(bad("a value of the variable's kind"));
    }
    Ok(Comparison {
        variable,
        comparator,
        threshold,
        written: written.to_owned(),
    })
}

/// `1.5 x ULN` and `1.5 × ULN` as the lab parser reads them (`1.5xULN`).
fn fold_uln(s: &str) -> String {
    let lower = s.to_lowercase();
    if lower.ends_with("uln") {
        s.split_whitespace().collect::<String>()
    } else {
        s.to_owned()
    }
}

/// A value a comparison reads, as observed.
#[derive(Debug, Clone, PartialEq)]
pub enum Observed {
    /// In the variable's canonical unit.
    Value(Decimal),
    /// As a multiple of its ULN.
    TimesUln(Decimal),
    /// A Child-Pugh class.
    Class(ChildPugh),
    /// A CTCAE grade.
    Grade(u8),
}

/// Three-valued truth: a condition whose input is missing is unknown, never
/// false.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Truth {
    /// It holds.
    True,
    /// It does not hold.
    False,
    /// An input is missing: the variables that are.
    Unknown(Vec<Variable>),
}

impl Truth {
    fn and(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::False, _) | (_, Truth::False) => Truth::False,
            (Truth::Unknown(mut a), Truth::Unknown(b)) => {
                a.extend(b);
                a.sort();
                a.dedup();
                Truth::Unknown(a)
            }
            (Truth::Unknown(a), _) | (_, Truth::Unknown(a)) => Truth::Unknown(a),
            (Truth::True, Truth::True) => Truth::True,
        }
    }

    fn or(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::True, _) | (_, Truth::True) => Truth::True,
            (Truth::Unknown(mut a), Truth::Unknown(b)) => {
                a.extend(b);
                a.sort();
                a.dedup();
                Truth::Unknown(a)
            }
            (Truth::Unknown(a), _) | (_, Truth::Unknown(a)) => Truth::Unknown(a),
            (Truth::False, Truth::False) => Truth::False,
        }
    }
}

/// Reads the value of a comparison's variable in the form its threshold
/// needs; `None` when it is not known in that form.
pub trait Inputs {
    /// The value of `variable` in the form `threshold` is written in.
    fn observe(&self, variable: &Variable, threshold: &Threshold) -> Option<Observed>;
}

impl Comparison {
    /// Whether the comparison holds for `inputs`, and the value it read.
    pub fn evaluate(&self, inputs: &dyn Inputs) -> (Truth, Option<Observed>) {
        let Some(observed) = inputs.observe(&self.variable, &self.threshold) else {
            return (Truth::Unknown(vec![self.variable.clone()]), None);
        };
        let ord = match (&observed, &self.threshold) {
            (Observed::Value(v), Threshold::Value(t))
            | (Observed::TimesUln(v), Threshold::TimesUln(t)) => v.cmp(t),
            (Observed::Class(v), Threshold::Class(t)) => v.cmp(t),
            (Observed::Grade(v), Threshold::Grade(t)) => v.cmp(t),
            _ => return (Truth::Unknown(vec![self.variable.clone()]), Some(observed)),
        };
        let truth = if self.comparator.holds(ord) {
            Truth::True
        } else {
            Truth::False
        };
        (truth, Some(observed))
    }
}

impl Condition {
    /// The condition's truth from its comparisons' truths, taken in the
    /// order of [`Condition::comparisons`]: what [`Condition::evaluate`]
    /// gives on the inputs they were judged on, without reading them again.
    /// A truth missing from `truths` counts as unknown, never as true.
    pub fn truth_of(&self, truths: &mut dyn Iterator<Item = Truth>) -> Truth {
        match self {
            Condition::Compare(_) => truths.next().unwrap_or(Truth::Unknown(Vec::new())),
            Condition::All(parts) => parts
                .iter()
                .map(|p| p.truth_of(truths))
                .fold(Truth::True, Truth::and),
            Condition::Any(parts) => parts
                .iter()
                .map(|p| p.truth_of(truths))
                .fold(Truth::False, Truth::or),
        }
    }

    /// The condition's truth for `inputs`: each comparison judged once, in
    /// order, then combined ([`Condition::truth_of`]).
    pub fn evaluate(&self, inputs: &dyn Inputs) -> Truth {
        self.truth_of(&mut self.comparisons().into_iter().map(|c| c.evaluate(inputs).0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;
    use std::collections::BTreeMap;

    struct Given(BTreeMap<String, Observed>);

    impl Inputs for Given {
        fn observe(&self, v: &Variable, _: &Threshold) -> Option<Observed> {
            self.0.get(v.id()).cloned()
        }
    }

    fn given(values: &[(&str, Observed)]) -> Given {
        Given(
            values
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn comparisons_read_units() {
        let c = Condition::parse("crcl < 60 mL/min", false).unwrap();
        let Condition::Compare(c) = c else { panic!() };
        assert_eq!(c.variable, Variable::Crcl);
        assert_eq!(c.comparator, Comparator::Below);
        assert_eq!(c.threshold, Threshold::Value(dec!(60)));
        // 1,500/µL = 1.5 ×10⁹/L
        let Condition::Compare(c) = Condition::parse("anc >= 1500/uL", false).unwrap() else {
            panic!()
        };
        assert_eq!(c.threshold, Threshold::Value(dec!(1.5)));
        let Condition::Compare(c) = Condition::parse("bilirubin > 1.5 x ULN", false).unwrap()
        else {
            panic!()
        };
        assert_eq!(c.threshold, Threshold::TimesUln(dec!(1.5)));
        let Condition::Compare(c) = Condition::parse("child-pugh >= B", false).unwrap() else {
            panic!()
        };
        assert_eq!(c.threshold, Threshold::Class(ChildPugh::B));
    }

    #[test]
    fn the_docetaxel_label_condition() {
        // US boxed warning: AST and/or ALT > 1.5 × ULN and ALP > 2.5 × ULN.
        let c = Condition::parse(
            "(ast > 1.5 x ULN or alt > 1.5 x ULN) and alp > 2.5 x ULN",
            false,
        )
        .unwrap();
        assert_eq!(c.comparisons().len(), 3);
        let t = |ast, alt, alp| {
            c.evaluate(&given(&[
                ("ast", Observed::TimesUln(ast)),
                ("alt", Observed::TimesUln(alt)),
                ("alp", Observed::TimesUln(alp)),
            ]))
        };
        assert_eq!(t(dec!(1.6), dec!(1), dec!(2.6)), Truth::True);
        assert_eq!(t(dec!(1.5), dec!(1.5), dec!(2.6)), Truth::False); // > is strict
        assert_eq!(t(dec!(2), dec!(2), dec!(2.5)), Truth::False);
        // ALP missing, AST high: unknown, never false.
        let u = c.evaluate(&given(&[("ast", Observed::TimesUln(dec!(2)))]));
        assert_eq!(u, Truth::Unknown(vec![Variable::Lab(Lab::Alp)]));
        // ALP normal decides it without AST and ALT.
        let f = c.evaluate(&given(&[("alp", Observed::TimesUln(dec!(1)))]));
        assert_eq!(f, Truth::False);
    }

    #[test]
    fn the_label_condition_over_every_high_normal_and_missing_lab() {
        let c = Condition::parse(
            "(ast > 1.5 x ULN or alt > 1.5 x ULN) and alp > 2.5 x ULN",
            false,
        )
        .unwrap();
        // The label's rule in three-valued logic, written out: a missing lab
        // is unknown, and unknown decides nothing that another part settles.
        let or = |a: Option<bool>, b: Option<bool>| match (a, b) {
            (Some(true), _) | (_, Some(true)) => Some(true),
            (Some(false), Some(false)) => Some(false),
            _ => None,
        };
        let and = |a: Option<bool>, b: Option<bool>| match (a, b) {
            (Some(false), _) | (_, Some(false)) => Some(false),
            (Some(true), Some(true)) => Some(true),
            _ => None,
        };
        // 3 x ULN is above both limits, 1 x ULN below both.
        let levels = [
            (Some(dec!(3)), Some(true)),
            (Some(dec!(1)), Some(false)),
            (None, None),
        ];
        for (ast, ast_high) in levels {
            for (alt, alt_high) in levels {
                for (alp, alp_high) in levels {
                    let values: Vec<(&str, Observed)> = [("ast", ast), ("alt", alt), ("alp", alp)]
                        .into_iter()
                        .filter_map(|(k, v)| Some((k, Observed::TimesUln(v?))))
                        .collect();
                    let truth = match c.evaluate(&given(&values)) {
                        Truth::True => Some(true),
                        Truth::False => Some(false),
                        Truth::Unknown(_) => None,
                    };
                    assert_eq!(
                        truth,
                        and(or(ast_high, alt_high), alp_high),
                        "ast {ast:?}, alt {alt:?}, alp {alp:?}"
                    );
                }
            }
        }
        // Fewer truths than comparisons: unknown, not true.
        let all = Condition::parse("ast > 1.5 x ULN and alt > 1.5 x ULN", false).unwrap();
        let mut one = std::iter::once(Truth::True);
        assert!(matches!(all.truth_of(&mut one), Truth::Unknown(_)));
    }

    #[test]
    fn refusals() {
        assert!(matches!(
            Condition::parse(
                "anc < 1.5 x10^9/L and plt < 100 x10^9/L or hb < 9 g/dL",
                false
            ),
            Err(ConditionError::Mixed(_))
        ));
        assert!(matches!(
            Condition::parse("crcl < 60", false),
            Err(ConditionError::BadThreshold { .. })
        ));
        assert!(matches!(
            Condition::parse("wbc < 2", false),
            Err(ConditionError::UnknownVariable { .. })
        ));
        assert!(matches!(
            Condition::parse("neutropenia >= 4", false),
            Err(ConditionError::UnknownVariable { .. })
        ));
        assert!(Condition::parse("neutropenia >= 4", true).is_ok());
        assert!(matches!(
            Condition::parse("(crcl < 60 mL/min", false),
            Err(ConditionError::Parentheses(_))
        ));
        assert!(matches!(
            Condition::parse("crcl 60 mL/min", false),
            Err(ConditionError::NotAComparison(_))
        ));
        assert!(matches!(
            Condition::parse("anc < 2.5 x ULN", false),
            Err(ConditionError::BadThreshold { .. })
        ));
    }
}
