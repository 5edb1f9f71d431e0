//! The calculation forms (dose and schedule): their fields, each mapped to
//! the command-line flag it stands for, and a form turned into the command
//! line `dose` or `schedule` parses. The web page has no parser of its own:
//! every value goes through the same clap parsers, library checks and
//! messages as the command line, and an error is shown beside the field
//! whose flag it names.
//!
//! Owns: the field lists (one list per group, shared by both forms and by
//! the OpenAPI document) and the translation to arguments. Never does:
//! compute a dose, read a file, or write a flag that reads or writes one
//! (`--labs`, `--history`, `--holidays`, `--output`, a regimen path): only
//! the flags below are ever written.

use std::collections::BTreeMap;

/// How many values a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Many {
    /// One value: one `--flag=value`.
    One,
    /// Several, separated by commas: one `--flag=part` each.
    Commas,
    /// Several, one per line (a text box): one `--flag=line` each, for
    /// values that may hold commas themselves (`3=cisplatin=1,8`, a reason).
    Lines,
}

/// One input of a form: its name, the flag it becomes, how it is shown.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Field {
    /// The form field's name (and the key in the JSON API).
    pub name: &'static str,
    /// The command-line flag it becomes.
    pub flag: &'static str,
    /// The label on the page.
    pub label: &'static str,
    /// An example value, shown as the placeholder.
    pub example: &'static str,
    /// A short hint: the unit, or what the value means.
    pub hint: &'static str,
    /// One value, or several.
    pub many: Many,
}

const fn field(
    name: &'static str,
    flag: &'static str,
    label: &'static str,
    example: &'static str,
    hint: &'static str,
) -> Field {
    Field {
        name,
        flag,
        label,
        example,
        hint,
        many: Many::One,
    }
}

const fn several(f: Field, many: Many) -> Field {
    Field { many, ..f }
}

/// The patient's measurements.
pub const PATIENT: &[Field] = &[
    field(
        "height",
        "--height",
        "Height",
        "170cm",
        "with its unit: cm, in, 5ft7in",
    ),
    field(
        "weight",
        "--weight",
        "Weight",
        "70kg",
        "with its unit: kg, lb",
    ),
    field(
        "measured_on",
        "--measured-on",
        "Height and weight measured on",
        "2026-11-30",
        "YYYY-MM-DD",
    ),
    field("sex", "--sex", "Sex", "female", "female or male"),
    field("age", "--age", "Age", "64", "years"),
    field(
        "scr",
        "--scr",
        "Serum creatinine",
        "1.1mg/dL",
        "mg/dL or umol/L",
    ),
    field(
        "scr_date",
        "--scr-date",
        "Serum creatinine measured on",
        "2026-11-30",
        "YYYY-MM-DD",
    ),
];

/// Laboratory results, dateless: taken on the treatment date.
pub const LABS: &[Field] = &[
    field("anc", "--anc", "ANC", "3.2x10^9/L", "x10^9/L or cells/mm3"),
    field(
        "platelets",
        "--platelets",
        "Platelets",
        "245x10^9/L",
        "x10^9/L",
    ),
    field("hb", "--hb", "Haemoglobin", "12g/dL", "g/dL or g/L"),
    field(
        "bilirubin",
        "--bilirubin",
        "Total bilirubin",
        "9umol/L",
        "umol/L, mg/dL, or 1.2xULN",
    ),
    field(
        "bilirubin_uln",
        "--bilirubin-uln",
        "Bilirubin ULN",
        "21umol/L",
        "the lab's upper limit of normal",
    ),
    field("ast", "--ast", "AST", "24U/L", "units/L"),
    field("ast_uln", "--ast-uln", "AST ULN", "40U/L", "units/L"),
    field("alt", "--alt", "ALT", "22U/L", "units/L"),
    field("alt_uln", "--alt-uln", "ALT ULN", "45U/L", "units/L"),
    field("alp", "--alp", "ALP", "88U/L", "units/L"),
    field("alp_uln", "--alp-uln", "ALP ULN", "130U/L", "units/L"),
    field("lvef", "--lvef", "LVEF", "60%", "percent"),
];

