//! Old spellings of flags, accepted for one release with a note on standard
//! error that says the new one.
//!
//! Owns: the rule that a flag's hidden clap alias (`#[arg(alias = "…")]`) is
//! a deprecated spelling, and the note "`--old` is deprecated: write
//! `--new`". The clap definition is the one list: an argument's hidden
//! aliases are found by walking it, so a renamed flag needs nothing here.
//! Never does: change what a flag means; an old spelling parses exactly as
//! the new one (clap resolves the alias).

use clap::Command;

/// The notes for the deprecated spellings in `args` (the command line
/// without the program name): one for each old spelling typed, in the
/// order typed. Words after `--` are values, never flags.
pub fn notes(root: &Command, args: &[String]) -> Vec<String> {
    // The subcommand the words name: `lines to-history` descends twice.
    let mut command = root;
    for word in args.iter().take_while(|w| *w != "--") {
        if let Some(sub) = command.find_subcommand(word) {
            command = sub;
        }
    }
    let mut out: Vec<String> = Vec::new();
    for word in args.iter().take_while(|w| *w != "--") {
        let Some(flag) = word.strip_prefix("--") else {
            continue;
        };
        let flag = flag.split_once('=').map_or(flag, |(f, _)| f);
        for arg in command.get_arguments() {
            let hidden = arg.get_aliases().unwrap_or_default();
            let visible = arg.get_visible_aliases().unwrap_or_default();
            if hidden.contains(&flag) && !visible.contains(&flag) {
                let new = arg.get_long().unwrap_or_default();
                let note = format!("`--{flag}` is deprecated: write `--{new}`");
                if !out.contains(&note) {
                    out.push(note);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Arg;

    fn tree() -> Command {
        Command::new("chemodose")
            .subcommand(
                Command::new("crcl").arg(
                    Arg::new("crcl-weight")
                        .long("crcl-weight")
                        .alias("weight-basis"),
                ),
            )
            .subcommand(Command::new("dose").arg(Arg::new("x").long("x")))
    }

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn an_old_spelling_gets_one_note_naming_the_new() {
        let n = notes(
            &tree(),
            &words("crcl --weight-basis ideal --weight-basis=ideal"),
        );
        assert_eq!(n, ["`--weight-basis` is deprecated: write `--crcl-weight`"]);
    }

    #[test]
    fn the_new_spelling_and_values_after_a_double_dash_get_none() {
        assert!(notes(&tree(), &words("crcl --crcl-weight ideal")).is_empty());
        assert!(notes(&tree(), &words("crcl -- --weight-basis")).is_empty());
        // Another command's alias is not this command's.
        assert!(notes(&tree(), &words("dose --weight-basis")).is_empty());
    }
}
