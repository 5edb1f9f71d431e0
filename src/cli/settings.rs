//! The site configuration on the command line: finding and reading
//! `chemodose.toml` once per run, the one rule of precedence (the command
//! line, else the configuration, else the built-in default: [`resolve`]),
//! the record of which settings a command took from the file, and `chemodose config show|init`.
//!
//! The configuration is read once, before a command runs, and held for the
//! run as the environment it is read from is: every flag that mirrors a
//! setting resolves through [`value`], wherever its command reads it, and
//! the output then names the file and the settings used ([`in_force`]).

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use clap::{Args, Subcommand, ValueEnum};

use chemodose::config::{
    ENV_VAR, FILE_NAME, Found, How, InForce, MissingConfig, Setting, SiteConfig, TEMPLATE,
    discover, parse_config,
};

use super::output::write_atomically;
use super::{Failure, InputError, Report, diagnostics};

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A flag on the command line.
    CommandLine,
    /// The site configuration, at this line.
    Config {
        /// The file as named.
        file: String,
        /// The line of the key.
        line: usize,
    },
    /// The environment (`$CHEMODOSE_REGIMENS`).
    Environment(&'static str),
    /// Nothing set it.
    Default,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::CommandLine => f.write_str("command line"),
            Source::Config { file, line } => write!(f, "config {file}:{line}"),
            Source::Environment(var) => write!(f, "environment ${var}"),
            Source::Default => f.write_str("built-in default"),
        }
    }
}

/// The configuration in force for this run.
#[derive(Debug, Default)]
pub struct Site {
    /// The file, as named to the user; `None` when no file is in force.
    pub file: Option<String>,
    /// How it was found.
    pub how: Option<How>,
    /// Its settings (empty without a file).
    pub config: SiteConfig,
    /// The keys a command took from it.
    used: Mutex<BTreeSet<&'static str>>,
}

static SITE: OnceLock<Site> = OnceLock::new();

/// The configuration in force (none before [`load`], as in unit tests).
pub fn site() -> &'static Site {
    SITE.get_or_init(Site::default)
}

/// The one rule of precedence: the command line's `flag`, else the
/// configuration's `config`, else `default`, with where the value came from.
pub fn resolve<T: Clone>(
    flag: Option<T>,
    config: Option<&Setting<T>>,
    file: Option<&str>,
    default: T,
) -> (T, Source) {
    match (flag, config, file) {
        (Some(v), _, _) => (v, Source::CommandLine),
        (None, Some(s), Some(file)) => (
            s.value.clone(),
            Source::Config {
                file: file.to_owned(),
                line: s.line,
            },
        ),
        _ => (default, Source::Default),
    }
}

/// [`resolve`] against the configuration in force; a value taken from the
/// file is recorded for the output to name.
pub fn value<T: Clone>(
    flag: Option<T>,
    pick: impl FnOnce(&SiteConfig) -> &Option<Setting<T>>,
    default: T,
) -> T {
    let site = site();
    let setting = pick(&site.config).as_ref();
    let (v, source) = resolve(flag, setting, site.file.as_deref(), default);
    if let (Source::Config { .. }, Some(s)) = (&source, setting) {
        site.record(s.key);
    }
    v
}

/// [`value`] for a setting that is off unless given (`--bsa-cap`).
pub fn optional<T: Clone>(
    flag: Option<T>,
    pick: impl FnOnce(&SiteConfig) -> &Option<Setting<T>>,
) -> Option<T> {
    if flag.is_some() {
        return flag;
    }
    let site = site();
    let s = pick(&site.config).as_ref()?;
    site.file.as_ref()?;
    site.record(s.key);
    Some(s.value.clone())
}

impl Site {
    fn record(&self, key: &'static str) {
        if let Ok(mut used) = self.used.lock() {
            used.insert(key);
        }
    }
}

