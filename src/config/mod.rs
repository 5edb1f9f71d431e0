//! The site configuration, `chemodose.toml`: a pharmacy's policies (BSA
//! formula and rounding, dose rounding and its tolerance, anthracycline
//! factors and limit, paper, holidays, order-verification thresholds, the
//! regimen folder) written once instead of typed on every command.
//!
//! Owns: where the file is found ([`discover`], a pure function of the
//! command line, environment and file system it is handed), the file as
//! written (`file.rs`, with its JSON Schema), its reading into typed
//! settings with every bad key or value a located problem
//! ([`parse_config`]), each value read by the same parser as its
//! command-line flag, and the commented template ([`TEMPLATE`]).
//! Never does: read the environment, the file system or the clock (the
//! command line hands it the file's text and the answers), or decide
//! precedence (the command line does: a flag wins over the file, the file
//! over the built-in default).

mod discover;
mod file;

use std::path::{Path, PathBuf};

use rust_decimal::Decimal;
use toml::Spanned;
use uom::si::f64::Area;

pub use discover::{ENV_VAR, FILE_NAME, Found, How, MissingConfig, discover};
pub use file::{
    AnthracyclineTable, ConfigFile, DoseTable, OrderTable, RegimensTable, ScheduleTable,
};

use crate::anthracycline::FactorSet;
use crate::bsa::{BsaFormula, BsaRounding};
use crate::diagnostics::{Collector, FileErrors, TomlKind};
use crate::holidays::Calendar;
use crate::quantity::Percent;
use crate::regimen::RoundingRule;
use crate::renal::WeightBasis;
use crate::render::schedule::Paper;

/// The largest configuration file, bytes (as `files::FileKind::SiteConfig`).
pub const MAX_FILE_BYTES: u64 = 64 * 1024;

/// The commented template `chemodose config init` writes: every key with
/// its built-in default, so that the file as written changes nothing until
/// a value is edited.
pub const TEMPLATE: &str = include_str!("template.toml");

/// One value the configuration sets.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting<T> {
    /// The value.
    pub value: T,
    /// The key as written, with its table: `dose.bsa_formula`.
    pub key: &'static str,
    /// The line it is on (from 1).
    pub line: usize,
    /// The value as written in the file (a list joined by ", ").
    pub written: String,
}

/// The anthracycline factor set a configuration names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FactorsSetting {
    /// A bundled set.
    Bundled(FactorSet),
    /// A site's factor file, relative to the configuration's folder already
    /// joined; the command line reads it.
    File(PathBuf),
}

/// A site configuration as read: the values it sets (`None`: not set, the
/// flag's built-in default applies).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SiteConfig {
    /// `dose.bsa_formula`.
    pub bsa_formula: Option<Setting<BsaFormula>>,
    /// `dose.bsa_rounding`.
    pub bsa_rounding: Option<Setting<BsaRounding>>,
    /// `dose.bsa_cap`.
    pub bsa_cap: Option<Setting<Area>>,
    /// `dose.dose_weight`.
    pub dose_weight: Option<Setting<WeightBasis>>,
    /// `dose.crcl_weight`.
    pub crcl_weight: Option<Setting<WeightBasis>>,
    /// `dose.rounding`: for all antineoplastic drugs.
    pub rounding: Option<Setting<RoundingRule>>,
    /// `dose.round_tolerance`.
    pub round_tolerance: Option<Setting<Percent>>,
    /// `dose.weight_change_threshold`.
    pub weight_change_threshold: Option<Setting<Percent>>,
    /// `dose.max_result_age_days`.
    pub max_result_age_days: Option<Setting<u32>>,
    /// `anthracycline.factors`.
    pub anthracycline_factors: Option<Setting<FactorsSetting>>,
    /// `anthracycline.limit`, mg/m².
    pub anthracycline_limit: Option<Setting<Decimal>>,
    /// `anthracycline.limit_after_radiation`, mg/m².
    pub anthracycline_limit_after_radiation: Option<Setting<Decimal>>,
    /// `schedule.paper`.
    pub paper: Option<Setting<Paper>>,
    /// `schedule.holidays`, joined to the configuration's folder.
    pub holidays: Option<Setting<PathBuf>>,
    /// `schedule.holiday_calendars`.
    pub holiday_calendars: Option<Setting<Vec<Calendar>>>,
    /// `order.agree_within`.
    pub order_agree_within: Option<Setting<Percent>>,
    /// `order.query_within`.
    pub order_query_within: Option<Setting<Percent>>,
    /// `order.max_weight_age_days`.
    pub order_max_weight_age_days: Option<Setting<u32>>,
    /// `order.max_result_age_days`.
    pub order_max_result_age_days: Option<Setting<u32>>,
    /// `regimens.folder`, joined to the configuration's folder.
    pub regimens: Option<Setting<PathBuf>>,
}

