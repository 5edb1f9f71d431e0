//! The codes chemodose reads and writes in FHIR, each with the source it
//! was checked against (`docs/fhir.md` lists them).
//!
//! Owns: the LOINC codes of the observations read, and for each the UCUM
//! unit codes accepted with the text chemodose's own parsers take for them;
//! the RxNorm ingredient codes of the drugs; the SNOMED CT codes of routes
//! and dose bases.
//! Never does: convert a number (the UCUM code becomes the unit text of
//! [`crate::quantity`]'s parsers, which convert), or guess a code: a drug,
//! route or observation without a checked code here is written as text
//! only, or refused on the way in.

use crate::quantity::Lab;

/// What an observation measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Measurement {
    /// Body height.
    Height,
    /// Body weight.
    Weight,
    /// Serum creatinine.
    SerumCreatinine,
    /// A laboratory result the clinical rules read.
    Lab(Lab),
}

impl Measurement {
    /// In words: "body height", "ANC".
    pub fn label(self) -> &'static str {
        match self {
            Measurement::Height => "body height",
            Measurement::Weight => "body weight",
            Measurement::SerumCreatinine => "serum creatinine",
            Measurement::Lab(l) => l.label(),
        }
    }
}

/// A LOINC code chemodose reads, with the units it accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObservationCode {
    /// The LOINC code.
    pub code: &'static str,
    /// Its LOINC long common name.
    pub display: &'static str,
    /// What it measures.
    pub measurement: Measurement,
    /// The UCUM codes accepted, each with the unit text chemodose's parser
    /// takes for it (`[in_i]` → `in`).
    pub units: &'static [(&'static str, &'static str)],
    /// Where the code was checked.
    pub source: &'static str,
}

/// 10*3/uL is 10³ per 10⁻⁶ L = 10⁹ per L: the same unit as 10*9/L, so both
/// are handed to the lab parser as `x10^9/L`.
const COUNT_UNITS: &[(&str, &str)] = &[
    ("10*9/L", "x10^9/L"),
    ("10*3/uL", "x10^9/L"),
    ("/uL", "/uL"),
];

