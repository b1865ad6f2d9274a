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
/// 127.0.0.1 (the default) and reach it as http://localhost:8080, or put a
/// TLS-terminating reverse proxy in front and pass --secure-cookies
/// (docs/security.md, "The web application").
///
/// Examples:
///   sakip serve --demo                      # the reference ledger, example keys importable
///   sakip --ledger /srv/sakip/bkpsdm serve --listen 127.0.0.1:8080
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Build the reference ledger in a new temporary directory and serve
    /// it; its example keys (to import in the browser) are in DIR/keys.
    #[arg(long)]
    pub demo: bool,
    /// Where --demo builds (default: a new temporary directory).
    #[arg(long, requires = "demo")]
    pub dir: Option<PathBuf>,
    /// Mark session cookies Secure (when users reach the server over HTTPS).
    #[arg(long)]
    pub secure_cookies: bool,
}

pub fn run(ctx: &Ctx, args: Args, out: &mut dyn Write) -> CmdResult {
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
        },
    )?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| sakip::Error::Internal(format!("cannot start the server runtime: {e}")))?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|e| sakip::Error::Input(format!("cannot listen on {}: {e}", args.listen)))?;
        let shown = match args.listen.ip().is_loopback() {
            true => format!("http://localhost:{}", args.listen.port()),
            false => format!("http://{}", args.listen),
        };
        writeln!(out, "serving {shown} (Ctrl-C stops)")?;
        out.flush()?;
        sakip_web::serve(listener, app, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| sakip::Error::Internal(format!("server: {e}")))?;
        Ok::<(), super::CliError>(())
    })?;
    writeln!(out, "stopped")?;
    Ok(())
}