/// The configuration file in force for one command and the settings taken
/// from it (not overridden on the command line), for every output to name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InForce {
    /// The file, as named to the user.
    pub file: String,
    /// The keys whose values were used (`dose.bsa_formula`), in file order
    /// of the tables.
    pub settings: Vec<String>,
}

/// Reads a site configuration: `path` as named to the user, `dir` the
/// folder relative paths in it are taken from, `text` its contents.
///
/// # Errors
/// Every problem of the file, located: an unknown table or key, a value of
/// the wrong type, a value its flag's parser refuses, a control character.
pub fn parse_config(path: &str, dir: &Path, text: &str) -> Result<SiteConfig, FileErrors> {
    let mut c = Collector::default();
    let kind = TomlKind {
        max_bytes: MAX_FILE_BYTES,
        too_large: format!(
            "the file is larger than {}, far more than a site configuration needs",
            crate::files::bytes_text(MAX_FILE_BYTES)
        ),
        empty_help: "a site configuration sets at least one key; `chemodose config init FILE` writes a template",
        keys_help: "the keys are listed in docs/configuration.md; `chemodose config init FILE` writes a template",
    };
    let f: ConfigFile = c.read_file(path, text, &kind)?;
    let mut r = Reader { c, text, dir };
    let d = &f.dose;
    let a = &f.anthracycline;
    let s = &f.schedule;
    let o = &f.order;
    let config = SiteConfig {
        bsa_formula: r.parse(&d.bsa_formula, "dose.bsa_formula", str::parse),
        bsa_rounding: r.parse(&d.bsa_rounding, "dose.bsa_rounding", str::parse),
        bsa_cap: r.parse(&d.bsa_cap, "dose.bsa_cap", crate::quantity::parse_bsa),
        dose_weight: r.parse(&d.dose_weight, "dose.dose_weight", str::parse),
        crcl_weight: r.parse(&d.crcl_weight, "dose.crcl_weight", str::parse),
        rounding: r.parse(&d.rounding, "dose.rounding", RoundingRule::parse),
        round_tolerance: r.parse(&d.round_tolerance, "dose.round_tolerance", |v| {
            Percent::tolerance(v)
        }),
        weight_change_threshold: r.parse(
            &d.weight_change_threshold,
            "dose.weight_change_threshold",
            Percent::tolerance,
        ),
        max_result_age_days: r.number(&d.max_result_age_days, "dose.max_result_age_days"),
        anthracycline_factors: r.parse(&a.factors, "anthracycline.factors", |v| {
            Ok::<_, String>(match v.parse::<FactorSet>() {
                Ok(set) => FactorsSetting::Bundled(set),
                Err(_) => FactorsSetting::File(dir.join(v.trim())),
            })
        }),
        anthracycline_limit: r.parse(
            &a.limit,
            "anthracycline.limit",
            crate::anthracycline::parse_site_limit,
        ),
        anthracycline_limit_after_radiation: r.parse(
            &a.limit_after_radiation,
            "anthracycline.limit_after_radiation",
            crate::anthracycline::parse_site_limit,
        ),
        paper: r.parse(&s.paper, "schedule.paper", str::parse),
        holidays: r.path(&s.holidays, "schedule.holidays"),
        holiday_calendars: r.calendars(s.holiday_calendars.as_ref()),
        order_agree_within: r.parse(&o.agree_within, "order.agree_within", Percent::tolerance),
        order_query_within: r.parse(&o.query_within, "order.query_within", Percent::tolerance),
        order_max_weight_age_days: r.number(&o.max_weight_age_days, "order.max_weight_age_days"),
        order_max_result_age_days: r.number(&o.max_result_age_days, "order.max_result_age_days"),
        regimens: r.path(&f.regimens.folder, "regimens.folder"),
    };
    if let (Some(limit), Some(after)) = (
        &config.anthracycline_limit,
        &config.anthracycline_limit_after_radiation,
    ) && after.value > limit.value
        && let Some(v) = &a.limit_after_radiation
    {
        r.c.at(
            v.span(),
            format!(
                "the limit after cardiac-region radiation ({} mg/m²) cannot be above the lifetime limit ({} mg/m²)",
                after.value, limit.value
            ),
        );
    }
    if let (Some(agree), Some(query)) = (&config.order_agree_within, &config.order_query_within)
        && agree.value.value() > query.value.value()
        && let Some(v) = &o.agree_within
    {
        r.c.at(
            v.span(),
            "order.agree_within cannot be above order.query_within",
        )
        .help("a deviation that agrees must also be one that may be queried");
    }
    if r.c.is_empty() {
        Ok(config)
    } else {
        Err(r.c.into_sorted_errors(path, text))
    }
}

