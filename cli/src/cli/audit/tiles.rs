//! `sakip publish` and `sakip mirror`: the ledger as static tlog tiles, and
//! a verified copy of a published one.

use crate::cli::{CliError, CmdResult, Ctx};
use sakip::service::audit::{self, DirSource, Source};
use std::io::Write;
use std::path::PathBuf;

/// Publish the ledger up to its latest checkpoint as static files in the
/// C2SP tlog-tiles layout (schema/tiles.md): hash tiles, entry bundles of
/// the event hashes, bundles of the signed events, and the checkpoint —
/// plain files any web server, CDN or object store serves. Incremental:
/// run it after each checkpoint; tiles already written are compared, not
/// rewritten, and one that differs is refused.
#[derive(clap::Args, Debug)]
pub struct PublishArgs {
    /// The directory to publish into (created if missing).
    #[arg(long)]
    pub out: PathBuf,
}

/// Mirror a published ledger (from http(s)://… or a directory) into a
/// local verified copy: the checkpoint must be signed by --trusted-key,
/// every tile must be what the events hash to, the tree must be
/// consistent with what was mirrored before, and every event is verified
/// as `verify-bundle` does. Exit 3, with the local copy untouched, when any
/// of that fails (a rewritten tile, a forked or rolled-back log).
#[derive(clap::Args, Debug)]
pub struct MirrorArgs {
    /// The published log: a URL prefix or a directory.
    pub source: String,
    /// The local mirror (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    /// The key that signs the log's checkpoints (the inspectorate's
    /// `.pub`; repeatable).
    #[arg(long, value_name = "FILE.pub", required = true)]
    pub trusted_key: Vec<PathBuf>,
}

struct HttpSource {
    agent: ureq::Agent,
    prefix: String,
}

impl Source for HttpSource {
    fn get(&self, path: &str) -> sakip::Result<Option<Vec<u8>>> {
        let url = format!("{}/{path}", self.prefix.trim_end_matches('/'));
        let mut res = self
            .agent
            .get(&url)
            .call()
            .map_err(|e| sakip::Error::Input(format!("{url}: {e}")))?;
        match res.status().as_u16() {
            200 => {
                let mut body = Vec::new();
                std::io::Read::read_to_end(
                    &mut std::io::Read::take(res.body_mut().as_reader(), 64 << 20),
                    &mut body,
                )
                .map_err(|e| sakip::Error::Input(format!("{url}: {e}")))?;
                Ok(Some(body))
            }
            404 => Ok(None),
            other => Err(sakip::Error::Input(format!("{url}: HTTP {other}"))),
        }
    }
}

pub fn publish(ctx: &Ctx, args: PublishArgs, out: &mut dyn Write) -> CmdResult {
    let ledger = ctx.open_reader()?;
    let p = audit::publish(&ledger, &args.out)?;
    writeln!(
        out,
        "published the checkpoint of {} events to {}: {} files written, {} unchanged, {} bytes of tiles and bundles",
        p.size,
        args.out.display(),
        p.written,
        p.unchanged,
        p.bytes
    )?;
    Ok(())
}

pub fn mirror(ctx: &Ctx, args: MirrorArgs, out: &mut dyn Write) -> CmdResult {
    let _ = ctx;
    let trusted = super::files::trusted_keys(&args.trusted_key)?;
    let source: Box<dyn Source> = if args.source.starts_with("http://") || args.source.starts_with("https://")
    {
        Box::new(HttpSource {
            agent: ureq::Agent::config_builder()
                .http_status_as_error(false)
                .timeout_global(Some(std::time::Duration::from_secs(60)))
                .build()
                .into(),
            prefix: args.source.clone(),
        })
    } else {
        Box::new(DirSource(PathBuf::from(&args.source)))
    };
    let m = audit::mirror(source.as_ref(), &args.out, &trusted).map_err(CliError::from)?;
    writeln!(
        out,
        "mirrored {} events (from {}) into {}: every tile, entry and event verified, head {}, consistent with the mirror before",
        m.size,
        m.from,
        args.out.display(),
        m.verified.head
    )?;
    Ok(())
}
