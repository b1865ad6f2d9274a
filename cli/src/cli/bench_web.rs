//! `sakip bench`'s web figures: the dashboard as a browser fetches it from
//! `sakip serve` on 127.0.0.1, beside the same status query made in
//! process on the same ledger.

use sakip_bench::bench::{percentile, Row, Unit};
use std::time::Instant;

/// A server on 127.0.0.1 for the loops below: the runtime, its address,
/// and how to stop it.
struct Running {
    runtime: tokio::runtime::Runtime,
    base: String,
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

fn internal(e: &dyn std::fmt::Display) -> sakip::Error {
    sakip::Error::Internal(format!("web bench: {e}"))
}

fn start(router: sakip_web::Router) -> sakip::Result<Running> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| internal(&e))?;
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .map_err(|e| internal(&e))?;
    let port = listener.local_addr().map_err(|e| internal(&e))?.port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = runtime.spawn(sakip_web::serve_router(listener, router, async {
        let _ = stopped.await;
    }));
    Ok(Running {
        runtime,
        base: format!("http://127.0.0.1:{port}"),
        stop,
        server,
    })
}

impl Running {
    fn finish(self) {
        let _ = self.stop.send(());
        let _ = self.runtime.block_on(self.server);
    }
}

/// Sign in at `prefix` with `key` as a browser does; the session cookie.
fn sign_in(agent: &ureq::Agent, url: &str, key: &sakip::KeyPair) -> sakip::Result<String> {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut r = agent
        .post(format!("{url}/api/tantangan"))
        .send_json(serde_json::json!({}))
        .map_err(|e| internal(&e))?;
    let ch: serde_json::Value = r.body_mut().read_json().map_err(|e| internal(&e))?;
    let message = b64
        .decode(ch["pesan"].as_str().unwrap_or_default())
        .map_err(|e| internal(&e))?;
    let r = agent
        .post(format!("{url}/api/masuk"))
        .send_json(serde_json::json!({
            "kunci": key.public().to_hex(),
            "nonce": ch["nonce"],
            "tanda_tangan": b64.encode(key.sign(&message)),
        }))
        .map_err(|e| internal(&e))?;
    Ok(r.headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .ok_or_else(|| internal(&"no session cookie"))?
        .to_string())
}

/// `n` GETs of `url` with `cookie`; each page must hold a table. Latencies in ms.
fn fetch(agent: &ureq::Agent, url: &str, cookie: &str, n: usize) -> sakip::Result<Vec<f64>> {
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let mut r = agent
            .get(url)
            .header("cookie", cookie)
            .call()
            .map_err(|e| internal(&e))?;
        let body = r.body_mut().read_to_string().map_err(|e| internal(&e))?;
        if r.status() != 200 || !body.contains("<table>") {
            return Err(internal(&format!("{url} answered {}", r.status())));
        }
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(times)
}

fn rows(label: &str, what: &str, baseline: &str, mut remote: Vec<f64>, mut local: Vec<f64>) -> Vec<Row> {
    let n = remote.len() as f64;
    let (remote_total, local_total): (f64, f64) = (remote.iter().sum(), local.iter().sum());
    vec![
        Row::new(
            format!("{what} over HTTP, {label}, p50"),
            percentile(&mut remote.clone(), 50),
            Unit::Millis,
            format!("{baseline} in process, p50"),
            percentile(&mut local.clone(), 50),
        ),
        Row::new(
            format!("{what} over HTTP, {label}, p99"),
            percentile(&mut remote, 99),
            Unit::Millis,
            format!("{baseline} in process, p99"),
            percentile(&mut local, 99),
        ),
        Row::new(
            format!("{what} requests, one client, {label}"),
            n / (remote_total / 1000.0),
            Unit::PerSecond,
            format!("{baseline} in process"),
            n / (local_total / 1000.0),
        ),
    ]
}