/// The dose's cycle.
const CYCLE: &[Field] = &[field("cycle", "--cycle", "Cycle", "1", "from 1")];

/// The treatment date and the options of the calculation.
const DOSE_OPTIONS: &[Field] = &[
    field(
        "on",
        "--on",
        "Treatment date",
        "2026-12-01",
        "YYYY-MM-DD; the date labs are judged on (default today)",
    ),
    FORMULA,
    LEVEL,
    REDUCE,
    OVERRIDES,
];

const FORMULA: Field = field(
    "formula",
    "--formula",
    "BSA formula",
    "mosteller",
    "mosteller, dubois, haycock, ...",
);

const LEVEL: Field = several(
    field(
        "level",
        "--level",
        "Dose level",
        "docetaxel=-1",
        "-1, or DRUG=-1; several separated by commas",
    ),
    Many::Commas,
);

const REDUCE: Field = several(
    field(
        "reduce",
        "--reduce",
        "Percent reduction",
        "gemcitabine=20%",
        "20%, or DRUG=20%; several separated by commas",
    ),
    Many::Commas,
);

const OVERRIDES: Field = several(
    field(
        "overrides",
        "--override",
        "Overrides, one per line",
        "missing-bilirubin=reason",
        "CODE=reason, the code as the refusal names it",
    ),
    Many::Lines,
);

/// The course of a schedule: its start, length, delays and the changes from
/// a cycle on, as `schedule` takes them.
const COURSE: &[Field] = &[
    field(
        "start",
        "--start",
        "Start date",
        "2026-12-01",
        "YYYY-MM-DD: day 1 of cycle 1",
    ),
    field(
        "cycles",
        "--cycles",
        "Cycles",
        "6",
        "1 to 100; the regimen's when empty",
    ),
    several(
        field(
            "delay",
            "--delay",
            "Delays, one per line",
            "3=7",
            "CYCLE=DAYS: that cycle and every later one; delays add up",
        ),
        Many::Lines,
    ),
    several(
        field(
            "level_from",
            "--level-from",
            "Dose levels from a cycle, one per line",
            "3=-1",
            "CYCLE=LEVEL or CYCLE=DRUG=LEVEL: 3=docetaxel=-1",
        ),
        Many::Lines,
    ),
    several(
        field(
            "reduce_from",
            "--reduce-from",
            "Reductions from a cycle, one per line",
            "4=20%",
            "CYCLE=PERCENT or CYCLE=DRUG=PERCENT: 4=gemcitabine=25%",
        ),
        Many::Lines,
    ),
    several(
        field(
            "days_from",
            "--days-from",
            "Day lists from a cycle, one per line",
            "3=cisplatin=1-4",
            "CYCLE=DRUG=DAYS, replacing the regimen's",
        ),
        Many::Lines,
    ),
];

/// The date of the laboratory results of a schedule.
const LABS_DATE: &[Field] = &[field(
    "labs_date",
    "--labs-date",
    "Results taken on",
    "2026-11-30",
    "YYYY-MM-DD; today when empty",
)];

/// The options of a schedule's calculation.
const SCHEDULE_OPTIONS: &[Field] = &[FORMULA, LEVEL, REDUCE, OVERRIDES];

/// The calendar and the printed page of a schedule.
const CALENDAR: &[Field] = &[
    several(
        field(
            "holiday_calendar",
            "--holiday-calendar",
            "Holiday calendars",
            "england-and-wales",
            "australia-nsw, england-and-wales, france, germany, us-federal; separated by commas (and the site configuration's holidays)",
        ),
        Many::Commas,
    ),
    field(
        "patient_id",
        "--patient-id",
        "Patient id",
        "P-0001",
        "pseudonymous, never a name; the calendar (ICS) needs it or a course id",
    ),
    field(
        "course_id",
        "--course-id",
        "Course id",
        "course-2026-12",
        "for the calendar's event UIDs; give the same one to update the events",
    ),
    field(
        "patient_name",
        "--patient-name",
        "Patient name",
        "",
        "printed on the print-ready page only",
    ),
    field(
        "mrn",
        "--mrn",
        "MRN",
        "",
        "printed on the print-ready page only",
    ),
    field(
        "dob",
        "--dob",
        "Date of birth",
        "",
        "YYYY-MM-DD; printed on the print-ready page only",
    ),
    field("paper", "--paper", "Paper", "a4", "a4 or letter"),
];

