//! HTTPS in the server itself: a certificate and key in PEM load, a TLS
//! client that trusts the certificate gets the pages with their security
//! headers, a plain-HTTP request on the TLS port gets no page, and
//! mismatched or missing files are refused with the file named.

use sakip::event::{Genesis, Holder};
use sakip::{KeyPair, Ledger, SteppingClock};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::rustls;

fn cert_files(dir: &std::path::Path, name: &str) -> (std::path::PathBuf, std::path::PathBuf, Vec<u8>) {
    let cert = rcgen::generate_simple_self_signed(vec![name.to_string()]).unwrap();
    let cert_path = dir.join(format!("{name}.crt"));
    let key_path = dir.join(format!("{name}.key"));
    std::fs::write(&cert_path, cert.cert.pem()).unwrap();
    std::fs::write(&key_path, cert.key_pair.serialize_pem()).unwrap();
    (cert_path, key_path, cert.cert.der().to_vec())
}

fn app() -> Arc<sakip_web::App> {
    let admin = KeyPair::from_seed([21; 32]);
    let clock = Arc::new(SteppingClock::new(
        sakip::clock::parse_time("2022-04-01T00:00:00Z").unwrap(),
        chrono::TimeDelta::seconds(1),
    ));
    let genesis = Genesis {
        agency_code: "3.21".into(),
        agency_name: "Dinas TLS".into(),
        admin: Holder {
            name: "Admin".into(),
            nip: None,
            jabatan: None,
        },
        nonce: Some([21; 32]),
    };
    let ledger = Ledger::init_in_memory(clock.clone(), &admin, genesis).unwrap();
    sakip_web::App::new(
        ledger,
        clock,
        sakip_web::Config {
            secure_cookies: true,
            base: String::new(),
        },
    )
    .unwrap()
}

#[tokio::test]
async fn pages_are_served_over_tls_with_the_given_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, der) = cert_files(dir.path(), "localhost");
    let config = sakip_web::tls::config(&cert, &key).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(sakip_web::serve_tls(
        listener,
        config,
        sakip_web::router(app()),
        async {
            let _ = stopped.await;
        },
    ));

    // A client trusting exactly this certificate.
    let mut roots = rustls::RootCertStore::empty();
    roots.add(der.into()).unwrap();
    let client =
        rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(client));
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut tls = connector.connect(name, tcp).await.unwrap();
    tls.write_all(b"GET /masuk HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    tls.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("content-security-policy"), "{answer}");
    assert!(answer.contains("Masuk ke sakip"), "{answer}");

    // Plain HTTP on the TLS port gets no page.
    let mut plain = tokio::net::TcpStream::connect(addr).await.unwrap();
    plain
        .write_all(b"GET /masuk HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut got = Vec::new();
    let _ = plain.read_to_end(&mut got).await;
    assert!(!String::from_utf8_lossy(&got).contains("Masuk ke sakip"));

    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}

#[test]
fn a_key_of_another_certificate_or_a_missing_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, _, _) = cert_files(dir.path(), "localhost");
    let (_, other_key, _) = cert_files(dir.path(), "other.test");
    let e = sakip_web::tls::config(&cert, &other_key).unwrap_err();
    assert!(e.to_string().contains("does not fit"), "{e}");
    let e = sakip_web::tls::config(&dir.path().join("none.crt"), &other_key).unwrap_err();
    assert!(e.to_string().contains("none.crt"), "{e}");
    let e = sakip_web::tls::config(&other_key, &other_key).unwrap_err();
    assert!(e.to_string().contains("no certificate"), "{e}");
}

/// Over HTTPS, a connection that completes the handshake and then sends
/// nothing, or half a request, is closed at the header deadline like a
/// plain one (once only stalled handshakes were cut).
#[tokio::test]
async fn an_idle_connection_after_the_handshake_is_closed() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, der) = cert_files(dir.path(), "localhost");
    let config = sakip_web::tls::config(&cert, &key).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let limits = sakip_web::Limits {
        header_read: std::time::Duration::from_millis(300),
        ..sakip_web::Limits::default()
    };
    let server = tokio::spawn(sakip_web::serve_limited(
        listener,
        Some(config),
        sakip_web::router(app()),
        limits,
        async {
            let _ = stopped.await;
        },
    ));
    let mut roots = rustls::RootCertStore::empty();
    roots.add(der.into()).unwrap();
    let client =
        rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(client));
    for half in [&b""[..], b"GET /masuk HTTP/1.1\r\nHost: loc"] {
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
        let mut tls = connector.connect(name, tcp).await.unwrap();
        tls.write_all(half).await.unwrap();
        let mut got = Vec::new();
        // Closed by the server well before this bound (or the test fails).
        let closed =
            tokio::time::timeout(std::time::Duration::from_secs(20), tls.read_to_end(&mut got)).await;
        assert!(
            closed.is_ok(),
            "an idle TLS connection ({} bytes sent) stays open",
            half.len()
        );
        assert!(!String::from_utf8_lossy(&got).contains("Masuk ke sakip"));
    }
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}
