//! The `chemodose` command: a thin layer over the library's command layer
//! (`chemodose::cli`), which parses the command line, calls the library and
//! prints; nothing else prints or exits.

fn main() -> std::process::ExitCode {
    chemodose::cli::run()
}
