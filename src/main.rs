//! The `chemodose` command: a thin layer over the library. It parses the
//! command line, calls the library and prints; nothing else prints or exits.

mod cli;
mod web;

fn main() -> std::process::ExitCode {
    cli::run()
}
