//! Every quantity and dose parser must return a value or an error, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = chemodose::quantity::parse_height(s);
        let _ = chemodose::quantity::parse_weight(s);
        let _ = chemodose::quantity::parse_serum_creatinine(s);
        let _ = chemodose::quantity::parse_age(s);
        let _ = chemodose::quantity::parse_bsa(s);
        let _ = chemodose::quantity::parse_gfr(s);
        let _ = chemodose::quantity::parse_dose(s);
        let _ = chemodose::quantity::parse_auc(s);
        let _ = chemodose::quantity::Percent::reduction(s);
        let _ = chemodose::quantity::Percent::tolerance(s);
        let _ = chemodose::regimen::RoundingRule::parse(s);
        for lab in chemodose::quantity::Lab::ALL {
            let _ = chemodose::quantity::parse_lab(lab, s);
            let _ = chemodose::quantity::parse_uln(lab, s);
        }
        let _ = s.parse::<chemodose::quantity::Lab>();
    }
});
