//! `verify --bless`: the current doses written back into a check file as
//! its expectations, keeping its comments and layout (`toml_edit`), with
//! who blessed them and when.
//!
//! Owns: the edit of the file's text. Never does: decide that the current
//! doses are right (the pharmacist who blesses them does).

use chrono::{Datelike, NaiveDate};

use super::CheckResult;

/// Why the current results could not be written into a check file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlessError {
    /// The file is not TOML (it parsed before, so it changed meanwhile).
    #[error("{0}")]
    Toml(String),
    /// No `[[check]]` tables.
    #[error("the file has no [[check]] tables")]
    NoChecks,
    /// A key that must be a table is not one.
    #[error("check `{check}`: {key} is not a table")]
    NotATable {
        /// The check's name.
        check: String,
        /// The key.
        key: String,
    },
    /// A date outside what TOML can write.
    #[error("{0} cannot be written as a TOML date")]
    Date(NaiveDate),
}

/// Writes the current doses of `results` into the check file `text` as the new
/// expectations, keeping comments and layout, and marks who blessed them and
/// when. Checks that expect a refusal are left alone.
pub fn bless(
    text: &str,
    results: &[CheckResult],
    by: &str,
    on: NaiveDate,
) -> Result<String, BlessError> {
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| BlessError::Toml(e.message().to_owned()))?;
    let Some(checks) = doc
        .get_mut("check")
        .and_then(|c| c.as_array_of_tables_mut())
    else {
        return Err(BlessError::NoChecks);
    };
    for (table, result) in checks.iter_mut().zip(results) {
        if result.passed() || table.contains_key("expect_refusal") || result.current.is_empty() {
            continue;
        }
        let expect = table
            .entry("expect")
            .or_insert_with(|| toml_edit::Item::Table(toml_edit::Table::new()));
        let Some(expect) = expect.as_table_like_mut() else {
            return Err(BlessError::NotATable {
                check: result.name.clone(),
                key: "expect".to_owned(),
            });
        };
        // Drugs the engine no longer gives are removed; the rest updated in place.
        let stale: Vec<String> = expect
            .iter()
            .map(|(k, _)| k.to_owned())
            .filter(|k| !result.current.contains_key(k))
            .collect();
        for k in stale {
            expect.remove(&k);
        }
        for (drug, days) in &result.current {
            let entry = expect.entry(drug).or_insert(toml_edit::Item::Value(
                toml_edit::Value::InlineTable(toml_edit::InlineTable::new()),
            ));
            let Some(days_table) = entry.as_table_like_mut() else {
                return Err(BlessError::NotATable {
                    check: result.name.clone(),
                    key: format!("expect.{drug}"),
                });
            };
            let stale: Vec<String> = days_table
                .iter()
                .map(|(k, _)| k.to_owned())
                .filter(|k| k.parse::<i32>().map_or(true, |d| !days.contains_key(&d)))
                .collect();
            for k in stale {
                days_table.remove(&k);
            }
            for (day, value) in days {
                days_table.insert(&day.to_string(), toml_edit::value(value.as_str()));
            }
        }
        table["worked_out_by"] = toml_edit::value(by);
        table["worked_out_on"] = toml_edit::value(toml_edit::Datetime {
            date: Some(toml_edit::Date {
                year: u16::try_from(on.year()).map_err(|_| BlessError::Date(on))?,
                month: u8::try_from(on.month()).map_err(|_| BlessError::Date(on))?,
                day: u8::try_from(on.day()).map_err(|_| BlessError::Date(on))?,
            }),
            time: None,
            offset: None,
        });
    }
    Ok(doc.to_string())
}
