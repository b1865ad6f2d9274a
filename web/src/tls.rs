//! HTTPS in the server itself (rustls, with the `ring` provider): browsers
//! allow WebCrypto only on `https://` or `localhost`, so a server reached
//! by name on a network terminates TLS here or behind a reverse proxy
//! (`docs/security.md`).
//!
//! The listener accepts TCP connections in a task of its own and runs each
//! handshake in a task of its own, bounded in time, so a client that
//! stalls its handshake holds nobody else up; only finished handshakes
//! reach the router.

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use sakip::Error;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
pub use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

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

/// A listener that hands the router only connections whose TLS handshake
/// has finished.
pub struct TlsListener {
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
}

impl TlsListener {
    /// Terminate TLS with `config` on the connections `tcp` accepts.
    pub fn new(tcp: TcpListener, config: Arc<ServerConfig>) -> std::io::Result<TlsListener> {
        let local = tcp.local_addr()?;
        let (tx, ready) = mpsc::channel(64);
        let acceptor = TlsAcceptor::from(config);
        tokio::spawn(async move {
            loop {
                let accepted = tokio::select! {
                    a = tcp.accept() => a,
                    _ = tx.closed() => return,
                };
                let (stream, addr) = match accepted {
                    Ok(c) => c,
                    // Out of descriptors and the like: let it pass.
                    Err(_) => {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let acceptor = acceptor.clone();
                let tx = tx.clone();
                tokio::spawn(async move {
                    if let Ok(Ok(tls)) =
                        tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await
                    {
                        let _ = tx.send((tls, addr)).await;
                    }
                });
            }
        });
        Ok(TlsListener { ready, local })
    }
}

impl Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(c) => c,
            // The accepting task ended (it does not while the listener
            // lives); wait for shutdown.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
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

impl Connected<IncomingStream<'_, TlsListener>> for ClientAddr {
    fn connect_info(stream: IncomingStream<'_, TlsListener>) -> ClientAddr {
        ClientAddr(stream.remote_addr().ip())
    }
}
