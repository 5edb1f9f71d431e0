//! The browser-test harness (issue 19): a real `chemodose serve` process, a
//! real ChromeDriver and a headless Chromium driven through WebDriver
//! (`fantoccini`), behind a plain synchronous API so that a test reads as
//! what a pharmacist does on the page:
//!
//! ```ignore
//! let Some(mut b) = Browser::start() else { return };   // skipped only outside CI
//! b.open("/dose");
//! b.fill("height", "170cm");
//! b.submit_and_wait("#result");
//! assert!(b.text("#result").contains("1,638 mg"));
//! let pdf = b.print_pdf();                              // WebDriver "Print Page"
//! assert!(pdf_text(&pdf).contains("1,638 mg"));         // read back by pdftotext
//! ```
//!
//! The steps a test is written with:
//! [`Browser::open`], [`Browser::fill`] (an input, a select or a textarea, by
//! its form name), [`Browser::choose_file`] (an upload),
//! [`Browser::submit_and_wait`], [`Browser::click_to_new_tab`] (a
//! print-ready page), [`Browser::text`], [`Browser::value`],
//! [`Browser::print_pdf`] with [`pdf_text`], and [`Browser::screenshot`].
//!
//! Robustness: every wait and every WebDriver command has a time limit
//! ([`WAIT`]) and fails the test with the step it was on; the server, the
//! driver and the browser (ChromeDriver's whole process group) are killed
//! when the guard is dropped, also when a test panics; the browser profile is
//! a fresh temporary folder; only one browser runs at a time (the machines
//! have two cores). No fixed sleeps: a test waits for an element.
//!
//! Tools: `chromium`, `chromedriver` and `pdftotext` (Debian `chromium`,
//! `chromium-driver`, `poppler-utils`). Under CI (`CI` set) a missing tool
//! fails the test; elsewhere the test is skipped with a note.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt as _;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};

/// The longest any one step may take: starting a process, a WebDriver
/// command, waiting for an element. Far above what a step takes here (under
/// two seconds for a browser start on a loaded two-core machine).
pub const WAIT: Duration = Duration::from_secs(30);

/// The browser window: wide enough for the dose table up to its Final dose
/// and Route columns (the README's screenshot).
pub const WINDOW: (u32, u32) = (1200, 1000);

/// Only one browser at a time: two cores, shared.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// The tools the browser tests need, where they are.
pub struct Tools {
    pub chromium: String,
    pub chromedriver: String,
    pub pdftotext: String,
}

fn tool(name: &str) -> Option<String> {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {name}"))
        .output()
        .ok()?;
    found
        .status
        .success()
        .then(|| String::from_utf8_lossy(&found.stdout).trim().to_owned())
}

/// The tools, or `None` (with a note) outside CI when one is missing. Under
/// CI a missing tool fails the test: `.ci/run` installs them.
pub fn tools() -> Option<Tools> {
    match (tool("chromium"), tool("chromedriver"), tool("pdftotext")) {
        (Some(chromium), Some(chromedriver), Some(pdftotext)) => Some(Tools {
            chromium,
            chromedriver,
            pdftotext,
        }),
        found => {
            let missing: Vec<&str> = [
                ("chromium", found.0.is_none()),
                ("chromedriver", found.1.is_none()),
                ("pdftotext", found.2.is_none()),
            ]
            .into_iter()
            .filter_map(|(n, m)| m.then_some(n))
            .collect();
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must install chromium, chromium-driver and poppler-utils (.ci/run does); missing: {}",
                missing.join(", ")
            );
            eprintln!(
                "skipped: the browser tests need {} (Debian: chromium, chromium-driver, poppler-utils)",
                missing.join(", ")
            );
            None
        }
    }
}