/// The observations read from a FHIR bundle, by LOINC code. A code not here
/// is refused, naming the resource (an unknown code could be a result
/// chemodose needs under a code it does not know; it is never dropped
/// silently).
pub const OBSERVATIONS: &[ObservationCode] = &[
    ObservationCode {
        code: "8302-2",
        display: "Body height",
        measurement: Measurement::Height,
        units: &[("cm", "cm"), ("m", "m"), ("[in_i]", "in")],
        source: "FHIR R4 Body Height profile (http://hl7.org/fhir/R4/bodyheight.html); https://loinc.org/8302-2/",
    },
    ObservationCode {
        code: "29463-7",
        display: "Body weight",
        measurement: Measurement::Weight,
        units: &[("kg", "kg"), ("g", "g"), ("[lb_av]", "lb")],
        source: "FHIR R4 Body Weight profile (http://hl7.org/fhir/R4/bodyweight.html: kg, g, [lb_av]); https://loinc.org/29463-7/",
    },
    ObservationCode {
        code: "3141-9",
        display: "Body weight Measured",
        measurement: Measurement::Weight,
        units: &[("kg", "kg"), ("g", "g"), ("[lb_av]", "lb")],
        source: "https://loinc.org/3141-9/ (LOINC 2.82: Body weight, method Measured)",
    },
    ObservationCode {
        code: "2160-0",
        display: "Creatinine [Mass/volume] in Serum or Plasma",
        measurement: Measurement::SerumCreatinine,
        units: &[("mg/dL", "mg/dL")],
        source: "https://loinc.org/2160-0/ (ARUP test 0020025, Creatinine, Serum or Plasma: LOINC 2160-0)",
    },
    ObservationCode {
        code: "751-8",
        display: "Neutrophils [#/volume] in Blood by Automated count",
        measurement: Measurement::Lab(Lab::Anc),
        units: COUNT_UNITS,
        source: "https://loinc.org/751-8/ (HL7 CTC Adverse Events IG example Observation r201-9: 751-8 in 10*9/L)",
    },
    ObservationCode {
        code: "777-3",
        display: "Platelets [#/volume] in Blood by Automated count",
        measurement: Measurement::Lab(Lab::Platelets),
        units: COUNT_UNITS,
        source: "https://loinc.org/777-3/",
    },
    ObservationCode {
        code: "26515-7",
        display: "Platelets [#/volume] in Blood",
        measurement: Measurement::Lab(Lab::Platelets),
        units: COUNT_UNITS,
        source: "https://loinc.org/26515-7/",
    },
    ObservationCode {
        code: "718-7",
        display: "Hemoglobin [Mass/volume] in Blood",
        measurement: Measurement::Lab(Lab::Haemoglobin),
        units: &[("g/dL", "g/dL"), ("g/L", "g/L")],
        source: "https://loinc.org/718-7/ (Mayo Clinic Laboratories test HGB: result LOINC 718-7, g/dL)",
    },
    ObservationCode {
        code: "1975-2",
        display: "Bilirubin.total [Mass/volume] in Serum or Plasma",
        measurement: Measurement::Lab(Lab::Bilirubin),
        units: &[("mg/dL", "mg/dL")],
        source: "https://loinc.org/1975-2/ (AHRQ HCUP LOINC worksheet: Bilirubin Total, mg/dL, 1975-2)",
    },
    ObservationCode {
        code: "14631-6",
        display: "Bilirubin.total [Moles/volume] in Serum or Plasma",
        measurement: Measurement::Lab(Lab::Bilirubin),
        units: &[("umol/L", "umol/L")],
        source: "https://loinc.org/14631-6/ (AHRQ HCUP LOINC worksheet: Bilirubin Total, umol/L, 14631-6)",
    },
    ObservationCode {
        code: "1920-8",
        display: "Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma",
        measurement: Measurement::Lab(Lab::Ast),
        units: &[("U/L", "U/L")],
        source: "https://loinc.org/1920-8/ (AHRQ HCUP LOINC worksheet: AST (SGOT), U/L, 1920-8)",
    },
    ObservationCode {
        code: "1742-6",
        display: "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma",
        measurement: Measurement::Lab(Lab::Alt),
        units: &[("U/L", "U/L")],
        source: "https://loinc.org/1742-6/ (LOINC 2.82: ALT [Catalytic activity/Vol], Ser/Plas)",
    },
    ObservationCode {
        code: "6768-6",
        display: "Alkaline phosphatase [Enzymatic activity/volume] in Serum or Plasma",
        measurement: Measurement::Lab(Lab::Alp),
        units: &[("U/L", "U/L")],
        source: "https://loinc.org/6768-6/ (AHRQ HCUP LOINC worksheet: Alkaline Phosphatase, U/L, 6768-6)",
    },
    ObservationCode {
        code: "1751-7",
        display: "Albumin [Mass/volume] in Serum or Plasma",
        measurement: Measurement::Lab(Lab::Albumin),
        units: &[("g/dL", "g/dL"), ("g/L", "g/L")],
        source: "https://loinc.org/1751-7/ (AHRQ HCUP LOINC worksheet: Albumin, g/dL, 1751-7)",
    },
    ObservationCode {
        code: "10230-1",
        display: "Left ventricular Ejection fraction",
        measurement: Measurement::Lab(Lab::Lvef),
        units: &[("%", "%")],
        source: "https://loinc.org/10230-1/",
    },
];

/// The observation read for a LOINC code.
pub fn observation(code: &str) -> Option<&'static ObservationCode> {
    OBSERVATIONS.iter().find(|o| o.code == code)
}

/// The LOINC codes written for a measurement when exporting (the first of
/// [`OBSERVATIONS`] for it).
pub fn loinc_for(m: Measurement) -> Option<&'static ObservationCode> {
    OBSERVATIONS.iter().find(|o| o.measurement == m)
}

/// A drug's RxNorm ingredient code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ingredient {
    /// The drug as the regimens name it, lower case.
    pub drug: &'static str,
    /// The RxNorm concept (RXCUI) of the ingredient.
    pub rxcui: &'static str,
    /// Where the code was checked.
    pub source: &'static str,
}

