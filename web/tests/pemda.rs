//! A pemda root in process: the pemda page is for the listed readers only,
//! shows every OPD side by side, and its session is no OPD's session (nor
//! the other way round).

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

fn opd(seed: u8, name: &str, realisasi: i64, clock: Arc<SteppingClock>) -> (sakip_web::pemda::Opd, KeyPair) {
    let admin = KeyPair::from_seed([seed; 32]);
    let holder = |n: &str| Holder {
        name: n.into(),
        nip: None,
        jabatan: None,
    };
    let genesis = Genesis {
        agency_code: format!("3.{seed}"),
        agency_name: name.into(),
        admin: holder("Admin"),
        nonce: Some([seed; 32]),
    };
    let mut l = Ledger::init_in_memory(clock.clone(), &admin, genesis).unwrap();
    let operator = KeyPair::from_seed([seed + 1; 32]);
    let setup = vec![
        Payload::KeyAdded(KeyAdded {
            key: operator.public(),
            holder: holder("Operator"),
            roles: vec![Role::Operator],
        }),
        Payload::PlanItemDefined(PlanItemDefined {
            code: "S1".into(),
            level: Level::Tujuan,
            name: "Tujuan".into(),
            parent: None,
        }),
        Payload::PlanItemDefined(PlanItemDefined {
            code: "S1.1".into(),
            level: Level::Sasaran,
            name: "Sasaran".into(),
            parent: Some("S1".into()),
        }),
        Payload::IndicatorDefined(IndicatorDefined {
            code: "IKU-1".into(),
            name: "Indeks layanan".into(),
            item: "S1.1".into(),
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
    l.append_all(setup.into_iter().map(|p| (&admin, p)).collect())
        .unwrap();
    l.append(
        &operator,
        Payload::RealisationRecorded(RealisationRecorded {
            indicator: "IKU-1".into(),
            period: PeriodRef {
                year: 2022,
                quarter: 4,
            },
            value: sakip::event::Value::Number(Dec(Decimal::from(realisasi))),
            note: None,
        }),
    )
    .unwrap();
    let app = sakip_web::App::new(
        l,
        clock,
        sakip_web::Config {
            secure_cookies: false,
            base: format!("/opd/{seed}"),
        },
    )
    .unwrap();
    (
        sakip_web::pemda::Opd {
            slug: seed.to_string(),
            app,
        },
        admin,
    )
}

async fn call(
    router: &axum::Router,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, String, Option<String>, Option<String>) {
    let mut req = Request::builder().method(method).uri(path);
    if let Some(c) = cookie {
        req = req.header("cookie", c);
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
    let header = |name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let (cookie, location) = (header("set-cookie"), header("location"));
    let text = String::from_utf8_lossy(&res.into_body().collect().await.unwrap().to_bytes()).into_owned();
    (status, text, cookie, location)
}

async fn sign_in(router: &axum::Router, prefix: &str, key: &KeyPair) -> (StatusCode, Option<String>) {
    let (_, text, _, _) = call(
        router,
        "POST",
        &format!("{prefix}/api/tantangan"),
        None,
        Some(json!({})),
    )
    .await;
    let ch: Value = serde_json::from_str(&text).unwrap();
    let message = B64.decode(ch["pesan"].as_str().unwrap()).unwrap();
    let body = json!({"kunci": key.public().to_hex(), "nonce": ch["nonce"], "tanda_tangan": B64.encode(key.sign(&message))});
    let (status, _, cookie, _) = call(router, "POST", &format!("{prefix}/api/masuk"), None, Some(body)).await;
    (status, cookie)
}

#[tokio::test]
async fn the_pemda_page_is_for_its_readers_and_shows_every_opd() {
    let clock = Arc::new(SteppingClock::new(
        sakip::clock::parse_time("2023-01-05T00:00:00Z").unwrap(),
        chrono::TimeDelta::seconds(1),
    ));
    let (a, admin_a) = opd(60, "Dinas Kesehatan", 76, clock.clone());
    let (b, _) = opd(70, "Dinas Pendidikan", 40, clock.clone());
    let reader = KeyPair::from_seed([90; 32]);
    let readers =
        sakip_web::pemda::parse_readers(&format!("# Bappeda\n{}\n", reader.public().to_hex())).unwrap();
    let router = sakip_web::pemda::router(sakip_web::pemda::Pemda::new(
        "kota-uji".into(),
        vec![a, b],
        readers,
        clock,
        false,
    ));

    let (status, _, _, location) = call(&router, "GET", "/", None, None).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/masuk"));

    // An OPD's admin is no pemda reader.
    let (status, _) = sign_in(&router, "", &admin_a).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (status, cookie) = sign_in(&router, "", &reader).await;
    assert_eq!(status, StatusCode::OK);
    let cookie = cookie.unwrap().split(';').next().unwrap().to_string();
    let (status, page, _, _) = call(&router, "GET", "/?tahun=2022", Some(&cookie), None).await;
    assert_eq!(status, StatusCode::OK);
    // 76 of 80 is 95,00% (Sangat Tinggi); 40 of 80 is 50,00% (Sangat Rendah).
    assert!(
        page.contains("Dinas Kesehatan") && page.contains("95,00%"),
        "{page}"
    );
    assert!(
        page.contains("Dinas Pendidikan") && page.contains("50,00%"),
        "{page}"
    );

    // The pemda session is no OPD session.
    let (status, _, _, location) = call(&router, "GET", "/opd/60/", Some(&cookie), None).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/opd/60/masuk"));
    // An OPD session is scoped to its OPD's path, and is no pemda session.
    let (status, opd_cookie) = sign_in(&router, "/opd/60", &admin_a).await;
    assert_eq!(status, StatusCode::OK);
    let opd_cookie = opd_cookie.unwrap();
    assert!(opd_cookie.contains("Path=/opd/60;"), "{opd_cookie}");
    let opd_cookie = opd_cookie.split(';').next().unwrap().to_string();
    let (status, page, _, _) = call(&router, "GET", "/opd/60/", Some(&opd_cookie), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("href=\"/opd/60/entri\"") || page.contains("href=\"/opd/60/laporan\""),
        "links carry the OPD's path"
    );
    let (status, _, _, _) = call(&router, "GET", "/", Some(&opd_cookie), None).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, _, _) = call(&router, "GET", "/opd/70/", Some(&opd_cookie), None).await;
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "another OPD's session is none here"
    );
}
