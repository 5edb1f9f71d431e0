//! The order file (issue 16): any text, read as TOML or as JSON, parses
//! into an order or gives located errors that draw; an order that parses
//! and names a bundled regimen is verified (every line recomputed by the
//! engine) into a verdict, never a panic.
#![no_main]

use chemodose::order::{VerifyInputs, parse_order, verify_order};
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
    // The first byte chooses the name, so both readers are reached.
    let path = if data.first().is_some_and(|b| b % 2 == 0) {
        "o.toml"
    } else {
        "o.json"
    };
    match parse_order(path, text) {
        Ok(order) => {
            if let Some(entry) = library().get(&order.regimen) {
                let v = verify_order(&order, &entry.regimen, &VerifyInputs::default());
                let _ = v.verdict;
            }
        }
        Err(e) => {
            let _ = e.to_string();
            for p in &e.problems {
                let _ = e.location(p);
            }
        }
    }
});
