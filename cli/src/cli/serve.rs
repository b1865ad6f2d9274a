//! `sakip serve`: the web application over one ledger.

use super::{CmdResult, Ctx};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Serve the web application: dashboard, entry forms, the approval queue,
/// history, keys and checkpoints, in Indonesian. Every event is signed in
/// the user's browser (WebCrypto Ed25519); the server never sees a private
/// key.
///
/// Browsers allow WebCrypto only on https:// or localhost: serve on
/// 127.0.0.1 (the default) and reach it as http://localhost:8080, serve
/// HTTPS yourself with --tls-cert and --tls-key, or put a TLS-terminating
/// reverse proxy in front and pass --secure-cookies (docs/security.md,
/// "The web application"). Ctrl-C or SIGTERM stops it after the requests
/// in flight; each append is one durable commit, done or not started.
///
/// Examples:
///   sakip serve --demo                      # the reference ledger, example keys importable
///   sakip --ledger /srv/sakip/bkpsdm serve --listen 127.0.0.1:8080
///   sakip serve --root /srv/sakip/kediri --listen 0.0.0.0:8443 \
///       --tls-cert /etc/sakip/fullchain.pem --tls-key /etc/sakip/privkey.pem
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Build the reference ledger in a new temporary directory and serve
    /// it; its example keys (to import in the browser) are in DIR/keys.
    #[arg(long)]
    pub demo: bool,
    /// Serve a pemda: every subdirectory of DIR that holds a ledger, each
    /// under /opd/NAME/, and the pemda page at / for the keys listed in
    /// DIR/pembaca-pemda.txt (one hex public key per line).
    #[arg(long, value_name = "DIR", conflicts_with = "demo")]
    pub root: Option<PathBuf>,
    /// Where --demo builds (default: a new temporary directory).
    #[arg(long, requires = "demo")]
    pub dir: Option<PathBuf>,
    /// Mark session cookies Secure (when users reach the server over HTTPS
    /// through a proxy; implied by --tls-cert).
    #[arg(long)]
    pub secure_cookies: bool,
    /// Serve HTTPS with this certificate chain (PEM, leaf first).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM: PKCS#8, PKCS#1 or SEC1).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// The address of a reverse proxy in front of the server (repeat for
    /// several): for its connections the client is the last address of
    /// X-Forwarded-For, so the per-address limits count users, not the
    /// proxy. Name only proxies that set that header themselves.
    #[arg(long, value_name = "IP")]
    pub trusted_proxy: Vec<std::net::IpAddr>,
}

pub fn run(ctx: &Ctx, mut args: Args, out: &mut dyn Write) -> CmdResult {
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(sakip_web::tls::config(cert, key)?),
        _ => None,
    };
    args.secure_cookies |= tls.is_some();
    let limits = limits(&args);
    if let Some(root) = &args.root {
        let (router, turns) = pemda(root, args.secure_cookies, out)?;
        let served = listen(router, args.listen, tls, limits, out);
        for socket in turns {
            let _ = std::fs::remove_file(socket);
        }
        return served;
    }
    let ledger = if args.demo {
        let dir = match args.dir {
            Some(d) => d,
            None => tempfile::Builder::new()
                .prefix("sakip-serve-demo-")
                .tempdir()
                .map_err(|e| sakip::Error::io(std::env::temp_dir(), e))?
                .keep(),
        };
        let built = sakip::example::build(&dir)?;
        writeln!(
            out,
            "demo ledger {} ({} events); example keys to import in the browser: {}",
            built.ledger_dir.display(),
            built.events,
            built.keys_dir.display()
        )?;
        // Appends from the browser are stamped by the machine's clock.
        built.ledger.with_clock(std::sync::Arc::new(sakip::SystemClock))
    } else {
        ctx.open_ledger()?
    };
    let app = sakip_web::App::new(
        ledger,
        std::sync::Arc::new(sakip::SystemClock),
        sakip_web::Config {
            secure_cookies: args.secure_cookies,
            base: String::new(),
        },
    )?;
    let turns = lend_turns(&app, out)?;
    let served = listen(sakip_web::router(app), args.listen, tls, limits, out);
    let _ = std::fs::remove_file(turns);
    served
}

