//! `sakip key new|add|revoke|list`: key files and the ledger's key registry.

use crate::cli::{author_label, table, write_csv, CmdResult, Ctx, Format};
use sakip::authz::roles_text;
use sakip::event::{Holder, KeyAdded, KeyRevoked, Payload, Role};
use sakip::keys::{self, KeyPair};
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;

/// Manage signing keys: create key files, register keys with roles, revoke them.
#[derive(clap::Subcommand, Debug)]
pub enum KeyCommand {
    New(NewArgs),
    Add(AddArgs),
    Revoke(RevokeArgs),
    List,
}

/// Create a new Ed25519 key: FILE (private, PKCS#8 PEM, mode 0600) and FILE.pub.
///
/// The private key never leaves FILE; give FILE.pub to the ledger's admin,
/// who registers it with `sakip key add`.
#[derive(clap::Args, Debug)]
pub struct NewArgs {
    /// Where to write the private key (refuses to overwrite).
    #[arg(long)]
    pub out: PathBuf,
    /// Who holds it, written into FILE.pub.
    #[command(flatten)]
    pub holder: super::HolderArgs,
    /// Protect the private key with a passphrase (encrypted PKCS#8), from
    /// --passphrase-env VAR or asked twice on the terminal.
    #[arg(long)]
    pub protect: bool,
}

/// Register a public key with one or more roles (signed by an admin key).
///
/// Roles: admin (keys, plan), operator (records entries), approver (the head:
/// approves, issues reports), inspector (reviews, findings).
///
/// Example: sakip key add --public kabid.key.pub --role operator --name "Kabid Mutasi"
#[derive(clap::Args, Debug)]
pub struct AddArgs {
    /// The public key file (FILE.pub from `sakip key new`).
    #[arg(long)]
    pub public: PathBuf,
    /// Role(s), repeatable or comma-separated.
    #[arg(long = "role", value_enum, value_delimiter = ',', required = true)]
    pub roles: Vec<RoleArg>,
    /// Who holds it.
    #[command(flatten)]
    pub holder: super::HolderArgs,
}

/// Revoke a key: it may sign nothing after this event (signed by an admin key).
#[derive(clap::Args, Debug)]
pub struct RevokeArgs {
    /// Key id (at least 8 hex digits, as `sakip key list` shows).
    pub key_id: String,
    /// Why the key is revoked.
    #[arg(long)]
    pub reason: String,
}

/// A role on the command line.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum RoleArg {
    Admin,
    Operator,
    Approver,
    Inspector,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Role {
        match r {
            RoleArg::Admin => Role::Admin,
            RoleArg::Operator => Role::Operator,
            RoleArg::Approver => Role::Approver,
            RoleArg::Inspector => Role::Inspector,
        }
    }
}

pub fn run(ctx: &Ctx, cmd: KeyCommand, out: &mut dyn Write) -> CmdResult {
    match cmd {
        KeyCommand::New(a) => new(ctx, a, out),
        KeyCommand::Add(a) => add(ctx, a, out),
        KeyCommand::Revoke(a) => revoke(ctx, a, out),
        KeyCommand::List => list(ctx, out),
    }
}

fn new(ctx: &Ctx, args: NewArgs, out: &mut dyn Write) -> CmdResult {
    let key = KeyPair::generate(&mut rand_core::OsRng);
    let given = args.holder;
    let holder = given.name.map(|name| Holder {
        name,
        nip: given.nip,
        jabatan: given.jabatan,
    });
    let pub_path = if args.protect {
        let passphrase = ctx.passphrase("New passphrase: ")?;
        if ctx.global.passphrase_env.is_none() && ctx.passphrase("Repeat the passphrase: ")? != passphrase {
            return Err(sakip::Error::Input("the two passphrases differ".into()).into());
        }
        keys::write_protected_key_files(
            &args.out,
            &key,
            holder.as_ref(),
            &passphrase,
            &mut rand_core::OsRng,
        )?
    } else {
        keys::write_key_files(&args.out, &key, holder.as_ref())?
    };
    writeln!(
        out,
        "key id {}\nprivate key {} (mode 0600)\npublic key {}",
        key.public().key_id(),
        args.out.display(),
        pub_path.display()
    )?;
    Ok(())
}

fn add(ctx: &Ctx, args: AddArgs, out: &mut dyn Write) -> CmdResult {
    let signer = ctx.signer()?;
    let (key, from_file) = keys::read_public(&args.public)?;
    let public = args.public.display().to_string();
    let holder = args.holder.or_from(from_file.as_ref()).holder_or(|| {
        Err(sakip::Error::Input(format!("--name is required ({public} names no holder)")).into())
    })?;
    let roles: Vec<Role> = args.roles.into_iter().map(Role::from).collect();
    let mut ledger = ctx.open_ledger()?;
    let done = ledger.append(&signer, Payload::KeyAdded(KeyAdded { key, holder, roles }))?;
    writeln!(out, "seq {}: key {} added", done.seq, key.key_id())?;
    Ok(())
}

fn revoke(ctx: &Ctx, args: RevokeArgs, out: &mut dyn Write) -> CmdResult {
    let signer = ctx.signer()?;
    let mut ledger = ctx.open_ledger()?;
    let key = ledger.registry().find(&args.key_id)?;
    let done = ledger.append(
        &signer,
        Payload::KeyRevoked(KeyRevoked {
            key,
            reason: args.reason,
        }),
    )?;
    writeln!(out, "seq {}: key {} revoked", done.seq, key.key_id())?;
    Ok(())
}

fn list(ctx: &Ctx, out: &mut dyn Write) -> CmdResult {
    let format = ctx.require_format(
        "key list",
        &[Format::Table, Format::Json, Format::Jsonl, Format::Csv],
    )?;
    let ledger = ctx.open_ledger()?;
    let mut states: Vec<_> = ledger.registry().iter().collect();
    states.sort_by_key(|(_, s)| s.added_seq);
    if crate::cli::is_json(format) {
        let mut list = crate::cli::JsonList::new(format);
        for (key, s) in states {
            list.push(
                out,
                &json!({
                    "key_id": key.key_id(),
                    "public_key": key.to_hex(),
                    "name": s.holder.name,
                    "nip": s.holder.nip,
                    "jabatan": s.holder.jabatan,
                    "roles": s.roles,
                    "added_seq": s.added_seq,
                    "revoked_seq": s.revoked_seq,
                    "revoke_reason": s.revoke_reason,
                }),
            )?;
        }
        return list.finish(out);
    }
    let rows: Vec<Vec<String>> = states
        .iter()
        .map(|(key, s)| {
            vec![
                key.key_id(),
                roles_text(&s.roles),
                author_label(&ledger, key),
                s.holder.nip.clone().unwrap_or_default(),
                s.holder.jabatan.clone().unwrap_or_default(),
                s.added_seq.to_string(),
                s.revoked_seq
                    .map(|r| format!("revoked at {r}"))
                    .unwrap_or_else(|| "active".into()),
            ]
        })
        .collect();
    let header = ["key id", "roles", "holder", "NIP", "jabatan", "added", "status"];
    if format == Format::Csv {
        return write_csv(out, &header, &rows);
    }
    out.write_all(table(&header, &rows).as_bytes())?;
    Ok(())
}
