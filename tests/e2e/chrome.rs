//! A real headless Chromium, driven over the W3C WebDriver protocol by Debian's
//! chromedriver. A few dozen lines of HTTP calls are all the dashboard tests need, so no
//! WebDriver crate. Chromium and chromedriver come from Debian's `chromium` and
//! `chromium-driver` packages (`.ci/run` installs them); `NEXUS_CHROMIUM` and
//! `NEXUS_CHROMEDRIVER` point elsewhere.

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::helpers::free_port;

/// The W3C name of the key that identifies an element in WebDriver answers.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Widths the screenshots are taken at: a laptop and a phone.
pub const DESKTOP: (u32, &str) = (1280, "desktop");
pub const PHONE: (u32, &str) = (390, "phone");

pub struct Chrome {
    http: reqwest::Client,
    /// `http://127.0.0.1:{port}/session/{id}`
    session: String,
    driver: Child,
    _profile: tempfile::TempDir,
}

fn program(variable: &str, default: &str) -> String {
    std::env::var(variable).unwrap_or_else(|_| default.to_owned())
}

impl Chrome {
    pub async fn start() -> Self {
        let chromium = program("NEXUS_CHROMIUM", "/usr/bin/chromium");
        let chromedriver = program("NEXUS_CHROMEDRIVER", "/usr/bin/chromedriver");
        for path in [&chromium, &chromedriver] {
            assert!(
                std::path::Path::new(path).exists(),
                "{path} is missing: the browser tests need Debian's chromium and \
                 chromium-driver packages (apt-get install chromium chromium-driver)"
            );
        }
        let port = free_port();
        // A process group of its own, so dropping the driver also ends the browsers it
        // started, even when a test fails half-way.
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("start chromedriver");
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        wait_ready(&http, &base).await;

        let profile = tempfile::tempdir().expect("profile dir");
        // The flags keep Chromium off the network (this machine has none) and working as
        // root in a container.
        let args = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--lang=en-US",
            "--window-size=1280,900",
        ]
        .iter()
        .map(|a| a.to_string())
        .chain([format!("--user-data-dir={}", profile.path().display())])
        .collect::<Vec<_>>();
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": args,
                "prefs": {"intl.accept_languages": "en-US,en"},
            },
        }}});
        let answer = call(
            &http,
            reqwest::Method::POST,
            &format!("{base}/session"),
            Some(capabilities),
        )
        .await;
        let id = answer["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {answer}"))
            .to_owned();
        Self {
            http,
            session: format!("{base}/session/{id}"),
            driver,
            _profile: profile,
        }
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let url = format!("{}{path}", self.session);
        call(&self.http, reqwest::Method::POST, &url, Some(body)).await
    }

    async fn get(&self, path: &str) -> Value {
        let url = format!("{}{path}", self.session);
        call(&self.http, reqwest::Method::GET, &url, None).await
    }

    pub async fn goto(&self, url: &str) {
        self.post("/url", json!({ "url": url })).await;
    }

    pub async fn current_url(&self) -> String {
        self.get("/url").await.as_str().expect("url").to_owned()
    }

    /// The path (and query) of the page shown.
    pub async fn current_path(&self) -> String {
        let url = reqwest::Url::parse(&self.current_url().await).expect("url");
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// The element `css` selects; waits up to five seconds for it to appear.
    pub async fn find(&self, css: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let url = format!("{}/element", self.session);
            let response = self
                .http
                .post(&url)
                .json(&json!({"using": "css selector", "value": css}))
                .send()
                .await
                .expect("webdriver");
            let answer: Value = response.json().await.expect("json");
            if let Some(id) = answer["value"][ELEMENT_KEY].as_str() {
                return id.to_owned();
            }
            if Instant::now() > deadline {
                let path = self.current_path().await;
                panic!("no element {css:?} on {path}: {}", answer["value"]);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn click(&self, css: &str) {
        let element = self.find(css).await;
        self.post(&format!("/element/{element}/click"), json!({}))
            .await;
    }

    /// Replaces the value of a text field.
    pub async fn fill(&self, css: &str, text: &str) {
        let element = self.find(css).await;
        self.post(&format!("/element/{element}/clear"), json!({}))
            .await;
        self.post(
            &format!("/element/{element}/value"),
            json!({ "text": text }),
        )
        .await;
    }

    /// The rendered text of the element (as the person sees it). A page being replaced
    /// by the next one can take the element away between finding and reading it: then
    /// it is found again.
    pub async fn text(&self, css: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let element = self.find(css).await;
            let url = format!("{}/element/{element}/text", self.session);
            match try_call(&self.http, reqwest::Method::GET, &url, None).await {
                Ok(answer) => return answer.as_str().unwrap_or_default().to_owned(),
                Err(err) if Instant::now() > deadline => panic!("{err}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    pub async fn page_text(&self) -> String {
        self.text("body").await
    }

    pub async fn script(&self, source: &str) -> Value {
        self.post("/execute/sync", json!({"script": source, "args": []}))
            .await
    }

    /// Waits until the page's text contains `needle` (after a click that navigates).
    pub async fn wait_for_text(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let text = self.page_text().await;
            if text.contains(needle) {
                return text;
            }
            if Instant::now() > deadline {
                let path = self.current_path().await;
                panic!("{needle:?} never appeared on {path}:\n{text}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Chrome DevTools commands through chromedriver: device metrics and full-page
    /// screenshots are not in WebDriver itself.
    async fn devtools(&self, command: &str, params: Value) -> Value {
        self.post(
            "/goog/cdp/execute",
            json!({"cmd": command, "params": params}),
        )
        .await
    }

    /// Lays the page out at `width` CSS pixels, as a phone or a laptop would.
    pub async fn set_width(&self, width: u32) {
        let mobile = width < 600;
        self.devtools(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": mobile}),
        )
        .await;
    }

    /// How far the page is wider than the window: more than zero means the person has to
    /// scroll sideways (tables scroll inside their own box instead).
    pub async fn horizontal_overflow(&self) -> i64 {
        let value = self
            .script("return document.documentElement.scrollWidth - window.innerWidth;")
            .await;
        value.as_i64().unwrap_or(0)
    }

    /// Writes a full-page PNG of what is shown to `target/screenshots/{name}-{width}.png`
    /// at each width, and checks that no width needs sideways scrolling.
    pub async fn screenshots(&self, name: &str) {
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        for (width, label) in [DESKTOP, PHONE] {
            self.set_width(width).await;
            let overflow = self.horizontal_overflow().await;
            assert!(
                overflow <= 0,
                "{name} at {width}px is {overflow}px wider than the screen"
            );
            let metrics = self.devtools("Page.getLayoutMetrics", json!({})).await;
            let height = metrics["cssContentSize"]["height"]
                .as_f64()
                .unwrap_or(900.0);
            let shot = self
                .devtools(
                    "Page.captureScreenshot",
                    json!({"format": "png", "captureBeyondViewport": true,
                           "clip": {"x": 0, "y": 0, "width": width, "height": height.min(8000.0), "scale": 1}}),
                )
                .await;
            let png = STANDARD
                .decode(shot["data"].as_str().expect("screenshot data"))
                .expect("base64");
            assert!(png.starts_with(b"\x89PNG"), "not a PNG");
            std::fs::write(dir.join(format!("{name}-{label}.png")), png).expect("write png");
        }
        self.set_width(DESKTOP.0).await;
    }
}

impl Drop for Chrome {
    fn drop(&mut self) {
        let group = nix::unistd::Pid::from_raw(self.driver.id() as i32);
        let _ = nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGKILL);
        let _ = self.driver.wait();
    }
}

pub fn screenshot_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots")
}

async fn wait_ready(http: &reqwest::Client, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(response) = http.get(format!("{base}/status")).send().await
            && let Ok(answer) = response.json::<Value>().await
            && answer["value"]["ready"] == true
        {
            return;
        }
        assert!(Instant::now() < deadline, "chromedriver did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// One WebDriver command; its `value`, or a panic naming the WebDriver error.
async fn call(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    body: Option<Value>,
) -> Value {
    match try_call(http, method, url, body).await {
        Ok(value) => value,
        Err(err) => panic!("{err}"),
    }
}

async fn try_call(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    body: Option<Value>,
) -> Result<Value, String> {
    let mut request = http.request(method, url).timeout(Duration::from_secs(60));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("webdriver request");
    let status = response.status();
    let answer: Value = response.json().await.expect("webdriver json");
    if status.is_success() {
        Ok(answer["value"].clone())
    } else {
        Err(format!("webdriver {url}: {status} {answer}"))
    }
}