/// Let other sakip commands on `app`'s ledger take turns with the server.
fn lend_turns(app: &std::sync::Arc<sakip_web::App>, out: &mut dyn Write) -> Result<PathBuf, super::CliError> {
    let socket = sakip_web::App::lend_turns(app).map_err(|e| {
        sakip::Error::Input(format!(
            "cannot listen for other sakip commands on this ledger: {e}"
        ))
    })?;
    writeln!(
        out,
        "other sakip commands on this ledger take turns with the server ({})",
        socket.display()
    )?;
    Ok(socket)
}

/// Open every OPD ledger under `root` and the pemda readers.
fn pemda(
    root: &std::path::Path,
    secure_cookies: bool,
    out: &mut dyn Write,
) -> Result<(sakip_web::Router, Vec<PathBuf>), super::CliError> {
    let mut turns = Vec::new();
    let dirs = crate::cli::opd_ledgers(root)?;
    let clock: std::sync::Arc<dyn sakip::Clock> = std::sync::Arc::new(sakip::SystemClock);
    let mut opds = Vec::new();
    for (slug, dir) in dirs {
        let ledger = sakip::Ledger::open(&dir, clock.clone())?;
        let app = sakip_web::App::new(
            ledger,
            clock.clone(),
            sakip_web::Config {
                secure_cookies,
                base: format!("/opd/{slug}"),
            },
        )?;
        writeln!(out, "OPD {slug}: {}", dir.display())?;
        turns.push(lend_turns(&app, out)?);
        opds.push(sakip_web::pemda::Opd { slug, app });
    }
    let readers_path = root.join(sakip_web::pemda::READERS_FILE);
    let readers = match std::fs::read_to_string(&readers_path) {
        Ok(text) => sakip_web::pemda::parse_readers(&text)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            writeln!(
                out,
                "no {} in {}: nobody can open the pemda page",
                sakip_web::pemda::READERS_FILE,
                root.display()
            )?;
            Vec::new()
        }
        Err(e) => return Err(sakip::Error::io(&readers_path, e).into()),
    };
    let name = root
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "pemda".into());
    let router = sakip_web::pemda::router(sakip_web::pemda::Pemda::new(
        name,
        opds,
        readers,
        clock,
        secure_cookies,
    ));
    Ok((router, turns))
}

/// The server's limits: the documented defaults, with the trusted proxies.
fn limits(args: &Args) -> sakip_web::Limits {
    sakip_web::Limits {
        trusted_proxies: args.trusted_proxy.clone(),
        ..sakip_web::Limits::default()
    }
}

/// Serve `router` on `listen` (over TLS when `tls` is given) within
/// `limits` until Ctrl-C or SIGTERM.
fn listen(
    router: sakip_web::Router,
    listen: SocketAddr,
    tls: Option<std::sync::Arc<sakip_web::tls::ServerConfig>>,
    limits: sakip_web::Limits,
    out: &mut dyn Write,
) -> CmdResult {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| sakip::Error::Internal(format!("cannot start the server runtime: {e}")))?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| sakip::Error::Input(format!("cannot listen on {}: {e}", listen)))?;
        let bound = listener.local_addr().unwrap_or(listen);
        let scheme = if tls.is_some() { "https" } else { "http" };
        let shown = match bound.ip().is_loopback() {
            true => format!("{scheme}://localhost:{}", bound.port()),
            false => format!("{scheme}://{bound}"),
        };
        writeln!(out, "serving {shown} (Ctrl-C stops)")?;
        out.flush()?;
        let served = sakip_web::serve_limited(listener, tls, router, limits, stop()).await;
        served.map_err(|e| sakip::Error::Internal(format!("server: {e}")))?;
        Ok::<(), super::CliError>(())
    })?;
    writeln!(out, "stopped")?;
    Ok(())
}

/// Completes on Ctrl-C, or on SIGTERM (how a service manager stops it).
async fn stop() {
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
