//! `glassbox report` tested as a person would: train and explain a small model whose feature
//! names and folder names are hostile HTML, build the report, open it in headless Chromium, take
//! a screenshot, and check that the page loaded completely, every image decoded, nothing was
//! requested from anywhere, and no user string turned into markup. The check itself is shown to
//! fail on a page with a broken image and a network request.
//!
//! Needs Debian's `chromium` (`.ci/run` installs it). Without it the test fails and says so,
//! unless `GLASSBOX_SKIP_BROWSER=1` is set. `GLASSBOX_CHROMIUM` may name another binary.
//! The screenshot is kept at `target/tmp/report_browser/report.png` for a look.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const FEATURES: [&str; 4] = [
    "<img src=x onerror=alert(1)>",
    "\"><script>document.title='pwned'</script>",
    "temp & 'pressure'",
    "plain",
];
const TITLE: &str = "<script>alert('t')</script> Report & \"co\"";

fn glassbox(args: &[&std::ffi::OsStr]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_glassbox"))
        .arg("--quiet")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

macro_rules! gb {
    ($($a:expr),* $(,)?) => { glassbox(&[$(std::ffi::OsStr::new(&$a)),*]) };
}

/// A 160-row CSV with a smooth target of the four hostile-named features.
fn write_data(dir: &Path) -> PathBuf {
    let mut csv = String::new();
    let quoted: Vec<String> = FEATURES
        .iter()
        .map(|f| format!("\"{}\"", f.replace('"', "\"\"")))
        .collect();
    csv.push_str(&quoted.join(","));
    csv.push_str(",y\n");
    for i in 0..160 {
        let t = i as f64;
        let x = [
            (t * 0.37).sin(),
            (t * 0.11).cos(),
            (t * 7.0) % 13.0,
            t / 160.0,
        ];
        let y = 3.0 * x[0] + x[1] * x[3] + 0.2 * x[2];
        csv.push_str(&format!("{},{},{},{},{y}\n", x[0], x[1], x[2], x[3]));
    }
    let path = dir.join("data.csv");
    std::fs::write(&path, csv).unwrap();
    path
}

/// Trains and explains into `<tmp>/run <b>&"'` and `<tmp>/shap <i>`; returns both folders.
fn make_runs(tmp: &Path) -> (PathBuf, PathBuf) {
    let data = write_data(tmp);
    let train_dir = tmp.join("run <b>&\"'");
    let shap_dir = tmp.join("shap <i>");
    let (ok, err) = gb!(
        "train",
        "--data",
        data,
        "--target",
        "y",
        "--n-trees",
        "10",
        "--out",
        train_dir
    );
    assert!(ok, "train failed: {err}");
    let (ok, err) = gb!(
        "explain", "--model", train_dir, "--data", data, "--rows", "test", "--out", shap_dir
    );
    assert!(ok, "explain failed: {err}");
    (train_dir, shap_dir)
}

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("GLASSBOX_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let p = PathBuf::from("/usr/bin/chromium");
    p.exists().then_some(p)
}

/// The browser, or `None` when the user explicitly skips browser tests.
fn browser_or_skip() -> Option<PathBuf> {
    match chromium() {
        Some(p) => Some(p),
        None if std::env::var("GLASSBOX_SKIP_BROWSER").as_deref() == Ok("1") => {
            eprintln!("GLASSBOX_SKIP_BROWSER=1: skipping the Chromium check");
            None
        }
        None => panic!(
            "/usr/bin/chromium is missing: the report's browser test needs it. Install it with \
             `apt-get install -y --no-install-recommends chromium` (CI's .ci/run does this), \
             point GLASSBOX_CHROMIUM at a Chromium binary, or set GLASSBOX_SKIP_BROWSER=1 to skip"
        ),
    }
}

/// Runs headless Chromium on `page` with `extra` flags and a fresh profile; returns stdout.
fn run_chromium(browser: &Path, page: &Path, extra: &[String], profile: &Path) -> String {
    // stdout goes to a file: --dump-dom prints the whole page (megabytes of base64), more than a
    // pipe holds while we wait for the process.
    let stdout_path = profile.with_extension("stdout");
    let stdout = std::fs::File::create(&stdout_path).unwrap();
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::from(stdout))
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", browser.display()));
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within 90 s on {}", page.display());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    std::fs::read_to_string(&stdout_path).unwrap()
}

