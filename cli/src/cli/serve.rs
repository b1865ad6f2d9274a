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
    /// Sign a checkpoint of the ledger this often, whenever it grew, with
    /// the --key given (an inspector key of the ledger that the
    /// Inspektorat registered for this server), ask each --witness-url to
    /// cosign it, keep it for `export` and write it to
    /// LEDGER/checkpoints/SIZE.checkpoint: 30s, 15m, 1h, 1d.
    #[arg(long, value_name = "DURATION", value_parser = parse_every, conflicts_with = "root")]
    pub checkpoint_every: Option<std::time::Duration>,
    /// A witness to ask for a cosignature of each scheduled checkpoint
    /// (repeatable).
    #[arg(long, value_name = "URL", requires = "checkpoint_every")]
    pub witness_url: Vec<String>,
    /// A witness whose cosignatures are kept: NAME=FILE.pub (repeatable).
    #[arg(long, value_name = "NAME=FILE.pub", requires = "witness_url")]
    pub witness: Vec<String>,
}

/// `30s`, `15m`, `1h`, `1d`: at least a second.
fn parse_every(text: &str) -> Result<std::time::Duration, String> {
    let (number, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len()));
    let n: u64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a duration such as 30s, 15m, 1h or 1d"))?;
    let secs = match unit {
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => return Err(format!("'{text}' is not a duration such as 30s, 15m, 1h or 1d")),
    };
    if secs == 0 {
        return Err(format!("{text} is too often: at least 1s"));
    }
    Ok(std::time::Duration::from_secs(secs))
}

/// Every `every`, while the server runs: when the ledger grew since the
/// last checkpoint, sign one with `signer`, ask the witnesses to cosign it
/// (the ledger is locked only to sign and to make each request), keep it
/// and write it under `dir`. Reports each on standard error.
fn schedule_checkpoints(
    app: std::sync::Arc<sakip_web::App>,
    signer: sakip::KeyPair,
    every: std::time::Duration,
    urls: Vec<String>,
    witnesses: Vec<sakip::witness::WitnessKey>,
    dir: PathBuf,
) {
    std::thread::spawn(move || {
        let mut last = app
            .with_ledger(|l| l.kept_checkpoint().ok().flatten())
            .and_then(|t| sakip::checkpoint::Checkpoint::parse(&t).ok())
            .map(|c| c.size);
        loop {
            std::thread::sleep(every);
            match scheduled_checkpoint(&app, &signer, last, &urls, &witnesses, &dir) {
                Ok(Some((size, report))) => {
                    last = Some(size);
                    eprintln!("{report}");
                }
                Ok(None) => {}
                Err(e) => eprintln!("scheduled checkpoint: {e}"),
            }
        }
    });
}

/// One turn of [`schedule_checkpoints`]: `None` when the ledger has not
/// grown past `last`.
fn scheduled_checkpoint(
    app: &sakip_web::App,
    signer: &sakip::KeyPair,
    last: Option<u64>,
    urls: &[String],
    witnesses: &[sakip::witness::WitnessKey],
    dir: &std::path::Path,
) -> sakip::Result<Option<(u64, String)>> {
    use sakip::service::audit;
    let signed = app.with_ledger(|l| {
        if last.is_some_and(|size| l.head().count <= size) {
            return Ok(None);
        }
        audit::sign_checkpoint(l, signer).map(Some)
    })?;
    let Some(mut c) = signed else { return Ok(None) };
    let mut report = format!("scheduled checkpoint of {} events", c.size);
    for url in urls {
        let asked = super::checkpoint::ask_witness_with(url, |old| {
            app.with_ledger(|l| audit::witness_request(l, c.clone(), old))
        });
        match asked {
            Ok(lines) => {
                let added: usize = witnesses
                    .iter()
                    .map(|w| sakip::witness::attach(&mut c, &lines, w))
                    .sum();
                report.push_str(&format!("; {url}: {added} cosignature(s)"));
            }
            Err(e) => report.push_str(&format!("; {url}: no cosignature: {e}")),
        }
    }
    let text = c.to_text();
    app.with_ledger(|l| l.keep_checkpoint(&text))?;
    std::fs::create_dir_all(dir).map_err(|e| sakip::Error::io(dir, e))?;
    let path = dir.join(format!("{}.checkpoint", c.size));
    sakip::fsutil::write(&path, text.as_bytes(), sakip::fsutil::Existing::Replace, 0o644)?;
    report.push_str(&format!("; written to {}", path.display()));
    Ok(Some((c.size, report)))
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
    if let Some(every) = args.checkpoint_every {
        let signer = ctx.signer()?;
        let witnesses = super::audit::files::witness_keys(&args.witness)?;
        let dir = ctx.global.ledger.join("checkpoints");
        writeln!(
            out,
            "a checkpoint every {} s when the ledger grew, signed by key {}, to {}{}",
            every.as_secs(),
            signer.public().key_id(),
            dir.display(),
            match args.witness_url.len() {
                0 => String::new(),
                n => format!(", cosigned by {n} witness(es)"),
            }
        )?;
        schedule_checkpoints(
            app.clone(),
            signer,
            every,
            args.witness_url.clone(),
            witnesses,
            dir,
        );
    }
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