/// The file in force and the settings this command took from it; `None`
/// when no configuration file is in force (outputs then say nothing).
pub fn in_force() -> Option<InForce> {
    let site = site();
    let file = site.file.clone()?;
    let settings = site
        .used
        .lock()
        .map(|u| u.iter().map(|k| (*k).to_owned()).collect())
        .unwrap_or_default();
    Some(InForce { file, settings })
}

/// The user's configuration folder (`~/.config/chemodose` on Linux,
/// `$XDG_CONFIG_HOME/chemodose` when set).
fn user_config_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "chemodose").map(|d| d.config_dir().to_path_buf())
}

/// Finds and reads the configuration for this run: `--config`, else
/// `$CHEMODOSE_CONFIG`, else `./chemodose.toml`, else the user's folder.
pub fn load(flag: Option<&Path>) -> Result<(), InputError> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let env: Option<OsString> = std::env::var_os(ENV_VAR);
    let found = discover(
        flag,
        env.as_deref(),
        &cwd,
        user_config_dir().as_deref(),
        Path::exists,
    )
    .map_err(missing)?;
    let site = match found {
        None => Site::default(),
        Some(Found { path, how }) => {
            let text = chemodose::files::read_text(&path, chemodose::files::FileKind::SiteConfig)?;
            let name = path.display().to_string();
            let dir = path.parent().unwrap_or(Path::new("."));
            let config =
                parse_config(&name, dir, &text).map_err(|e| InputError(diagnostics::render(&e)))?;
            Site {
                file: Some(name),
                how: Some(how),
                config,
                used: Mutex::default(),
            }
        }
    };
    let _ = SITE.set(site);
    Ok(())
}

/// For a process that runs many commands (the Python package): the
/// configuration is read at its first command, as the command line reads
/// it for its one run (`flag`, else `$CHEMODOSE_CONFIG`, else
/// `./chemodose.toml`, else the user's folder), and is then in force for
/// every command of the process, as the environment is. A later command
/// that names another file is refused: it is never silently given the
/// settings of the first. A process that has read its configuration
/// already (`chemodose serve`) keeps it.
pub fn load_once(flag: Option<&Path>) -> Result<(), InputError> {
    static FIRST: Mutex<()> = Mutex::new(());
    let _first = FIRST.lock().unwrap_or_else(|p| p.into_inner());
    let Some(site) = SITE.get() else {
        return load(flag);
    };
    let Some(flag) = flag else { return Ok(()) };
    let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let asked = canonical(flag);
    match &site.file {
        Some(file) if canonical(Path::new(file)) == asked => Ok(()),
        Some(file) => Err(InputError(format!(
            "this process reads the site configuration {file} (from its first command); the configuration is read once per process, as once per command-line run: run commands with {} in another process",
            flag.display()
        ))),
        None => Err(InputError(format!(
            "this process runs without a site configuration (none was named or found at its first command); the configuration is read once per process, as once per command-line run: run commands with {} in another process",
            flag.display()
        ))),
    }
}

fn missing(e: MissingConfig) -> InputError {
    let who = match e.how {
        How::Flag => "--config names".to_owned(),
        _ => format!("${ENV_VAR} names"),
    };
    InputError(format!(
        "{who} {}, which does not exist; give an existing file, or write one with `chemodose config init {}`",
        e.path.display(),
        e.path.display()
    ))
}

/// `chemodose config`.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    #[command(subcommand)]
    command: ConfigCommand,
}

/// The output formats that name the configuration in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stamp {
    /// A line at the head.
    Text,
    /// A line at the head, as Markdown text.
    Markdown,
    /// A footer line before `</body>`.
    Html,
}

/// `out` with the line naming the configuration in force; as it was when
/// no configuration file is in force.
pub fn stamp(kind: Stamp, out: String) -> String {
    use chemodose::render::config::{site_config_html, site_config_line, site_config_markdown};
    let Some(c) = in_force() else {
        return out;
    };
    match kind {
        Stamp::Text => format!("{}\n\n{out}", site_config_line(&c)),
        Stamp::Markdown => format!("{}\n\n{out}", site_config_markdown(&c)),
        Stamp::Html => match out.rfind("</body>") {
            Some(i) => format!("{}{}{}", &out[..i], site_config_html(&c), &out[i..]),
            None => out + &site_config_html(&c),
        },
    }
}

