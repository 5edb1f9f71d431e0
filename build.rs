//! Embeds every `regimens/*.toml` into the binary: the regimens, and their
//! `*.checks.toml` golden cases, so that an installed `chemodose` works (and
//! verifies itself) from any folder.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=regimens");
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&manifest).join("regimens");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let mut out = String::new();
    for (name, checks) in [("BUNDLED", false), ("BUNDLED_CHECKS", true)] {
        writeln!(out, "pub(crate) static {name}: &[(&str, &str)] = &[").unwrap();
        for path in &files {
            let file = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            if file.ends_with(".checks.toml") == checks {
                let shown = path.display().to_string();
                writeln!(out, "    ({file:?}, include_str!({shown:?})),").unwrap();
            }
        }
        out.push_str("];\n");
    }
    let dest = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("bundled.rs");
    std::fs::write(dest, out).expect("write bundled.rs");
}
