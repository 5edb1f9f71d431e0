//! The hostile-input harness (issue 14): the release binary is run over a
//! generated corpus of hostile inputs for every command — measurements,
//! numbers, dates, percentages, codes, text with control characters, huge
//! and empty values, and files that are special (a device, a pipe, a
//! directory), empty, binary, sparse and huge, one endless line, CR-only
//! line ends, deep nesting, a byte-order mark — one argument at a time, on a
//! command line that is otherwise valid.
//!
//! Every run must hold:
//! - no panic (exit 101) and no signal (an abort on a failed allocation
//!   included), under a 512 MiB address-space limit;
//! - no run over 5 s (the child is killed and the case fails);
//! - an exit code of 0, 1 or 2;
//! - on exit 2, a message on stderr that names the argument or the file
//!   (its flag, the word a pharmacist reads for it, or the file's name),
//!   of at most 16 KiB.
//!
//! `docs/fuzzing.md` says what the corpus covers and how to extend it. The
//! binary is the one `cargo test` built for the integration tests (the dev
//! profile: integer overflow panics there, where a release build would wrap
//! silently, and the 5 s limit is the stricter for its speed);
//! `CHEMODOSE_HOSTILE_BIN` names another one, such as the release build.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

const TIME_LIMIT: Duration = Duration::from_secs(5);
const MEMORY_LIMIT_BYTES: u64 = 512 * 1024 * 1024;
const STDERR_LIMIT_BYTES: usize = 16 * 1024;

/// The binary under test.
fn binary() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        std::env::var_os("CHEMODOSE_HOSTILE_BIN").map_or_else(
            || PathBuf::from(env!("CARGO_BIN_EXE_chemodose")),
            PathBuf::from,
        )
    })
}

/// One run of the binary and what came of it.
struct Outcome {
    code: Option<i32>,
    timed_out: bool,
    elapsed: Duration,
    stderr: Vec<u8>,
}

/// Reads a pipe to its end, keeping at most `keep` bytes.
fn drain(mut r: impl Read + Send + 'static, keep: usize) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        let mut buf = [0u8; 64 * 1024];
        while let Ok(n) = r.read(&mut buf) {
            if n == 0 {
                break;
            }
            let room = keep.saturating_sub(kept.len());
            kept.extend_from_slice(&buf[..n.min(room)]);
        }
        kept
    })
}

fn run(args: &[String], dir: &Path, full_stdout: bool) -> Outcome {
    let mut command = Command::new("prlimit");
    if full_stdout {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("open /dev/full");
        command.stdout(full);
    } else {
        command.stdout(Stdio::piped());
    }
    let mut child = command
        .arg(format!("--as={MEMORY_LIMIT_BYTES}"))
        .arg("--")
        .arg(binary())
        .args(args)
        .current_dir(dir)
        .env_remove("CHEMODOSE_REGIMENS")
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn prlimit chemodose");
    let out = child.stdout.take().map(|o| drain(o, 0));
    let err = drain(child.stderr.take().unwrap(), STDERR_LIMIT_BYTES * 4);
    let start = Instant::now();
    let mut timed_out = false;
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if start.elapsed() > TIME_LIMIT {
            timed_out = true;
            let _ = child.kill();
            break child.wait().expect("wait after kill");
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let elapsed = start.elapsed();
    if let Some(out) = out {
        let _ = out.join();
    }
    let stderr = err.join().unwrap_or_default();
    Outcome {
        code: status.code(),
        timed_out,
        elapsed,
        stderr,
    }
}

/// A case: a command line, and the words of which the message must name
/// at least one when the run is refused (exit 2).
struct Case {
    args: Vec<String>,
    names: Vec<String>,
    /// Standard output is `/dev/full`: the run must not end in success.
    full_stdout: bool,
}

/// What the harness prepared: a folder of hostile files.
struct Corpus {
    dir: PathBuf,
    files: Vec<(String, PathBuf)>,
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// A deterministic pseudo-random byte stream (xorshift), so the corpus is
/// the same on every run.
fn noise(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 24) as u8
        })
        .collect()
}