/// A group of fields, shown as one fieldset.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Section {
    /// The fieldset's legend.
    pub legend: &'static str,
    /// Its fields, in order.
    pub fields: &'static [Field],
}

/// A calculation form: the command it runs and its fields. The regimen is
/// chosen apart (a list of the library's ids), and always written last,
/// after `--`.
#[derive(Debug, Clone, Copy)]
pub struct FormSpec {
    /// The command: `dose` or `schedule`.
    pub command: &'static str,
    /// The fieldsets, in order; the regimen's list heads the first.
    pub sections: &'static [Section],
}

/// The dose calculator.
pub const DOSE: FormSpec = FormSpec {
    command: "dose",
    sections: &[
        Section {
            legend: "Regimen",
            fields: CYCLE,
        },
        Section {
            legend: "Patient (every value with its unit)",
            fields: PATIENT,
        },
        Section {
            legend: "Laboratory results (taken on the treatment date)",
            fields: LABS,
        },
        Section {
            legend: "Options",
            fields: DOSE_OPTIONS,
        },
    ],
};

/// The schedule.
pub const SCHEDULE: FormSpec = FormSpec {
    command: "schedule",
    sections: &[
        Section {
            legend: "Regimen and course",
            fields: COURSE,
        },
        Section {
            legend: "Patient (every value with its unit)",
            fields: PATIENT,
        },
        Section {
            legend: "Laboratory results",
            fields: LABS,
        },
        Section {
            legend: "Laboratory results: date",
            fields: LABS_DATE,
        },
        Section {
            legend: "Options",
            fields: SCHEDULE_OPTIONS,
        },
        Section {
            legend: "Calendar and printed page",
            fields: CALENDAR,
        },
    ],
};

impl FormSpec {
    /// Every field of the form, in order.
    pub fn fields(&self) -> impl Iterator<Item = &'static Field> + '_ {
        self.sections.iter().flat_map(|s| s.fields.iter())
    }

    /// Whether `name` is the regimen or a field of this form.
    pub fn knows(&self, name: &str) -> bool {
        name == "regimen" || self.fields().any(|f| f.name == name)
    }