/// Reads each value of one file into its setting, recording problems.
struct Reader<'a> {
    c: Collector,
    text: &'a str,
    dir: &'a Path,
}

impl Reader<'_> {
    fn line(&self, at: usize) -> usize {
        self.text
            .get(..at)
            .map_or(1, |t| t.matches('\n').count() + 1)
    }

    fn parse<T, E: std::fmt::Display>(
        &mut self,
        value: &Option<Spanned<String>>,
        key: &'static str,
        parser: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<Setting<T>> {
        let v = value.as_ref()?;
        let line = self.line(v.span().start);
        match self.c.parse_named(v, key, parser) {
            Ok(value) => Some(Setting {
                value,
                key,
                line,
                written: v.get_ref().trim().to_owned(),
            }),
            Err(p) => {
                p.label("not accepted");
                None
            }
        }
    }

    fn number(&mut self, value: &Option<Spanned<u32>>, key: &'static str) -> Option<Setting<u32>> {
        let v = value.as_ref()?;
        Some(Setting {
            value: *v.get_ref(),
            key,
            line: self.line(v.span().start),
            written: v.get_ref().to_string(),
        })
    }

    fn path(
        &mut self,
        value: &Option<Spanned<String>>,
        key: &'static str,
    ) -> Option<Setting<PathBuf>> {
        let dir = self.dir;
        self.parse(value, key, |v| {
            if v.trim().is_empty() {
                Err("a path is needed")
            } else {
                Ok(dir.join(v.trim()))
            }
        })
    }

    fn calendars(
        &mut self,
        value: Option<&Spanned<Vec<Spanned<String>>>>,
    ) -> Option<Setting<Vec<Calendar>>> {
        let list = value?;
        let key = "schedule.holiday_calendars";
        let mut out = Vec::new();
        for name in list.get_ref() {
            if let Ok(c) = self.c.parse_named(name, key, str::parse::<Calendar>) {
                out.push(c);
            }
        }
        Some(Setting {
            written: if out.is_empty() {
                "none".to_owned()
            } else {
                out.iter().map(|c| c.name()).collect::<Vec<_>>().join(", ")
            },
            value: out,
            key,
            line: self.line(list.span().start),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<SiteConfig, FileErrors> {
        parse_config("site.toml", Path::new("/etc/chemodose"), text)
    }

    #[test]
    fn values_are_read_by_the_flags_parsers_with_their_lines() {
        let c = parse(
            "[dose]\nbsa_formula = \"dubois\"\nround_tolerance = \"5%\"\n\n[schedule]\npaper = \"letter\"\nholidays = \"bank.txt\"\nholiday_calendars = [\"england-and-wales\"]\n[regimens]\nfolder = \"/srv/regimens\"\n",
        )
        .unwrap();
        let f = c.bsa_formula.unwrap();
        assert_eq!(
            (f.value, f.key, f.line),
            (BsaFormula::DuBois, "dose.bsa_formula", 2)
        );
        assert_eq!(c.round_tolerance.unwrap().value, Percent::whole(5));
        assert_eq!(c.paper.unwrap().line, 6);
        assert_eq!(
            c.holidays.unwrap().value,
            PathBuf::from("/etc/chemodose/bank.txt")
        );
        assert_eq!(
            c.holiday_calendars.unwrap().value,
            [Calendar::EnglandAndWales]
        );
        // An absolute path stays as written.
        assert_eq!(c.regimens.unwrap().value, PathBuf::from("/srv/regimens"));
        assert!(c.bsa_rounding.is_none());
    }

    #[test]
    fn unknown_keys_and_bad_values_are_located() {
        let e = parse("[dose]\nbsa_formla = \"dubois\"\n").unwrap_err();
        assert_eq!(e.problems.len(), 1);
        assert_eq!(e.location(&e.problems[0]), Some((2, 1)));
        assert!(e.problems[0].message.contains("bsa_formla"), "{e}");
        let e = parse("[dose]\nround_tolerance = \"10\"\n[schedule]\npaper = \"a5\"\nholiday_calendars = [\"mars\"]\n")
            .unwrap_err();
        let at: Vec<_> = e.problems.iter().map(|p| e.location(p)).collect();
        assert_eq!(at, [Some((2, 19)), Some((4, 9)), Some((5, 22))]);
        assert!(e.problems[0].message.starts_with("dose.round_tolerance: "));
        assert!(e.problems[1].message.contains("a4 or letter"));
        let e = parse("[printer]\npaper = \"a4\"\n").unwrap_err();
        assert_eq!(e.location(&e.problems[0]), Some((1, 2)));
        let e = parse("[order]\nmax_weight_age_days = -1\n").unwrap_err();
        assert_eq!(e.location(&e.problems[0]), Some((2, 23)));
    }

    #[test]
    fn limits_and_thresholds_are_checked_together() {
        let e =
            parse("[anthracycline]\nlimit = \"400mg/m2\"\nlimit_after_radiation = \"450mg/m2\"\n")
                .unwrap_err();
        assert_eq!(e.location(&e.problems[0]), Some((3, 25)));
        let e = parse("[order]\nagree_within = \"12%\"\nquery_within = \"10%\"\n").unwrap_err();
        assert_eq!(e.location(&e.problems[0]), Some((2, 16)));
        let e = parse("[anthracycline]\nlimit = \"450mg\"\n").unwrap_err();
        assert!(e.problems[0].message.contains("450mg/m2"), "{e}");
    }

    #[test]
    fn the_template_is_the_built_in_defaults() {
        use crate::dose::DoseOptions;
        use crate::order::Thresholds;
        let c = parse(TEMPLATE).unwrap();
        let defaults = DoseOptions::default();
        let v = |s: Option<Setting<Percent>>| s.unwrap().value;
        assert_eq!(c.bsa_formula.unwrap().value, defaults.bsa_formula);
        assert_eq!(c.bsa_rounding.unwrap().value, defaults.bsa_rounding);
        assert_eq!(c.bsa_cap, None);
        assert_eq!(defaults.bsa_cap, None);
        assert_eq!(c.dose_weight.unwrap().value, defaults.dose_weight);
        assert_eq!(c.crcl_weight.unwrap().value, defaults.crcl.weight_basis);
        assert_eq!(c.rounding, None);
        assert_eq!(defaults.rounding.all, None);
        assert_eq!(
            v(c.round_tolerance),
            DoseOptions::DEFAULT_ROUNDING_TOLERANCE
        );
        assert_eq!(
            v(c.weight_change_threshold),
            DoseOptions::DEFAULT_WEIGHT_CHANGE
        );
        assert_eq!(
            c.max_result_age_days.unwrap().value,
            crate::rules::ClinicalInputs::DEFAULT_MAX_RESULT_AGE_DAYS
        );
        assert_eq!(
            c.anthracycline_factors.unwrap().value,
            FactorsSetting::Bundled(FactorSet::default())
        );
        assert_eq!(c.anthracycline_limit, None);
        assert_eq!(c.anthracycline_limit_after_radiation, None);
        assert_eq!(c.paper.unwrap().value, Paper::default());
        assert_eq!(c.holidays, None);
        assert_eq!(c.holiday_calendars.unwrap().value, []);
        let t = Thresholds::default();
        assert_eq!(v(c.order_agree_within), t.agree);
        assert_eq!(v(c.order_query_within), t.query);
        assert_eq!(
            c.order_max_weight_age_days.unwrap().value,
            t.max_weight_age_days
        );
        assert_eq!(
            c.order_max_result_age_days.unwrap().value,
            t.max_result_age_days
        );
        assert_eq!(c.regimens, None);
        // Each commented-out key, uncommented, is accepted as written.
        let uncommented: String = TEMPLATE
            .lines()
            .map(|l| match l.strip_prefix("# ") {
                Some(rest) if rest.contains(" = \"") => rest,
                _ => l,
            })
            .collect::<Vec<_>>()
            .join("\n");
        let all = parse(&uncommented).unwrap();
        assert_eq!(all.anthracycline_limit.unwrap().value, Decimal::from(450));
        // `# rounding = "1mg"` is line 27 of the template.
        assert_eq!(all.rounding.unwrap().line, 27);
        assert!(all.bsa_cap.is_some() && all.holidays.is_some() && all.regimens.is_some());
    }

    #[test]
    fn an_empty_file_says_what_to_write() {
        let e = parse("\n").unwrap_err();
        assert!(e.to_string().contains("config init"), "{e}");
    }
}
