//! The server against clients that do not behave, over real sockets with
//! small limits: connections that send half a request or nothing, more
//! connections from one address than it may hold, and a ledger held by
//! something else while sign-in and the assets must still answer.

use base64::Engine;
use sakip::event::*;
use sakip::{KeyPair, Ledger, SteppingClock};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn holder(n: &str) -> Holder {
    Holder {
        name: n.into(),
        nip: None,
        jabatan: None,
    }
}

struct Served {
    addr: SocketAddr,
    app: Arc<sakip_web::App>,
    operator: KeyPair,
    _runtime: tokio::runtime::Runtime,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A ledger of a genesis and an operator, served within `limits` on two
/// async workers (the machines the server runs on).
fn serve(limits: sakip_web::Limits) -> Served {
    let admin = KeyPair::from_seed([61; 32]);
    let operator = KeyPair::from_seed([62; 32]);
    let clock = Arc::new(SteppingClock::new(
        sakip::clock::parse_time("2022-04-01T00:00:00Z").unwrap(),
        chrono::TimeDelta::seconds(1),
    ));
    let genesis = Genesis {
        agency_code: "3.61".into(),
        agency_name: "Dinas Uji Beban".into(),
        admin: holder("Admin"),
        nonce: Some([61; 32]),
    };
    let mut l = Ledger::init_in_memory(clock.clone(), &admin, genesis).unwrap();
    l.append(
        &admin,
        Payload::KeyAdded(KeyAdded {
            key: operator.public(),
            holder: holder("Operator"),
            roles: vec![Role::Operator],
        }),
    )
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
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    runtime.spawn(sakip_web::serve_limited(
        listener,
        None,
        sakip_web::router(app.clone()),
        limits,
        async {
            let _ = stopped.await;
        },
    ));
    Served {
        addr,
        app,
        operator,
        _runtime: runtime,
        stop: Some(stop),
    }
}

/// A connection to `to` from the loopback address `from` (all of
/// 127.0.0.0/8 is this machine, and each is another client to the
/// server): bound through tokio's socket builder, handed back as a
/// blocking std stream.
fn connect(from: [u8; 4], to: SocketAddr) -> TcpStream {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let s = rt
        .block_on(async {
            let s = tokio::net::TcpSocket::new_v4()?;
            s.bind(SocketAddr::from((from, 0)))?;
            s.connect(to).await?.into_std()
        })
        .unwrap();
    s.set_nonblocking(false).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s
}

/// One request on a fresh connection from `from`: the status and the whole
/// response as text.
fn request(
    from: [u8; 4],
    to: SocketAddr,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    body: &str,
) -> (u16, String) {
    let mut s = connect(from, to);
    let cookie = cookie.map(|c| format!("Cookie: {c}\r\n")).unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{cookie}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let status = out.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0);
    (status, out)
}

/// The body of a response.
fn body_of(response: &str) -> &str {
    response.split_once("\r\n\r\n").map_or("", |(_, b)| b)
}

/// Whether the server closed `s` (EOF or reset) rather than answering.
fn closed(s: &mut TcpStream) -> bool {
    let mut buf = [0u8; 64];
    match s.read(&mut buf) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => matches!(
            e.kind(),
            std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe
        ),
    }
}

fn small_limits() -> sakip_web::Limits {
    sakip_web::Limits {
        header_read: Duration::from_millis(300),
        stall: Duration::from_secs(2),
        handshake: Duration::from_secs(2),
        max_connections: 64,
        max_per_client: 8,
        trusted_proxies: Vec::new(),
    }
}