/// `json` with the field `site_config` ({"file", "settings"}) when a
/// configuration file is in force (docs/output-json.md).
pub fn stamp_json(json: &mut serde_json::Value) {
    if let (Some(c), Some(object)) = (in_force(), json.as_object_mut()) {
        object.insert(
            "site_config".to_owned(),
            chemodose::render::json::site_config_json(&c),
        );
    }
}

/// The line naming the configuration in force, as a note on standard
/// error, for the outputs that hold records only (CSV, iCalendar).
pub fn note() -> Option<String> {
    in_force().map(|c| chemodose::render::config::site_config_line(&c))
}

/// Output formats of `config show`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ShowFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Every site setting in force and where it came from.
    Show {
        /// text or json.
        #[arg(long, value_enum, default_value_t)]
        format: ShowFormat,
    },
    /// Write the commented template (every key at its built-in default).
    Init {
        /// The file to write (default ./chemodose.toml); never overwritten.
        file: Option<PathBuf>,
    },
}

/// One row of `config show`.
struct Row {
    key: &'static str,
    flag: &'static str,
    value: String,
    source: Source,
}

fn row<T>(
    key: &'static str,
    flag: &'static str,
    setting: &Option<Setting<T>>,
    default: impl Into<String>,
) -> Row {
    let site = site();
    match (setting, &site.file) {
        (Some(s), Some(file)) => Row {
            key,
            flag,
            value: s.written.clone(),
            source: Source::Config {
                file: file.clone(),
                line: s.line,
            },
        },
        _ => Row {
            key,
            flag,
            value: default.into(),
            source: Source::Default,
        },
    }
}

/// Every setting as `config show` prints it.
fn rows() -> Vec<Row> {
    use chemodose::dose::DoseOptions;
    use chemodose::order::Thresholds;
    let c = &site().config;
    let d = DoseOptions::default();
    let t = Thresholds::default();
    let mut rows = vec![
        row(
            "dose.bsa_formula",
            "--formula",
            &c.bsa_formula,
            d.bsa_formula.to_string(),
        ),
        row(
            "dose.bsa_rounding",
            "--bsa-round",
            &c.bsa_rounding,
            d.bsa_rounding.to_string(),
        ),
        row("dose.bsa_cap", "--bsa-cap", &c.bsa_cap, "none"),
        row(
            "dose.dose_weight",
            "--dose-weight",
            &c.dose_weight,
            d.dose_weight.to_string(),
        ),
        row(
            "dose.crcl_weight",
            "--crcl-weight",
            &c.crcl_weight,
            d.crcl.weight_basis.to_string(),
        ),
        row("dose.rounding", "--round", &c.rounding, "each regimen's"),
        row(
            "dose.round_tolerance",
            "--round-tolerance",
            &c.round_tolerance,
            DoseOptions::DEFAULT_ROUNDING_TOLERANCE.to_string(),
        ),
        row(
            "dose.weight_change_threshold",
            "--weight-change-threshold",
            &c.weight_change_threshold,
            DoseOptions::DEFAULT_WEIGHT_CHANGE.to_string(),
        ),
        row(
            "dose.max_result_age_days",
            "--max-result-age",
            &c.max_result_age_days,
            chemodose::rules::ClinicalInputs::DEFAULT_MAX_RESULT_AGE_DAYS.to_string(),
        ),
        row(
            "anthracycline.factors",
            "--anthracycline-factors",
            &c.anthracycline_factors,
            chemodose::anthracycline::FactorSet::default().to_string(),
        ),
        row(
            "anthracycline.limit",
            "--anthracycline-limit",
            &c.anthracycline_limit,
            "the label's (550mg/m2)",
        ),
        row(
            "anthracycline.limit_after_radiation",
            "--anthracycline-limit-after-radiation",
            &c.anthracycline_limit_after_radiation,
            "the label's (400mg/m2)",
        ),
        row("schedule.paper", "--paper", &c.paper, "a4"),
        row("schedule.holidays", "--holidays", &c.holidays, "none"),
        row(
            "schedule.holiday_calendars",
            "--holiday-calendar",
            &c.holiday_calendars,
            "none",
        ),
        row(
            "order.agree_within",
            "--agree-within",
            &c.order_agree_within,
            t.agree.to_string(),
        ),
        row(
            "order.query_within",
            "--query-within",
            &c.order_query_within,
            t.query.to_string(),
        ),
        row(
            "order.max_weight_age_days",
            "--max-weight-age",
            &c.order_max_weight_age_days,
            t.max_weight_age_days.to_string(),
        ),
        row(
            "order.max_result_age_days",
            "--max-result-age",
            &c.order_max_result_age_days,
            t.max_result_age_days.to_string(),
        ),
    ];
    // The regimen folder: the environment wins over the file.
    let mut folder = row(
        "regimens.folder",
        "--regimens",
        &c.regimens,
        "./regimens when it exists, else the bundled library",
    );
    if let Some(v) = std::env::var_os("CHEMODOSE_REGIMENS") {
        folder.value = PathBuf::from(v).display().to_string();
        folder.source = Source::Environment("CHEMODOSE_REGIMENS");
    }
    rows.push(folder);
    rows
}

