//! `sakip verify`: re-check every hash, link, signature and authorization,
//! and optionally that the ledger extends a checkpoint.

use crate::cli::{CliError, CmdResult, Ctx, Format};
use sakip::service::audit;
use serde_json::json;
use std::io::Write;

/// Verify the whole ledger from genesis to head.
///
/// Re-hashes every event, checks every prev link, Ed25519 signature (strict),
/// the author's role at that point in history (and that no key approved its
/// own entry), each domain event against the plan, and that no event is
/// stamped in the future of this machine's clock. Then compares the head
/// record and every derived tree (projection index, hash and kind look-ups,
/// Merkle nodes, key registry) with what the events imply. Exit 0 when
/// intact; exit 3 naming the first bad seq, or the derived tree and its first
/// differing key (repair derived state with `sakip rebuild`).
///
/// With --checkpoint FILE, also prove the ledger extends that checkpoint:
/// the first N events still hash to its root (nothing rewritten, removed or
/// reordered) and a consistency proof to the current head verifies.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// A checkpoint written earlier by `sakip checkpoint`.
    #[arg(long)]
    pub checkpoint: Option<std::path::PathBuf>,
    /// Require the checkpoint to be signed by this key (a `.pub` file;
    /// repeat for several, any one suffices). Without it, any inspector key
    /// of the ledger active at the checkpoint's size is accepted.
    #[arg(long, value_name = "FILE.pub", requires = "checkpoint")]
    pub trusted_key: Vec<std::path::PathBuf>,
    /// A witness whose cosignatures on the checkpoint are reported, with
    /// their times: NAME=FILE.pub (repeatable).
    #[arg(long, value_name = "NAME=FILE.pub", requires = "checkpoint")]
    pub witness: Vec<String>,
    /// Require cosignatures by at least N of the --witness keys.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub witness_quorum: usize,
}

pub fn run(ctx: &Ctx, args: Args, out: &mut dyn Write) -> CmdResult {
    let format = ctx.require_format("verify", &[Format::Table, Format::Json])?;
    let checkpoint = match &args.checkpoint {
        Some(path) => Some(crate::cli::audit::files::read_checkpoint(path)?),
        None => None,
    };
    let trusted = crate::cli::audit::files::trusted_keys(&args.trusted_key)?;
    let witnesses = crate::cli::audit::files::witness_keys(&args.witness)?;
    let cosigned = crate::cli::witness::cosigned(
        checkpoint.as_ref(),
        &witnesses,
        args.witness_quorum,
        "the checkpoint",
    )?;
    let ledger = ctx.open_ledger()?;
    let verified = audit::verify_trusting(&ledger, checkpoint, &trusted).and_then(|v| {
        let given = v.extends.as_ref().map(|(c, _, _)| c.size);
        let anchors = anchors(&ledger, given, &v.verified)?;
        Ok((v, anchors))
    });
    match verified {
        Ok((audit::Verification { verified: v, extends }, anchors)) => {
            if format == Format::Json {
                let mut j = json!({"status": "intact", "events": v.events, "head": v.head, "bytes": v.bytes,
                    "root": hex::encode(v.root)});
                if let Some((c, signers, proof)) = &extends {
                    j["checkpoint"] = json!({"size": c.size, "consistent": true, "proof_hashes": proof,
                        "signers": signers.iter().map(|k| k.key_id()).collect::<Vec<_>>(),
                        "cosigned": cosigned.iter().map(|w| json!({"witness": w.witness.name, "time": w.timestamp})).collect::<Vec<_>>()});
                }
                j["anchors"] = anchors
                    .list
                    .iter()
                    .map(|a| json!({"anchor": a.kind, "size": a.size, "what": a.what}))
                    .collect();
                crate::cli::write_json_line(out, &j)?;
            } else {
                writeln!(
                    out,
                    "{}: {} events, head {}",
                    ctx.paint("intact", "32"),
                    v.events,
                    v.head
                )?;
                if let Some((c, signers, proof)) = &extends {
                    let names: Vec<String> = signers
                        .iter()
                        .map(|k| {
                            ledger
                                .registry()
                                .get(k)
                                .map(|s| s.holder.name.clone())
                                .unwrap_or_else(|| k.key_id())
                        })
                        .collect();
                    writeln!(
                        out,
                        "extends the checkpoint of {} events signed by {}: consistency proof of {proof} hashes verified",
                        c.size,
                        names.join(", ")
                    )?;
                    crate::cli::witness::print_cosigners(out, &cosigned)?;
                }
                for a in anchors.list.iter().filter(|a| a.kind != "checkpoint") {
                    writeln!(out, "extends {}", a.what)?;
                }
                match anchors.list.iter().max_by_key(|a| a.size) {
                    Some(a) => writeln!(
                        out,
                        "newest anchor: {} events of {}, {}",
                        a.size, v.events, a.kind
                    )?,
                    None => writeln!(
                        out,
                        "newest anchor: none (no checkpoint given or kept, and no head seen before)"
                    )?,
                }
            }
            if let Some(note) = anchors.remembered.filter(|_| format != Format::Json) {
                writeln!(out, "{note}")?;
            }
            Ok(())
        }
        Err(e @ sakip::Error::Integrity { .. }) => {
            if format == Format::Json {
                if let sakip::Error::Integrity { seq, reason } = &e {
                    crate::cli::write_json_line(
                        out,
                        &json!({"status": "failed", "seq": seq, "reason": reason}),
                    )?;
                }
            }
            // A damaged store can make sled's destructor spin; the verdict is
            // known, so leave without running it.
            std::mem::forget(ledger);
            Err(CliError::Lib(e))
        }
        Err(e) => Err(e.into()),
    }
}

