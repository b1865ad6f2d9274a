//! `sakip witness`: an outsider's witness of ledgers (C2SP tlog-witness and
//! tlog-cosignature), on files or as a small HTTP endpoint.

use crate::cli::{CliError, CmdResult, Ctx};
use sakip::service::audit::{self, AddCheckpoint, Witness, WitnessKey};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Run a witness: keep the latest checkpoint cosigned for each ledger and
/// cosign a new one only when a consistency proof from it holds, adding the
/// time (C2SP tlog-witness / tlog-cosignature v1, Ed25519). The witness's
/// own key is --key; its name is a schema-less URL such as
/// `inspektorat.kedirikota.go.id/saksi`.
///
/// Examples:
///   sakip witness request --checkpoint cp.txt --old 340 --out req.txt    # on the agency's side
///   sakip --key saksi.key witness cosign --state saksi/ --name inspektorat.kediri/saksi \
///       --log sakip/4.01.03/94219019e0da6f76=inspektur.key.pub req.txt
///   sakip --key saksi.key witness serve --state saksi/ --name inspektorat.kediri/saksi \
///       --log sakip/4.01.03/94219019e0da6f76=inspektur.key.pub
#[derive(clap::Subcommand, Debug)]
pub enum WitnessCommand {
    /// Cosign the add-checkpoint request in FILE (as `witness request`
    /// writes it) and print the cosignature line; exit 3 for a fork, 1 for
    /// any other refusal (the protocol's status is printed).
    Cosign(CosignArgs),
    /// Serve `POST /add-checkpoint` over HTTP (127.0.0.1:7380 by default).
    Serve(ServeArgs),
    /// Write the add-checkpoint request for a witness that last cosigned
    /// this ledger at size --old: the consistency proof from it, then the
    /// checkpoint.
    Request(RequestArgs),
}

#[derive(clap::Args, Debug)]
pub struct WitnessArgs {
    /// Where the witness keeps the latest checkpoint it cosigned per ledger.
    #[arg(long)]
    pub state: PathBuf,
    /// The witness's name in its cosignature lines.
    #[arg(long)]
    pub name: String,
    /// A ledger the witness follows and the key it trusts to sign that
    /// ledger's checkpoints: ORIGIN=FILE.pub (repeatable).
    #[arg(long = "log", value_name = "ORIGIN=FILE.pub", required = true)]
    pub logs: Vec<String>,
}

#[derive(clap::Args, Debug)]
pub struct CosignArgs {
    #[command(flatten)]
    pub witness: WitnessArgs,
    /// The add-checkpoint request.
    pub request: PathBuf,
}

#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    #[command(flatten)]
    pub witness: WitnessArgs,
    #[arg(long, default_value = "127.0.0.1:7380")]
    pub listen: SocketAddr,
}

#[derive(clap::Args, Debug)]
pub struct RequestArgs {
    /// The checkpoint to have cosigned (of this ledger).
    #[arg(long)]
    pub checkpoint: PathBuf,
    /// The size the witness last cosigned (0 the first time).
    #[arg(long, default_value_t = 0)]
    pub old: u64,
    /// Where to write the request (default: standard output).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// The cosignatures on `c` (`what` names it) by `witnesses`, refused
/// (exit 3) when fewer than `quorum` verify.
pub fn cosigned(
    c: Option<&sakip::checkpoint::Checkpoint>,
    witnesses: &[WitnessKey],
    quorum: usize,
    what: &str,
) -> Result<Vec<sakip::witness::Cosigned>, CliError> {
    if quorum > witnesses.len() {
        return Err(CliError::Usage(format!(
            "--witness-quorum {quorum} needs at least as many --witness keys (given {})",
            witnesses.len()
        )));
    }
    let cosigned = c
        .map(|c| sakip::witness::cosigners(c, witnesses))
        .unwrap_or_default();
    if cosigned.len() < quorum {
        return Err(sakip::Error::Integrity {
            seq: None,
            reason: format!(
                "{what} is cosigned by {} of the {} witnesses given, fewer than the {quorum} required",
                cosigned.len(),
                witnesses.len()
            ),
        }
        .into());
    }
    Ok(cosigned)
}

/// One line per cosignature: the witness and its time.
pub fn print_cosigners(out: &mut dyn Write, cosigned: &[sakip::witness::Cosigned]) -> CmdResult {
    for w in cosigned {
        writeln!(
            out,
            "cosigned by witness {} at {}",
            w.witness.name,
            sakip::clock::format_micros(
                i64::try_from(w.timestamp)
                    .unwrap_or(i64::MAX)
                    .saturating_mul(1_000_000)
            )
        )?;
    }
    Ok(())
}

fn witness(ctx: &Ctx, args: &WitnessArgs) -> Result<Witness, CliError> {
    let key = ctx.signer()?;
    let logs = super::files::named_keys(&args.logs, "--log")?;
    Ok(Witness::new(args.name.clone(), key, logs, &args.state)?)
}

pub fn run(ctx: &Ctx, cmd: WitnessCommand, out: &mut dyn Write) -> CmdResult {
    match cmd {
        WitnessCommand::Cosign(a) => {
            let w = witness(ctx, &a.witness)?;
            let text = sakip::limits::read_text(&a.request, sakip::limits::MAX_TEXT_FILE_BYTES, "a request")?;
            let now = ctx.clock.wall().timestamp().max(0) as u64;
            let verdict = match AddCheckpoint::parse(&text) {
                Ok(req) => w.add_checkpoint(&req, now)?,
                Err(refusal) => Err(refusal),
            };
            match verdict {
                Ok(line) => {
                    out.write_all(line.as_bytes())?;
                    Ok(())
                }
                Err(refusal) => {
                    let message = format!("witness refuses ({}): {refusal}", refusal.status());
                    Err(match refusal {
                        audit::Refusal::Inconsistent(_) => sakip::Error::Integrity {
                            seq: None,
                            reason: message,
                        },
                        _ => sakip::Error::Refused(message),
                    }
                    .into())
                }
            }
        }
        WitnessCommand::Serve(a) => {
            let w = witness(ctx, &a.witness)?;
            let router = sakip_web::witness::router(w, std::sync::Arc::new(sakip::SystemClock));
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .map_err(|e| sakip::Error::Internal(format!("cannot start the server runtime: {e}")))?;
            runtime.block_on(async {
                let listener = tokio::net::TcpListener::bind(a.listen)
                    .await
                    .map_err(|e| sakip::Error::Input(format!("cannot listen on {}: {e}", a.listen)))?;
                writeln!(
                    out,
                    "witness {} at http://{}/add-checkpoint (Ctrl-C stops)",
                    a.witness.name,
                    listener.local_addr().unwrap_or(a.listen)
                )?;
                out.flush()?;
                sakip_web::serve_router(listener, router, async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await
                .map_err(|e| sakip::Error::Internal(format!("witness: {e}")))?;
                Ok::<(), CliError>(())
            })
        }
        WitnessCommand::Request(a) => {
            let c = super::files::read_checkpoint(&a.checkpoint)?;
            let ledger = ctx.open_reader()?;
            let req = audit::witness_request(&ledger, c, a.old)?;
            match &a.out {
                Some(path) => {
                    sakip::fsutil::write(
                        path,
                        req.to_text().as_bytes(),
                        sakip::fsutil::Existing::Refuse,
                        0o644,
                    )?;
                    writeln!(
                        out,
                        "add-checkpoint request from size {} written to {}",
                        a.old,
                        path.display()
                    )?;
                }
                None => out.write_all(req.to_text().as_bytes())?,
            }
            Ok(())
        }
    }
}