/// Runs before the page's own Content-Security-Policy is parsed (it is the first thing in
/// `<head>`), so it may run; it counts CSP violations (blocked fetches) and, after `load`,
/// writes what it saw into the DOM for `--dump-dom`.
const CHECK_SCRIPT: &str = r#"<script>
(function () {
  var violations = 0;
  document.addEventListener('securitypolicyviolation', function () { violations++; });
  window.addEventListener('load', function () {
    var imgs = Array.prototype.slice.call(document.images);
    var broken = imgs.filter(function (i) { return !i.complete || i.naturalWidth === 0; });
    var requests = performance.getEntriesByType('resource')
      .map(function (e) { return e.name; })
      .filter(function (n) { return n.indexOf('data:') !== 0; });
    var out = document.createElement('pre');
    out.textContent = 'GLASSBOX-CHECK' + JSON.stringify({
      ready: document.readyState, title: document.title, images: imgs.length,
      broken: broken.length, widths: imgs.map(function (i) { return i.naturalWidth; }),
      violations: violations, requests: requests,
      scripts: document.scripts.length
    }) + 'END-CHECK';
    document.body.appendChild(out);
  });
})();
</script>
"#;

/// What the browser saw on a page.
#[derive(Debug)]
struct Seen {
    ready: String,
    title: String,
    images: usize,
    broken: usize,
    violations: usize,
    requests: Vec<String>,
    scripts: usize,
}

