//! The web application's guards, exercised in process (no sockets): what
//! is refused (a request without a session, a session from another
//! ledger's server, forged and replayed signatures, a POST without the
//! CSRF token, a signature over other bytes, an operator approving) appends
//! nothing; what is allowed appends exactly the event the browser signed,
//! with the browser's key as its author.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine;
use http_body_util::BodyExt;
use rust_decimal::Decimal;
use sakip::event::*;
use sakip::{KeyPair, Ledger, SteppingClock};
use serde_json::{json, Value};
use std::sync::Arc;
use tower::ServiceExt;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

struct Server {
    router: axum::Router,
    app: Arc<sakip_web::App>,
    admin: KeyPair,
    operator: KeyPair,
    head: KeyPair,
}

fn holder(n: &str) -> Holder {
    Holder {
        name: n.into(),
        nip: None,
        jabatan: None,
    }
}

fn server(seed: u8) -> Server {
    let admin = KeyPair::from_seed([seed; 32]);
    let operator = KeyPair::from_seed([seed + 1; 32]);
    let head = KeyPair::from_seed([seed + 2; 32]);
    let clock = Arc::new(SteppingClock::new(
        sakip::clock::parse_time("2022-04-01T00:00:00Z").unwrap(),
        chrono::TimeDelta::seconds(1),
    ));
    let genesis = Genesis {
        agency_code: format!("3.{seed}"),
        agency_name: "Dinas Uji Web".into(),
        admin: holder("Admin"),
        nonce: Some([seed; 32]),
    };
    let mut l = Ledger::init_in_memory(clock.clone(), &admin, genesis).unwrap();
    let plan = vec![
        Payload::KeyAdded(KeyAdded {
            key: operator.public(),
            holder: holder("Operator"),
            roles: vec![Role::Operator],
        }),
        Payload::KeyAdded(KeyAdded {
            key: head.public(),
            holder: holder("Kepala"),
            roles: vec![Role::Approver],
        }),
        Payload::PlanItemDefined(PlanItemDefined {
            code: "T1".into(),
            level: Level::Tujuan,
            name: "Tujuan".into(),
            parent: None,
        }),
        Payload::IndicatorDefined(IndicatorDefined {
            code: "IKU-1".into(),
            name: "Indeks layanan".into(),
            item: "T1".into(),
            unit: "%".into(),
            polarity: Polarity::HigherIsBetter,
            value_kind: ValueKind::Number,
            aggregation: Aggregation::LastQuarter,
            lower_rule: LowerRule::Inverse,
            cap: None,
            iku: true,
            formula: None,
            source: None,
        }),
        Payload::TargetSet(TargetSet {
            indicator: "IKU-1".into(),
            year: 2022,
            scope: TargetScope::Year,
            value: sakip::event::Value::Number(Dec(Decimal::from(80))),
            stage: Stage::Murni,
        }),
    ];
    l.append_all(plan.into_iter().map(|p| (&admin, p)).collect())
        .unwrap();
    let app = sakip_web::App::new(
        l,
        clock,
        sakip_web::Config {
            secure_cookies: false,
            base: String::new(),
        },
    )
    .unwrap();
    Server {
        router: sakip_web::router(app.clone()),
        app,
        admin,
        operator,
        head,
    }
}

struct Reply {
    status: StatusCode,
    json: Value,
    text: String,
    cookie: Option<String>,
}

async fn call(
    router: &axum::Router,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    csrf: Option<&str>,
    body: Option<Value>,
) -> Reply {
    let mut req = Request::builder().method(method).uri(path);
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    if let Some(t) = csrf {
        req = req.header("x-csrf-token", t);
    }
    let req = match body {
        Some(b) => req
            .header("content-type", "application/json")
            .body(Body::from(b.to_string()))
            .unwrap(),
        None => req.body(Body::empty()).unwrap(),
    };
    let res = router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let cookie = res
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::to_string);
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    Reply {
        status,
        json: serde_json::from_str(&text).unwrap_or(Value::Null),
        text,
        cookie,
    }
}