/// The pemda page over `opds` generated agencies (one year, 50 indicators
/// each) against the same statuses in process, `n` requests.
pub fn pemda(dir: &std::path::Path, opds: usize, n: usize) -> sakip::Result<Vec<Row>> {
    let spec = sakip_bench::synth::Spec {
        agencies: opds,
        years: 1,
        first_year: 2021,
        indicators: 50,
        seed: 7,
    };
    let agencies = sakip_bench::synth::generate(dir, &spec, |_| {})?;
    let clock: std::sync::Arc<dyn sakip::Clock> = std::sync::Arc::new(sakip::SystemClock);
    let notify = |_: &std::path::Path| {};
    let mut ledgers = Vec::new();
    for a in &agencies {
        let wait = sakip::store::Wait {
            timeout: std::time::Duration::from_secs(30),
            notify: &notify,
            ask_holder: false,
        };
        ledgers.push((
            a.code.clone(),
            sakip::Ledger::open_waiting(&a.dir, clock.clone(), wait, false)?,
        ));
    }
    let point = sakip::service::time::TimePoint::year(2021);
    let mut local = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        for (_, l) in &ledgers {
            std::hint::black_box(sakip::service::status::status(l, &point, true)?);
        }
        local.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let reader = sakip::KeyPair::from_seed([77; 32]);
    let mut list = Vec::new();
    for (code, ledger) in ledgers {
        let app = sakip_web::App::new(
            ledger,
            clock.clone(),
            sakip_web::Config {
                secure_cookies: false,
                base: format!("/opd/{code}"),
            },
        )?;
        list.push(sakip_web::pemda::Opd { slug: code, app });
    }
    let root = sakip_web::pemda::Pemda::new("bench".into(), list, vec![reader.public()], clock, false);
    let running = start(sakip_web::pemda::router(root))?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let cookie = sign_in(&agent, &running.base, &reader)?;
    let remote = fetch(&agent, &format!("{}/?tahun=2021", running.base), &cookie, n)?;
    running.finish();
    Ok(rows(
        &format!("{opds} generated OPDs"),
        "web pemda page",
        &format!("the {opds} IKU statuses"),
        remote,
        local,
    ))
}

/// The dashboard over HTTP against the status in process, `n` requests
/// each, on `ledger` (lent to the server, and handed back), for `year`,
/// signed in with `key` (a registered key of the ledger).
pub fn dashboard(
    ledger: sakip::Ledger,
    year: u16,
    n: usize,
    label: &str,
    key: &sakip::KeyPair,
) -> sakip::Result<(Vec<Row>, sakip::Ledger)> {
    // In process: the same view the page shows.
    let point = sakip::service::time::TimePoint::year(year);
    let mut local = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        std::hint::black_box(sakip::service::status::status(&ledger, &point, false)?);
        local.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let app = sakip_web::App::new(
        ledger.with_clock(std::sync::Arc::new(sakip::SystemClock)),
        std::sync::Arc::new(sakip::SystemClock),
        sakip_web::Config {
            secure_cookies: false,
            base: String::new(),
        },
    )?;
    let running = start(sakip_web::router(app.clone()))?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    // Sign in as the browser would.
    let cookie = sign_in(&agent, &running.base, key)?;
    let remote = fetch(
        &agent,
        &format!("{}/?tahun={year}&tw=4", running.base),
        &cookie,
        n,
    )?;
    running.finish();
    let ledger = std::sync::Arc::try_unwrap(app)
        .map_err(|_| internal(&"the stopped server still holds the ledger"))?
        .into_ledger();
    Ok((
        rows(label, "web dashboard", "the same status", remote, local),
        ledger,
    ))
}

/// What the hostile clients of [`hostile`] managed, for the note under the
/// table.
#[derive(Default)]
struct Flood {
    /// Connections the idle sockets opened (each closed by the server,
    /// at once over a cap or at the header deadline, and opened again).
    connects: std::sync::atomic::AtomicU64,
    /// Connections that could not be opened (out of descriptors here).
    refused: std::sync::atomic::AtomicU64,
    /// Bad sign-ins sent, and how many the server answered 429.
    sign_ins: std::sync::atomic::AtomicU64,
    throttled: std::sync::atomic::AtomicU64,
}