/// The drugs of the bundled regimens with a checked RxNorm ingredient
/// code. A drug not here is written with its name as text only: a code is
/// listed only when a source could be cited for it that shows the code
/// with the plain ingredient name (never a clinical drug, branded drug or
/// pack code); `docs/fhir.md` lists the drugs left uncoded.
pub const INGREDIENTS: &[Ingredient] = &[
    Ingredient {
        drug: "doxorubicin",
        rxcui: "3639",
        source: "mCODE STU3 example MedicationRequest cancer-related-medication-request-doxorubicin-jenny-m (https://hl7.org/fhir/us/mcode/STU3/MedicationRequest-cancer-related-medication-request-doxorubicin-jenny-m.html): DOXOrubicin, RxNorm 3639",
    },
    Ingredient {
        drug: "carboplatin",
        rxcui: "40048",
        source: "FHIR core example PlanDefinition KDN5 (https://github.com/HL7/fhir/blob/0213440bb7428a9765870a179387e86b608cd023/source/plandefinition/plandefinition-example-kdn5-simplified.xml): rxnorm code 40048, display \"Carboplatin\"; CIBMTR Reporting IG value set med-prep-regimen-vs (https://github.com/nmdp-ig/cibmtr-reporting-ig/blob/d15ab17bec72610a0faff2b03e6eaff3413ca5a1/build/input/fsh/terminology/medications/med-form2400-prep-regimen-valueset.fsh): $RXN#40048 \"carboplatin\"",
    },
    Ingredient {
        drug: "cisplatin",
        rxcui: "2555",
        source: "RxNorm 2023-11-06 RXNCONSO rows in therapy-normalization's test data (https://github.com/cancervariants/therapy-normalization/blob/1eabeec5a20fe9bfdc2ae6932f85a1092c5dc187/tests/data/rxnorm/rxnorm_2023-11-06.RRF): RXNORM|IN|2555|cisplatin",
    },
    Ingredient {
        drug: "dexamethasone",
        rxcui: "3264",
        source: "HL7 PDDI CDS IG value set valueset-dexamethasone (https://github.com/HL7/PDDI-CDS/blob/018be88010175fa37e818c27c2925a6767273870/input/vocabulary/valueset-dexamethasone.xml): rxnorm code 3264, display \"Dexamethasone\"",
    },
    Ingredient {
        drug: "filgrastim",
        rxcui: "68442",
        source: "CIBMTR Reporting IG value set med-mobilizing-agents-vs (https://github.com/nmdp-ig/cibmtr-reporting-ig/blob/d15ab17bec72610a0faff2b03e6eaff3413ca5a1/build/input/fsh/terminology/medications/med-form2400-mobilizing-agents-valueset.fsh): $RXN#68442 \"filgrastim\"",
    },
    Ingredient {
        drug: "gemcitabine",
        rxcui: "12574",
        source: "FHIR core example PlanDefinition KDN5 (https://github.com/HL7/fhir/blob/0213440bb7428a9765870a179387e86b608cd023/source/plandefinition/plandefinition-example-kdn5-simplified.xml): rxnorm code 12574, display \"gemcitabine\"; CIBMTR Reporting IG value set med-prep-regimen-vs (https://github.com/nmdp-ig/cibmtr-reporting-ig/blob/d15ab17bec72610a0faff2b03e6eaff3413ca5a1/build/input/fsh/terminology/medications/med-form2400-prep-regimen-valueset.fsh): $RXN#12574 \"gemcitabine\"",
    },
    Ingredient {
        drug: "ifosfamide",
        rxcui: "5657",
        source: "CIBMTR Reporting IG value set med-prep-regimen-vs (https://github.com/nmdp-ig/cibmtr-reporting-ig/blob/d15ab17bec72610a0faff2b03e6eaff3413ca5a1/build/input/fsh/terminology/medications/med-form2400-prep-regimen-valueset.fsh): $RXN#5657 \"ifosfamide\"",
    },
    Ingredient {
        drug: "mesna",
        rxcui: "44",
        source: "RxNorm 2023-11-06 RXNCONSO rows in therapy-normalization's test data (https://github.com/cancervariants/therapy-normalization/blob/1eabeec5a20fe9bfdc2ae6932f85a1092c5dc187/tests/data/rxnorm/rxnorm_2023-11-06.RRF): RXNORM|IN|44|mesna",
    },
    Ingredient {
        drug: "pegfilgrastim",
        rxcui: "338036",
        source: "CIBMTR Reporting IG value set med-mobilizing-agents-vs (https://github.com/nmdp-ig/cibmtr-reporting-ig/blob/d15ab17bec72610a0faff2b03e6eaff3413ca5a1/build/input/fsh/terminology/medications/med-form2400-mobilizing-agents-valueset.fsh): $RXN#338036 \"pegfilgrastim\", also the IG's example Medication-Mobilizing-Agent-Example",
    },
    Ingredient {
        drug: "olanzapine",
        rxcui: "61381",
        source: "CPIC drug table (https://github.com/cpicpgx/cpic-schema/blob/e5df9eea485b853968e7353f8243add07f8a1b79/drug.sql, columns drugId, name, pharmgkbId, rxnormId, drugbankId, atcId): RxNorm:61381 olanzapine PA450688 61381 DB00334 N05AH03",
    },
    Ingredient {
        drug: "pazopanib",
        rxcui: "714438",
        source: "CPIC drug table (https://github.com/cpicpgx/cpic-schema/blob/e5df9eea485b853968e7353f8243add07f8a1b79/drug.sql, columns drugId, name, pharmgkbId, rxnormId, drugbankId, atcId): RxNorm:714438 pazopanib PA165291492 714438 L01XE",
    },
];

