//! A whole quarter in the web application, in real headless Chromium
//! driven through WebDriver (Debian's `chromium` and `chromium-driver`;
//! `.ci/run` installs both and sets `SAKIP_CHROMEDRIVER`): an operator
//! generates a key in the browser, the admin (an imported sakip key)
//! registers it in the browser, the operator signs in and enters TW I
//! realisasi and a correction, the Kepala approves in the queue, the
//! dashboard shows the new capaian, the Inspektorat signs a checkpoint in
//! the browser, and `sakip verify --checkpoint` on the same ledger passes;
//! the events' author is the browser's key. The server is the real
//! `sakip serve`. Screenshots go to a temporary directory, and to
//! `docs/screenshots/` with `SAKIP_UPDATE_SCREENSHOTS=1`.

use base64::Engine;
use serde_json::{json, Value};
use sha2::Digest;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

struct Driver {
    agent: ureq::Agent,
    base: String,
}

struct Browser<'a> {
    d: &'a Driver,
    session: String,
    name: &'static str,
}

impl Driver {
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.base);
        let mut res = match (method, body) {
            ("GET", _) => self.agent.get(&url).call().unwrap(),
            ("DELETE", _) => self.agent.delete(&url).call().unwrap(),
            (_, body) => self
                .agent
                .post(&url)
                .send_json(body.unwrap_or(json!({})))
                .unwrap(),
        };
        let v: Value = res.body_mut().read_json().unwrap();
        if let Some(err) = v["value"]["error"].as_str() {
            panic!("webdriver {method} {path}: {err}: {}", v["value"]["message"]);
        }
        v["value"].clone()
    }

    fn browser(&self, name: &'static str, chromium: &str, profile: &Path) -> Browser<'_> {
        self.browser_with(name, chromium, profile, &[])
    }

    fn browser_with(
        &self,
        name: &'static str,
        chromium: &str,
        profile: &Path,
        extra: &[String],
    ) -> Browser<'_> {
        let mut args = vec![
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--window-size=1280,900".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-sync".into(),
            format!("--user-data-dir={}", profile.display()),
        ];
        args.extend_from_slice(extra);
        let v = self.call(
            "POST",
            "/session",
            Some(json!({"capabilities": {"alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": { "binary": chromium, "args": args }
            }}})),
        );
        Browser {
            d: self,
            session: v["sessionId"].as_str().unwrap().to_string(),
            name,
        }
    }
}

