//! `sakip init`: create a ledger with its genesis event.

use crate::cli::{CmdResult, Ctx};
use sakip::event::Genesis;
use sakip::event::{AgencySettings, Payload, TimeZone};
use sakip::keys;
use sakip::ledger::Ledger;
use std::io::Write;

/// Create a new ledger for an agency (OPD).
///
/// The genesis event names the agency and registers the signing key (--key)
/// as the first admin. The holder's name, NIP and jabatan come from the flags
/// or from the key's .pub file.
///
/// Example: sakip --ledger ./kediri init --agency-code 4.01.03 \
///   --agency-name "BKPSDM Kota Kediri" --key admin.key
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Agency code (kode OPD).
    #[arg(long)]
    pub agency_code: String,
    /// Agency name.
    #[arg(long)]
    pub agency_name: String,
    /// The first admin, who signs the genesis event.
    #[command(flatten)]
    pub holder: super::HolderArgs,
    /// The agency's time zone (WIB, WITA or WIT): times are shown in it and
    /// dates typed without a zone are read in it. Stored times stay UTC; an
    /// admin can change it later with `sakip settings --time-zone`.
    #[arg(long, default_value = "WIB", value_parser = parse_zone)]
    pub time_zone: TimeZone,
}

/// WIB, WITA or WIT.
pub fn parse_zone(text: &str) -> Result<TimeZone, String> {
    TimeZone::from_name(text).ok_or_else(|| format!("'{text}' is not WIB, WITA or WIT"))
}

pub fn run(ctx: &Ctx, args: Args, out: &mut dyn Write) -> CmdResult {
    let admin = ctx.signer()?;
    let from_pub = ctx
        .global
        .key
        .as_deref()
        .map(keys::public_path)
        .filter(|p| p.exists())
        .and_then(|p| keys::read_public(&p).ok())
        .and_then(|(_, h)| h);
    let holder = args
        .holder
        .or_from(from_pub.as_ref())
        .holder_or(|| Ok("admin".into()))?;
    for (field, value) in [
        ("--agency-code", &args.agency_code),
        ("--agency-name", &args.agency_name),
    ] {
        if value.trim().is_empty() {
            return Err(sakip::Error::Input(format!("{field} is empty")).into());
        }
    }
    let genesis = Genesis {
        agency_code: args.agency_code,
        agency_name: args.agency_name,
        admin: holder,
        nonce: Some(sakip::keys::random_nonce(&mut rand_core::OsRng)),
    };
    let mut ledger = Ledger::init(&ctx.global.ledger, ctx.clock.clone(), &admin, genesis)?;
    if args.time_zone != TimeZone::Wib {
        ledger.append(
            &admin,
            Payload::AgencySettings(AgencySettings {
                time_zone: args.time_zone,
            }),
        )?;
    }
    let head = ledger.head();
    writeln!(
        out,
        "created ledger {} (genesis {}), admin key {}",
        ctx.global.ledger.display(),
        head.hash,
        admin.public().key_id()
    )?;
    Ok(())
}