/// The RxNorm ingredient code of `drug` (lower case), where one is listed.
pub fn ingredient(drug: &str) -> Option<&'static Ingredient> {
    INGREDIENTS.iter().find(|i| i.drug == drug)
}

/// A route's SNOMED CT code, where one was checked: `IV` only (mCODE's
/// example codes the intravenous route 47625008); every other route is
/// written as text.
pub fn route(route: &str) -> Option<(&'static str, &'static str)> {
    match route {
        "IV" => Some(("47625008", "Intravenous route")),
        _ => None,
    }
}

/// The mCODE normalization basis codes (SNOMED CT, value set
/// mcode-normalization-basis-vs, mCODE STU4): body surface area, body
/// weight, fixed dose.
pub const BASIS_BSA: (&str, &str) = ("301898006", "Body surface area");
/// Body weight characteristic.
pub const BASIS_WEIGHT: (&str, &str) = ("363804004", "Body weight characteristic");
/// Fixed dose.
pub const BASIS_FIXED: (&str, &str) = ("1157245009", "Fixed dose");

/// HL7 v2 table 0203, identifier types: the code system of an MRN's type.
pub const IDENTIFIER_TYPE: &str = "http://terminology.hl7.org/CodeSystem/v2-0203";
/// Medical record number (v2-0203 `MR`; HL7 AU Base profile
/// au-medicalrecordnumber, http://hl7.org.au/fhir/StructureDefinition/au-medicalrecordnumber,
/// and the mCODE example Patient cancer-patient-jenny-m, "Medical Record
/// Number: MRN1234").
pub const IDENTIFIER_MRN: (&str, &str) = ("MR", "Medical record number");

#[cfg(test)]
mod tests {
    use super::*;

    /// Each drug is coded once, with a numeric RXCUI and a source naming
    /// where it was checked (a URL).
    #[test]
    fn every_ingredient_is_listed_once_with_a_numeric_code_and_a_cited_source() {
        let mut drugs: Vec<_> = INGREDIENTS.iter().map(|i| i.drug).collect();
        drugs.sort_unstable();
        drugs.dedup();
        assert_eq!(drugs.len(), INGREDIENTS.len());
        for i in INGREDIENTS {
            assert_eq!(i.drug, i.drug.to_lowercase(), "{}", i.drug);
            assert!(
                !i.rxcui.is_empty() && i.rxcui.bytes().all(|b| b.is_ascii_digit()),
                "{}",
                i.drug
            );
            assert!(i.source.contains("https://"), "{}", i.drug);
        }
    }

    /// Every unit text handed to a parser is one the parser knows: the
    /// parser refuses a value for its bounds, never for its unit.
    #[test]
    fn every_code_is_listed_once_and_every_unit_is_known_to_its_parser() {
        use crate::quantity::{LabError, QuantityError};
        let mut codes: Vec<_> = OBSERVATIONS.iter().map(|o| o.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), OBSERVATIONS.len());
        let unit_known = |r: Result<(), QuantityError>| {
            !matches!(
                r,
                Err(QuantityError::UnknownUnit { .. } | QuantityError::WrongKind { .. })
            )
        };
        for o in OBSERVATIONS {
            for (_, text) in o.units {
                let t = format!("1{text}");
                let ok = match o.measurement {
                    Measurement::Height => unit_known(crate::quantity::parse_height(&t).map(drop)),
                    Measurement::Weight => unit_known(crate::quantity::parse_weight(&t).map(drop)),
                    Measurement::SerumCreatinine => {
                        unit_known(crate::quantity::parse_serum_creatinine(&t).map(drop))
                    }
                    Measurement::Lab(lab) => !matches!(
                        crate::quantity::parse_lab(lab, &t),
                        Err(LabError::UnknownUnit { .. } | LabError::WrongUnit { .. })
                    ),
                };
                assert!(ok, "{} {text}", o.code);
            }
        }
    }
}