/// Sign in as `key` the way the page's script does; returns the session
/// cookie and the CSRF token the pages carry.
async fn sign_in(s: &Server, key: &KeyPair) -> (String, String) {
    let ch = call(&s.router, "POST", "/api/tantangan", None, None, Some(json!({}))).await;
    assert_eq!(ch.status, StatusCode::OK);
    let message = B64.decode(ch.json["pesan"].as_str().unwrap()).unwrap();
    let signature = B64.encode(key.sign(&message));
    let r = call(
        &s.router,
        "POST",
        "/api/masuk",
        None,
        None,
        Some(json!({"kunci": key.public().to_hex(), "nonce": ch.json["nonce"], "tanda_tangan": signature})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let cookie = r.cookie.unwrap();
    let page = call(&s.router, "GET", "/", Some(&cookie), None, None).await;
    let csrf = page
        .text
        .split("<meta name=\"csrf\" content=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_string();
    (cookie, csrf)
}

fn realisasi(period: &str, value: &str) -> Value {
    json!({"jenis": "realisasi", "indikator": "IKU-1", "periode": period, "nilai": value})
}

async fn prepare(s: &Server, session: &(String, String), body: Value) -> Reply {
    call(
        &s.router,
        "POST",
        "/api/siapkan",
        Some(&session.0),
        Some(&session.1),
        Some(body),
    )
    .await
}

async fn submit(s: &Server, session: &(String, String), id: &Value, signature: [u8; 64]) -> Reply {
    call(
        &s.router,
        "POST",
        "/api/kirim",
        Some(&session.0),
        Some(&session.1),
        Some(json!({"id": id, "tanda_tangan": B64.encode(signature)})),
    )
    .await
}

fn head_count(s: &Server) -> u64 {
    s.app.head().count
}

fn sign_prepared(key: &KeyPair, r: &Reply) -> [u8; 64] {
    key.sign(&B64.decode(r.json["pesan"].as_str().unwrap()).unwrap())
}

#[tokio::test]
async fn what_is_refused_appends_nothing_and_what_is_signed_is_appended() {
    let s = server(40);
    let start = head_count(&s);

    // Without a session: pages redirect to sign-in, the API answers 401.
    let page = call(&s.router, "GET", "/", None, None, None).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(call(&s.router, "GET", "/masuk", None, None, None)
        .await
        .text
        .contains("Masuk ke sakip"));
    let r = call(
        &s.router,
        "POST",
        "/api/siapkan",
        None,
        None,
        Some(realisasi("2022-Q1", "70")),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    // A forged sign-in, and a replayed one.
    let ch = call(&s.router, "POST", "/api/tantangan", None, None, Some(json!({}))).await;
    let message = B64.decode(ch.json["pesan"].as_str().unwrap()).unwrap();
    let forged = call(&s.router, "POST", "/api/masuk", None, None,
        Some(json!({"kunci": s.operator.public().to_hex(), "nonce": ch.json["nonce"], "tanda_tangan": B64.encode([7u8; 64])}))).await;
    assert_eq!(forged.status, StatusCode::UNAUTHORIZED);
    let good = B64.encode(s.operator.sign(&message));
    let replay = call(
        &s.router,
        "POST",
        "/api/masuk",
        None,
        None,
        Some(json!({"kunci": s.operator.public().to_hex(), "nonce": ch.json["nonce"], "tanda_tangan": good})),
    )
    .await;
    assert_eq!(
        replay.status,
        StatusCode::UNAUTHORIZED,
        "a nonce is used once, even by a failed attempt"
    );
    // A key this ledger does not know cannot sign in.
    let ch = call(&s.router, "POST", "/api/tantangan", None, None, Some(json!({}))).await;
    let stranger = KeyPair::from_seed([99; 32]);
    let m = B64.decode(ch.json["pesan"].as_str().unwrap()).unwrap();
    let r = call(&s.router, "POST", "/api/masuk", None, None,
        Some(json!({"kunci": stranger.public().to_hex(), "nonce": ch.json["nonce"], "tanda_tangan": B64.encode(stranger.sign(&m))}))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let op = sign_in(&s, &s.operator).await;

    // A POST without the CSRF token, or with another session's.
    let r = call(
        &s.router,
        "POST",
        "/api/siapkan",
        Some(&op.0),
        None,
        Some(realisasi("2022-Q1", "70")),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = call(
        &s.router,
        "POST",
        "/api/siapkan",
        Some(&op.0),
        Some("00"),
        Some(realisasi("2022-Q1", "70")),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // A session of another ledger's server is no session here.
    let other = server(50);
    let theirs = sign_in(&other, &other.operator).await;
    let r = call(
        &s.router,
        "POST",
        "/api/siapkan",
        Some(&theirs.0),
        Some(&theirs.1),
        Some(realisasi("2022-Q1", "70")),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    // Prepared twice against one head; a signature over the other body,
    // a forged one and another key's are refused.
    let a = prepare(&s, &op, realisasi("2022-Q1", "70,5")).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert!(
        a.json["uraian"].as_str().unwrap().contains("TW I 2022"),
        "{}",
        a.json["uraian"]
    );
    let b = prepare(&s, &op, realisasi("2022-Q2", "75")).await;
    for bad in [
        sign_prepared(&s.operator, &b),
        [7u8; 64],
        sign_prepared(&s.head, &a),
    ] {
        let again = prepare(&s, &op, realisasi("2022-Q1", "70,5")).await;
        let r = submit(&s, &op, &again.json["id"], bad).await;
        assert!(
            matches!(r.status, StatusCode::FORBIDDEN | StatusCode::UNPROCESSABLE_ENTITY),
            "{} {}",
            r.status,
            r.text
        );
    }
    assert_eq!(head_count(&s), start, "nothing appended by a refusal");

    // The right signature appends, with the operator's key as author.
    let done = submit(&s, &op, &a.json["id"], sign_prepared(&s.operator, &a)).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    let seq = done.json["seq"].as_u64().unwrap();
    let ev = s.app.event(seq).unwrap().unwrap();
    assert_eq!(ev.event.author, s.operator.public());
    // Replaying the submission: gone.
    let r = submit(&s, &op, &a.json["id"], sign_prepared(&s.operator, &a)).await;
    assert_eq!(r.status, StatusCode::GONE);
    // b was prepared against the old head: a conflict, nothing appended.
    let before = head_count(&s);
    let r = submit(&s, &op, &b.json["id"], sign_prepared(&s.operator, &b)).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(head_count(&s), before);

    // An operator may not approve (refused when prepared), nor see the queue.
    let r = prepare(
        &s,
        &op,
        json!({"jenis": "persetujuan", "keputusan": "setujui", "seq": [seq]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let page = call(&s.router, "GET", "/persetujuan", Some(&op.0), None, None).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(head_count(&s), before);

    // The head approves it in the queue; the dashboard shows the capaian.
    let kepala = sign_in(&s, &s.head).await;
    let queue = call(&s.router, "GET", "/persetujuan", Some(&kepala.0), None, None).await;
    assert!(queue.text.contains("70,5"), "{}", queue.text);
    let r = prepare(
        &s,
        &kepala,
        json!({"jenis": "persetujuan", "keputusan": "setujui", "seq": [seq], "catatan": "sesuai bukti"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let approved = submit(&s, &kepala, &r.json["id"], sign_prepared(&s.head, &r)).await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.text);
    let dash = call(&s.router, "GET", "/?tahun=2022&tw=1", Some(&kepala.0), None, None).await;
    assert!(
        dash.text.contains("88,13%"),
        "70,5 of 80 is 88,13%: {}",
        dash.text
    );

    // Reports: rendered in the page, and downloaded byte for byte as the
    // command line writes them.
    let page = call(
        &s.router,
        "GET",
        "/laporan?jenis=capaian&tahun=2022&tw=1",
        Some(&kepala.0),
        None,
        None,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text.contains("Capaian Kinerja Tahun 2022") && page.text.contains("88,13"),
        "{}",
        page.text
    );
    let file = call(
        &s.router,
        "GET",
        "/laporan/unduh?jenis=capaian&tahun=2022&tw=1&format=csv",
        Some(&kepala.0),
        None,
        None,
    )
    .await;
    assert_eq!(file.status, StatusCode::OK);
    let expected = s
        .app
        .render_report("capaian", 2022, 1, sakip_report::ReportFormat::Csv)
        .unwrap();
    assert_eq!(file.text.as_bytes(), expected.as_slice());

    // What changed since just before the realisasi was recorded.
    let entered = s.app.event(seq).unwrap().unwrap().event.recorded_at;
    let before = sakip::clock::format_micros(entered - 1_000_000);
    let page = call(
        &s.router,
        "GET",
        &format!("/beda?tahun=2022&tw=1&a={before}&b=2030-01-01"),
        Some(&kepala.0),
        None,
        None,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text.contains("IKU-1") && page.text.contains("70,5"),
        "{}",
        page.text
    );

    // The audit page: findings and the log, filtered by kind.
    let page = call(
        &s.router,
        "GET",
        "/audit?jenis=approval&dari=0",
        Some(&kepala.0),
        None,
        None,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text.contains("Temuan audit 2022") && page.text.contains("sesuai bukti"),
        "{}",
        page.text
    );
    assert!(
        !page.text.contains("realisasi IKU-1 2022-Q1 = 70,5"),
        "the kind filter holds"
    );

    // The admin revokes the operator's key, with a reason; its session ends.
    let admin = sign_in(&s, &s.admin).await;
    let r = prepare(
        &s,
        &admin,
        json!({"jenis": "cabut", "kunci": s.operator.public().key_id(), "alasan": ""}),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "a revocation needs a reason");
    let r = prepare(
        &s,
        &admin,
        json!({"jenis": "cabut", "kunci": s.operator.public().key_id(), "alasan": "pindah tugas"}),
    )
    .await;
    assert!(
        r.json["uraian"].as_str().unwrap().contains("Operator"),
        "{}",
        r.text
    );
    let done = submit(&s, &admin, &r.json["id"], sign_prepared(&s.admin, &r)).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    let r = prepare(&s, &op, realisasi("2022-Q3", "75")).await;
    assert_eq!(
        r.status,
        StatusCode::UNAUTHORIZED,
        "a revoked key's session ends: {}",
        r.text
    );

    // Every page carries the strict policy.
    let res = s
        .router
        .clone()
        .oneshot(Request::builder().uri("/masuk").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(res.headers()["content-security-policy"], sakip_web::CSP);
}

/// An uploaded CSV: checked in full before anything is signed (a bad row
/// is named by file and line), signed row by row in the browser, appended
/// as one batch; a bad signature in the middle drops the batch and appends
/// nothing; a plan upload by an operator is refused.
#[tokio::test]
async fn an_uploaded_file_is_checked_then_signed_row_by_row_and_appended_at_once() {
    let s = server(80);
    let op = sign_in(&s, &s.operator).await;
    let start = head_count(&s);
    let csv = "indicator;period;value;numerator;denominator;note\nIKU-1;2022-Q1;70,5;;;\nIKU-1;2022-Q2;72;;;\nIKU-1;2022-Q3;74;;;\n";
    let upload = |text: &str, what: &str| json!({"jenis": "impor", "apa": what, "berkas": "C:\\data\\tw.csv", "isi": text});

    // A bad row: refused when prepared, naming the file and line.
    let broken = csv.replace("2022-Q2;72", "2022-Q2;tujuh puluh");
    let r = prepare(&s, &op, upload(&broken, "realisasi")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert!(
        r.json["galat"].as_str().unwrap().contains("tw.csv:3"),
        "{}",
        r.text
    );
    assert_eq!(head_count(&s), start);

    // A wrong signature for the second row: the batch is gone, nothing appended.
    let r = prepare(&s, &op, upload(csv, "realisasi")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let what = r.json["uraian"].as_str().unwrap();
    assert!(
        what.contains("3 peristiwa") && what.contains("TW II 2022: 72"),
        "{what}"
    );
    let step = submit(&s, &op, &r.json["id"], sign_prepared(&s.operator, &r)).await;
    assert_eq!(step.json["ditandatangani"], 1, "{}", step.text);
    let wrong = submit(&s, &op, &r.json["id"], sign_prepared(&s.operator, &r)).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", wrong.text);
    let again = submit(&s, &op, &r.json["id"], [0u8; 64]).await;
    assert_eq!(again.status, StatusCode::GONE, "{}", again.text);
    assert_eq!(head_count(&s), start);

    // Signed row by row as the page's script does: appended at once.
    let r = prepare(&s, &op, upload(csv, "realisasi")).await;
    let mut step = submit(&s, &op, &r.json["id"], sign_prepared(&s.operator, &r)).await;
    while let Some(next) = step.json["lanjut"].as_str() {
        assert_eq!(
            head_count(&s),
            start,
            "nothing is appended until the last row is signed"
        );
        let signature = s.operator.sign(&B64.decode(next).unwrap());
        step = submit(&s, &op, &r.json["id"], signature).await;
    }
    assert_eq!(step.status, StatusCode::OK, "{}", step.text);
    assert_eq!(step.json["jumlah"], 3);
    assert_eq!(head_count(&s), start + 3);
    for seq in start..start + 3 {
        assert_eq!(
            s.app.event(seq).unwrap().unwrap().event.author,
            s.operator.public()
        );
    }

    // A plan is the admin's: an operator's upload is refused.
    let plan = "[[item]]\ncode = \"T2\"\nlevel = \"tujuan\"\nname = \"Tujuan dua\"\n";
    let r = prepare(&s, &op, upload(plan, "rencana")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    assert!(r.text.contains("needs role admin"), "{}", r.text);
    assert_eq!(head_count(&s), start + 3);
}

/// Every page's title is plain text (a template block that swallowed page
/// markup once put it in the browser tab).
#[tokio::test]
async fn page_titles_are_plain_text() {
    let s = server(90);
    let admin = sign_in(&s, &s.admin).await;
    for path in [
        "/",
        "/entri",
        "/persetujuan",
        "/riwayat?indikator=IKU-1",
        "/kunci",
        "/audit",
        "/laporan",
        "/beda",
    ] {
        let r = call(&s.router, "GET", path, Some(&admin.0), None, None).await;
        let title = r
            .text
            .split("<title>")
            .nth(1)
            .and_then(|t| t.split("</title>").next())
            .unwrap_or_else(|| panic!("{path}: no title ({})", r.status));
        assert!(!title.contains('<') && title.len() < 200, "{path}: {title}");
    }
}

/// Failed sign-ins are limited per client address: one address that keeps
/// failing is answered 429 (even with a good signature) while another
/// signs in as usual.
#[tokio::test]
async fn failed_sign_ins_are_limited_per_client() {
    use axum::extract::connect_info::ConnectInfo;
    use sakip_web::tls::ClientAddr;
    let s = server(100);
    let from = |ip: [u8; 4], path: &str, body: Value| {
        let mut req = Request::builder()
            .method("POST")
            .uri(path)
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        req.extensions_mut()
            .insert(ConnectInfo(ClientAddr(std::net::IpAddr::from(ip))));
        let router = s.router.clone();
        async move {
            let res = router.oneshot(req).await.unwrap();
            let status = res.status();
            let bytes = res.into_body().collect().await.unwrap().to_bytes();
            (
                status,
                serde_json::from_slice::<Value>(&bytes).unwrap_or(Value::Null),
            )
        }
    };
    let attempt = |ip: [u8; 4], good: bool| {
        let key = &s.operator;
        let from = &from;
        async move {
            let (status, ch) = from(ip, "/api/tantangan", json!({})).await;
            if status != StatusCode::OK {
                return status;
            }
            let message = B64.decode(ch["pesan"].as_str().unwrap()).unwrap();
            let signature = if good { key.sign(&message) } else { [7u8; 64] };
            from(
                ip,
                "/api/masuk",
                json!({"kunci": key.public().to_hex(), "nonce": ch["nonce"], "tanda_tangan": B64.encode(signature)}),
            )
            .await
            .0
        }
    };
    let limit = sakip_web::MAX_FAILED_PER_CLIENT;
    for _ in 0..limit {
        assert_eq!(attempt([10, 0, 0, 1], false).await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(attempt([10, 0, 0, 1], true).await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(attempt([10, 0, 0, 2], true).await, StatusCode::OK);
    // 300 failures in the minute from 30 other addresses lock out only
    // those addresses: a user at a fresh one signs in.
    for a in 0..30u8 {
        for _ in 0..limit {
            assert_eq!(attempt([10, 1, 0, a], false).await, StatusCode::UNAUTHORIZED);
        }
        assert_eq!(attempt([10, 1, 0, a], false).await, StatusCode::TOO_MANY_REQUESTS);
    }
    assert_eq!(attempt([10, 2, 0, 1], true).await, StatusCode::OK);
    // Nor can a flood of challenges from many addresses hold them all.
    let addresses = sakip_web::MAX_CHALLENGES / sakip_web::MAX_CHALLENGES_PER_CLIENT + 10;
    for a in 0..addresses {
        for _ in 0..sakip_web::MAX_CHALLENGES_PER_CLIENT {
            let ip = [10, 3, (a / 256) as u8, (a % 256) as u8];
            let (status, _) = from(ip, "/api/tantangan", json!({})).await;
            assert_eq!(status, StatusCode::OK);
        }
    }
    assert_eq!(attempt([10, 2, 0, 2], true).await, StatusCode::OK);
}

/// The background verification: started by a signed-in user with the
/// CSRF token (not without), one at a time, it checks the whole ledger and
/// reports it intact with the count of events; appends keep working.
#[tokio::test]
async fn the_whole_ledger_is_verified_in_the_background() {
    let s = server(110);
    let op = sign_in(&s, &s.operator).await;
    let none = call(&s.router, "POST", "/api/verifikasi", None, None, Some(json!({}))).await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    let no_csrf = call(
        &s.router,
        "POST",
        "/api/verifikasi",
        Some(&op.0),
        None,
        Some(json!({})),
    )
    .await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
    let r = call(
        &s.router,
        "POST",
        "/api/verifikasi",
        Some(&op.0),
        Some(&op.1),
        Some(json!({})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["berjalan"], true);
    let done = s.app.verification_done().await;
    assert!(!done.berjalan);
    let events = head_count(&s);
    assert_eq!(done.diperiksa, events);
    let text = done.hasil.expect("intact");
    assert!(text.starts_with(&format!("Utuh: {events} peristiwa")), "{text}");
    assert!(done.galat.is_none());
    let shown = call(&s.router, "GET", "/api/verifikasi", Some(&op.0), None, None).await;
    assert_eq!(shown.json["diperiksa"], events);

    // After an append, a second run covers it too.
    let p = prepare(&s, &op, realisasi("2022-Q1", "70")).await;
    let ok = submit(&s, &op, &p.json["id"], sign_prepared(&s.operator, &p)).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    call(
        &s.router,
        "POST",
        "/api/verifikasi",
        Some(&op.0),
        Some(&op.1),
        Some(json!({})),
    )
    .await;
    let done = s.app.verification_done().await;
    assert_eq!(done.diperiksa, events + 1, "{done:?}");
}

/// The audit bundle downloads as one tar file that holds what `sakip
/// export` writes, for a signed-in user only.
#[tokio::test]
async fn the_audit_bundle_downloads_as_a_tar_file() {
    let s = server(120);
    let r = call(&s.router, "GET", "/audit/bundel", None, None, None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "no session, no bundle");
    let op = sign_in(&s, &s.operator).await;
    let res = s
        .router
        .clone()
        .oneshot(
            Request::builder()
                .uri("/audit/bundel")
                .header("cookie", &op.0)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/x-tar");
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    let mut archive = tar::Archive::new(&bytes[..]);
    let names: Vec<String> = archive
        .entries()
        .unwrap()
        .map(|e| e.unwrap().path().unwrap().display().to_string())
        .collect();
    let events = head_count(&s);
    assert!(
        names
            .iter()
            .any(|n| n == &format!("sakip-bundel-3-120-{events}/events.bin")),
        "{names:?}"
    );
    // Unpacked, it verifies as a bundle.
    let dir = tempfile::tempdir().unwrap();
    tar::Archive::new(&bytes[..]).unpack(dir.path()).unwrap();
    let bundle = dir.path().join(format!("sakip-bundel-3-120-{events}"));
    let checked = sakip::service::audit::verify_bundle(&bundle).unwrap();
    assert_eq!(checked.verified.events, events);
}

/// The audit page's log narrows by signer, period and date as `sakip log`
/// does; a bad period is an error page, not an empty list.
#[tokio::test]
async fn the_audit_log_filters_by_signer_and_period() {
    let s = server(130);
    let op = sign_in(&s, &s.operator).await;
    let p = prepare(&s, &op, realisasi("2022-Q1", "70")).await;
    submit(&s, &op, &p.json["id"], sign_prepared(&s.operator, &p)).await;
    let admin = sign_in(&s, &s.admin).await;
    let log = |query: &str| {
        let path = format!("/audit?{query}");
        let cookie = admin.0.clone();
        let router = s.router.clone();
        async move { call(&router, "GET", &path, Some(&cookie), None, None).await }
    };
    let id = s.operator.public().key_id();
    let page = log(&format!("oleh={id}&periode=TW+I+2022")).await;
    assert_eq!(page.status, StatusCode::OK);
    let rows: Vec<&str> = page.text.split("<td>realisation_recorded</td>").skip(1).collect();
    assert_eq!(rows.len(), 1, "{}", page.text);
    assert!(
        !page.text.contains("<td>key_added</td>"),
        "only the operator's events"
    );
    let none = log("periode=TW+I+2023").await;
    assert!(!none.text.contains("<td>realisation_recorded</td>"));
    let bad = log("periode=TW+V+2022").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text);
    assert!(bad.text.contains("does not exist"), "{}", bad.text);
}

/// The Kepala issues a report from the page: the `report_issued` event is
/// signed in the browser, and the download it points to is exactly the
/// sealed bytes; an operator may not issue one.
#[tokio::test]
async fn a_report_is_sealed_in_the_browser_and_its_download_matches() {
    let s = server(140);
    let op = sign_in(&s, &s.operator).await;
    let p = prepare(&s, &op, realisasi("2022-Q1", "70")).await;
    submit(&s, &op, &p.json["id"], sign_prepared(&s.operator, &p)).await;
    let issue = json!({"jenis": "terbitkan", "laporan": "capaian", "tahun": 2022, "tw": 1, "diketahui": "", "format": "html"});
    let refused = prepare(&s, &op, issue.clone()).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);

    let kepala = sign_in(&s, &s.head).await;
    let r = prepare(&s, &kepala, issue).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let what = r.json["uraian"].as_str().unwrap();
    assert!(
        what.starts_with("Terbitkan laporan") && what.contains("SHA-256"),
        "{what}"
    );
    let done = submit(&s, &kepala, &r.json["id"], sign_prepared(&s.head, &r)).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    let sealed = s.app.event(done.json["seq"].as_u64().unwrap()).unwrap().unwrap();
    let Payload::ReportIssued(issued) = sealed.event.payload else {
        panic!("not a report_issued event");
    };
    assert_eq!(sealed.event.author, s.head.public());
    let url = done.json["unduh"].as_str().unwrap();
    let file = call(&s.router, "GET", url, Some(&kepala.0), None, None).await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(sakip::document::digest(file.text.as_bytes()), issued.sha256);
    assert_eq!(file.text.len() as u64, issued.size);
}

/// An Excel workbook uploaded from the entry page (base64): read through
/// the same checks, signed row by row, appended at once.
#[tokio::test]
async fn an_uploaded_workbook_is_read_like_its_csv() {
    let s = server(150);
    let op = sign_in(&s, &s.operator).await;
    let start = head_count(&s);
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Realisasi").unwrap();
    for (c, h) in ["indicator", "period", "value"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_string(1, 0, "IKU-1").unwrap();
    ws.write_string(1, 1, "2022-Q1").unwrap();
    ws.write_number(1, 2, 70.5).unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let r = prepare(
        &s,
        &op,
        json!({"jenis": "impor", "apa": "realisasi", "berkas": "tw1.xlsx", "isi_base64": B64.encode(&bytes)}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(
        r.json["uraian"].as_str().unwrap().contains("TW I 2022: 70,5"),
        "{}",
        r.text
    );
    let done = submit(&s, &op, &r.json["id"], sign_prepared(&s.operator, &r)).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    assert_eq!(head_count(&s), start + 1);
}

/// One session preparing again and again without signing holds at most
/// `MAX_PENDING_PER_SESSION` items: the oldest go (410 when submitted),
/// the newest can still be signed and submitted.
#[tokio::test]
async fn a_session_holds_a_bounded_number_of_prepared_items() {
    let s = server(120);
    let op = sign_in(&s, &s.operator).await;
    let mut prepared = Vec::new();
    for _ in 0..40 {
        let p = prepare(&s, &op, realisasi("2022-Q1", "70")).await;
        assert_eq!(p.status, StatusCode::OK, "{}", p.text);
        prepared.push(p);
    }
    let kept = sakip_web::MAX_PENDING_PER_SESSION;
    let first = &prepared[0];
    let gone = submit(&s, &op, &first.json["id"], sign_prepared(&s.operator, first)).await;
    assert_eq!(gone.status, StatusCode::GONE, "{}", gone.text);
    let oldest_kept = &prepared[prepared.len() - kept];
    let before = head_count(&s);
    let ok = submit(
        &s,
        &op,
        &oldest_kept.json["id"],
        sign_prepared(&s.operator, oldest_kept),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    assert_eq!(head_count(&s), before + 1);
    let dropped = &prepared[prepared.len() - kept - 1];
    let gone = submit(&s, &op, &dropped.json["id"], sign_prepared(&s.operator, dropped)).await;
    assert_eq!(gone.status, StatusCode::GONE, "{}", gone.text);
}