/// Whether the command is `config init`, which runs without reading a
/// configuration.
pub(super) fn is_init(command: &super::Command) -> bool {
    matches!(
        command,
        super::Command::Config(ConfigArgs {
            command: ConfigCommand::Init { .. }
        })
    )
}

/// `chemodose config show|init`.
pub fn run(a: ConfigArgs) -> Result<Report, Failure> {
    match a.command {
        ConfigCommand::Show { format } => Ok(Report::text(show(format)?)),
        ConfigCommand::Init { file } => {
            let path = file.unwrap_or_else(|| PathBuf::from(FILE_NAME));
            if path.exists() {
                return Err(InputError(format!(
                    "{} exists already and was left as it is; edit it, or give another file name",
                    path.display()
                ))
                .into());
            }
            write_atomically(&path, TEMPLATE.as_bytes(), &[])?;
            Ok(Report {
                notes: vec![format!(
                    "wrote {}: every value is the built-in default; edit the ones your site sets",
                    path.display()
                )],
                ..Report::default()
            })
        }
    }
}

fn show(format: ShowFormat) -> Result<String, InputError> {
    let site = site();
    let rows = rows();
    let how = site.how.map(|h| match h {
        How::Flag => "--config",
        How::Env => "$CHEMODOSE_CONFIG",
        How::WorkingDirectory => "the working directory",
        How::UserConfig => "the user's configuration folder",
    });
    match format {
        ShowFormat::Text => {
            let mut out = match (&site.file, how) {
                (Some(f), Some(h)) => format!("Site config: {f} (found by {h})\n\n"),
                _ => "Site config: none (every setting is its built-in default)\n\n".to_owned(),
            };
            let table: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    vec![
                        r.key.to_owned(),
                        r.value.clone(),
                        r.source.to_string(),
                        r.flag.to_owned(),
                    ]
                })
                .collect();
            out.push_str(&chemodose::render::text_table(
                &["setting", "value", "from", "flag"],
                &table,
            ));
            Ok(out)
        }
        ShowFormat::Json => {
            let settings: Vec<serde_json::Value> = rows
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "key": r.key,
                        "value": r.value,
                        "source": r.source.to_string(),
                        "flag": r.flag,
                    })
                })
                .collect();
            let json = serde_json::json!({
                "file": site.file,
                "found_by": how,
                "settings": settings,
            });
            Ok(serde_json::to_string_pretty(&json)? + "\n")
        }
    }
}