/// One thing outside the events that the ledger was shown to extend.
struct Anchor {
    /// `checkpoint` (given), `kept-checkpoint` or `seen-head`.
    kind: &'static str,
    size: u64,
    /// In words, for the table.
    what: String,
}

struct Anchors {
    list: Vec<Anchor>,
    /// Where the head is now remembered, or why not.
    remembered: Option<String>,
}

/// The anchors beside a given checkpoint: the checkpoint the ledger keeps
/// from its last `sakip checkpoint`, and the head this user's sakip saw at
/// its last `verify` ([`super::seen`]); then remember this head.
fn anchors(
    ledger: &sakip::Ledger,
    given: Option<u64>,
    v: &sakip::verify::Verified,
) -> sakip::Result<Anchors> {
    let mut list = Vec::new();
    if let Some(size) = given {
        // Printed by the caller with its signers and proof.
        list.push(Anchor {
            kind: "checkpoint",
            size,
            what: format!("the checkpoint given of {size} events"),
        });
    }
    if let Some(text) = ledger.kept_checkpoint()? {
        let c = audit::parse_checkpoint("the kept checkpoint", &text)?;
        ledger.check_extends(&c)?;
        list.push(Anchor {
            kind: "kept-checkpoint",
            size: c.size,
            what: format!("its own latest checkpoint of {} events", c.size),
        });
    }
    let origin = ledger.origin()?;
    let mut remembered = None;
    if let Some(dir) = super::seen::state_dir() {
        let path = super::seen::path(&dir, &origin);
        if let Some(seen) = super::seen::load(&path, &origin)? {
            let who = format!(
                "this user's sakip on {} (remembered in {}; if an older copy was put back on purpose, remove that file)",
                seen.when,
                path.display()
            );
            audit::extends_seen(ledger, seen.head, &who)?;
            list.push(Anchor {
                kind: "seen-head",
                size: seen.head.size,
                what: format!(
                    "the head of {} events this user's sakip saw on {}",
                    seen.head.size, seen.when
                ),
            });
        }
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let head = audit::SeenHead {
            size: v.events,
            root: v.root,
        };
        remembered = Some(match super::seen::store(&path, &origin, head, &now) {
            Ok(()) => format!(
                "remembered this head of {} events in {}",
                v.events,
                path.display()
            ),
            Err(e) => format!("note: this head could not be remembered ({e})"),
        });
    }
    Ok(Anchors { list, remembered })
}
