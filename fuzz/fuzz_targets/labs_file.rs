//! The labs file parsers (TOML and CSV) return results or located errors,
//! never panic; the errors draw without panicking too.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        if let Err(e) = chemodose::labs::parse_labs_toml("f.toml", s) {
            let _ = e.to_string();
            for p in &e.problems {
                let _ = e.location(p);
            }
        }
        if let Err(e) = chemodose::labs::parse_labs_csv("f.csv", s) {
            let _ = e.to_string();
            for p in &e.problems {
                let _ = e.location(p);
            }
        }
    }
});