/// Loads `html` (with the check script added) in Chromium and returns what it saw.
fn browse(browser: &Path, html: &str, dir: &Path, name: &str) -> Seen {
    let page = dir.join(format!("{name}.html"));
    let with_check = html.replacen("<head>\n", &format!("<head>\n{CHECK_SCRIPT}"), 1);
    assert_ne!(with_check, html, "no <head> to add the check script to");
    std::fs::write(&page, with_check).unwrap();
    let dom = run_chromium(
        browser,
        &page,
        &["--dump-dom".into()],
        &dir.join(format!("profile-{name}")),
    );
    let start = dom
        .find("<pre>GLASSBOX-CHECK")
        .unwrap_or_else(|| panic!("{name}: the check script did not run; DOM:\n{dom:.2000}"))
        + "<pre>GLASSBOX-CHECK".len();
    let end = dom[start..].find("END-CHECK").unwrap() + start;
    // --dump-dom serialises the <pre>'s text, so &, < and > come back as entities.
    let json = dom[start..end]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    let v: Value = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
    let n = |k: &str| v[k].as_u64().unwrap() as usize;
    Seen {
        ready: v["ready"].as_str().unwrap().into(),
        title: v["title"].as_str().unwrap().into(),
        images: n("images"),
        broken: n("broken"),
        violations: n("violations"),
        requests: v["requests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap().to_string())
            .collect(),
        scripts: n("scripts"),
    }
}

/// The check a report page must pass: loaded, `expected_images` images all decoded, nothing
/// requested or blocked, and only the check's own script on the page.
fn page_ok(seen: &Seen, expected_images: usize) -> Result<(), String> {
    let mut problems = Vec::new();
    if seen.ready != "complete" {
        problems.push(format!("document.readyState is {}", seen.ready));
    }
    if seen.images != expected_images {
        problems.push(format!(
            "{} images on the page, expected {expected_images}",
            seen.images
        ));
    }
    if seen.broken > 0 {
        problems.push(format!(
            "{} images did not decode (naturalWidth 0)",
            seen.broken
        ));
    }
    if !seen.requests.is_empty() || seen.violations > 0 {
        problems.push(format!(
            "network requests {:?}, {} blocked by the CSP",
            seen.requests, seen.violations
        ));
    }
    if seen.scripts != 1 {
        problems.push(format!(
            "{} scripts on the page, expected only the check's",
            seen.scripts
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

/// The (name, value) attributes of every tag in `html` (a small tokenizer: quoted values may
/// contain `>`; values are returned as written, entities not decoded).
fn attributes(html: &str) -> Vec<(String, String)> {
    let bytes = html.as_bytes();
    let mut attrs = Vec::new();
    let mut i = 0;
    while let Some(off) = html[i..].find('<') {
        i += off + 1;
        // Tag name.
        while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>' {
            i += 1;
        }
        loop {
            while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
                i += 1;
            }
            if i >= bytes.len() || bytes[i] == b'>' {
                break;
            }
            let start = i;
            while i < bytes.len() && !b"=> \t\n/".contains(&bytes[i]) {
                i += 1;
            }
            let name = html[start..i].to_ascii_lowercase();
            let mut value = String::new();
            if i < bytes.len() && bytes[i] == b'=' {
                i += 1;
                if i < bytes.len() && (bytes[i] == b'"' || bytes[i] == b'\'') {
                    let q = bytes[i] as char;
                    let end = html[i + 1..].find(q).map_or(bytes.len(), |e| i + 1 + e);
                    value = html[i + 1..end].to_string();
                    i = (end + 1).min(bytes.len());
                } else {
                    let start = i;
                    while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>' {
                        i += 1;
                    }
                    value = html[start..i].to_string();
                }
            }
            attrs.push((name, value));
        }
    }
    attrs
}

/// Everything in the page that could make a browser fetch something or run code.
fn static_references(html: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let mut found = Vec::new();
    // Base64 has no ':' or '(' so these cannot hide inside the data URIs.
    for needle in [
        "http://",
        "https://",
        "file://",
        "ftp://",
        "javascript:",
        "url(",
        "@import",
        "<script",
        "<link",
        "<iframe",
        "<object",
        "<embed",
        "<base",
        "<meta http-equiv=\"refresh",
    ] {
        for (i, _) in lower.match_indices(needle) {
            found.push(format!("{needle} at byte {i}"));
        }
    }
    for (name, value) in attributes(html) {
        let ok = match name.as_str() {
            "src" => {
                value.starts_with("data:image/png;base64,")
                    || value.starts_with("data:image/jpeg;base64,")
                    || value.starts_with("data:image/svg+xml;base64,")
            }
            "href" => value.starts_with('#'),
            n => !n.starts_with("on") && n != "srcset" && n != "action" && n != "formaction",
        };
        if !ok {
            found.push(format!("{name}=\"{value:.40}\""));
        }
    }
    found
}

#[test]
fn report_renders_in_chromium_with_every_image_and_no_requests() {
    let started = Instant::now();
    let tmp = tempfile::tempdir().unwrap();
    let (train_dir, shap_dir) = make_runs(tmp.path());
    let out = tmp.path().join("out");
    let (ok, err) = gb!(
        "report", "--run", train_dir, "--run", shap_dir, "--out", out, "--title", TITLE
    );
    assert!(ok, "report failed: {err}");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();

    // Statically: nothing to fetch, no markup from user strings.
    assert_eq!(static_references(&html), Vec::<String>::new());
    for f in FEATURES
        .iter()
        .filter(|f| f.contains(['<', '>', '"', '\'', '&']))
    {
        assert!(
            !html.contains(f),
            "unescaped feature name {f:?} in the page"
        );
    }
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(html.contains("run &lt;b&gt;&amp;&quot;&#39;"));
    assert_eq!(
        html.matches("<img ").count(),
        9,
        "1 training + 8 SHAP figures (bar, beeswarm, waterfall, force, decision, dependence, \
         heatmap, stacked force)"
    );

    let Some(browser) = browser_or_skip() else {
        return;
    };
    let seen = browse(&browser, &html, tmp.path(), "report");
    page_ok(&seen, 9).unwrap_or_else(|e| panic!("report page failed the browser check: {e}"));
    assert_eq!(seen.title, TITLE, "the title must show literally");

    // A screenshot, kept for a person to look at.
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report_browser");
    std::fs::create_dir_all(&shots).unwrap();
    let shot = shots.join("report.png");
    let _ = std::fs::remove_file(&shot);
    run_chromium(
        &browser,
        &out.join("report.html"),
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1280,4000".into(),
        ],
        &tmp.path().join("profile-shot"),
    );
    let png = std::fs::read(&shot).expect("chromium wrote no screenshot");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let width = u32::from_be_bytes([png[16], png[17], png[18], png[19]]);
    assert_eq!(width, 1280, "screenshot width");
    // A blank page compresses to a few KiB; a page with five plots is far larger.
    assert!(
        png.len() > 100_000,
        "screenshot is only {} bytes",
        png.len()
    );
    eprintln!(
        "report browser test: {:.1} s, screenshot {}",
        started.elapsed().as_secs_f64(),
        shot.display()
    );
}

#[test]
fn browser_check_fails_on_a_broken_image_and_a_network_request() {
    let Some(browser) = browser_or_skip() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    // One good 1x1 PNG (from the report crate's own encoder path) and one image that is not a
    // PNG at all: the check must count exactly one broken image.
    let good = glassbox_report_png();
    let page = format!(
        "<!DOCTYPE html>\n<html>\n<head>\n<title>t</title></head>\n<body>\
         <img src=\"data:image/png;base64,{good}\">\
         <img src=\"data:image/png;base64,AAAA\"></body></html>"
    );
    let seen = browse(&browser, &page, tmp.path(), "broken");
    assert_eq!(seen.images, 2);
    assert_eq!(seen.broken, 1, "{seen:?}");
    let err = page_ok(&seen, 2).unwrap_err();
    assert!(err.contains("did not decode"), "{err}");

    // A page that asks for a remote image under the report's CSP: blocked, and reported.
    let page = format!(
        "<!DOCTYPE html>\n<html>\n<head>\n<meta http-equiv=\"Content-Security-Policy\" \
         content=\"{}\"><title>t</title></head>\n<body>\
         <img src=\"data:image/png;base64,{good}\">\
         <img src=\"https://example.invalid/x.png\"></body></html>",
        glassbox_report::CSP
    );
    let seen = browse(&browser, &page, tmp.path(), "request");
    let err = page_ok(&seen, 2).unwrap_err();
    assert!(err.contains("example.invalid"), "{err}");
    assert!(seen.violations >= 1, "{seen:?}");
    // ...and the static scan finds it too.
    assert!(!static_references(&page).is_empty());
}

/// Base64 of a valid 1x1 grey PNG (bytes checked by the report crate's PNG reader).
fn glassbox_report_png() -> String {
    const PNG: &[u8] = &[
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44,
        0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x3A,
        0x7E, 0x9B, 0x55, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x68,
        0x00, 0x00, 0x00, 0x82, 0x00, 0x81, 0x77, 0xCD, 0x72, 0xB6, 0x00, 0x00, 0x00, 0x00, 0x49,
        0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
    ];
    let img = glassbox_report::Image::png(PNG.to_vec(), "tiny").unwrap();
    img.data_uri()
        .strip_prefix("data:image/png;base64,")
        .unwrap()
        .to_string()
}

/// The README's first command in its CI form: `glassbox demo --quick` runs every stage on the
/// bundled data and its report.html passes the same browser check.
#[test]
fn demo_quick_runs_every_stage_and_its_report_renders() {
    let started = Instant::now();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("demo");
    let (ok, err) = gb!("demo", "--quick", "--out", out);
    assert!(ok, "demo --quick failed: {err}");
    for run in [
        "molding-forest",
        "molding-forest-tree-shap",
        "molding-forest-permutation",
        "molding-forest-pdp",
        "molding-mlp",
        "molding-mlp-deep-shap",
        "neu-gap-cnn",
        "neu-flatten-cnn",
        "neu-gap-cnn-cam",
        "neu-gap-cnn-grad-cam",
        "neu-flatten-cnn-grad-cam",
        "neu-gap-cnn-lime",
    ] {
        assert!(out.join(run).is_dir(), "demo wrote no {run}/");
    }
    // CAM panels for one test image of each of the six classes.
    let summary: Value =
        serde_json::from_slice(&std::fs::read(out.join("neu-gap-cnn-cam/summary.json")).unwrap())
            .unwrap();
    assert_eq!(summary["images"].as_array().map(Vec::len), Some(6));

    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert_eq!(static_references(&html), Vec::<String>::new());
    assert!(
        !html.contains(".partial-"),
        "the report names a staging folder"
    );
    for heading in [
        "Overview",
        "gap-cnn",
        "flatten-cnn",
        "DeepSHAP",
        "Grad-CAM",
        "LIME (Ribeiro",
        "Permutation importance run",
        "Partial dependence run",
    ] {
        assert!(html.contains(heading), "report lacks {heading:?}");
    }
    let images = html.matches("<img ").count();
    assert!(images >= 20, "only {images} figures in the demo report");

    let Some(browser) = browser_or_skip() else {
        return;
    };
    let seen = browse(&browser, &html, tmp.path(), "demo");
    page_ok(&seen, images).unwrap_or_else(|e| panic!("demo report failed the browser check: {e}"));
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report_browser");
    std::fs::create_dir_all(&shots).unwrap();
    let shot = shots.join("demo.png");
    let _ = std::fs::remove_file(&shot);
    run_chromium(
        &browser,
        &out.join("report.html"),
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1280,6000".into(),
        ],
        &tmp.path().join("profile-demo-shot"),
    );
    assert!(
        std::fs::metadata(&shot)
            .map(|m| m.len() > 100_000)
            .unwrap_or(false)
    );
    eprintln!(
        "demo + browser test: {:.1} s, screenshot {}",
        started.elapsed().as_secs_f64(),
        shot.display()
    );
}