    /// The field whose flag a message names first (`--height`,
    /// `--bilirubin-uln`), for showing the message beside it; the longest
    /// flag wins where one is a prefix of another (`--bilirubin-uln` before
    /// `--bilirubin`).
    pub fn field_named_in(&self, message: &str) -> Option<&'static str> {
        let mut best: Option<(usize, usize, &'static str)> = None;
        for f in self.fields() {
            let mut from = 0;
            while let Some(i) = message[from..].find(f.flag) {
                let at = from + i;
                let end = at + f.flag.len();
                // A whole flag, not the start of a longer one.
                let whole = message[end..]
                    .chars()
                    .next()
                    .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '-'));
                if whole {
                    let better = best.is_none_or(|(b_at, b_len, _)| {
                        at < b_at || (at == b_at && f.flag.len() > b_len)
                    });
                    if better {
                        best = Some((at, f.flag.len(), f.name));
                    }
                    break;
                }
                from = end;
            }
        }
        best.map(|(_, _, name)| name)
    }

    /// The command line from the form's values: `--flag=value` only (a
    /// value can never be read as another flag), the regimen after `--`.
    /// Empty fields are left out; a field of several values gives one flag
    /// each. Keys that are not fields of the form are ignored.
    pub fn arguments(
        &self,
        regimen: &str,
        values: &BTreeMap<String, String>,
        regimens_folder: Option<&std::path::Path>,
        format: &str,
    ) -> Vec<String> {
        let mut args = Vec::with_capacity(values.len() + 5);
        args.push(self.command.to_owned());
        args.push(format!("--format={format}"));
        if let Some(dir) = regimens_folder {
            args.push(format!("--regimens={}", dir.display()));
        }
        // `--flag=value`, joined by hand: this runs for every field of every
        // API request, where `format!` cost more than the rest of it.
        let flag_equals = |flag: &str, value: &str| {
            let mut arg = String::with_capacity(flag.len() + 1 + value.len());
            arg.push_str(flag);
            arg.push('=');
            arg.push_str(value);
            arg
        };
        for f in self.fields() {
            let Some(v) = values
                .get(f.name)
                .map(|v| v.trim())
                .filter(|v| !v.is_empty())
            else {
                continue;
            };
            let mut push = |part: &str| {
                let part = part.trim();
                if !part.is_empty() {
                    args.push(flag_equals(f.flag, part));
                }
            };
            match f.many {
                Many::One => push(v),
                Many::Commas => v.split(',').for_each(&mut push),
                Many::Lines => v.lines().for_each(&mut push),
            }
        }
        args.push("--".to_owned());
        args.push(regimen.to_owned());
        args
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn values_are_written_as_flag_equals_value_and_the_regimen_after_a_separator() {
        let values = values(&[
            ("height", "170cm"),
            ("weight", " 70kg "),
            ("sex", ""),
            ("level", "docetaxel=-1, gemcitabine=-1"),
            ("anc", "--labs=/etc/passwd"),
            ("overrides", "missing-bilirubin=no labs, yet\n\n"),
            ("labs", "/etc/passwd"),
        ]);
        let args = DOSE.arguments("gemcitabine-docetaxel", &values, None, "text");
        assert_eq!(
            args,
            [
                "dose",
                "--format=text",
                "--height=170cm",
                "--weight=70kg",
                "--anc=--labs=/etc/passwd",
                "--level=docetaxel=-1",
                "--level=gemcitabine=-1",
                "--override=missing-bilirubin=no labs, yet",
                "--",
                "gemcitabine-docetaxel",
            ]
        );
    }

    #[test]
    fn a_schedule_takes_one_change_a_line_and_day_lists_keep_their_commas() {
        let values = values(&[
            ("start", "2026-12-01"),
            ("delay", "3=7\r\n5=14"),
            ("days_from", "2=gemcitabine=1,8"),
            ("holiday_calendar", "england-and-wales, us-federal"),
        ]);
        let args = SCHEDULE.arguments("gemcitabine-docetaxel", &values, None, "csv");
        assert_eq!(
            args,
            [
                "schedule",
                "--format=csv",
                "--start=2026-12-01",
                "--delay=3=7",
                "--delay=5=14",
                "--days-from=2=gemcitabine=1,8",
                "--holiday-calendar=england-and-wales",
                "--holiday-calendar=us-federal",
                "--",
                "gemcitabine-docetaxel",
            ]
        );
    }

    #[test]
    fn a_message_is_shown_beside_the_field_whose_flag_it_names() {
        assert_eq!(
            DOSE.field_named_in("invalid value '170' for '--height <HEIGHT>': no unit"),
            Some("height")
        );
        assert_eq!(
            DOSE.field_named_in("--bilirubin-uln needs --bilirubin"),
            Some("bilirubin_uln")
        );
        assert_eq!(
            DOSE.field_named_in("--cycle 0 is not a cycle"),
            Some("cycle")
        );
        assert_eq!(
            SCHEDULE.field_named_in("--cycles 0: at least 1"),
            Some("cycles")
        );
        assert_eq!(
            SCHEDULE.field_named_in(
                "--format ics needs --patient-id ID or --course-id ID: the calendar's UIDs"
            ),
            Some("patient_id")
        );
        assert_eq!(DOSE.field_named_in("no flag here"), None);
    }
}
