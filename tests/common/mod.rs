//! A small builder for running the real `chemodose` binary in tests.
#![allow(dead_code)]

pub mod fhir;

use std::process::{Command, Output};

/// The `chemodose` binary, hermetic: no site configuration from the
/// environment (`$CHEMODOSE_CONFIG`) or the user's folder (an empty
/// `$XDG_CONFIG_HOME`), no regimen folder from `$CHEMODOSE_REGIMENS`.
pub fn chemodose() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_chemodose"));
    c.env_remove("CHEMODOSE_REGIMENS")
        .env_remove("CHEMODOSE_CONFIG")
        .env(
            "XDG_CONFIG_HOME",
            concat!(env!("CARGO_MANIFEST_DIR"), "/target/no-user-config"),
        );
    c
}

pub struct Run {
    output: Output,
}

impl Run {
    pub fn new(args: &[&str]) -> Self {
        Self::in_dir(args, env!("CARGO_MANIFEST_DIR"))
    }

    pub fn in_dir(args: &[&str], dir: &str) -> Self {
        let output = chemodose()
            .args(args)
            .current_dir(dir)
            .output()
            .expect("run chemodose");
        Run { output }
    }

    /// Runs with `args`, killed after `secs` seconds, which fails the test:
    /// for inputs that once hung or grew without bound (issue 14).
    pub fn within(args: &[&str], secs: u64) -> Self {
        use std::io::Read;
        use std::process::Stdio;
        use std::time::{Duration, Instant};
        let mut child = chemodose()
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run chemodose");
        let drain = |mut pipe: Box<dyn Read + Send>| {
            std::thread::spawn(move || {
                let mut bytes = Vec::new();
                let _ = pipe.read_to_end(&mut bytes);
                bytes
            })
        };
        let out = drain(Box::new(child.stdout.take().expect("stdout")));
        let err = drain(Box::new(child.stderr.take().expect("stderr")));
        let deadline = Instant::now() + Duration::from_secs(secs);
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait for chemodose") {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("chemodose {args:?} ran longer than {secs} s");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        Run {
            output: Output {
                status,
                stdout: out.join().unwrap_or_default(),
                stderr: err.join().unwrap_or_default(),
            },
        }
    }

    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    pub fn code(&self) -> Option<i32> {
        self.output.status.code()
    }

    /// Asserts exit 0 and returns stdout.
    pub fn success(&self) -> String {
        assert_eq!(
            self.code(),
            Some(0),
            "stderr: {}\nstdout: {}",
            self.stderr(),
            self.stdout()
        );
        self.stdout()
    }

    /// Asserts the exit code and returns stderr.
    pub fn fails(&self, code: i32) -> String {
        assert_eq!(
            self.code(),
            Some(code),
            "stderr: {}\nstdout: {}",
            self.stderr(),
            self.stdout()
        );
        assert!(!self.stderr().contains("panicked"), "{}", self.stderr());
        self.stderr()
    }
}

/// Normal laboratory results (not a real patient), dated 2026-11-30: the
/// liver tests with their ULNs and the blood counts that
/// gemcitabine-docetaxel needs since its clinical rules (docetaxel requires
/// bilirubin, AST, ALT and ALP), and that trabectedin (bilirubin) and
/// pazopanib (bilirubin, ALT) need too. No rule fires on them. The
/// command-line form judges them on 2026-12-01 (a day old, not stale).
pub const NORMAL_LABS_FILE: &str = "docs/examples/gemdoc-labs.toml";

/// `--labs docs/examples/gemdoc-labs.toml --on 2026-12-01`.
pub const NORMAL_LABS: [&str; 4] = ["--labs", NORMAL_LABS_FILE, "--on", "2026-12-01"];

/// `text` on one line: words joined by one space, without the `│` gutter
/// miette draws when it wraps a long message.
pub fn flat(text: &str) -> String {
    text.split_whitespace()
        .filter(|w| *w != "│")
        .collect::<Vec<_>>()
        .join(" ")
}

/// The same results for library calls, without a treatment date (their age
/// is not judged).
pub fn normal_labs() -> chemodose::labs::Labs {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(NORMAL_LABS_FILE);
    let text = std::fs::read_to_string(&path).expect("the normal labs file");
    let mut labs = chemodose::labs::Labs::default();
    for r in chemodose::labs::parse_labs_toml(NORMAL_LABS_FILE, &text).expect("it parses") {
        labs.insert(r);
    }
    labs
}

/// `options` with the normal results where it has none: the inputs that the
/// rules of gemcitabine-docetaxel, trabectedin and pazopanib require.
pub fn with_normal_labs(options: &chemodose::dose::DoseOptions) -> chemodose::dose::DoseOptions {
    let mut o = options.clone();
    if o.clinical.labs.is_empty() {
        o.clinical.labs = normal_labs();
    }
    o
}

/// Asserts that a Markdown document holds no link, image or HTML, read by an
/// independent CommonMark parser (pulldown-cmark, with GitHub's tables and
/// strikethrough), and no bare web address a GitHub-flavoured renderer would
/// turn into a link (`://` or `www.` without a backslash).
pub fn assert_inert_markdown(md: &str) {
    use pulldown_cmark::{Event, Options, Parser, Tag};
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_GFM;
    for event in Parser::new_ext(md, options) {
        match &event {
            Event::Start(Tag::Link { .. } | Tag::Image { .. } | Tag::HtmlBlock)
            | Event::Html(_)
            | Event::InlineHtml(_) => panic!("{event:?} in Markdown:\n{md}"),
            _ => {}
        }
    }
    let lower = md.to_ascii_lowercase();
    for (i, _) in lower.match_indices("://") {
        assert!(lower[..i].ends_with('\\'), "a bare address at {i}:\n{md}");
    }
    assert!(!lower.contains("www."), "a bare www. address:\n{md}");
}
