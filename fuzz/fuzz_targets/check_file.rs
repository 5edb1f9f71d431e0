//! The check-file parser must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = chemodose::verify::parse_check_file("fuzz.checks.toml", s);
    }
});