fn corpus() -> &'static Corpus {
    static C: OnceLock<Corpus> = OnceLock::new();
    C.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("chemodose-hostile-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut files: Vec<(String, PathBuf)> = Vec::new();
        let mut add = |label: &str, p: PathBuf| files.push((label.to_owned(), p));

        add("dev-zero", PathBuf::from("/dev/zero"));
        add("dev-urandom", PathBuf::from("/dev/urandom"));
        add("dev-null", PathBuf::from("/dev/null"));
        add("directory", dir.join("a-folder"));
        std::fs::create_dir_all(dir.join("a-folder")).unwrap();
        add("missing", dir.join("no-such-file.toml"));
        let fifo = dir.join("a-pipe");
        let made = Command::new("mkfifo").arg(&fifo).status();
        if made.map(|s| s.success()).unwrap_or(false) {
            add("fifo", fifo);
        }
        add("empty", write(&dir, "empty.toml", b""));
        add("bom-only", write(&dir, "bom.toml", "\u{feff}".as_bytes()));
        add("nul-bytes", write(&dir, "nul.toml", &[0u8; 4096]));
        add(
            "noise",
            write(&dir, "noise.csv", &noise(64 * 1024, 0x9e37_79b9)),
        );
        add(
            "invalid-utf8",
            write(
                &dir,
                "latin1.csv",
                b"id,height_cm,weight_kg\n1,170,70\n\xe9\xff,170,70\n",
            ),
        );
        let long_line = "a".repeat(300 * 1024);
        add(
            "one-long-line",
            write(&dir, "long.toml", long_line.as_bytes()),
        );
        add(
            "deep-nesting",
            write(
                &dir,
                "deep.toml",
                format!("x = {}{}\n", "[".repeat(100_000), "]".repeat(100_000)).as_bytes(),
            ),
        );
        add(
            "deep-tables",
            write(
                &dir,
                "tables.toml",
                format!("x = {}1{}\n", "{a=".repeat(50_000), "}".repeat(50_000)).as_bytes(),
            ),
        );
        add(
            "cr-only",
            write(
                &dir,
                "cr.csv",
                b"id,height_cm,weight_kg\r1,170,70\r2,160,60\r",
            ),
        );
        add(
            "wide-header",
            write(
                &dir,
                "wide.csv",
                format!("{}\n", "c,".repeat(200_000)).as_bytes(),
            ),
        );
        add(
            "control-chars",
            write(
                &dir,
                "ctl.csv",
                "id,height_cm,weight_kg\n\u{1b}[31m=HYPERLINK(\"x\"),170,70\n\u{202e}2,170,70\n"
                    .as_bytes(),
            ),
        );
        add(
            "unbalanced-quotes",
            write(
                &dir,
                "quotes.csv",
                b"id,height_cm,weight_kg\n\"1,170,70\n2,\"160\",60\n",
            ),
        );
        // A sparse file of 3 GiB: no disk used, but read whole it would not
        // fit under the memory limit.
        let sparse = dir.join("sparse.csv");
        std::fs::File::create(&sparse)
            .unwrap()
            .set_len(3 * 1024 * 1024 * 1024)
            .unwrap();
        add("sparse-3gib", sparse);
        // 40 MiB of valid-looking rows in one line-less blob.
        let mut big = b"id,height_cm,weight_kg\n".to_vec();
        big.extend(std::iter::repeat_n(b'9', 40 * 1024 * 1024));
        add("huge-field", write(&dir, "huge.csv", &big));
        Corpus { dir, files }
    })
}

