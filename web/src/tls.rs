//! HTTPS in the server itself (rustls, with the `ring` provider): browsers
//! allow WebCrypto only on `https://` or `localhost`, so a server reached
//! by name on a network terminates TLS here or behind a reverse proxy
//! (`docs/security.md`).
//!
//! Each handshake runs in the connection's own task, bounded in time
//! (`conn::Limits::handshake`), so a client that stalls its handshake
//! holds nobody else up; only finished handshakes reach the router.

use axum::extract::connect_info::Connected;
use axum::serve::IncomingStream;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use sakip::Error;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
pub use tokio_rustls::rustls::ServerConfig;

/// How long a client may take to finish its TLS handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The server's TLS settings from a PEM certificate chain and a PEM private
/// key (PKCS#8, PKCS#1 or SEC1), as certbot or an internal CA writes them.
/// Refused with the file named when either does not load or the key does
/// not belong to the certificate.
pub fn config(cert: &Path, key: &Path) -> sakip::Result<Arc<ServerConfig>> {
    fn bad<'a>(path: &'a Path, what: &'a str) -> impl Fn(rustls_pki_types::pem::Error) -> Error + 'a {
        move |e| Error::Input(format!("{}: {what} ({e})", path.display()))
    }
    let chain = CertificateDer::pem_file_iter(cert)
        .map_err(bad(cert, "cannot read a PEM certificate"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(bad(cert, "not a PEM certificate chain"))?;
    if chain.is_empty() {
        return Err(Error::Input(format!(
            "{}: no certificate in the file (expected -----BEGIN CERTIFICATE-----)",
            cert.display()
        )));
    }
    let private = PrivateKeyDer::from_pem_file(key).map_err(bad(key, "not a PEM private key"))?;
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Internal(format!("TLS protocol versions: {e}")))?
        .with_no_client_auth()
        .with_single_cert(chain, private)
        .map_err(|e| {
            Error::Input(format!(
                "{} and {}: the key does not fit the certificate or is not supported ({e})",
                cert.display(),
                key.display()
            ))
        })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// The address a request came from, as the connection shows it (a reverse
/// proxy's own address behind one). Per-client limits count by it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClientAddr(pub std::net::IpAddr);

impl Connected<IncomingStream<'_, TcpListener>> for ClientAddr {
    fn connect_info(stream: IncomingStream<'_, TcpListener>) -> ClientAddr {
        ClientAddr(stream.remote_addr().ip())
    }
}
