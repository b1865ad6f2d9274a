//! `sakip bench`'s web figures: the dashboard as a browser fetches it from
//! `sakip serve` on 127.0.0.1, beside the same status query made in
//! process on the same ledger.

use sakip_bench::bench::{percentile, Row, Unit};
use std::time::Instant;

/// The dashboard over HTTP against the status in process, `n` requests
/// each, on `ledger` (moved into the server), for `year`.
pub fn dashboard(ledger: sakip::Ledger, year: u16, n: usize, label: &str) -> sakip::Result<Vec<Row>> {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let internal = |e: &dyn std::fmt::Display| sakip::Error::Internal(format!("web bench: {e}"));
    // In process: the same view the page shows.
    let point = sakip::service::time::TimePoint::year(year);
    let mut local = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        std::hint::black_box(sakip::service::status::status(&ledger, &point, false)?);
        local.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let local_total: f64 = local.iter().sum();

    let app = sakip_web::App::new(
        ledger.with_clock(std::sync::Arc::new(sakip::SystemClock)),
        std::sync::Arc::new(sakip::SystemClock),
        sakip_web::Config {
            secure_cookies: false,
            base: String::new(),
        },
    )?;
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
    let server = runtime.spawn(sakip_web::serve(listener, app, async {
        let _ = stopped.await;
    }));
    let base = format!("http://127.0.0.1:{port}");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    // Sign in as the Kepala, as the browser would.
    let kepala = sakip::keys::example_key("kepala-approver");
    let mut r = agent
        .post(format!("{base}/api/tantangan"))
        .send_json(serde_json::json!({}))
        .map_err(|e| internal(&e))?;
    let ch: serde_json::Value = r.body_mut().read_json().map_err(|e| internal(&e))?;
    let message = b64
        .decode(ch["pesan"].as_str().unwrap_or_default())
        .map_err(|e| internal(&e))?;
    let r = agent
        .post(format!("{base}/api/masuk"))
        .send_json(serde_json::json!({
            "kunci": kepala.public().to_hex(),
            "nonce": ch["nonce"],
            "tanda_tangan": b64.encode(kepala.sign(&message)),
        }))
        .map_err(|e| internal(&e))?;
    let cookie = r
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .ok_or_else(|| internal(&"no session cookie"))?
        .to_string();
    let url = format!("{base}/?tahun={year}&tw=4");
    let mut remote = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let mut r = agent
            .get(&url)
            .header("cookie", &cookie)
            .call()
            .map_err(|e| internal(&e))?;
        let body = r.body_mut().read_to_string().map_err(|e| internal(&e))?;
        if r.status() != 200 || !body.contains("<table>") {
            return Err(internal(&format!("the dashboard answered {}", r.status())));
        }
        remote.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let remote_total: f64 = remote.iter().sum();
    let _ = stop.send(());
    let _ = runtime.block_on(server);
    Ok(vec![
        Row::new(
            format!("web dashboard over HTTP, {label}, p50"),
            percentile(&mut remote.clone(), 50),
            Unit::Millis,
            "the same status in process, p50",
            percentile(&mut local.clone(), 50),
        ),
        Row::new(
            format!("web dashboard over HTTP, {label}, p99"),
            percentile(&mut remote, 99),
            Unit::Millis,
            "the same status in process, p99",
            percentile(&mut local, 99),
        ),
        Row::new(
            format!("web dashboard requests, one client, {label}"),
            n as f64 / (remote_total / 1000.0),
            Unit::PerSecond,
            "status queries in process",
            n as f64 / (local_total / 1000.0),
        ),
    ])
}