/// Values for arguments that take a measurement, a number, a date, a
/// percentage, a code or text.
fn hostile_values() -> Vec<String> {
    let mut v: Vec<String> = [
        "",
        " ",
        "0",
        "-0",
        "-1",
        "-2m2",
        "1e309",
        "1e29kg",
        "NaN",
        "inf",
        "-inf",
        "0x10",
        "1_000",
        "1,70m",
        "99999999999999999999999999999999",
        "0.0000000000000000000000000001",
        "4ft4ft",
        "5ft17in",
        "170 cm",
        "１７０cm",
        "170cm\n",
        "\u{202e}170cm",
        "\u{1b}[31m170cm",
        "170cm\u{200b}",
        "=HYPERLINK(\"http://x\")",
        "<script>alert(1)</script>",
        "0000-01-01",
        "9999-12-31",
        "+10000-01-01",
        "2026-02-30",
        "2026-13-01",
        "%",
        "200%",
        "-200%",
        "1e3%",
        "=",
        "==",
        "a=b=c",
        "doxorubicin=",
        "=1",
        "filgrastim=-1",
        "4294967296",
        "18446744073709551616",
        "-9223372036854775809",
        "1mg/m2/kg",
        "mg",
        "½",
        "\u{0}",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.retain(|s| !s.contains('\0')); // a NUL cannot be an argument
    v.push("9".repeat(100_000));
    v.push("x".repeat(100_000));
    // Two-byte characters, then a run of spaces: the iCalendar folding of
    // the `icalendar` crate, used before 2026-12-03, never ended on it.
    v.push(format!("{}{}y", "é".repeat(300), " ".repeat(200)));
    v
}

/// The words a message may use to name a flag: the flag, and the words of
/// its name.
fn names_for(flag: &str) -> Vec<String> {
    let bare = flag.trim_start_matches('-').to_owned();
    let mut n = vec![flag.to_owned(), bare.clone(), bare.replace('-', " ")];
    let extra: &[&str] = match bare.as_str() {
        "scr" => &["creatinine"],
        "hb" => &["hemoglobin", "haemoglobin"],
        "anc" => &["neutrophil"],
        "bsa-cap" | "bsa-round" => &["BSA"],
        "round" => &["rounding"],
        "reduce" | "reduce-from" => &["reduction"],
        "level" | "level-from" => &["dose level"],
        "labs-date" | "on" | "start" | "date" => &["date"],
        "gfr" => &["GFR"],
        "override" => &["override"],
        "toxicity" => &["toxicity", "grade"],
        "rule-set" => &["rule set", "rule table", "drug"],
        "child-pugh" => &["Child-Pugh"],
        "days" | "days-from" => &["day"],
        "patient-id" | "patient" => &["patient"],
        "actual" => &["dose", "drug"],
        "cycle" | "cycles" => &["cycle"],
        _ => &[],
    };
    n.extend(extra.iter().map(|s| s.to_string()));
    n
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// A copy of a repository file in the corpus folder: the harness points
/// outputs at its inputs, and a defect there must not destroy a file of
/// the repository.
fn copied(p: &str) -> String {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join(p);
    let to = corpus().dir.join(from.file_name().unwrap());
    std::fs::copy(&from, &to).unwrap();
    to.display().to_string()
}

/// Whether a path is the machine's full device (a character device), which
/// the harness only ever opens, never names as an output.
fn is_full_device(p: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::metadata(p).is_ok_and(|m| m.file_type().is_char_device())
}

/// Valid command lines, one per command, that the corpus mutates.
fn baselines() -> Vec<Vec<String>> {
    let labs = copied("docs/examples/gemdoc-labs.toml");
    let history = copied("docs/examples/lms-case-1.toml");
    let admin = copied("tests/data/lms-case-1-administrations.csv");
    let patients = corpus().dir.join("patients.csv");
    std::fs::write(&patients, "id,height_cm,weight_kg\n1,170,70\n2,160,55\n").unwrap();
    let patients = patients.display().to_string();
    let gemdoc = [
        "gemcitabine-docetaxel",
        "--height",
        "170cm",
        "--weight",
        "70kg",
        "--labs",
        &labs,
        "--on",
        "2026-12-01",
    ];
    let mut dose = s(&["dose"]);
    dose.extend(s(&gemdoc));
    let mut schedule = s(&["schedule"]);
    schedule.extend(s(&gemdoc));
    // A calendar needs a course identity (issue 17, part 4).
    schedule.extend(s(&[
        "--start",
        "2026-12-01",
        "--format",
        "ics",
        "--patient-id",
        "PT-1",
    ]));
    vec![
        dose,
        schedule,
        s(&["bsa", "--height", "170cm", "--weight", "70kg"]),
        s(&[
            "crcl", "--age", "60", "--weight", "70kg", "--sex", "female", "--scr", "0.9mg/dL",
        ]),
        s(&[
            "carboplatin",
            "--auc",
            "5",
            "--age",
            "60",
            "--weight",
            "70kg",
            "--sex",
            "female",
            "--scr",
            "0.9mg/dL",
        ]),
        s(&[
            "batch",
            "gemcitabine-docetaxel",
            "--patients",
            &patients,
            "--labs",
            &labs,
            "--on",
            "2026-12-01",
        ]),
        s(&["history", "show", &history]),
        s(&["lines", "derive", &admin]),
        s(&["lines", "to-history", &admin, "--patient-id", "LMS-CASE-1"]),
        s(&[
            "lines",
            "derive",
            &copied("tests/data/omop/DRUG_EXPOSURE.csv"),
            "--omop",
            "--concepts",
            &copied("tests/data/omop/CONCEPT.csv"),
            "--concept-ancestor",
            &copied("tests/data/omop/CONCEPT_ANCESTOR.csv"),
        ]),
        s(&[
            "order",
            "verify",
            &copied("docs/examples/orders/gemcitabine-docetaxel-c1.toml"),
            "--history",
            &history,
        ]),
        s(&["regimens", "show", "doxorubicin"]),
        s(&["regimens", "check", &copied("regimens/doxorubicin.toml")]),
        {
            copied("regimens/doxorubicin.checks.toml");
            s(&["verify", &copied("regimens/doxorubicin.toml")])
        },
    ]
}

/// Flags whose value is a file, and positional file arguments, by command.
fn is_file_flag(flag: &str) -> bool {
    matches!(
        flag,
        "--labs"
            | "--history"
            | "--holidays"
            | "--anthracycline-factors"
            | "--patients"
            | "--concepts"
            | "--concept-ancestor"
    )
}

/// The value-taking flags of a command, read from its `--help`.
fn value_flags(command: &[String]) -> Vec<String> {
    let mut args: Vec<String> = command
        .iter()
        .take_while(|a| !a.starts_with('-'))
        .cloned()
        .collect();
    // The first one or two words are the command; the rest positional.
    let words = if matches!(args[0].as_str(), "history" | "lines" | "regimens" | "order") {
        2
    } else {
        1
    };
    args.truncate(words);
    args.push("--help".into());
    let out = Command::new(binary()).args(&args).output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut flags = Vec::new();
    for line in help.lines() {
        let t = line.trim_start();
        let t = t.strip_prefix("-o, ").unwrap_or(t);
        if let Some(rest) = t.strip_prefix("--") {
            let mut it = rest.splitn(2, ' ');
            let name = it.next().unwrap_or("");
            if it.next().is_some_and(|r| r.starts_with('<')) && name != "regimens" {
                flags.push(format!("--{name}"));
            }
        }
    }
    flags
}

/// Replaces a flag's value in a command line, or appends the flag.
fn with_flag(base: &[String], flag: &str, value: &str) -> Vec<String> {
    let mut a = base.to_vec();
    if let Some(i) = a.iter().position(|x| x == flag) {
        a[i + 1] = value.to_owned();
    } else {
        a.push(flag.to_owned());
        a.push(value.to_owned());
    }
    a
}

fn cases() -> Vec<Case> {
    let corpus = corpus();
    let values = hostile_values();
    let mut cases = Vec::new();
    for base in baselines() {
        let command_words = base
            .iter()
            .take_while(|a| !a.starts_with('-'))
            .cloned()
            .collect::<Vec<_>>();
        for flag in value_flags(&base) {
            if flag == "--output" {
                continue; // outputs are below
            }
            if is_file_flag(&flag) {
                for (label, path) in &corpus.files {
                    let path = path.display().to_string();
                    let name = Path::new(&path)
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    let mut names = names_for(&flag);
                    names.push(path.clone());
                    names.push(name);
                    names.push(label.clone());
                    cases.push(Case {
                        args: with_flag(&base, &flag, &path),
                        names,
                        full_stdout: false,
                    });
                }
            } else {
                for v in &values {
                    let mut names = names_for(&flag);
                    if !v.trim().is_empty() && v.len() < 200 {
                        names.push(v.clone());
                    }
                    cases.push(Case {
                        args: with_flag(&base, &flag, v),
                        names,
                        full_stdout: false,
                    });
                }
            }
        }
        // Positional arguments: the regimen (id, alias or path) or the file.
        if let Some(pos) = (1..base.len()).find(|&i| {
            !base[i].starts_with('-')
                && !base[i - 1].starts_with('-')
                && !matches!(
                    base[i].as_str(),
                    "show" | "derive" | "to-history" | "check" | "verify"
                )
        }) {
            let mut targets: Vec<(String, Vec<String>)> = corpus
                .files
                .iter()
                .map(|(label, p)| {
                    let path = p.display().to_string();
                    let name = p
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    (path.clone(), vec![path, name, label.clone()])
                })
                .collect();
            for v in &values {
                let mut names = s(&["regimen", "file", "paths"]);
                if !v.trim().is_empty() && v.len() < 200 {
                    names.push(v.clone());
                }
                targets.push((v.clone(), names));
            }
            for (value, names) in targets {
                let mut args = base.clone();
                args[pos] = value;
                cases.push(Case {
                    args,
                    names,
                    full_stdout: false,
                });
            }
        }
        // Outputs: onto a device, a folder, a path in no folder, an input.
        if value_flags(&base).iter().any(|f| f == "--output") {
            let input = base
                .iter()
                .skip(command_words.len())
                .find(|a| Path::new(a).is_file())
                .cloned();
            // Never a device of the machine: a binary with the defect
            // would replace /dev/null with a regular file. The pipe in the
            // corpus folder stands for every file that is not regular.
            let mut outs = vec![
                corpus.dir.join("a-pipe").display().to_string(),
                corpus.dir.join("a-folder").display().to_string(),
                corpus.dir.join("no/such/folder/out").display().to_string(),
            ];
            outs.extend(input);
            for o in outs {
                cases.push(Case {
                    args: with_flag(&base, "--output", &o),
                    names: vec!["output".to_owned(), o.clone()],
                    full_stdout: false,
                });
            }
        }
        // A full disk behind standard output.
        if is_full_device(Path::new("/dev/full")) {
            cases.push(Case {
                args: base.clone(),
                names: s(&["standard output", "stdout"]),
                full_stdout: true,
            });
        }
    }
    cases
}

#[test]
fn hostile_inputs_never_panic_hang_or_go_unnamed() {
    let corpus = corpus();
    let cases = cases();
    assert!(cases.len() > 1000, "the corpus has {} cases", cases.len());
    let next = Mutex::new(0usize);
    let failures = Mutex::new(Vec::<String>::new());
    // The longest run and its case: how far the slowest input is from the
    // time limit (printed with `--nocapture`).
    let slowest = Mutex::new(None::<(Duration, usize)>);
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(2, 8);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let i = {
                        let mut n = next.lock().unwrap();
                        let i = *n;
                        *n += 1;
                        i
                    };
                    let Some(case) = cases.get(i) else { break };
                    let o = run(&case.args, &corpus.dir, case.full_stdout);
                    {
                        let mut slowest = slowest.lock().unwrap();
                        if slowest.as_ref().is_none_or(|(t, _)| o.elapsed > *t) {
                            *slowest = Some((o.elapsed, i));
                        }
                    }
                    if let Some(why) = judge(case, &o) {
                        failures
                            .lock()
                            .unwrap()
                            .push(format!("{why}\n    chemodose {}", shown(case)));
                    }
                }
            });
        }
    });
    let _ = std::fs::remove_dir_all(&corpus.dir);
    let failures = failures.into_inner().unwrap();
    if let Some((t, i)) = slowest.into_inner().unwrap() {
        eprintln!(
            "slowest of {} runs: {t:.2?} (limit {TIME_LIMIT:?}): chemodose {}",
            cases.len(),
            shown(&cases[i])
        );
    }
    assert!(
        failures.is_empty(),
        "{} of {} hostile runs failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// A case's command line as shown in a message: long arguments cut.
fn shown(case: &Case) -> String {
    case.args
        .iter()
        .map(|a| {
            let a = format!("{a:?}");
            if a.len() > 80 {
                // The first 60 characters, not bytes: a cut inside a UTF-8
                // character panics.
                let head: String = a.chars().take(60).collect();
                format!("{head}…({} chars)", a.chars().count())
            } else {
                a
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Why a run broke the harness's rules, if it did.
fn judge(case: &Case, o: &Outcome) -> Option<String> {
    let stderr = String::from_utf8_lossy(&o.stderr);
    let first = stderr.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let first: String = first.chars().take(160).collect();
    if o.timed_out {
        return Some(format!("ran over {TIME_LIMIT:?} and was killed"));
    }
    match o.code {
        None => return Some(format!("killed by a signal after {:?}: {first}", o.elapsed)),
        Some(101) => return Some(format!("panicked: {first}")),
        Some(0..=2) => {}
        Some(c) => return Some(format!("exit {c}: {first}")),
    }
    if case.full_stdout && o.code == Some(0) {
        return Some("exit 0 although standard output (/dev/full) took nothing".to_owned());
    }
    if o.code == Some(2) {
        if o.stderr.len() > STDERR_LIMIT_BYTES {
            return Some(format!("{} bytes on stderr: {first}", o.stderr.len()));
        }
        let lower = stderr.to_lowercase();
        if !case
            .names
            .iter()
            .any(|n| !n.is_empty() && lower.contains(&n.to_lowercase()))
        {
            return Some(format!(
                "exit 2 without naming any of {:?}: {first}",
                case.names
                    .iter()
                    .map(|n| n.chars().take(40).collect::<String>())
                    .collect::<Vec<_>>()
            ));
        }
    }
    None
}