/// 200 connections from one address that send half a request: eight are
/// held (the per-address cap), the rest closed at once; a user at another
/// address is answered meanwhile; the eight are cut when their headers
/// are late, and the address is served again.
#[test]
fn a_flood_of_half_requests_from_one_address_holds_nobody_up() {
    let s = serve(small_limits());
    let mut held = Vec::new();
    let mut refused = 0;
    for _ in 0..200 {
        let mut c = connect([127, 0, 0, 1], s.addr);
        c.write_all(b"GET /masuk HTTP/1.1\r\nHost: local").unwrap();
        held.push(c);
    }
    // Everything past the cap is closed without a byte read.
    for c in held.iter_mut().skip(8) {
        if closed(c) {
            refused += 1;
        }
    }
    assert_eq!(refused, 192, "all past the per-address cap are closed");
    let (status, body) = request([127, 0, 0, 2], s.addr, "GET", "/masuk", None, "");
    assert_eq!(status, 200, "another address is answered: {body}");
    // The eight held are cut once their headers are late (no answer).
    for c in held.iter_mut().take(8) {
        assert!(closed(c), "a half-sent request is cut at the header deadline");
    }
    // Their places are given back (the server may still be closing the
    // last one as the client reads its end: a few tries at most).
    let mut answered = false;
    for _ in 0..1_000 {
        let mut c = connect([127, 0, 0, 1], s.addr);
        c.write_all(b"GET /masuk HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut out = String::new();
        let _ = c.read_to_string(&mut out);
        if out.starts_with("HTTP/1.1 200") {
            answered = true;
            break;
        }
    }
    assert!(
        answered,
        "the address is served again once its connections are gone"
    );
}

/// A keep-alive connection left idle after a request is closed at the
/// header deadline, and one that sends nothing at all likewise.
#[test]
fn idle_connections_are_closed() {
    let s = serve(small_limits());
    let mut c = connect([127, 0, 0, 3], s.addr);
    c.write_all(b"GET /masuk HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .unwrap();
    let mut buf = vec![0u8; 64 << 10];
    let n = c.read(&mut buf).unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
    // Read the rest of the page, then wait for the close.
    let mut rest = Vec::new();
    let end = c.read_to_end(&mut rest);
    assert!(
        end.is_ok() || closed(&mut c),
        "the idle keep-alive connection is closed"
    );
    let mut silent = connect([127, 0, 0, 4], s.addr);
    assert!(closed(&mut silent), "a connection that sends nothing is closed");
}

/// While something holds the ledger (another command's turn, a long
/// render), requests that need it wait on the blocking pool: the two
/// async workers go on answering the sign-in page, the assets and
/// sign-in itself; when the ledger is free again the waiting ones finish.
#[test]
fn a_held_ledger_does_not_stall_sign_in_or_assets() {
    let s = serve(sakip_web::Limits::default());
    let addr = s.addr;
    // Sign in (the operator's key, the server's challenge).
    let (_, ch) = request([127, 0, 0, 5], addr, "POST", "/api/tantangan", None, "{}");
    let ch: serde_json::Value = serde_json::from_str(body_of(&ch)).unwrap();
    let message = B64.decode(ch["pesan"].as_str().unwrap()).unwrap();
    let body = serde_json::json!({
        "kunci": s.operator.public().to_hex(),
        "nonce": ch["nonce"],
        "tanda_tangan": B64.encode(s.operator.sign(&message)),
    });
    let (status, text) = request(
        [127, 0, 0, 5],
        addr,
        "POST",
        "/api/masuk",
        None,
        &body.to_string(),
    );
    assert_eq!(status, 200, "{text}");
    let cookie = text
        .split("sakip_sesi=")
        .nth(1)
        .and_then(|t| t.split(';').next())
        .map(|t| format!("sakip_sesi={t}"))
        .expect("a session cookie");

    let (release, released) = std::sync::mpsc::channel::<()>();
    let (holding, held) = std::sync::mpsc::channel::<()>();
    let app = s.app.clone();
    let holder = std::thread::spawn(move || {
        app.with_ledger(|_| {
            holding.send(()).unwrap();
            released.recv().unwrap();
        })
    });
    held.recv().unwrap();
    // Four pages that need the ledger: they wait.
    let waiting: Vec<_> = (0..4)
        .map(|_| {
            let cookie = cookie.clone();
            std::thread::spawn(move || request([127, 0, 0, 6], addr, "GET", "/", Some(&cookie), ""))
        })
        .collect();
    // Meanwhile everything that does not need it answers, many times over.
    for i in 0..50 {
        let (status, _) = request([127, 0, 0, 7], addr, "GET", "/masuk", None, "");
        assert_eq!(status, 200, "sign-in page, try {i}");
        let (status, _) = request([127, 0, 0, 7], addr, "GET", "/aset/gaya.css", None, "");
        assert_eq!(status, 200, "asset, try {i}");
        // (each from its own address: 20 outstanding per address)
        let (status, _) = request([127, 0, 1, i], addr, "POST", "/api/tantangan", None, "{}");
        assert_eq!(status, 200, "challenge, try {i}");
    }
    if let Some(done) = waiting.iter().position(|w| w.is_finished()) {
        let (status, text) = waiting.into_iter().nth(done).unwrap().join().unwrap();
        panic!("a ledger page did not wait for the ledger: {status} {text}");
    }
    release.send(()).unwrap();
    holder.join().unwrap();
    for w in waiting {
        let (status, text) = w.join().unwrap();
        assert_eq!(status, 200, "{text}");
    }
}