impl Browser<'_> {
    fn path(&self, rest: &str) -> String {
        format!("/session/{}{rest}", self.session)
    }

    fn go(&self, url: &str) {
        self.d
            .call("POST", &self.path("/url"), Some(json!({ "url": url })));
    }

    fn find(&self, css: &str) -> String {
        let v = self.d.call(
            "POST",
            &self.path("/element"),
            Some(json!({"using": "css selector", "value": css})),
        );
        v[ELEMENT].as_str().unwrap().to_string()
    }

    fn click(&self, css: &str) {
        let e = self.find(css);
        self.d
            .call("POST", &self.path(&format!("/element/{e}/click")), None);
    }

    fn send_keys(&self, css: &str, text: &str) {
        let e = self.find(css);
        self.d.call(
            "POST",
            &self.path(&format!("/element/{e}/value")),
            Some(json!({ "text": text })),
        );
    }

    fn js(&self, script: &str, args: Value) -> Value {
        self.d.call(
            "POST",
            &self.path("/execute/sync"),
            Some(json!({"script": script, "args": args})),
        )
    }

    /// Wait until `script` (returning a value) gives something truthy.
    fn wait(&self, what: &str, script: &str) -> Value {
        let start = Instant::now();
        loop {
            let v = self.js(script, json!([]));
            if !(v.is_null() || v == json!(false) || v == json!("")) {
                return v;
            }
            if start.elapsed() > Duration::from_secs(30) {
                let text = self.js("return document.body.innerText", json!([]));
                panic!(
                    "{}: timed out waiting for {what}; the page says:\n{text}",
                    self.name
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn screenshot(&self, to: &Path) {
        let v = self.d.call("GET", &self.path("/screenshot"), None);
        let png = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap())
            .unwrap();
        std::fs::write(to, png).unwrap();
    }

    /// Fill the named fields of a form (by `data-jenis`) and submit it,
    /// then check what the dialog says will be signed and sign it.
    fn sign_form(&self, jenis: &str, fields: Value, expect: &str) -> String {
        self.js(
            "const f = document.querySelector(`form[data-jenis=\"${arguments[0]}\"]`);
             for (const [k, v] of Object.entries(arguments[1])) {
               const el = f.querySelector(`[name=\"${k}\"]`); el.value = v;
             }",
            json!([jenis, fields]),
        );
        self.click(&format!("form[data-jenis=\"{jenis}\"] button[type=submit]"));
        let shown = self.wait("the signing dialog", "return document.getElementById('tandatangan').open && document.getElementById('uraian').textContent");
        let shown = shown.as_str().unwrap().to_string();
        assert!(
            shown.contains(expect),
            "{}: the dialog shows {shown:?}, expected {expect:?}",
            self.name
        );
        self.clear_message();
        self.click("#kirim");
        let result = self.wait(
            "the result",
            "const p = document.getElementById('pesan'); return p.className && !p.textContent.startsWith('Menandatangani') && p.textContent",
        );
        let result = result.as_str().unwrap().to_string();
        assert!(
            result.starts_with("Tersimpan") || result.starts_with("Checkpoint"),
            "{}: {result}",
            self.name
        );
        result
    }

    /// Empty the page's message line, so that the next wait sees only the
    /// next message.
    fn clear_message(&self) {
        self.js(
            "const p = document.getElementById('pesan'); p.textContent = ''; p.className = '';",
            json!([]),
        );
    }

    fn sign_in_with_file(&self, base: &str, key_file: &Path) {
        self.go(&format!("{base}/masuk"));
        self.send_keys("#impor-kunci", &key_file.display().to_string());
        // A key already in this browser is replaced only once confirmed.
        self.wait(
            "the imported key",
            "const b = document.getElementById('ganti-kunci'); if (b && !b.hidden) { document.getElementById('ganti-kunci-ya').click(); return false; } return document.getElementById('pesan').textContent.startsWith('Kunci diimpor')",
        );
        self.sign_in(base);
    }

    fn sign_in(&self, base: &str) {
        self.click("#masuk");
        self.wait("the dashboard", &format!("return location.href === '{base}/' && document.querySelector('h1').textContent.startsWith('Capaian')"));
    }

    fn quit(self) {
        self.d.call("DELETE", &self.path(""), None);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn sakip(args: &[&str]) -> String {
    // No remembered heads in the user's own state directory.
    let out = Command::new(env!("CARGO_BIN_EXE_sakip"))
        .env("SAKIP_STATE_DIR", "")
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "sakip {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn wait_http(url: &str) {
    let start = Instant::now();
    while agent().get(url).call().is_err() {
        assert!(start.elapsed() < Duration::from_secs(30), "{url} never answered");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_quarter_in_the_browser() {
    let (Ok(chromedriver), Ok(chromium)) = (
        std::env::var("SAKIP_CHROMEDRIVER"),
        std::env::var("SAKIP_CHROMIUM"),
    ) else {
        eprintln!("SAKIP_CHROMEDRIVER / SAKIP_CHROMIUM not set: the browser quarter did not run (.ci/run sets them)");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let demo = tmp.path().join("demo");
    sakip(&["demo", "--dir", demo.to_str().unwrap()]);
    let ledger = demo.join("ledger");
    let ledger_s = ledger.to_str().unwrap();
    let keys = demo.join("keys");
    // The admin sets the new year's target, as `import plan` would.
    sakip(&[
        "--ledger",
        ledger_s,
        "--key",
        keys.join("sekretaris-admin.key").to_str().unwrap(),
        "record",
        "target",
        "--indicator",
        "IKU-1.1",
        "--year",
        "2022",
        "--value",
        "30",
    ]);

    let port = free_port();
    let base = format!("http://localhost:{port}");
    let server = Killed(
        Command::new(env!("CARGO_BIN_EXE_sakip"))
            .args([
                "--ledger",
                ledger_s,
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_http(&format!("{base}/masuk"));
    let driver_port = free_port();
    let _driver = Killed(
        Command::new(&chromedriver)
            .arg(format!("--port={driver_port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_http(&format!("http://127.0.0.1:{driver_port}/status"));
    let d = Driver {
        agent: agent(),
        base: format!("http://127.0.0.1:{driver_port}"),
    };
    let shots = tmp.path().join("shots");
    std::fs::create_dir_all(&shots).unwrap();

    // The operator makes a key in the browser.
    let operator = d.browser("operator", &chromium, &tmp.path().join("p-operator"));
    operator.go(&format!("{base}/masuk"));
    operator.click("#buat-kunci");
    let public = operator.wait(
        "a new key",
        "const t = document.getElementById('kunci-publik').textContent; return /^[0-9a-f]{64}$/.test(t) && t",
    );
    let public = public.as_str().unwrap().to_string();
    operator.screenshot(&shots.join("sign-in.png"));

    // The admin, with the admin's sakip key imported, registers it.
    let admin = d.browser("admin", &chromium, &tmp.path().join("p-admin"));
    admin.sign_in_with_file(&base, &keys.join("sekretaris-admin.key"));
    admin.go(&format!("{base}/kunci"));
    admin.js(
        "document.querySelector('input[name=peran][value=operator]').checked = true",
        json!([]),
    );
    admin.sign_form(
        "kunci",
        json!({"kunci": public, "nama": "Operator Peramban"}),
        "peran operator",
    );
    admin.go(&format!("{base}/kunci"));
    admin.screenshot(&shots.join("keys.png"));
    admin.js(
        "document.querySelector('form[data-jenis=impor]').scrollIntoView()",
        json!([]),
    );
    admin.screenshot(&shots.join("keys-plan-upload.png"));
    admin.quit();

    // The operator signs in, enters TW I and corrects it.
    operator.sign_in(&base);
    operator.go(&format!("{base}/entri"));
    operator.js(
        "document.querySelector('form[data-jenis=realisasi] select[name=indikator]').value = 'IKU-1.1'",
        json!([]),
    );
    operator.sign_form(
        "realisasi",
        json!({"periode": "TW I 2022", "nilai": "21,5"}),
        "Realisasi IKU-1.1",
    );
    operator.js(
        "document.querySelector('form[data-jenis=koreksi] select[name=indikator]').value = 'IKU-1.1'",
        json!([]),
    );
    operator.js(
        "const f = document.querySelector('form[data-jenis=koreksi]');
         f.querySelector('[name=periode]').value = 'TW I 2022'; f.querySelector('[name=nilai]').value = '24';
         f.querySelector('[name=alasan]').value = 'Data final BKN';
         f.querySelector('button[type=submit]').click();",
        json!([]),
    );
    let shown = operator.wait(
        "the correction dialog",
        "return document.getElementById('tandatangan').open && document.getElementById('uraian').textContent",
    );
    assert!(shown.as_str().unwrap().contains("21,5 menjadi 24"), "{shown}");
    operator.screenshot(&shots.join("operator-form.png"));
    operator.clear_message();
    operator.click("#kirim");
    operator.wait(
        "the correction result",
        "const p = document.getElementById('pesan'); return p.className === 'berhasil' && p.textContent",
    );
    // Two quarters from a CSV file: checked in full, shown, signed row by
    // row in the browser, appended at once.
    let csv = tmp.path().join("realisasi-2022.csv");
    std::fs::write(
        &csv,
        "indicator;period;value;numerator;denominator;note\nIKU-1.1;2022-Q2;25;;;\nIKU-1.1;2022-Q3;26;;;dari rekap bidang\n",
    )
    .unwrap();
    operator.send_keys(
        "form[data-jenis=impor] input[name=berkas]",
        &csv.display().to_string(),
    );
    operator.click("form[data-jenis=impor] button[type=submit]");
    let shown = operator.wait(
        "the upload dialog",
        "return document.getElementById('tandatangan').open && document.getElementById('uraian').textContent",
    );
    let shown = shown.as_str().unwrap();
    assert!(
        shown.contains("realisasi-2022.csv: 2 peristiwa") && shown.contains("TW III 2022: 26"),
        "{shown}"
    );
    operator.screenshot(&shots.join("upload.png"));
    operator.clear_message();
    operator.click("#kirim");
    let result = operator.wait(
        "the upload result",
        "const p = document.getElementById('pesan'); return p.className && !p.textContent.startsWith('Menandatangani') && p.textContent",
    );
    assert!(
        result.as_str().unwrap().starts_with("2 peristiwa tersimpan"),
        "{result}"
    );
    operator.quit();

    // The Kepala approves both in the queue.
    let kepala = d.browser("kepala", &chromium, &tmp.path().join("p-kepala"));
    kepala.sign_in_with_file(&base, &keys.join("kepala-approver.key"));
    kepala.go(&format!("{base}/persetujuan"));
    let queue = kepala.js("return document.querySelector('main').innerText", json!([]));
    assert!(queue.as_str().unwrap().contains("Operator Peramban"), "{queue}");
    kepala.screenshot(&shots.join("approval-queue.png"));
    kepala.sign_form(
        "persetujuan",
        json!({"catatan": "sesuai bukti dukung"}),
        "21,5 menjadi 24 (alasan: Data final BKN",
    );
    // The dashboard shows the corrected, approved capaian: 24 of 30.
    kepala.go(&format!("{base}/?tahun=2022&tw=1"));
    let row = kepala.wait(
        "the IKU-1.1 row",
        "const r = [...document.querySelectorAll('tbody tr')].find(r => r.innerText.startsWith('IKU-1.1')); return r && r.innerText",
    );
    let row = row.as_str().unwrap();
    assert!(row.contains("80,00%") && row.contains("ya"), "{row}");
    kepala.screenshot(&shots.join("dashboard.png"));
    kepala.go(&format!("{base}/riwayat?indikator=IKU-1.1&tahun=2022"));
    let history = kepala.js("return document.querySelector('main').innerText", json!([]));
    let history = history.as_str().unwrap();
    assert!(
        history.contains("Data final BKN") && history.contains("Operator Peramban"),
        "{history}"
    );
    kepala.screenshot(&shots.join("history.png"));
    kepala.go(&format!("{base}/beda?tahun=2022&tw=1&a=2022-01-01&b=2030-01-01"));
    kepala.wait(
        "the changes",
        "return document.querySelector('main').innerText.includes('IKU-1.1')",
    );
    kepala.screenshot(&shots.join("diff.png"));
    kepala.go(&format!("{base}/laporan?jenis=capaian&tahun=2021"));
    kepala.wait(
        "the capaian report",
        "return document.querySelector('main').innerText.includes('Capaian Kinerja Tahun 2021')",
    );
    kepala.screenshot(&shots.join("reports.png"));
    // The Kepala issues it: sealed by an event signed in the browser.
    kepala.sign_form("terbitkan", json!({"format": "md"}), "Terbitkan laporan");
    let link = kepala.wait(
        "the issued report's link",
        "const p = document.getElementById('terbitan'); return p && !p.hidden && document.getElementById('unduh-terbitan').href",
    );
    assert!(link.as_str().unwrap().contains("format=md"), "{link}");
    kepala.quit();

    // The Inspektorat signs a checkpoint in the browser.
    let inspektorat = d.browser("inspektorat", &chromium, &tmp.path().join("p-inspektorat"));
    inspektorat.sign_in_with_file(&base, &keys.join("inspektorat-inspector.key"));
    inspektorat.go(&format!("{base}/audit"));
    inspektorat.click("#verifikasi");
    let verified = inspektorat.wait(
        "the background verification",
        "const t = document.getElementById('hasil-verifikasi').textContent; return t && !document.getElementById('kemajuan-teks').textContent.includes('diperiksa…') && t",
    );
    assert!(verified.as_str().unwrap().starts_with("Utuh: "), "{verified}");
    inspektorat.sign_form("checkpoint", json!({}), "Checkpoint ledger");
    let text = inspektorat.wait(
        "the checkpoint text",
        "return document.getElementById('checkpoint').textContent",
    );
    inspektorat.screenshot(&shots.join("audit.png"));
    inspektorat.quit();
    drop(server);
    let checkpoint = tmp.path().join("checkpoint.txt");
    std::fs::write(&checkpoint, text.as_str().unwrap()).unwrap();

    // The same ledger verifies against it, and the browser key authored the entries.
    let verified = sakip(&[
        "--ledger",
        ledger_s,
        "verify",
        "--checkpoint",
        checkpoint.to_str().unwrap(),
    ]);
    assert!(
        verified.contains("intact") && verified.contains("extends the checkpoint"),
        "{verified}"
    );
    let log = sakip(&[
        "--ledger",
        ledger_s,
        "--format",
        "json",
        "log",
        "--kind",
        "realisation_corrected",
    ]);
    let events: Value = serde_json::from_str(&log).unwrap();
    let last = events.as_array().unwrap().last().unwrap();
    assert_eq!(last["author"], public.as_str(), "{last}");
    assert_eq!(last["author_name"], "Operator Peramban");

    // The pemda: the Kediri OPD beside a second one, read by the
    // Inspektorat's key listed in pembaca-pemda.txt.
    let root = tmp.path().join("pemda");
    std::fs::create_dir_all(&root).unwrap();
    std::os::unix::fs::symlink(&ledger, root.join("bkpsdm")).unwrap();
    let dinkes = root.join("dinkes");
    let dinkes_key = tmp.path().join("dinkes-admin.key");
    sakip(&[
        "key",
        "new",
        "--out",
        dinkes_key.to_str().unwrap(),
        "--name",
        "Admin Dinkes",
    ]);
    let dinkes_s = dinkes.to_str().unwrap();
    let key_s = dinkes_key.to_str().unwrap();
    sakip(&[
        "--ledger",
        dinkes_s,
        "--key",
        key_s,
        "init",
        "--agency-code",
        "1.02.01",
        "--agency-name",
        "Dinas Kesehatan Kota Kediri",
    ]);
    let plan = tmp.path().join("dinkes-plan.toml");
    std::fs::write(
        &plan,
        "[[item]]\ncode = \"T1\"\nlevel = \"tujuan\"\nname = \"Meningkatkan derajat kesehatan\"\n\n\
         [[item]]\ncode = \"S1\"\nlevel = \"sasaran\"\nparent = \"T1\"\nname = \"Meningkatnya layanan kesehatan\"\n\n\
         [[indicator]]\ncode = \"IKU-1\"\nitem = \"S1\"\nname = \"Persentase puskesmas terakreditasi\"\nunit = \"%\"\niku = true\n\n\
         [[target]]\nindicator = \"IKU-1\"\nyear = 2022\nvalue = \"90\"\n",
    )
    .unwrap();
    sakip(&[
        "--ledger",
        dinkes_s,
        "--key",
        key_s,
        "import",
        "plan",
        plan.to_str().unwrap(),
    ]);
    let reader = sakip::keys::example_key("inspektorat-inspector")
        .public()
        .to_hex();
    std::fs::write(
        root.join("pembaca-pemda.txt"),
        format!("# Inspektorat\n{reader}\n"),
    )
    .unwrap();
    let port = free_port();
    let pemda_base = format!("http://localhost:{port}");
    let pemda_server = Killed(
        Command::new(env!("CARGO_BIN_EXE_sakip"))
            .args([
                "serve",
                "--root",
                root.to_str().unwrap(),
                "--listen",
                &format!("127.0.0.1:{port}"),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_http(&format!("{pemda_base}/masuk"));
    let bappeda = d.browser("pemda", &chromium, &tmp.path().join("p-pemda"));
    bappeda.go(&format!("{pemda_base}/masuk"));
    bappeda.send_keys(
        "#impor-kunci",
        &keys.join("inspektorat-inspector.key").display().to_string(),
    );
    bappeda.wait(
        "the imported key",
        "return /^[0-9a-f]{64}$/.test(document.getElementById('kunci-publik').textContent)",
    );
    bappeda.click("#masuk");
    bappeda.wait("the pemda page", &format!("return location.href === '{pemda_base}/' && document.querySelector('h1').textContent.startsWith('Seluruh OPD')"));
    bappeda.go(&format!("{pemda_base}/?tahun=2021"));
    let table = bappeda.wait("both OPDs", "const t = document.querySelector('tbody'); return t && t.innerText.includes('Dinas Kesehatan') && t.innerText");
    assert!(table.as_str().unwrap().contains("Badan Kepegawaian"), "{table}");
    bappeda.screenshot(&shots.join("pemda.png"));
    bappeda.quit();
    drop(pemda_server);

    if let Some(dir) = std::env::var_os("SAKIP_KEEP_SCREENSHOTS") {
        // Every page the test visits, for a person to look at.
        for e in std::fs::read_dir(&shots).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), PathBuf::from(&dir).join(e.file_name())).unwrap();
        }
    }
    if std::env::var_os("SAKIP_UPDATE_SCREENSHOTS").is_some() {
        let docs = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/screenshots");
        std::fs::create_dir_all(&docs).unwrap();
        for name in [
            "operator-form.png",
            "approval-queue.png",
            "dashboard.png",
            "history.png",
            "reports.png",
            "pemda.png",
            "upload.png",
            "audit.png",
        ] {
            std::fs::copy(shots.join(name), docs.join(name)).unwrap();
        }
    }
}

/// `sakip serve --demo` (the README's command) builds the reference ledger,
/// serves its sign-in page, and answers a signed-in request; no browser
/// needed.
#[test]
fn serve_demo_answers() {
    use base64::Engine;
    let tmp = tempfile::tempdir().unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let _server = Killed(
        Command::new(env!("CARGO_BIN_EXE_sakip"))
            .args([
                "serve",
                "--demo",
                "--dir",
                tmp.path().join("demo").to_str().unwrap(),
                "--listen",
                &format!("127.0.0.1:{port}"),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_http(&format!("{base}/masuk"));
    let a = agent();
    let page = a
        .get(format!("{base}/masuk"))
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    assert!(
        page.contains("Masuk ke sakip") && page.contains("Kota Kediri"),
        "{page}"
    );
    // Sign in with the published Kepala key, as its browser would.
    let key = sakip::keys::example_key("kepala-approver");
    let ch: Value = a
        .post(format!("{base}/api/tantangan"))
        .send_json(json!({}))
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap();
    let b64 = base64::engine::general_purpose::STANDARD;
    let message = b64.decode(ch["pesan"].as_str().unwrap()).unwrap();
    let r = a
        .post(format!("{base}/api/masuk"))
        .send_json(json!({"kunci": key.public().to_hex(), "nonce": ch["nonce"], "tanda_tangan": b64.encode(key.sign(&message))}))
        .unwrap();
    assert_eq!(r.status(), 200);
    let cookie = r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let dash = a
        .get(format!("{base}/?tahun=2021"))
        .header("cookie", &cookie)
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    assert!(dash.contains("IKU-1.1") && dash.contains("70,34%"), "{dash}");

    // Commands on the same ledger take turns with the running server: a
    // reader and a writer both finish, and the server then shows what the
    // writer appended.
    let ledger = tmp.path().join("demo/ledger");
    let beside = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_sakip"))
            .env("SAKIP_LOCK_WAIT", "20")
            .env("SAKIP_STATE_DIR", tmp.path().join("state"))
            .arg("--ledger")
            .arg(&ledger)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let status = beside(&["status", "--year", "2021"]);
    assert!(status.contains("IKU-1.1"), "{status}");
    let operator = tmp.path().join("demo/keys/kabid-mutasi-operator.key");
    beside(&[
        "--key",
        operator.to_str().unwrap(),
        "record",
        "realisasi",
        "--indicator",
        "IKU-1.1",
        "--period",
        "2022-Q1",
        "--value",
        "20",
    ]);
    let history = a
        .get(format!("{base}/riwayat?indikator=IKU-1.1&tahun=2022"))
        .header("cookie", &cookie)
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    assert!(history.contains("JOKO ARIYANTO"), "{history}");
}

/// `sakip serve --tls-cert --tls-key`: reached by a name that is not
/// localhost, the page is a secure context only because it is HTTPS, so
/// WebCrypto works there: a key is made in the browser and a published
/// example key signs in. The same name over plain HTTP is not a secure
/// context (which is why the flags exist).
#[test]
fn https_makes_webcrypto_available_by_name() {
    let (Ok(chromedriver), Ok(chromium)) = (
        std::env::var("SAKIP_CHROMEDRIVER"),
        std::env::var("SAKIP_CHROMIUM"),
    ) else {
        eprintln!("SAKIP_CHROMEDRIVER / SAKIP_CHROMIUM not set: the HTTPS browser test did not run (.ci/run sets them)");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let cert = rcgen::generate_simple_self_signed(vec!["sakip.test".to_string()]).unwrap();
    let (cert_path, key_path) = (tmp.path().join("sakip.crt"), tmp.path().join("sakip.key"));
    std::fs::write(&cert_path, cert.cert.pem()).unwrap();
    std::fs::write(&key_path, cert.key_pair.serialize_pem()).unwrap();
    let demo = tmp.path().join("demo");
    let (tls_port, plain_port) = (free_port(), free_port());
    let _tls = Killed(
        Command::new(env!("CARGO_BIN_EXE_sakip"))
            .args([
                "serve",
                "--demo",
                "--dir",
                demo.to_str().unwrap(),
                "--listen",
                &format!("127.0.0.1:{tls_port}"),
                "--tls-cert",
                cert_path.to_str().unwrap(),
                "--tls-key",
                key_path.to_str().unwrap(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let _plain = Killed(
        Command::new(env!("CARGO_BIN_EXE_sakip"))
            .args([
                "serve",
                "--demo",
                "--dir",
                tmp.path().join("demo-plain").to_str().unwrap(),
            ])
            .args(["--listen", &format!("127.0.0.1:{plain_port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", tls_port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the HTTPS server never listened"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let driver_port = free_port();
    let _driver = Killed(
        Command::new(&chromedriver)
            .arg(format!("--port={driver_port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_http(&format!("http://127.0.0.1:{driver_port}/status"));
    let d = Driver {
        agent: agent(),
        base: format!("http://127.0.0.1:{driver_port}"),
    };
    // The certificate is self-signed; the browser is told to accept
    // exactly that public key.
    let spki = sha2::Sha256::digest(cert.key_pair.public_key_der());
    let pin = base64::engine::general_purpose::STANDARD.encode(spki);
    let browser = d.browser_with(
        "auditor",
        &chromium,
        &tmp.path().join("p-auditor"),
        &[
            "--host-resolver-rules=MAP sakip.test 127.0.0.1".to_string(),
            format!("--ignore-certificate-errors-spki-list={pin}"),
        ],
    );
    let base = format!("https://sakip.test:{tls_port}");
    browser.go(&format!("{base}/masuk"));
    let secure = browser.wait(
        "the sign-in page over HTTPS",
        "return document.querySelector('h1') && [location.protocol, window.isSecureContext, !!(crypto && crypto.subtle)]",
    );
    assert_eq!(secure, json!(["https:", true, true]));
    browser.click("#buat-kunci");
    let first = browser.wait(
        "a key made with WebCrypto",
        "const t = document.getElementById('kunci-publik').textContent; return /^[0-9a-f]{64}$/.test(t) && t",
    );
    // A second "Buat kunci baru" asks before it replaces the key, and
    // "Batal" keeps it.
    browser.click("#buat-kunci");
    browser.wait(
        "the question before a key is replaced",
        "return !document.getElementById('ganti-kunci').hidden",
    );
    browser.click("#ganti-kunci-batal");
    let kept = browser.wait(
        "the old key kept",
        "return document.getElementById('pesan').textContent.startsWith('Kunci lama tetap') && document.getElementById('kunci-publik').textContent",
    );
    assert_eq!(kept, first, "Batal replaced the key");
    browser.sign_in_with_file(&base, &demo.join("keys").join("kepala-approver.key"));
    browser.go(&format!("{base}/?tahun=2021"));
    let dash = browser.js("return document.querySelector('main').innerText", json!([]));
    assert!(dash.as_str().unwrap().contains("70,34%"), "{dash}");

    // The browser remembers the ledger's head, and on the next visit checks
    // a consistency proof from it.
    let dashboard = format!("{base}/?tahun=2021");
    browser.go(&dashboard);
    browser.wait(
        "the head extended",
        "return /bukti konsistensi diperiksa/.test(document.getElementById('kepala-ledger').textContent)",
    );
    let edit = |change: &str| {
        browser.js(
            &format!("const k = Object.keys(localStorage).find(k => k.startsWith('sakip-kepala:')); const v = JSON.parse(localStorage.getItem(k)); {change}; localStorage.setItem(k, JSON.stringify(v));"),
            json!([]),
        );
        browser.go(&dashboard);
        let text = browser.wait(
            "the alarm",
            "const a = document.getElementById('alarm-ledger'); return a && document.querySelector('main').classList.contains('tercemar') && !document.querySelector('main table').checkVisibility() && a.textContent",
        );
        text.as_str().unwrap().to_string()
    };
    // As if this browser had seen five events more than the ledger holds:
    // cut back, or an older copy put back.
    let cut = edit("v.ukuran += 5");
    assert!(cut.contains("terpotong"), "{cut}");
    // The same size with another root: rewritten.
    let forked = edit("v.ukuran -= 5; v.akar = btoa(String.fromCharCode(...new Uint8Array(32)))");
    assert!(forked.contains("bercabang"), "{forked}");
    browser.screenshot(&tmp.path().join("alarm.png"));
    if let Some(dir) = std::env::var_os("SAKIP_KEEP_SCREENSHOTS") {
        std::fs::copy(tmp.path().join("alarm.png"), PathBuf::from(dir).join("alarm.png")).unwrap();
    }
    browser.js("localStorage.clear()", json!([]));

    // Plain HTTP by the same name: not a secure context, no WebCrypto.
    wait_http(&format!("http://127.0.0.1:{plain_port}/masuk"));
    browser.go(&format!("http://sakip.test:{plain_port}/masuk"));
    let plain = browser.wait(
        "the sign-in page over HTTP",
        "return document.querySelector('h1') && [location.protocol, window.isSecureContext, !!(window.crypto && crypto.subtle)]",
    );
    assert_eq!(plain, json!(["http:", false, false]));
    browser.quit();
}
