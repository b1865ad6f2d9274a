//! The HTML report in a real browser: headless Chromium loads it without
//! console messages and shows its charts. Runs when `SAKIP_CHROMIUM` names
//! the browser binary (`.ci/run` installs Debian's chromium and sets it);
//! without it the test says so on stderr and checks nothing else.

use assert_cmd::Command;
use std::path::Path;

/// Run headless Chromium on a file; returns (dumped DOM, stderr).
fn chromium(browser: &str, page: &Path, profile: &Path, extra: &[&str]) -> (String, String) {
    let out = std::process::Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Console messages Chromium logged for the page.
fn console_lines(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.contains(":CONSOLE")).collect()
}

#[test]
fn html_report_loads_in_chromium_with_its_charts() {
    let Ok(browser) = std::env::var("SAKIP_CHROMIUM") else {
        eprintln!("SAKIP_CHROMIUM is not set: the browser check did not run (.ci/run sets it)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();

    // The detector must see a console error when there is one.
    let bad = dir.path().join("bad.html");
    std::fs::write(
        &bad,
        "<!DOCTYPE html><html><body><script>console.error('rusak')</script></body></html>",
    )
    .unwrap();
    let (_, err) = chromium(&browser, &bad, &dir.path().join("p0"), &["--dump-dom"]);
    assert_eq!(console_lines(&err).len(), 1, "{err}");

    let demo = dir.path().join("demo");
    Command::cargo_bin("sakip")
        .unwrap()
        .args(["demo", "--dir"])
        .arg(&demo)
        .assert()
        .success();
    let page = dir.path().join("lkjip-2021.html");
    Command::cargo_bin("sakip")
        .unwrap()
        .env("SAKIP_LEDGER", demo.join("ledger"))
        .args(["report", "lkjip", "--year", "2021", "--format", "html", "--out"])
        .arg(&page)
        .assert()
        .success();
    let (dom, err) = chromium(&browser, &page, &dir.path().join("p1"), &["--dump-dom"]);
    assert!(
        console_lines(&err).is_empty(),
        "console messages: {:?}",
        console_lines(&err)
    );
    assert_eq!(dom.matches("<svg").count(), 2, "the capaian and serapan charts");
    assert!(
        dom.contains("class=\"sedang\"") && dom.contains("class=\"serapan\""),
        "bars coloured by predikat and serapan"
    );
    assert!(dom.contains("104,63%"));

    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("lkjip-2021.png");
    let _ = std::fs::remove_file(&shot);
    chromium(
        &browser,
        &page,
        &dir.path().join("p2"),
        &[
            "--hide-scrollbars",
            "--window-size=1000,2400",
            &format!("--screenshot={}", shot.display()),
        ],
    );
    assert!(
        std::fs::metadata(&shot)
            .map(|m| m.len() > 10_000)
            .unwrap_or(false),
        "no screenshot at {}",
        shot.display()
    );
}
