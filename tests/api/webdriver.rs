//! A minimal W3C WebDriver client (JSON over HTTP) driving headless Chromium
//! through `chromedriver`, for the tests that look at the overlay page in a real
//! browser. Every wait is a bounded poll.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{json, Value};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Pause between two polls of the browser or the driver.
pub const POLL_INTERVAL: Duration = Duration::from_millis(100);

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
    base: String,
    port: u16,
    session: String,
    client: awc::Client,
    driver: Child,
    /// Chromium's user data directory, fresh for every browser.
    profile: tempfile::TempDir,
}

impl Browser {
    /// Starts `chromedriver` on a free port and opens a headless Chromium session.
    pub async fn start() -> Browser {
        let port = free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let profile = tempfile::tempdir().expect("profile directory");
        let mut browser = Browser {
            base: format!("http://127.0.0.1:{port}"),
            port,
            session: String::new(),
            // Launching Chromium on a busy machine can take a while.
            client: awc::Client::builder()
                .timeout(Duration::from_secs(60))
                .finish(),
            driver,
            profile,
        };
        browser.wait_until_ready().await;
        let capabilities = json!({"capabilities": {"alwaysMatch": {
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
                    format!("--user-data-dir={}", browser.profile.path().display()),
                ],
            },
        }}});
        let answer = browser.call("POST", "/session", Some(capabilities)).await;
        browser.session = answer["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session id in {answer}"))
            .to_owned();
        browser.set_viewport(1920, 1080).await;
        browser
    }

    /// Sizes the window so that the page's viewport is `width`×`height` CSS pixels
    /// (`--window-size` is the outer size, which includes the window's frame).
    pub async fn set_viewport(&self, width: u64, height: u64) {
        const INNER: &str = "return [window.innerWidth, window.innerHeight];";
        let inner = self.execute(INNER, Vec::new()).await;
        let outer = self
            .call("GET", &self.session_path("/window/rect"), None)
            .await;
        let frame = |o: &str, i: usize| {
            outer[o].as_u64().expect("window size") - inner[i].as_u64().expect("viewport size")
        };
        let rect =
            json!({"width": width + frame("width", 0), "height": height + frame("height", 1)});
        self.call("POST", &self.session_path("/window/rect"), Some(rect))
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

    /// Polls `GET /status` until the driver says it is ready (10 s at most).
    async fn wait_until_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        for _ in 0..100 {
            if let Ok(Some(status)) = self.driver.try_wait() {
                panic!("chromedriver exited during start-up: {status}");
            }
            let ready = match self
                .client
                .get(format!("{}/status", self.base))
                .send()
                .await
            {
                Ok(mut response) => response
                    .json::<Value>()
                    .await
                    .is_ok_and(|status| status["value"]["ready"] == true),
                Err(_) => false,
            };
            if ready {
                return;
            }
            if Instant::now() >= deadline {
                break;
            }
            actix_web::rt::time::sleep(POLL_INTERVAL).await;
        }
        panic!(
            "chromedriver on port {} was not ready within 10 s",
            self.port
        );
    }

    /// One WebDriver command; returns its `value`, panics on a WebDriver error.
    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.base);
        let request = match method {
            "GET" => self.client.get(&url),
            "POST" => self.client.post(&url),
            "DELETE" => self.client.delete(&url),
            other => unreachable!("method {other}"),
        };
        let sent = match body {
            Some(body) => request.send_json(&body).await,
            None => request.send().await,
        };
        let mut response = sent.unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e}"));
        let status = response.status();
        // Screenshots are larger than awc's default JSON limit.
        let bytes = response
            .body()
            .limit(64 * 1024 * 1024)
            .await
            .unwrap_or_else(|e| panic!("WebDriver {method} {path}: reading the answer: {e}"));
        let answer: Value = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
            panic!(
                "WebDriver {method} {path}: {status}, not JSON ({e}): {}",
                String::from_utf8_lossy(&bytes)
            )
        });
        assert!(
            status.is_success(),
            "WebDriver {method} {path}: {status}: {}",
            answer["value"]
        );
        answer["value"].clone()
    }

    fn session_path(&self, command: &str) -> String {
        format!("/session/{}{command}", self.session)
    }

    /// Loads a page and waits for its `load` event (the default page-load strategy).
    pub async fn navigate(&self, url: &str) {
        self.call(
            "POST",
            &self.session_path("/url"),
            Some(json!({"url": url})),
        )
        .await;
    }

    /// Makes pages match `prefers-reduced-motion: reduce` from now on (a Chrome
    /// DevTools command, sent through chromedriver's `goog/cdp` extension).
    pub async fn prefer_reduced_motion(&self) {
        let media = json!({"cmd": "Emulation.setEmulatedMedia", "params": {
            "features": [{"name": "prefers-reduced-motion", "value": "reduce"}],
        }});
        self.call("POST", &self.session_path("/goog/cdp/execute"), Some(media))
            .await;
    }

    /// Runs a script's body (`return …` gives the result) with `arguments`.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Value {
        self.call(
            "POST",
            &self.session_path("/execute/sync"),
            Some(json!({"script": script, "args": args})),
        )
        .await
    }

    /// A PNG of the viewport.
    pub async fn screenshot(&self) -> Vec<u8> {
        let encoded = self
            .call("GET", &self.session_path("/screenshot"), None)
            .await;
        base64::engine::general_purpose::STANDARD
            .decode(encoded.as_str().expect("base64 screenshot"))
            .expect("screenshot is base64")
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
        // Drop cannot await: end the session with a blocking request so that
        // Chromium quits even when the test panicked, then stop the driver.
        if !self.session.is_empty() {
            delete_session_blocking(self.port, &self.session);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// `DELETE /session/{id}` over a plain socket, bounded by short timeouts.
fn delete_session_blocking(port: u16, session: &str) {
    use std::io::{Read, Write};
    let address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let Ok(mut stream) = std::net::TcpStream::connect_timeout(&address, Duration::from_secs(2))
    else {
        return;
    };
    let _ = stream.set_write_timeout(Some(Duration::from_secs(2)));
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let request = format!(
        "DELETE /session/{session} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\
         Content-Length: 0\r\nConnection: close\r\n\r\n"
    );
    if stream.write_all(request.as_bytes()).is_err() {
        return;
    }
    // The driver answers once Chromium has quit; read that whole answer (it
    // keeps the connection open, so reading to the end would wait for the timeout).
    let mut answer = Vec::new();
    let mut chunk = [0u8; 4096];
    while !http_response_complete(&answer) {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&chunk[..n]),
        }
    }
}

/// Whether `answer` holds a whole HTTP response (headers and `Content-Length` body).
fn http_response_complete(answer: &[u8]) -> bool {
    let Some(end) = answer.windows(4).position(|w| w == b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(&answer[..end]).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .and_then(|value| value.trim().parse::<usize>().ok())
        .unwrap_or(0);
    answer.len() >= end + 4 + length
}

/// A port nothing listens on right now (bind port 0, read it, let it go).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}
