//! The treatment-history file: any text loads into a history or gives
//! located errors that draw; a history that loads gives its report
//! (lines, cycles recomputed, lifetime cumulative doses) or a
//! `HistoryError`, never a panic.
#![no_main]

use chemodose::history::parse_history;
use chemodose::regimen::Library;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn library() -> &'static Library {
    static L: OnceLock<Library> = OnceLock::new();
    L.get_or_init(|| Library::bundled().expect("bundled library"))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match parse_history("h.toml", text, library()) {
        Ok(h) => {
            let _ = h.report(library());
        }
        Err(e) => {
            let _ = e.to_string();
            for p in &e.problems {
                let _ = e.location(p);
            }
        }
    }
});
