//! Laboratory results on the command line: `--anc`, `--platelets`, … typed
//! with their units, and `--labs FILE` (TOML or CSV), resolved into the
//! [`Labs`] panel for a treatment date.
//!
//! Owns: the lab flags and their help (accepted units), reading the labs
//! file through a bounded reader, and the rule that a value typed on the
//! command line wins over the file for the same lab.
//! Never does: parse a unit or a file format itself (that is
//! [`chemodose::quantity::parse_lab`] and [`chemodose::labs`]), or judge a
//! value.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use clap::Args;

use chemodose::labs::{LabOrigin, LabResult, Labs, parse_labs_csv, parse_labs_toml};
use chemodose::quantity::{Lab, LabValue, parse_lab, parse_uln};

use super::InputError;

/// A lab value typed on the command line, for clap.
fn value(lab: Lab, s: &str) -> Result<LabValue, String> {
    parse_lab(lab, s).map_err(|e| e.to_string())
}

/// A ULN typed on the command line, for clap.
fn uln(lab: Lab, s: &str) -> Result<f64, String> {
    parse_uln(lab, s).map_err(|e| e.to_string())
}

/// Laboratory results for the clinical rules: typed values and a labs file.
#[derive(Debug, Args, Clone, Default)]
#[group(skip)]
pub struct LabArgs {
    /// ANC (absolute neutrophil count) with a unit: x10^9/L (also ×10^9/L,
    /// x10e9/L, G/L), /uL (also /µL, /mm3, cells/uL) or x10^6/L; e.g.
    /// 1.5x10^9/L or 1500/uL.
    #[arg(long, value_name = "VALUE", allow_hyphen_values = true,
          value_parser = |s: &str| value(Lab::Anc, s))]
    pub anc: Option<LabValue>,
    /// Platelets with a unit: x10^9/L (also ×10^9/L, x10e9/L, G/L), /uL (also
    /// /µL, /mm3, cells/uL) or x10^6/L; e.g. 150x10^9/L or 150000/uL.
    #[arg(long, value_name = "VALUE", allow_hyphen_values = true,
          value_parser = |s: &str| value(Lab::Platelets, s))]
    pub platelets: Option<LabValue>,
    /// Haemoglobin with a unit: g/dL, g/L or mmol/L; e.g. 12g/dL or 120g/L.
    #[arg(long, value_name = "VALUE", allow_hyphen_values = true,
          value_parser = |s: &str| value(Lab::Haemoglobin, s))]
    pub hb: Option<LabValue>,
    /// Total bilirubin with a unit: mg/dL or umol/L (µmol/L), or a multiple of
    /// the ULN (1.5xULN); e.g. 0.8mg/dL or 14umol/L.
    #[arg(long, value_name = "VALUE", allow_hyphen_values = true,
          value_parser = |s: &str| value(Lab::Bilirubin, s))]
    pub bilirubin: Option<LabValue>,
    /// The upper limit of normal reported with --bilirubin: mg/dL or umol/L.
    #[arg(long, value_name = "ULN", requires = "bilirubin", allow_hyphen_values = true,
          value_parser = |s: &str| uln(Lab::Bilirubin, s))]
    pub bilirubin_uln: Option<f64>,
    /// AST with a unit: U/L (also IU/L, units/L), or a multiple of the ULN
    /// (2.5xULN); e.g. 40U/L.
    #[arg(long, value_name = "VALUE", allow_hyphen_values = true,
          value_parser = |s: &str| value(Lab::Ast, s))]
    pub ast: Option<LabValue>,
    /// The upper limit of normal reported with --ast: U/L.
    #[arg(long, value_name = "ULN", requires = "ast", allow_hyphen_values = true,
          value_parser = |s: &str| uln(Lab::Ast, s))]
    pub ast_uln: Option<f64>,
    /// ALT with a unit: U/L (also IU/L, units/L), or a multiple of the ULN
    /// (2.5xULN); e.g. 40U/L.
    #[arg(long, value_name = "VALUE", allow_hyphen_values = true,
          value_parser = |s: &str| value(Lab::Alt, s))]
    pub alt: Option<LabValue>,
    /// The upper limit of normal reported with --alt: U/L.
    #[arg(long, value_name = "ULN", requires = "alt", allow_hyphen_values = true,
          value_parser = |s: &str| uln(Lab::Alt, s))]
    pub alt_uln: Option<f64>,
    /// ALP with a unit: U/L (also IU/L, units/L), or a multiple of the ULN
    /// (2.5xULN); e.g. 100U/L.
    #[arg(long, value_name = "VALUE", allow_hyphen_values = true,
          value_parser = |s: &str| value(Lab::Alp, s))]
    pub alp: Option<LabValue>,
    /// The upper limit of normal reported with --alp: U/L.
    #[arg(long, value_name = "ULN", requires = "alp", allow_hyphen_values = true,
          value_parser = |s: &str| uln(Lab::Alp, s))]
    pub alp_uln: Option<f64>,
    /// Albumin with a unit: g/L or g/dL; e.g. 35g/L or 3.5g/dL.
    #[arg(long, value_name = "VALUE", allow_hyphen_values = true,
          value_parser = |s: &str| value(Lab::Albumin, s))]
    pub albumin: Option<LabValue>,
    /// CPK (CK) with a unit: U/L (also IU/L, units/L), or a multiple of the
    /// ULN (2.5xULN); e.g. 150U/L.
    #[arg(long, value_name = "VALUE", allow_hyphen_values = true,
          value_parser = |s: &str| value(Lab::Cpk, s))]
    pub cpk: Option<LabValue>,
    /// The upper limit of normal reported with --cpk: U/L.
    #[arg(long, value_name = "ULN", requires = "cpk", allow_hyphen_values = true,
          value_parser = |s: &str| uln(Lab::Cpk, s))]
    pub cpk_uln: Option<f64>,
    /// LVEF with its % sign: 55%.
    #[arg(long, value_name = "VALUE", allow_hyphen_values = true,
          value_parser = |s: &str| value(Lab::Lvef, s))]
    pub lvef: Option<LabValue>,
    /// A labs file, TOML (.toml) or CSV (.csv) with columns lab,value,date[,uln]
    /// (see docs/labs.md); values typed on the command line win over it.
    #[arg(long, value_name = "FILE")]
    pub labs: Option<PathBuf>,
    /// The date of the values typed on the command line: 2026-11-30. The
    /// treatment date when not given.
    #[arg(long, value_name = "DATE", value_parser = super::args::date)]
    pub labs_date: Option<NaiveDate>,
}

