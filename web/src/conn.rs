//! The connections the server takes, and for how long (`docs/security.md`,
//! "Limits"): a cap in total and per client address, a deadline for a
//! request's headers that also ends an idle keep-alive connection, a
//! deadline for a TLS handshake, and a stall deadline on any read that
//! waits with no byte moving either way (a body trickled a byte a minute).
//! A connection over a cap is closed at once, before anything is read.
//!
//! The client address a request is counted by is the connection's, or,
//! when the connection comes from a configured trusted proxy, the last
//! address of its `X-Forwarded-For` header (the one the proxy added).
//! IPv6 addresses count by their /64, the block one subscriber holds.

use crate::tls::ClientAddr;
use axum::extract::connect_info::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{Instant, Sleep};
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::TlsAcceptor;

/// What the server allows its clients.
#[derive(Clone, Debug)]
pub struct Limits {
    /// How long a request's headers may take to arrive, counted from when
    /// the server starts waiting for them: also how long a keep-alive
    /// connection may sit idle between requests.
    pub header_read: Duration,
    /// How long a read may wait with no byte read or written (a body sent
    /// slower than this is cut).
    pub stall: Duration,
    /// How long a TLS handshake may take.
    pub handshake: Duration,
    /// Connections open at once, in all (under the usual 1.024 descriptors
    /// a process may hold, with room for the ledgers' files).
    pub max_connections: usize,
    /// Connections open at once from one client address (a trusted proxy
    /// is not one client, and counts only in the total).
    pub max_per_client: usize,
    /// The addresses of reverse proxies whose `X-Forwarded-For` names the
    /// client.
    pub trusted_proxies: Vec<IpAddr>,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            header_read: Duration::from_secs(10),
            stall: Duration::from_secs(60),
            handshake: crate::tls::HANDSHAKE_TIMEOUT,
            max_connections: 768,
            max_per_client: 32,
            trusted_proxies: Vec::new(),
        }
    }
}

/// The address limits count `ip` as: itself, or its /64 for IPv6.
pub fn bucket(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// The connections open now, in all and per client.
#[derive(Default)]
struct Open {
    total: usize,
    by_client: HashMap<IpAddr, usize>,
}

/// A connection's place under the caps, given back when it closes.
struct Slot {
    open: Arc<Mutex<Open>>,
    client: Option<IpAddr>,
}

impl Slot {
    fn take(open: &Arc<Mutex<Open>>, peer: IpAddr, limits: &Limits) -> Option<Slot> {
        let mut o = crate::sync::lock(open);
        if o.total >= limits.max_connections {
            return None;
        }
        let client = (!limits.trusted_proxies.contains(&peer)).then(|| bucket(peer));
        if let Some(c) = client {
            let n = o.by_client.entry(c).or_insert(0);
            if *n >= limits.max_per_client {
                return None;
            }
            *n += 1;
        }
        o.total += 1;
        Some(Slot {
            open: open.clone(),
            client,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut o = crate::sync::lock(&self.open);
        o.total -= 1;
        if let Some(c) = self.client {
            if let Some(n) = o.by_client.get_mut(&c) {
                *n -= 1;
                if *n == 0 {
                    o.by_client.remove(&c);
                }
            }
        }
    }
}

/// A stream whose reads fail once they have waited `limit` with no byte
/// moving in either direction.
struct Stall<S> {
    inner: S,
    limit: Duration,
    deadline: Pin<Box<Sleep>>,
}

impl<S> Stall<S> {
    fn new(inner: S, limit: Duration) -> Stall<S> {
        Stall {
            inner,
            limit,
            deadline: Box::pin(tokio::time::sleep(limit)),
        }
    }

    fn moved(&mut self) {
        let next = Instant::now() + self.limit;
        self.deadline.as_mut().reset(next);
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Stall<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.inner).poll_read(cx, buf) {
            Poll::Ready(r) => {
                if buf.filled().len() > before {
                    self.moved();
                }
                Poll::Ready(r)
            }
            Poll::Pending => match self.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Err(std::io::ErrorKind::TimedOut.into())),
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Stall<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, data);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.moved();
        }
        r
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The client of a request on a connection from `peer`.
fn client_of(peer: IpAddr, headers: &axum::http::HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .next_back()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .and_then(|a| a.trim().parse().ok())
        .unwrap_or(peer)
}

/// Serve `router` on `listener` (over TLS with `tls`) within `limits`
/// until `shutdown` completes, then let the requests in flight finish.
pub async fn serve(
    listener: TcpListener,
    tls: Option<Arc<ServerConfig>>,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let open = Arc::new(Mutex::new(Open::default()));
    let limits = Arc::new(limits);
    let acceptor = tls.map(TlsAcceptor::from);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            () = &mut shutdown => break,
        };
        let (stream, peer) = match accepted {
            Ok(c) => c,
            // Out of descriptors and the like: let it pass.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        let Some(slot) = Slot::take(&open, peer.ip(), &limits) else {
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let watcher = graceful.watcher();
        let router = router.clone();
        let limits = limits.clone();
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            let _slot = slot;
            connection(stream, peer, acceptor, router, limits, watcher).await;
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    acceptor: Option<TlsAcceptor>,
    router: Router,
    limits: Arc<Limits>,
    watcher: hyper_util::server::graceful::Watcher,
) {
    let stream = Stall::new(stream, limits.stall);
    match acceptor {
        None => http(stream, peer, router, limits, watcher).await,
        Some(acceptor) => {
            if let Ok(Ok(tls)) = tokio::time::timeout(limits.handshake, acceptor.accept(stream)).await {
                http(tls, peer, router, limits, watcher).await;
            }
        }
    }
}

async fn http<S>(
    stream: S,
    peer: SocketAddr,
    router: Router,
    limits: Arc<Limits>,
    watcher: hyper_util::server::graceful::Watcher,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let trusted = limits.trusted_proxies.clone();
    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        let mut req = req.map(axum::body::Body::new);
        let client = client_of(peer.ip(), req.headers(), &trusted);
        req.extensions_mut().insert(ConnectInfo(ClientAddr(client)));
        tower::ServiceExt::oneshot(router.clone(), req)
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read)
        .keep_alive(true);
    let conn = builder.serve_connection(TokioIo::new(stream), service);
    let _ = watcher.watch(conn).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_counts_by_its_64_and_a_proxy_names_the_client() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        assert_eq!(bucket(a), bucket(b));
        let mapped: IpAddr = "::ffff:10.0.0.7".parse().unwrap();
        assert_eq!(bucket(mapped), "10.0.0.7".parse::<IpAddr>().unwrap());
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let mut h = axum::http::HeaderMap::new();
        h.insert("x-forwarded-for", "203.0.113.9, 198.51.100.4".parse().unwrap());
        assert_eq!(
            client_of(proxy, &h, &[proxy]),
            "198.51.100.4".parse::<IpAddr>().unwrap()
        );
        // A client that is not the proxy cannot name another address.
        let other: IpAddr = "192.0.2.5".parse().unwrap();
        assert_eq!(client_of(other, &h, &[proxy]), other);
    }
}
