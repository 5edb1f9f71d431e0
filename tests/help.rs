//! The help a pharmacist reads: snapshots of `--help`, and the rules issue 18
//! asked for (required arguments shown as required in the usage line,
//! allowed values listed, one default each). Snapshots show how the help
//! looks; the assertions below say what it must hold.

mod common;
use common::Run;

fn help(args: &[&str]) -> String {
    let mut all = args.to_vec();
    all.push("--help");
    Run::new(&all).success()
}

#[test]
fn dose_help() {
    let h = help(&["dose"]);
    // The formulas are listed, the default said once: the built-in one, or
    // the site configuration's (issue 18: a setting a pharmacy sets once).
    assert!(h.contains("[possible values: mosteller, dubois,"), "{h}");
    assert_eq!(
        h.matches("Default mosteller, or the site config's").count(),
        1,
        "{h}"
    );
    assert!(!h.contains("[default: mosteller]"), "{h}");
    assert!(!h.contains("(default"), "{h}");
    // Height and weight say when they are required (a history or a FHIR
    // bundle may give them).
    assert!(
        h.contains("Required, unless --history or --fhir gives"),
        "{h}"
    );
    insta::assert_snapshot!(h);
}

#[test]
fn crcl_help_shows_the_required_measurements_in_the_usage() {
    let h = help(&["crcl"]);
    assert!(
        h.contains("Usage: chemodose crcl [OPTIONS] --age <YEARS> --weight <WEIGHT> --sex <SEX> --scr <SCR>"),
        "{h}"
    );
    insta::assert_snapshot!(h);
}

#[test]
fn carboplatin_help() {
    insta::assert_snapshot!(help(&["carboplatin"]));
}

#[test]
fn history_record_help_describes_every_argument() {
    let h = help(&["history", "record"]);
    for described in ["history file", "line of therapy", "Day 1 of the cycle"] {
        assert!(h.contains(described), "{h}");
    }
    insta::assert_snapshot!(h);
}

/// Issue 18: shell completions and man pages, made from the same clap
/// definitions as the command line.
#[test]
fn completions_and_man_pages_come_from_the_command_line_itself() {
    let bash = Run::new(&["completions", "bash"]).success();
    assert!(bash.contains("_chemodose()"), "{bash}");
    // A flag of `dose` and one of `order verify` are completed.
    assert!(bash.contains("--crcl-weight"), "{bash}");
    assert!(bash.contains("--agree-within"), "{bash}");
    let zsh = Run::new(&["completions", "zsh"]).success();
    assert!(zsh.starts_with("#compdef chemodose"), "{zsh}");
    let main = Run::new(&["man"]).success();
    assert!(main.contains(".TH chemodose 1"), "{main}");
    let dose = Run::new(&["man", "dose"]).success();
    assert!(dose.contains(".TH chemodose-dose 1"), "{dose}");
    assert!(dose.contains("height"), "{dose}");
    let err = Run::new(&["man", "nope"]).fails(2);
    assert!(
        err.contains("`nope` is not a command; write one of: bsa, crcl"),
        "{err}"
    );
    let err = Run::new(&["completions", "tcsh"]).fails(2);
    assert!(err.contains("tcsh"), "{err}");
}