/// Idle sockets from one address and bad sign-ins from thirty, beside a
/// legitimate client: `sockets` connections from 127.0.0.2 that each send
/// half a request and, when the server closes them, open again a second
/// later; 300 bad sign-ins at once and then five a second (300 a minute)
/// from 127.0.0.3 to 127.0.0.32 in turn. Runs until `stop` is set.
fn flood(
    runtime: &tokio::runtime::Runtime,
    port: u16,
    sockets: usize,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    counts: std::sync::Arc<Flood>,
) {
    use std::sync::atomic::Ordering::Relaxed;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let connect = move |from: [u8; 4]| async move {
        let socket = tokio::net::TcpSocket::new_v4()?;
        socket.bind(std::net::SocketAddr::from((from, 0)))?;
        socket
            .connect(std::net::SocketAddr::from(([127, 0, 0, 1], port)))
            .await
    };
    for _ in 0..sockets {
        let (stop, counts) = (stop.clone(), counts.clone());
        runtime.spawn(async move {
            let mut sink = [0u8; 512];
            while !stop.load(Relaxed) {
                match connect([127, 0, 0, 2]).await {
                    Ok(mut s) => {
                        counts.connects.fetch_add(1, Relaxed);
                        let _ = s.write_all(b"GET / HTTP/1.1\r\nHost: sakip\r\n").await;
                        // Held until the server closes it.
                        while !stop.load(Relaxed) {
                            match tokio::time::timeout(
                                std::time::Duration::from_millis(200),
                                s.read(&mut sink),
                            )
                            .await
                            {
                                Ok(Ok(0)) | Ok(Err(_)) => break,
                                _ => {}
                            }
                        }
                    }
                    Err(_) => {
                        counts.refused.fetch_add(1, Relaxed);
                    }
                }
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
        });
    }
    runtime.spawn(async move {
        let body = r#"{"kunci":"00","nonce":"00","tanda_tangan":"AA=="}"#;
        let request = format!(
            "POST /api/masuk HTTP/1.1\r\nHost: sakip\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let mut i = 0u8;
        while !stop.load(Relaxed) {
            let from = [127, 0, 0, 3 + i % 30];
            i = i.wrapping_add(1);
            if let Ok(mut s) = connect(from).await {
                let _ = s.write_all(request.as_bytes()).await;
                let mut answer = Vec::new();
                let _ = s.read_to_end(&mut answer).await;
                counts.sign_ins.fetch_add(1, Relaxed);
                if answer.starts_with(b"HTTP/1.1 429") {
                    counts.throttled.fetch_add(1, Relaxed);
                }
            }
            // A minute's worth at once, then five a second: the window
            // the sign-in limits count in is always full.
            if counts.sign_ins.load(Relaxed) >= BAD_SIGN_INS_PER_MINUTE {
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
        }
    });
}

/// The bad sign-in flood of [`hostile`], per minute.
const BAD_SIGN_INS_PER_MINUTE: u64 = 300;

/// `n` sign-ins as a browser makes them (challenge, then signed answer):
/// latencies in ms.
fn sign_ins(agent: &ureq::Agent, url: &str, key: &sakip::KeyPair, n: usize) -> sakip::Result<Vec<f64>> {
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        sign_in(agent, url, key)?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(times)
}

/// A legitimate client's sign-in and dashboard, p50 and p99, while 2.000
/// idle sockets from one address and a 300-a-minute bad sign-in flood from
/// thirty run beside it, against the same client on the same server with
/// nobody else connected (`docs/security.md`, "Limits"). The server has
/// its default limits. Hands the ledger back, with a note of what the
/// flood managed.
pub fn hostile(
    ledger: sakip::Ledger,
    year: u16,
    n: usize,
    key: &sakip::KeyPair,
) -> sakip::Result<(Vec<Row>, sakip::Ledger, String)> {
    use std::sync::atomic::Ordering::Relaxed;
    let app = sakip_web::App::new(
        ledger.with_clock(std::sync::Arc::new(sakip::SystemClock)),
        std::sync::Arc::new(sakip::SystemClock),
        sakip_web::Config {
            secure_cookies: false,
            base: String::new(),
        },
    )?;
    let running = start(sakip_web::router(app.clone()))?;
    let port: u16 = running
        .base
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .ok_or_else(|| internal(&"no port"))?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let dashboard = format!("{}/?tahun={year}&tw=4", running.base);
    let quiet_sign_in = sign_ins(&agent, &running.base, key, n)?;
    let cookie = sign_in(&agent, &running.base, key)?;
    let quiet_page = fetch(&agent, &dashboard, &cookie, n)?;

    let attackers = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| internal(&e))?;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let counts = std::sync::Arc::new(Flood::default());
    flood(&attackers, port, 2000, stop.clone(), counts.clone());
    // Let the sockets pile up against the caps before measuring.
    let deadline = Instant::now() + std::time::Duration::from_secs(60);
    while (counts.connects.load(Relaxed) + counts.refused.load(Relaxed) < 2000
        || counts.sign_ins.load(Relaxed) < BAD_SIGN_INS_PER_MINUTE)
        && Instant::now() < deadline
    {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let loud_sign_in = sign_ins(&agent, &running.base, key, n);
    let loud_page = fetch(&agent, &dashboard, &cookie, n);
    stop.store(true, Relaxed);
    attackers.shutdown_timeout(std::time::Duration::from_secs(2));
    running.finish();
    let (loud_sign_in, loud_page) = (loud_sign_in?, loud_page?);
    let ledger = std::sync::Arc::try_unwrap(app)
        .map_err(|_| internal(&"the stopped server still holds the ledger"))?
        .into_ledger();
    let label = "beside 2.000 idle sockets and 300 bad sign-ins/min";
    let mut rows = Vec::new();
    for (what, mut loud, mut quiet) in [
        ("web sign-in (challenge and answer)", loud_sign_in, quiet_sign_in),
        ("web dashboard", loud_page, quiet_page),
    ] {
        for p in [50, 99] {
            rows.push(Row::new(
                format!("{what} {label}, p{p}"),
                percentile(&mut loud, p),
                Unit::Millis,
                format!("the same, no other client, p{p}"),
                percentile(&mut quiet, p),
            ));
        }
    }
    let note = format!(
        "hostile clients: {} idle connections opened from 127.0.0.2 (each closed by the server at its caps or header deadline, then opened again), {} not opened; {} bad sign-ins from 30 addresses, {} of them answered 429",
        counts.connects.load(Relaxed),
        counts.refused.load(Relaxed),
        counts.sign_ins.load(Relaxed),
        counts.throttled.load(Relaxed)
    );
    Ok((rows, ledger, note))
}