impl LabArgs {
    /// The lab panel for treatment on `on`: the latest result of each lab in
    /// `--labs`, then every value typed on the command line (dated
    /// `--labs-date`, or `on`), which wins over the file for its lab.
    pub fn labs(&self, on: NaiveDate) -> Result<Labs, InputError> {
        let mut labs = Labs::default();
        if let Some(path) = &self.labs {
            labs.extend(read_labs_file(path)?);
        }
        let date = self.labs_date.unwrap_or(on);
        for (lab, value, uln) in self.typed() {
            if let (LabValue::TimesUln(_), Some(_)) = (value, uln) {
                let flag = lab.id();
                return Err(InputError(format!(
                    "--{flag} is already a multiple of the ULN, so --{flag}-uln does not apply; \
                     give --{flag} in its units with --{flag}-uln, or the multiple alone"
                )));
            }
            labs.replace(LabResult {
                lab,
                value,
                uln,
                date: Some(date),
                origin: LabOrigin::CommandLine,
            });
        }
        Ok(labs)
    }

    /// The values typed on the command line, with their ULNs.
    fn typed(&self) -> Vec<(Lab, LabValue, Option<f64>)> {
        [
            (Lab::Anc, self.anc, None),
            (Lab::Platelets, self.platelets, None),
            (Lab::Haemoglobin, self.hb, None),
            (Lab::Bilirubin, self.bilirubin, self.bilirubin_uln),
            (Lab::Ast, self.ast, self.ast_uln),
            (Lab::Alt, self.alt, self.alt_uln),
            (Lab::Alp, self.alp, self.alp_uln),
            (Lab::Albumin, self.albumin, None),
            (Lab::Cpk, self.cpk, self.cpk_uln),
            (Lab::Lvef, self.lvef, None),
        ]
        .into_iter()
        .filter_map(|(lab, value, uln)| value.map(|v| (lab, v, uln)))
        .collect()
    }
}

/// The file formats `--labs` reads, told by the extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Toml,
    Csv,
}

