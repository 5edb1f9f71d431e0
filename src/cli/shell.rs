//! `chemodose completions SHELL` and `chemodose man [COMMAND]`: shell
//! completion scripts (clap_complete) and man pages (clap_mangen), made
//! from the same clap definitions as the command line, so they always
//! match it.

use clap::Args;

use super::{InputError, Report};

/// `completions`' arguments.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, elvish or powershell. Bash, for one
    /// user: chemodose completions bash > ~/.local/share/bash-completion/completions/chemodose
    #[arg(value_name = "SHELL")]
    shell: clap_complete::Shell,
}

/// `man`'s arguments.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// A command whose page to print (dose, schedule, order, ...); the
    /// main page when left out. Read with: chemodose man dose | man -l -
    #[arg(value_name = "COMMAND")]
    command: Option<String>,
}

/// The completion script for `a.shell`.
pub fn completions(a: CompletionsArgs, mut cli: clap::Command) -> Result<Report, InputError> {
    let mut out = Vec::new();
    clap_complete::generate(a.shell, &mut cli, "chemodose", &mut out);
    let text = String::from_utf8(out)
        .map_err(|_| InputError("the completion script is not UTF-8".to_owned()))?;
    Ok(Report {
        stdout: text,
        ..Report::default()
    })
}

/// The man page of chemodose, or of one of its commands, in roff.
pub fn man(a: ManArgs, cli: clap::Command) -> Result<Report, InputError> {
    let (page, title) = match &a.command {
        None => (cli, "chemodose".to_owned()),
        Some(name) => {
            let Some(sub) = cli.find_subcommand(name) else {
                let names: Vec<&str> = cli.get_subcommands().map(|c| c.get_name()).collect();
                return Err(InputError(format!(
                    "`{}` is not a command; write one of: {}",
                    chemodose::render::escape::visible(name),
                    names.join(", ")
                )));
            };
            (
                sub.clone().version(env!("CARGO_PKG_VERSION")),
                format!("chemodose-{}", sub.get_name()),
            )
        }
    };
    let mut out = Vec::new();
    clap_mangen::Man::new(page)
        .title(title)
        .render(&mut out)
        .map_err(|e| InputError(format!("the man page could not be written: {e}")))?;
    let text =
        String::from_utf8(out).map_err(|_| InputError("the man page is not UTF-8".to_owned()))?;
    Ok(Report {
        stdout: text,
        ..Report::default()
    })
}
