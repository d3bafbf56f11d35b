//! Headless Chromium driven through `chromedriver` with fantoccini (W3C WebDriver
//! over plain HTTP to the local driver), for the tests that look at the overlay
//! page in a real browser. Every wait is a bounded poll.

use std::future::Future;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::error::NewSessionError;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Pause between two polls of the browser or the driver.
pub const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// How long the driver may take to accept a session (Chromium starting on a busy machine).
const DRIVER_READY_TIMEOUT: Duration = Duration::from_secs(10);

/// How long ending the session may take when a browser is dropped.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(10);

/// Whether Chromium and its driver are installed; prints a notice when they are not.
pub fn available() -> bool {
    let installed = Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists();
    if !installed {
        eprintln!("notice: chromium/chromedriver not installed; skipping the browser test");
    }
    installed
}

/// One `chromedriver` process with one headless Chromium session. Dropping it
/// ends the session (Chromium quits) and kills the driver.
pub struct Browser {
    client: Client,
    /// The runtime the WebDriver session runs on, apart from the test's own, so
    /// that `drop` can wait for the session to end (Chromium to quit) even when
    /// the test panicked on its runtime's only thread.
    runtime: Option<tokio::runtime::Runtime>,
    driver: Child,
    /// Chromium's user data directory, fresh for every browser, removed with it.
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts `chromedriver` on a free port and opens a headless Chromium session.
    pub async fn start() -> Browser {
        let port = free_port();
        let mut driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let profile = tempfile::tempdir().expect("profile directory");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("the WebDriver runtime");
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--disable-dev-shm-usage",
                    "--window-size=1920,1080",
                    // Money is formatted with the browser's locale: pin it.
                    "--lang=en-US",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            },
        });
        let Value::Object(capabilities) = capabilities else {
            unreachable!("capabilities are an object")
        };
        let started = Instant::now();
        let client = loop {
            if let Ok(Some(status)) = driver.try_wait() {
                panic!("chromedriver exited during start-up: {status}");
            }
            let base = format!("http://127.0.0.1:{port}");
            let capabilities = capabilities.clone();
            let session = runtime.spawn(async move {
                ClientBuilder::new(HttpConnector::new())
                    .capabilities(capabilities)
                    .connect(&base)
                    .await
            });
            match session.await.expect("the session task") {
                Ok(client) => break client,
                // Refused until the driver listens.
                Err(
                    NewSessionError::Failed(_)
                    | NewSessionError::FailedC(_)
                    | NewSessionError::Lost(_),
                ) if started.elapsed() < DRIVER_READY_TIMEOUT => {
                    actix_web::rt::time::sleep(POLL_INTERVAL).await;
                }
                Err(error) => panic!(
                    "chromedriver on port {port} gave no session within {DRIVER_READY_TIMEOUT:?}: {error}"
                ),
            }
        };
        let browser = Browser {
            client,
            runtime: Some(runtime),
            driver,
            _profile: profile,
        };
        browser.set_viewport(1920, 1080).await;
        browser
    }

    /// Runs one WebDriver exchange on the session's runtime; panics on its error.
    async fn run<T, E, F>(&self, what: &str, exchange: impl FnOnce(Client) -> F) -> T
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
        T: Send + 'static,
        E: std::fmt::Display + Send + 'static,
    {
        let runtime = self.runtime.as_ref().expect("the browser is open");
        runtime
            .spawn(exchange(self.client.clone()))
            .await
            .unwrap_or_else(|e| panic!("WebDriver {what}: {e}"))
            .unwrap_or_else(|e| panic!("WebDriver {what}: {e}"))
    }

    /// Sizes the window so that the page's viewport is `width`×`height` CSS pixels
    /// (`--window-size` is the outer size, which includes the window's frame).
    pub async fn set_viewport(&self, width: u32, height: u32) {
        const INNER: &str = "return [window.innerWidth, window.innerHeight];";
        let inner = self.execute(INNER, Vec::new()).await;
        let (_, _, outer_width, outer_height) = self
            .run("window rect", |client| async move {
                client.get_window_rect().await
            })
            .await;
        let frame = |outer: u64, i: usize| {
            let inner = inner[i].as_u64().expect("viewport size");
            u32::try_from(outer - inner).expect("window frame size")
        };
        let (frame_width, frame_height) = (frame(outer_width, 0), frame(outer_height, 1));
        self.run("window size", move |client| async move {
            client
                .set_window_size(width + frame_width, height + frame_height)
                .await
        })
        .await;
        let wanted = json!([width, height]);
        self.wait_for(
            "the viewport size",
            INNER,
            Duration::from_secs(5),
            |inner| *inner == wanted,
        )
        .await;
    }

    /// Loads a page and waits for its `load` event (the default page-load strategy).
    pub async fn navigate(&self, url: &str) {
        let url = url.to_owned();
        self.run("navigate", |client| async move { client.goto(&url).await })
            .await;
    }

    /// Makes pages match `prefers-reduced-motion: reduce` from now on (a Chrome
    /// DevTools command, sent through chromedriver's `goog/cdp` extension).
    pub async fn prefer_reduced_motion(&self) {
        let media = CdpCommand(json!({"cmd": "Emulation.setEmulatedMedia", "params": {
            "features": [{"name": "prefers-reduced-motion", "value": "reduce"}],
        }}));
        self.run("goog/cdp/execute", |client| async move {
            client.issue_cmd(media).await
        })
        .await;
    }

    /// Runs a script's body (`return …` gives the result) with `arguments`.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Value {
        let script = script.to_owned();
        self.run("execute", |client| async move {
            client.execute(&script, args).await
        })
        .await
    }

    /// A PNG of the viewport.
    pub async fn screenshot(&self) -> Vec<u8> {
        self.run(
            "screenshot",
            |client| async move { client.screenshot().await },
        )
        .await
    }

    /// Runs `script` every [`POLL_INTERVAL`] until `done` accepts its result, for
    /// at most `timeout`; returns the accepted result, or panics with the last one.
    pub async fn wait_for(
        &self,
        what: &str,
        script: &str,
        timeout: Duration,
        mut done: impl FnMut(&Value) -> bool,
    ) -> Value {
        let started = Instant::now();
        let polls = timeout.as_millis() / POLL_INTERVAL.as_millis() + 1;
        let mut last = Value::Null;
        for _ in 0..polls {
            last = self.execute(script, Vec::new()).await;
            if done(&last) {
                return last;
            }
            if started.elapsed() >= timeout {
                break;
            }
            actix_web::rt::time::sleep(POLL_INTERVAL).await;
        }
        panic!("timed out after {timeout:?} waiting for {what}; last seen: {last}");
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Drop cannot await: end the session on its own runtime, from a thread of
        // its own, so that Chromium quits even when the test panicked; then stop
        // the driver.
        if let Some(runtime) = self.runtime.take() {
            let client = self.client.clone();
            let closing = std::thread::spawn(move || {
                runtime.block_on(async move {
                    let _ = tokio::time::timeout(CLOSE_TIMEOUT, client.close()).await;
                });
            });
            let _ = closing.join();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// A chromedriver `goog/cdp/execute` command: one Chrome DevTools call, which
/// WebDriver itself has no command for.
#[derive(Debug)]
struct CdpCommand(Value);

impl WebDriverCompatibleCommand for CdpCommand {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        let session = session_id.unwrap_or_default();
        base_url.join(&format!("session/{session}/goog/cdp/execute"))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(self.0.to_string()))
    }
}

/// A port nothing listens on right now (bind port 0, read it, let it go).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}
