//! The batch patients CSV reader and the rows it feeds to the engine:
//! any bytes give a summary (rows dosed, rows skipped with their reason)
//! or a `BatchError`, never a panic, on the fast path (gemcitabine and
//! docetaxel, whole-mg rounding) and on the engine path (cisplatin and
//! ifosfamide, whose rules read the row's renal function).
#![no_main]

use chemodose::batch::{BatchPlan, Layout, run_batch};
use chemodose::dose::DoseOptions;
use chemodose::regimen::Library;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn setup() -> &'static (Library, DoseOptions) {
    static S: OnceLock<(Library, DoseOptions)> = OnceLock::new();
    S.get_or_init(|| {
        let lib = Library::bundled().expect("bundled library");
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../docs/examples/gemdoc-labs.toml"
        );
        let text = std::fs::read_to_string(path).expect("labs example");
        let mut o = DoseOptions::default();
        for r in chemodose::labs::parse_labs_toml(path, &text).expect("labs") {
            o.clinical.labs.insert(r);
        }
        (lib, o)
    })
}

fuzz_target!(|data: &[u8]| {
    let (lib, options) = setup();
    for id in ["gemcitabine-docetaxel", "cisplatin-ifosfamide"] {
        let regimen = &lib.get(id).expect("bundled regimen").regimen;
        let plan = BatchPlan::new(regimen, options, 1);
        for layout in [Layout::Wide, Layout::Long] {
            let _ = run_batch(&plan, data, std::io::sink(), layout, 1, &mut |_| {});
        }
    }
});
