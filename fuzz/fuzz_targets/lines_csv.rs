//! The administrations CSV of `lines derive` and `lines to-history`: any
//! bytes give derived lines (and a drafted history file) or a `LinesError`,
//! never a panic, and memory stays bounded by one patient's records.
#![no_main]

use chemodose::lines::{ColumnNames, Rules, derive_stream, draft_history};
use chemodose::regimen::Library;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn library() -> &'static Library {
    static L: OnceLock<Library> = OnceLock::new();
    L.get_or_init(|| Library::bundled().expect("bundled library"))
}

fuzz_target!(|data: &[u8]| {
    let mut lines = 0usize;
    let _ = derive_stream(
        data,
        &ColumnNames::default(),
        &Rules::default(),
        library(),
        &mut |derived| {
            lines += derived.len();
            if let Some(first) = derived.first() {
                let _ = draft_history(&first.patient, derived, library());
            }
            Ok(())
        },
        &mut |_| {},
    );
});
