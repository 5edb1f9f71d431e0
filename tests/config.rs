//! The site configuration (`chemodose.toml`) on the command line: where it
//! is found, precedence (command line > configuration > built-in default),
//! located errors, `config show|init`, and the line every output carries.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

/// A fresh folder for one test.
fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("chemodose-config-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs chemodose in `dir` with `envs` set (hermetic otherwise).
fn run_in(dir: &Path, envs: &[(&str, &str)], args: &[&str]) -> Output {
    let mut c = common::chemodose();
    c.current_dir(dir).args(args);
    for (k, v) in envs {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// 150 cm, 100 kg. By hand: Mosteller √(150 × 100 / 3600) = 2.0412 m²,
/// 2.04 used, doxorubicin 75 mg/m² × 2.04 = 153 mg; DuBois 0.007184 ×
/// 100^0.425 × 150^0.725 = 0.007184 × 7.0795 × 37.827 = 1.9238 m², 1.92
/// used, 75 × 1.92 = 144 mg.
const DOX: [&str; 7] = [
    "dose",
    "doxorubicin",
    "--height",
    "150cm",
    "--weight",
    "100kg",
    "--bilirubin=0.5mg/dL",
];

fn dox_mg(out: &str) -> &'static str {
    if out.contains("DOXOrubicin       75 mg/m²") && out.contains(" 144 mg ") {
        "144"
    } else if out.contains(" 153 mg ") {
        "153"
    } else {
        "?"
    }
}

#[test]
fn command_line_over_config_over_default() {
    let dir = scratch("precedence");
    std::fs::write(
        dir.join("chemodose.toml"),
        "[dose]\nbsa_formula = \"dubois\"\n",
    )
    .unwrap();
    // ./chemodose.toml is found and used.
    let o = run_in(&dir, &[], &DOX);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(dox_mg(&out), "144", "{out}");
    let site = dir.join("chemodose.toml").display().to_string();
    assert!(
        out.starts_with(&format!("Site config: {site} (dose.bsa_formula)\n\n")),
        "{out}"
    );
    // The flag wins; the file is still named, with no setting used.
    let mut args = DOX.to_vec();
    args.extend(["--formula", "mosteller"]);
    let out = stdout(&run_in(&dir, &[], &args));
    assert_eq!(dox_mg(&out), "153", "{out}");
    assert!(
        out.starts_with(&format!(
            "Site config: {site} (no setting used by this command)\n"
        )),
        "{out}"
    );
    // Without a file: the built-in Mosteller, and no line at all.
    let empty = scratch("precedence-none");
    let out = stdout(&run_in(&empty, &[], &DOX));
    assert_eq!(dox_mg(&out), "153", "{out}");
    assert!(!out.contains("Site config"), "{out}");
}

#[test]
fn discovery_order_and_explicit_files_that_are_missing() {
    let dir = scratch("discovery");
    let user = dir.join("xdg");
    std::fs::create_dir_all(user.join("chemodose")).unwrap();
    std::fs::write(
        user.join("chemodose/chemodose.toml"),
        "[dose]\nbsa_formula = \"dubois\"\n",
    )
    .unwrap();
    std::fs::write(dir.join("env.toml"), "[dose]\nbsa_rounding = \"0.1\"\n").unwrap();
    let xdg = user.display().to_string();
    // The user's folder, when nothing else names a file.
    let o = run_in(&dir, &[("XDG_CONFIG_HOME", &xdg)], &DOX);
    assert_eq!(dox_mg(&stdout(&o)), "144", "{}", stdout(&o));
    // $CHEMODOSE_CONFIG wins over it: Mosteller 2.0412 rounded to 0.1 is
    // 2.0 m², 75 × 2.0 = 150 mg.
    let o = run_in(
        &dir,
        &[("XDG_CONFIG_HOME", &xdg), ("CHEMODOSE_CONFIG", "env.toml")],
        &DOX,
    );
    let out = stdout(&o);
    assert!(out.contains(" 150 mg "), "{out}");
    assert!(out.contains("(dose.bsa_rounding)"), "{out}");
    // A named file that is missing is an error, never "no configuration".
    let o = run_in(&dir, &[("CHEMODOSE_CONFIG", "gone.toml")], &DOX);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("$CHEMODOSE_CONFIG names"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("gone.toml, which does not exist"));
    let o = run_in(&dir, &[], &["--config", "nope.toml", "config", "show"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--config names"), "{}", stderr(&o));
    assert!(stdout(&o).is_empty());
}

#[test]
fn unknown_keys_and_bad_values_are_located() {
    let dir = scratch("located");
    std::fs::write(dir.join("site.toml"), "[dose]\nbsa_formla = \"dubois\"\n").unwrap();
    let o = run_in(&dir, &[], &["--config", "site.toml", "config", "show"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("unknown field `bsa_formla`"), "{err}");
    assert!(err.contains("site.toml:2:1]"), "{err}");
    std::fs::write(
        dir.join("site.toml"),
        "[order]\nagree_within = \"5\"\n[schedule]\nholiday_calendars = [\"narnia\"]\n",
    )
    .unwrap();
    let o = run_in(&dir, &[], &["--config", "site.toml", "config", "show"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    // Both problems, each at its value: line 2 column 16, line 4 column 22.
    assert!(err.contains("order.agree_within"), "{err}");
    assert!(err.contains("site.toml:2:16]"), "{err}");
    assert!(err.contains("narnia"), "{err}");
    assert!(err.contains("site.toml:4:22]"), "{err}");
}

#[test]
fn config_show_gives_each_value_and_its_source() {
    let dir = scratch("show");
    std::fs::write(
        dir.join("chemodose.toml"),
        "# site\n[dose]\nround_tolerance = \"5%\"\n\n[schedule]\npaper = \"letter\"\n",
    )
    .unwrap();
    let o = run_in(&dir, &[], &["config", "show", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let site = dir.join("chemodose.toml").display().to_string();
    assert_eq!(json["file"], site.as_str());
    assert_eq!(json["found_by"], "the working directory");
    let find = |key: &str| {
        json["settings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["key"] == key)
            .unwrap()
            .clone()
    };
    assert_eq!(find("dose.round_tolerance")["value"], "5%");
    assert_eq!(
        find("dose.round_tolerance")["source"],
        format!("config {site}:3").as_str()
    );
    assert_eq!(
        find("schedule.paper")["source"],
        format!("config {site}:6").as_str()
    );
    assert_eq!(find("dose.bsa_formula")["value"], "mosteller");
    assert_eq!(find("dose.bsa_formula")["source"], "built-in default");
    assert_eq!(find("dose.bsa_formula")["flag"], "--formula");
    // The text form, without a file.
    let empty = scratch("show-none");
    let out = stdout(&run_in(&empty, &[], &["config", "show"]));
    assert!(out.starts_with("Site config: none"), "{out}");
    assert!(!out.contains("config "), "{out}");
}

#[test]
fn config_init_writes_the_template_and_never_overwrites() {
    let dir = scratch("init");
    let o = run_in(&dir, &[], &["config", "init", "site.toml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let written = std::fs::read_to_string(dir.join("site.toml")).unwrap();
    assert_eq!(written, chemodose::config::TEMPLATE);
    // The template changes nothing: the dose is the built-in Mosteller's.
    let mut args = vec!["--config", "site.toml"];
    args.extend(DOX);
    let out = stdout(&run_in(&dir, &[], &args));
    assert_eq!(dox_mg(&out), "153", "{out}");
    // A second init refuses and leaves the file as it was.
    std::fs::write(dir.join("site.toml"), "[dose]\n").unwrap();
    let o = run_in(&dir, &[], &["config", "init", "site.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("exists already"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(dir.join("site.toml")).unwrap(),
        "[dose]\n"
    );
    // init runs even when the configuration in force is broken.
    std::fs::write(dir.join("chemodose.toml"), "[nope]\n").unwrap();
    let o = run_in(&dir, &[], &["config", "init", "other.toml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn every_format_names_the_configuration() {
    let dir = scratch("formats");
    std::fs::write(
        dir.join("chemodose.toml"),
        "[schedule]\npaper = \"letter\"\n",
    )
    .unwrap();
    let site = dir.join("chemodose.toml").display().to_string();
    let schedule = |format: &str| {
        let o = run_in(
            &dir,
            &[],
            &[
                "schedule",
                "doxorubicin",
                "--start",
                "2027-03-29",
                "--height",
                "150cm",
                "--weight",
                "100kg",
                "--bilirubin=0.5mg/dL",
                "--cycles",
                "1",
                "--patient-id",
                "P1",
                "--format",
                format,
            ],
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        (stdout(&o), stderr(&o))
    };
    let (html, _) = schedule("html");
    assert!(html.contains("size: letter"), "the paper is the site's");
    assert!(html.contains(&format!(
        "<p class=\"site-config\">Site config: {site} (schedule.paper)</p>\n</body>"
    )));
    let (json, _) = schedule("json");
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["site_config"]["file"], site.as_str());
    assert_eq!(json["site_config"]["settings"][0], "schedule.paper");
    let (md, _) = schedule("md");
    assert!(md.starts_with("Site config: "), "{md}");
    // The dose report too, in Markdown and HTML (issue 18, part 2).
    for format in ["md", "html"] {
        let o = run_in(
            &dir,
            &[],
            &[
                "dose",
                "doxorubicin",
                "--height",
                "150cm",
                "--weight",
                "100kg",
                "--bilirubin=0.5mg/dL",
                "--format",
                format,
            ],
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(
            stdout(&o).contains("Site config: "),
            "{format}: {}",
            stdout(&o)
        );
    }
    let (ics, err) = schedule("ics");
    assert!(!ics.contains("Site config"));
    assert!(
        err.contains(&format!("note: Site config: {site} (schedule.paper)")),
        "{err}"
    );
}

#[test]
fn other_commands_name_the_configuration_on_standard_error() {
    let dir = scratch("notes");
    std::fs::write(
        dir.join("chemodose.toml"),
        "[dose]\nbsa_formula = \"dubois\"\n",
    )
    .unwrap();
    let site = dir.join("chemodose.toml").display().to_string();
    let o = run_in(&dir, &[], &["regimens", "list"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stdout(&o).contains("Site config"));
    assert!(
        stderr(&o).contains(&format!(
            "note: Site config: {site} (no setting used by this command)"
        )),
        "{}",
        stderr(&o)
    );
    // `bsa` keeps its own default (Mosteller) and says the file was not used.
    let o = run_in(
        &dir,
        &[],
        &["bsa", "--height", "150cm", "--weight", "100kg"],
    );
    assert!(stdout(&o).contains("2.04"), "{}", stdout(&o));
    assert!(stderr(&o).contains("(no setting used by this command)"));
    // Without a file: no note.
    let empty = scratch("notes-none");
    assert!(!stderr(&run_in(&empty, &[], &["regimens", "list"])).contains("Site config"));
}

#[test]
fn holiday_calendars_flag_their_dates() {
    let dir = scratch("calendars");
    let args_from = |start: &'static str, extra: &[&'static str]| {
        let mut a = vec![
            "schedule",
            "doxorubicin",
            "--start",
            start,
            "--height",
            "150cm",
            "--weight",
            "100kg",
            "--bilirubin=0.5mg/dL",
            "--cycles",
            "2",
            "--format",
            "json",
        ];
        a.extend(extra);
        a
    };
    let args = |extra: &[&'static str]| args_from("2027-03-29", extra);
    let holidays = |o: &Output| -> Vec<String> {
        assert_eq!(o.status.code(), Some(0), "{}", stderr(o));
        let json: serde_json::Value = serde_json::from_str(&stdout(o)).unwrap();
        let mut days = Vec::new();
        for c in json["cycles"].as_array().unwrap() {
            for a in c["administrations"].as_array().unwrap() {
                if a["holiday"] == true {
                    days.push(a["date"].as_str().unwrap().to_owned());
                }
            }
        }
        days.dedup();
        days
    };
    // Easter Monday 2027 is 29 March (Easter Sunday the 28th); cycle 2 is
    // 21 days later, 19 April, no holiday in England and Wales.
    let o = run_in(
        &dir,
        &[],
        &args(&["--holiday-calendar", "england-and-wales"]),
    );
    assert_eq!(holidays(&o), ["2027-03-29"]);
    // Not a US federal holiday.
    let o = run_in(&dir, &[], &args(&["--holiday-calendar", "us-federal"]));
    assert!(holidays(&o).is_empty());
    // Easter Monday is a holiday in Germany (Ostermontag), France (lundi de
    // Pâques) and New South Wales too.
    for calendar in ["germany", "france", "australia-nsw"] {
        let o = run_in(&dir, &[], &args(&["--holiday-calendar", calendar]));
        assert_eq!(holidays(&o), ["2027-03-29"], "{calendar}");
    }
    // Christi Himmelfahrt 2027 is Thursday 6 May (Easter Sunday 28 March +
    // 39 days): flagged by germany (and france, the Ascension), not by
    // england-and-wales. The antiemetics run on days 1-4 (6-9 May), and
    // Saturday 8 May is a fête légale in France. Cycle 2 starts on
    // Thursday 27 May, Fronleichnam (Easter + 60), a holiday of some German
    // states only: not flagged.
    let ascension = |calendar: &'static str| {
        let o = run_in(
            &dir,
            &[],
            &args_from("2027-05-06", &["--holiday-calendar", calendar]),
        );
        holidays(&o)
    };
    assert_eq!(ascension("germany"), ["2027-05-06"]);
    assert_eq!(ascension("france"), ["2027-05-06", "2027-05-08"]);
    assert!(ascension("england-and-wales").is_empty());
    // From the configuration, with a holidays file relative to it.
    std::fs::create_dir_all(dir.join("site")).unwrap();
    std::fs::write(dir.join("site/closed.txt"), "2027-04-19\n").unwrap();
    std::fs::write(
        dir.join("site/chemodose.toml"),
        "[schedule]\nholidays = \"closed.txt\"\nholiday_calendars = [\"england-and-wales\"]\n",
    )
    .unwrap();
    let o = run_in(
        &dir,
        &[("CHEMODOSE_CONFIG", "site/chemodose.toml")],
        &args(&[]),
    );
    assert_eq!(holidays(&o), ["2027-03-29", "2027-04-19"]);
    // A new calendar's name is read from the configuration as well.
    std::fs::write(
        dir.join("site/germany.toml"),
        "[schedule]\nholiday_calendars = [\"germany\"]\n",
    )
    .unwrap();
    let o = run_in(
        &dir,
        &[("CHEMODOSE_CONFIG", "site/germany.toml")],
        &args_from("2027-05-06", &[]),
    );
    assert_eq!(holidays(&o), ["2027-05-06"]);
    let o = run_in(&dir, &[], &args(&["--holiday-calendar", "narnia"]));
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("australia-nsw, england-and-wales, france, germany and us-federal"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn the_config_json_schema_is_up_to_date() {
    let schema = schemars::schema_for!(chemodose::config::ConfigFile);
    let text = serde_json::to_string_pretty(&schema).unwrap() + "\n";
    let path = Path::new("docs/config.schema.json");
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(path, &text).unwrap();
    }
    assert_eq!(
        std::fs::read_to_string(path).unwrap_or_default(),
        text,
        "docs/config.schema.json is stale: run `UPDATE_SCHEMA=1 cargo test --test config` and commit it"
    );
}