/// Reads and validates a labs file.
fn read_labs_file(path: &Path) -> Result<Vec<LabResult>, InputError> {
    let shown = path.display().to_string();
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let format = match ext.as_deref() {
        Some("toml") => Format::Toml,
        Some("csv") => Format::Csv,
        _ => {
            return Err(InputError(format!(
                "{shown}: a labs file must end in .toml or .csv (its format is told by the extension)"
            )));
        }
    };
    let text = chemodose::files::read_text(path, chemodose::files::FileKind::Labs)?;
    let parsed = match format {
        Format::Toml => parse_labs_toml(&shown, &text),
        Format::Csv => parse_labs_csv(&shown, &text),
    };
    parsed.map_err(|e| InputError(super::diagnostics::render(&e)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, Parser};

    #[derive(Debug, Parser)]
    struct Test {
        #[command(flatten)]
        labs: LabArgs,
    }

    fn args(a: &[&str]) -> Result<LabArgs, clap::Error> {
        Test::try_parse_from(std::iter::once("test").chain(a.iter().copied())).map(|t| t.labs)
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-9)
    }

    #[test]
    fn every_flag_in_canonical_units() {
        let on = day(2026, 11, 30);
        let a = args(&[
            "--anc",
            "1500/uL",
            "--platelets",
            "150x10^9/L",
            "--hb",
            "90g/L",
            "--bilirubin",
            "20umol/L",
            "--bilirubin-uln",
            "21umol/L",
            "--ast",
            "95U/L",
            "--ast-uln",
            "40U/L",
            "--alt",
            "2.5xULN",
            "--alp",
            "260 IU/L",
            "--alp-uln",
            "130 IU/L",
            "--albumin",
            "3.5g/dL",
            "--cpk",
            "300units/L",
            "--cpk-uln",
            "200U/L",
            "--lvef",
            "55%",
        ])
        .unwrap();
        let labs = a.labs(on).unwrap();
        assert_eq!(labs.len(), 10);
        // 1,500/µL ÷ 1,000 = 1.5 ×10⁹/L.
        assert_eq!(labs.value(Lab::Anc), Some(1.5));
        assert_eq!(labs.value(Lab::Platelets), Some(150.0));
        // 90 g/L ÷ 10 = 9 g/dL.
        assert_eq!(labs.value(Lab::Haemoglobin), Some(9.0));
        // 20 µmol/L × 584.66 / 10,000 = 1.16932 mg/dL; 20 / 21 = 0.952380952381 × ULN.
        assert!(close(labs.value(Lab::Bilirubin), 1.169_32));
        assert!(close(labs.times_uln(Lab::Bilirubin), 0.952_380_952_381));
        // 95 / 40 = 2.375; 260 / 130 = 2; 300 / 200 = 1.5 × ULN.
        assert_eq!(labs.times_uln(Lab::Ast), Some(2.375));
        assert_eq!(labs.times_uln(Lab::Alp), Some(2.0));
        assert_eq!(labs.times_uln(Lab::Cpk), Some(1.5));
        assert_eq!(labs.times_uln(Lab::Alt), Some(2.5));
        assert_eq!(labs.value(Lab::Alt), None);
        // 3.5 g/dL × 10 = 35 g/L.
        assert_eq!(labs.value(Lab::Albumin), Some(35.0));
        assert_eq!(labs.value(Lab::Lvef), Some(55.0));
        for r in labs.iter() {
            assert_eq!(r.date, Some(on));
            assert_eq!(r.origin, LabOrigin::CommandLine);
        }
        // --labs-date dates the typed values.
        let a = args(&["--anc", "1.2G/L", "--labs-date", "2026-11-28"]).unwrap();
        let labs = a.labs(on).unwrap();
        assert_eq!(labs.age_days(Lab::Anc, on), Some(2));
        // Nothing given: an empty panel.
        assert!(args(&[]).unwrap().labs(on).unwrap().is_empty());
    }

    #[test]
    fn refusals_name_the_fix() {
        let e = args(&["--platelets", "150"]).unwrap_err().to_string();
        assert!(
            e.contains("platelets need a unit, e.g. 150x10^9/L or 150000/uL (got `150`)"),
            "{e}"
        );
        let e = args(&["--hb", "-9g/dL"]).unwrap_err().to_string();
        assert!(e.contains("haemoglobin cannot be negative"), "{e}");
        let e = args(&["--anc", "2.5xULN"]).unwrap_err().to_string();
        assert!(e.contains("not against the upper limit of normal"), "{e}");
        // A ULN needs its value on the command line.
        let e = args(&["--ast-uln", "40U/L"]).unwrap_err();
        assert_eq!(e.kind(), clap::error::ErrorKind::MissingRequiredArgument);
        let e = args(&["--ast", "95U/L", "--ast-uln", "40"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("AST needs a unit"), "{e}");
        let e = args(&["--labs-date", "1899-12-31"])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("the date 1899-12-31 is outside 1900-01-01 to 2199-12-31; check the year"),
            "{e}"
        );
        let e = args(&["--labs-date", "30/11/2026"])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("`30/11/2026` is not a date; write it as YYYY-MM-DD, e.g. 2026-12-01"),
            "{e}"
        );
        // A multiple of the ULN with a ULN.
        let a = args(&["--alt", "2.5xULN", "--alt-uln", "40U/L"]).unwrap();
        let InputError(e) = a.labs(day(2026, 11, 30)).unwrap_err();
        assert!(
            e.starts_with("--alt is already a multiple of the ULN, so --alt-uln does not apply"),
            "{e}"
        );
    }

    #[test]
    fn help_gives_the_accepted_units() {
        let help = Test::command().render_long_help().to_string();
        for s in [
            "1500/uL",
            "150000/uL",
            "g/dL, g/L or mmol/L",
            "umol/L",
            "2.5xULN",
            "IU/L",
            "55%",
            ".toml",
            ".csv",
        ] {
            assert!(help.contains(s), "{s} not in help:\n{help}");
        }
    }

    #[test]
    fn the_command_line_wins_over_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("labs.toml");
        std::fs::write(
            &path,
            "[[result]]\nlab = \"anc\"\nvalue = \"0.9x10^9/L\"\ndate = 2026-11-29\n\n\
             [[result]]\nlab = \"platelets\"\nvalue = \"90000/uL\"\ndate = 2026-11-29\n\n\
             [[result]]\nlab = \"platelets\"\nvalue = \"110x10^9/L\"\ndate = 2026-11-30\n",
        )
        .unwrap();
        let p = path.to_str().unwrap();
        // The typed ANC is dated 28 November, older than the file's: it still wins.
        let a = args(&[
            "--labs",
            p,
            "--anc",
            "1.6x10^9/L",
            "--labs-date",
            "2026-11-28",
        ])
        .unwrap();
        let labs = a.labs(day(2026, 11, 30)).unwrap();
        assert_eq!(labs.value(Lab::Anc), Some(1.6));
        assert_eq!(labs.get(Lab::Anc).unwrap().origin, LabOrigin::CommandLine);
        // The file's latest platelets (30 November, line 11).
        assert_eq!(labs.value(Lab::Platelets), Some(110.0));
        assert_eq!(
            labs.get(Lab::Platelets).unwrap().origin,
            LabOrigin::File {
                path: p.to_owned(),
                line: 11
            }
        );
        // CSV by its extension, in any case.
        let csv = dir.path().join("labs.CSV");
        std::fs::write(&csv, "lab,value,date\nhb,12g/dL,2026-11-30\n").unwrap();
        let a = args(&["--labs", csv.to_str().unwrap()]).unwrap();
        assert_eq!(
            a.labs(day(2026, 11, 30)).unwrap().value(Lab::Haemoglobin),
            Some(12.0)
        );
    }

    #[test]
    fn the_labs_file_is_read_with_bounds() {
        let dir = tempfile::tempdir().unwrap();
        let on = day(2026, 11, 30);
        let run = |path: &Path| {
            let a = args(&["--labs", path.to_str().unwrap()]).unwrap();
            a.labs(on).map(|_| ()).unwrap_err().0
        };
        // Another extension.
        let txt = dir.path().join("labs.txt");
        std::fs::write(&txt, "lab,value,date\n").unwrap();
        assert!(run(&txt).ends_with(
            "a labs file must end in .toml or .csv (its format is told by the extension)"
        ));
        // A directory named like a labs file.
        let sub = dir.path().join("folder.toml");
        std::fs::create_dir(&sub).unwrap();
        assert!(
            run(&sub).ends_with(
                "folder.toml: a directory, not a regular file: give the path of a labs file (pipes and devices are not read)"
            ),
            "{}",
            run(&sub)
        );
        // Missing.
        assert!(run(&dir.path().join("none.csv")).contains("none.csv: "));
        // One byte over 1 MiB.
        let big = dir.path().join("big.csv");
        std::fs::write(&big, vec![b'a'; chemodose::labs::MAX_FILE_BYTES + 1]).unwrap();
        assert!(
            run(&big).ends_with(
                "the file is 1048577 bytes; labs files are limited to 1 MiB (1048576 bytes): is this the right file?"
            ),
            "{}",
            run(&big)
        );
        // Not UTF-8 (Latin-1 µ).
        let latin = dir.path().join("latin.csv");
        std::fs::write(&latin, b"lab,value,date\nanc,1200/\xb5L,2026-11-30\n").unwrap();
        assert!(run(&latin).contains("not valid UTF-8 (first bad byte at offset 24)"));
        // A bad file: its problems drawn with file, line and column.
        let bad = dir.path().join("bad.csv");
        std::fs::write(&bad, "lab,value,date\nanc,1.2,2026-11-30\n").unwrap();
        let e = run(&bad);
        assert!(e.contains("ANC needs a unit"), "{e}");
        assert!(e.contains("bad.csv:2:5"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn a_pipe_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("labs.csv");
        let status = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !status.is_ok_and(|s| s.success()) {
            return; // no mkfifo here
        }
        let a = args(&["--labs", fifo.to_str().unwrap()]).unwrap();
        let InputError(e) = a.labs(day(2026, 11, 30)).unwrap_err();
        assert!(
            e.ends_with("labs.csv: a named pipe, not a regular file: give the path of a labs file (pipes and devices are not read)"),
            "{e}"
        );
    }
}