/// The first line of `pipe` that `pick` accepts, read on a thread, within
/// [`WAIT`]; the rest of the pipe is drained so the process never blocks.
fn first_line_matching<R: std::io::Read + Send + 'static>(
    pipe: R,
    what: &str,
    pick: fn(&str) -> Option<String>,
) -> String {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut seen = Vec::new();
        let mut sent = false;
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            if !sent {
                if let Some(found) = pick(&line) {
                    let _ = tx.send(Ok(found));
                    sent = true;
                } else {
                    seen.push(line);
                }
            }
        }
        if !sent {
            let _ = tx.send(Err(seen.join("\n")));
        }
    });
    match rx.recv_timeout(WAIT) {
        Ok(Ok(found)) => found,
        Ok(Err(output)) => panic!("{what}: ended without it; output:\n{output}"),
        Err(_) => panic!("{what}: not within {WAIT:?}"),
    }
}

/// A `chemodose serve --bind 127.0.0.1:0` process from the repository's
/// folder (its `regimens/`), killed when dropped.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`, without a final slash.
    pub base: String,
}

impl Server {
    pub fn start() -> Server {
        let mut child = super::common::chemodose()
            .args(["serve", "--bind", "127.0.0.1:0"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start chemodose serve");
        let stderr = child.stderr.take().expect("stderr");
        // Built before the wait, so a panic there still kills the process.
        let mut server = Server {
            child,
            base: String::new(),
        };
        server.base = first_line_matching(stderr, "the server's address", |line| {
            line.split_whitespace()
                .find(|w| w.starts_with("http://"))
                .map(|w| w.trim_end_matches('/').to_owned())
        });
        server
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A ChromeDriver on a free port (`--port=0`; the port is read from what it
/// prints), in its own process group with the browsers it starts: dropping
/// it kills the group, then removes the browser's profile folder.
pub struct Driver {
    child: Child,
    pub port: u16,
    /// Dropped after the processes are killed (fields drop after `drop`).
    pub profile: tempfile::TempDir,
}

impl Driver {
    pub fn start(tools: &Tools) -> Driver {
        let profile = tempfile::Builder::new()
            .prefix("chemodose-browser-")
            .tempdir()
            .expect("a profile folder");
        let mut child = Command::new(&tools.chromedriver)
            .arg("--port=0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("start chromedriver");
        let stdout = child.stdout.take().expect("stdout");
        let mut driver = Driver {
            child,
            port: 0,
            profile,
        };
        // "ChromeDriver was started successfully on port 33363."
        let port = first_line_matching(stdout, "chromedriver's port", |line| {
            line.contains("started successfully").then(|| {
                line.trim_end_matches('.')
                    .rsplit(' ')
                    .next()
                    .unwrap_or("")
                    .to_owned()
            })
        });
        driver.port = port
            .parse()
            .unwrap_or_else(|_| panic!("chromedriver's port: {port:?}"));
        driver
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The whole group: chromedriver and every Chromium process it started.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A headless Chromium session on a fresh server. Fields drop in order:
/// the session, the driver (and its browsers), the server, then the lock.
pub struct Browser {
    client: Option<Client>,
    runtime: tokio::runtime::Runtime,
    pub tools: Tools,
    driver: Driver,
    pub server: Server,
    _one_at_a_time: MutexGuard<'static, ()>,
}

impl Browser {
    /// A server, a driver and a browser session; `None` (skipped, with a
    /// note) only outside CI when a tool is missing.
    pub fn start() -> Option<Browser> {
        let tools = tools()?;
        let lock = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        let server = Server::start();
        let driver = Driver::start(&tools);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let mut browser = Browser {
            client: None,
            runtime,
            tools,
            driver,
            server,
            _one_at_a_time: lock,
        };
        let capabilities = browser.capabilities();
        let url = format!("http://127.0.0.1:{}", browser.driver.port);
        let client = browser.within("a browser session", async move {
            ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(capabilities)
                .connect(&url)
                .await
                .map_err(|e| e.to_string())
        });
        browser.client = Some(client);
        Some(browser)
    }

    /// Headless Chromium: no sandbox (CI runs as root), no GPU, no network of
    /// its own (these machines cannot reach the internet), a fresh profile,
    /// a fixed window and scale so screenshots are alike.
    fn capabilities(&self) -> fantoccini::wd::Capabilities {
        let (w, h) = WINDOW;
        let args = [
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--no-first-run".to_owned(),
            "--hide-scrollbars".to_owned(),
            "--force-device-scale-factor=1".to_owned(),
            format!("--window-size={w},{h}"),
            format!("--user-data-dir={}", self.driver.profile.path().display()),
        ];
        let caps = serde_json::json!({
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "timeouts": { "pageLoad": WAIT.as_millis() as u64, "script": WAIT.as_millis() as u64, "implicit": 0 },
            "goog:chromeOptions": { "binary": self.tools.chromium, "args": args },
        });
        match caps {
            serde_json::Value::Object(map) => map,
            _ => unreachable!("an object"),
        }
    }

    /// Runs one step within [`WAIT`]; a failure or a timeout fails the test
    /// naming the step.
    fn within<T, E: std::fmt::Display>(
        &self,
        step: &str,
        future: impl std::future::Future<Output = Result<T, E>>,
    ) -> T {
        match self
            .runtime
            .block_on(async { tokio::time::timeout(WAIT, future).await })
        {
            Ok(Ok(value)) => value,
            Ok(Err(e)) => panic!("{step}: {e}"),
            Err(_) => panic!("{step}: not within {WAIT:?}"),
        }
    }

    fn client(&self) -> &Client {
        self.client.as_ref().expect("a session")
    }

    /// The server's URL for `path` (`/dose`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base)
    }

    /// Opens `path` on the server and waits for its page to load.
    pub fn open(&self, path: &str) {
        let url = self.url(path);
        self.within(&format!("open {path}"), self.client().goto(&url));
    }

    /// Waits for the element `css` to be on the page.
    pub fn wait_for(&self, css: &str) -> fantoccini::elements::Element {
        let c = self.client();
        self.within(
            &format!("wait for {css}"),
            c.wait().at_most(WAIT).for_element(Locator::Css(css)),
        )
    }

    /// Whether an element `css` is on the page now (no waiting).
    pub fn has(&self, css: &str) -> bool {
        self.within(&format!("look for {css}"), async {
            self.client()
                .find_all(Locator::Css(css))
                .await
                .map(|all| !all.is_empty())
        })
    }

    /// Types `value` into the form field named `name`, as a person would
    /// (cleared first, then key by key); a select is set to the option whose
    /// value is `value`. The first field of that name on the page is the
    /// page's own form: a result's buttons (hidden fields) come after it.
    pub fn fill(&self, name: &str, value: &str) {
        let field = self.wait_for(&format!("[name=\"{name}\"]"));
        let step = format!("fill {name}");
        let tag = self.within(&step, field.tag_name());
        if tag.eq_ignore_ascii_case("select") {
            self.within(&step, field.select_by_value(value));
        } else {
            self.within(&step, field.clear());
            self.within(&step, field.send_keys(value));
        }
    }

    /// Fills every `(name, value)` of `fields` in order.
    pub fn fill_all(&self, fields: &[(&str, &str)]) {
        for (name, value) in fields {
            self.fill(name, value);
        }
    }

    /// Clicks the form's submit button, then waits for `css`, an element the
    /// answer has and the form page had not (`#result`, `#error-height`).
    pub fn submit_and_wait(&self, css: &str) -> fantoccini::elements::Element {
        let button = self.wait_for("form button[type=submit]");
        self.within("submit", button.click());
        self.wait_for(css)
    }

    /// Clicks the button `css` that opens its answer in a new tab (a
    /// print-ready page, `target="_blank"`), switches to that tab and waits
    /// until it shows `path` of the server with an element `ready`.
    pub fn click_to_new_tab(&self, css: &str, path: &str, ready: &str) {
        let c = self.client();
        let before = self.within("list the tabs", c.windows());
        let button = self.wait_for(css);
        self.within(&format!("click {css}"), button.click());
        let step = format!("a new tab after {css}");
        let tab = self.within(&step, async {
            loop {
                let now = c.windows().await?;
                if let Some(new) = now.into_iter().find(|w| !before.contains(w)) {
                    return Ok::<_, fantoccini::error::CmdError>(new);
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        });
        self.within(&step, c.switch_to_window(tab));
        self.within(&format!("{path} in the new tab"), async {
            while c.current_url().await?.path() != path {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Ok::<_, fantoccini::error::CmdError>(())
        });
        self.wait_for(ready);
    }

    /// Chooses `file` in the file input named `name` (an upload).
    pub fn choose_file(&self, name: &str, file: &std::path::Path) {
        let input = self.wait_for(&format!("input[type=file][name=\"{name}\"]"));
        let path = file.to_str().expect("a UTF-8 path");
        self.within(&format!("choose a file for {name}"), input.send_keys(path));
    }

    /// The text of the element `css`, as the browser renders it.
    pub fn text(&self, css: &str) -> String {
        let element = self.wait_for(css);
        self.within(&format!("text of {css}"), element.text())
    }

    /// The current value of the form field named `name`.
    pub fn value(&self, name: &str) -> String {
        let field = self.wait_for(&format!("[name=\"{name}\"]"));
        self.within(&format!("value of {name}"), field.prop("value"))
            .unwrap_or_default()
    }

    /// The page printed to PDF by the browser (WebDriver "Print Page"), A4
    /// portrait, 1 cm margins, backgrounds printed, at scale 1.
    pub fn print_pdf(&self) -> Vec<u8> {
        self.print_pdf_with(fantoccini::wd::PrintConfiguration::builder())
    }

    /// The page printed to PDF with `config` (orientation, scale, paper).
    pub fn print_pdf_with(&self, config: fantoccini::wd::PrintConfigurationBuilder) -> Vec<u8> {
        let config = config
            .background(true)
            .build()
            .expect("a print configuration");
        self.within("print to PDF", self.client().print(config))
    }

    /// Scrolls the page so the element `css` is `above` pixels below the
    /// window's top (a WebDriver script: the page itself has none, and its
    /// Content-Security-Policy does not apply to WebDriver).
    pub fn scroll_to(&self, css: &str, above: u32) {
        let element = self.wait_for(css);
        let args = vec![
            serde_json::to_value(&element).expect("an element"),
            above.into(),
        ];
        self.within(
            &format!("scroll to {css}"),
            self.client().execute(
                "window.scrollTo(0, arguments[0].getBoundingClientRect().top + window.scrollY - arguments[1]);",
                args,
            ),
        );
    }

    /// A PNG of the browser's window.
    pub fn screenshot(&self) -> Vec<u8> {
        self.within("screenshot", self.client().screenshot())
    }

    /// The current page's HTML, as the browser holds it.
    pub fn source(&self) -> String {
        self.within("page source", self.client().source())
    }

    /// The current page's title.
    pub fn title(&self) -> String {
        self.within("title", self.client().title())
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Ends the session politely when it can (Chromium quits and its
        // profile is released); the driver's guard kills whatever is left.
        if let Some(client) = self.client.take() {
            let _ = self.runtime.block_on(async {
                tokio::time::timeout(Duration::from_secs(5), client.close()).await
            });
        }
    }
}

/// The text of a PDF, read by `pdftotext -layout` (columns kept on their
/// lines).
pub fn pdf_text(tools: &Tools, pdf: &[u8]) -> String {
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
    let dir = tempfile::tempdir().expect("a folder");
    let file = dir.path().join("page.pdf");
    std::fs::write(&file, pdf).expect("write the PDF");
    let out = Command::new(&tools.pdftotext)
        .arg("-layout")
        .arg(&file)
        .arg("-")
        .output()
        .expect("run pdftotext");
    assert!(out.status.success(), "pdftotext: {out:?}");
    String::from_utf8(out.stdout).expect("UTF-8 text")
}
