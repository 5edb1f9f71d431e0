//! The regimen loader must never panic, whatever the bytes; a file that loads
//! must also dose a reference patient without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(regimen) = chemodose::regimen::check_bytes("fuzz.toml", data.to_vec()) {
        let patient = chemodose::patient::Patient::new(
            chemodose::quantity::parse_height("170cm").unwrap(),
            chemodose::quantity::parse_weight("70kg").unwrap(),
        );
        let _ = chemodose::dose::calculate(&regimen, &patient, 1, &Default::default());
    }
});
