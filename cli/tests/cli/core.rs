//! The ledger core through the binary: init, keys, approvals, verify, and
//! every way a store can be tampered with.

use crate::support::{s, Env};
use sakip::codec::{self, Frame, Unsigned};
use sakip::keys::KeyPair;

#[test]
fn init_keys_approve_verify() {
    let env = Env::new();
    let keys = env.standard();
    let out = env.ok(&["--key", s(&keys.kepala), "approve", "2", "--comment", "Sesuai SK"]);
    assert_eq!(out, "seq 3: approve 2\n");
    // Seq 1 registered the kepala's own key: another approver decides it.
    let (code, _, err) = env.run(&["--key", s(&keys.kepala), "approve", "1"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("its own registration"), "{err}");
    let out = env.ok(&["verify"]);
    let (count, head) = env.head();
    assert_eq!(count, 4);
    assert!(
        out.starts_with(&format!("intact: 4 events, head {head}\n")),
        "{out}"
    );
    assert!(
        out.contains("newest anchor: none") && out.contains("remembered this head of 4 events"),
        "{out}"
    );
    // The next verify checks the ledger against the head it remembered.
    let out = env.ok(&["verify"]);
    assert!(
        out.contains("extends the head of 4 events this user's sakip saw")
            && out.contains("newest anchor: 4 events of 4, seen-head"),
        "{out}"
    );
    let json: serde_json::Value = serde_json::from_str(&env.ok(&["verify", "--format", "json"])).unwrap();
    assert_eq!(json["status"], "intact");
    assert_eq!(json["events"], 4);

    let log = env.ok(&["log", "--format", "jsonl"]);
    let lines: Vec<serde_json::Value> = log.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 4);
    for (i, l) in lines.iter().enumerate() {
        assert_eq!(l["seq"], i as u64);
        for field in ["hash", "kind", "author", "recorded_at"] {
            assert!(l.get(field).is_some(), "log json lacks {field}");
        }
    }
    assert_eq!(lines[3]["kind"], "approval");
    assert_eq!(lines[3]["recorded_at"], "2022-01-10T02:00:00Z");
    let list = env.ok(&["key", "list"]);
    assert!(
        list.contains("Kepala BKPSDM") && list.contains("approver"),
        "{list}"
    );
}

#[test]
fn key_new_writes_a_private_file_only_its_owner_can_read() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    let out = env.ok(&["key", "new", "--out", "k.key", "--name", "Kabid", "--nip", "1980"]);
    assert!(out.starts_with("key id "), "{out}");
    let mode = std::fs::metadata(env.path("k.key")).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let private = std::fs::read_to_string(env.path("k.key")).unwrap();
    assert!(private.starts_with("-----BEGIN PRIVATE KEY-----"));
    let (key, holder) = sakip::keys::read_public(&env.path("k.key.pub")).unwrap();
    assert_eq!(holder.unwrap().name, "Kabid");
    assert_eq!(out.lines().next().unwrap(), format!("key id {}", key.key_id()));
    // Refuses to overwrite.
    let (code, _, err) = env.run(&["key", "new", "--out", "k.key"]);
    assert_eq!(code, 1, "{err}");
}

#[test]
fn world_readable_private_key_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    let admin = env.key("admin.key", 1, "Admin");
    std::fs::set_permissions(&admin, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (code, _, err) = env.run(&[
        "init",
        "--agency-code",
        "X",
        "--agency-name",
        "Y",
        "--key",
        s(&admin),
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("too open") && err.contains("chmod 600"), "{err}");
    assert!(!env.ledger().join("store").exists(), "nothing may be created");
}

#[test]
fn key_outside_its_role_is_refused_and_nothing_appended() {
    let env = Env::new();
    let keys = env.standard();
    let before = env.head();
    // An operator may not approve.
    let (code, _, err) = env.run(&["--key", s(&keys.operator), "approve", "1"]);
    assert_eq!(code, 1);
    assert!(err.contains("needs role approver"), "{err}");
    // An approver may not add keys.
    let (code, _, err) = env.run(&[
        "--key",
        s(&keys.kepala),
        "key",
        "add",
        "--public",
        "operator.key.pub",
        "--role",
        "admin",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("needs role admin"), "{err}");
    // An unknown key may do nothing.
    let stranger = env.key("stranger.key", 9, "Stranger");
    let (code, _, err) = env.run(&["--key", s(&stranger), "approve", "1"]);
    assert_eq!(code, 1);
    assert!(err.contains("not registered"), "{err}");
    assert_eq!(env.head(), before);
}

#[test]
fn revoked_key_is_refused() {
    let env = Env::new();
    let keys = env.standard();
    let kepala_id = sakip::keys::read_public(&env.path("kepala-approver.key.pub"))
        .unwrap()
        .0
        .key_id();
    env.ok(&[
        "--key",
        s(&keys.admin),
        "key",
        "revoke",
        &kepala_id[..10],
        "--reason",
        "Mutasi jabatan",
    ]);
    let before = env.head();
    let (code, _, err) = env.run(&["--key", s(&keys.kepala), "approve", "2"]);
    assert_eq!(code, 1);
    assert!(err.contains("revoked at seq 3"), "{err}");
    assert_eq!(env.head(), before);
    // A revoked key cannot be registered again.
    let (code, _, err) = env.run(&[
        "--key",
        s(&keys.admin),
        "key",
        "add",
        "--public",
        "kepala-approver.key.pub",
        "--role",
        "approver",
    ]);
    assert_eq!(code, 1, "{err}");
    // The last admin cannot be revoked.
    let admin_id = sakip::keys::read_public(&env.path("admin.key.pub"))
        .unwrap()
        .0
        .key_id();
    let (code, _, err) = env.run(&[
        "--key",
        s(&keys.admin),
        "key",
        "revoke",
        &admin_id,
        "--reason",
        "x",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("last active admin"), "{err}");
    env.ok(&["verify"]);
}

#[test]
fn approval_of_a_missing_event_is_refused() {
    let env = Env::new();
    let keys = env.standard();
    let (code, _, err) = env.run(&["--key", s(&keys.kepala), "approve", "17"]);
    assert_eq!(code, 1);
    assert!(err.contains("seq 17"), "{err}");
    let (code, _, _) = env.run(&["--key", s(&keys.kepala), "approve", "0"]);
    assert_eq!(code, 1, "genesis is not approvable");
}

#[test]
fn second_process_gets_ledger_in_use() {
    let env = Env::new();
    env.standard();
    let held =
        sakip::ledger::Ledger::open(&env.ledger(), std::sync::Arc::new(sakip::clock::SystemClock)).unwrap();
    // SAKIP_LOCK_WAIT=0: refused at once.
    let out = env
        .sakip()
        .env("SAKIP_LOCK_WAIT", "0")
        .arg("verify")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(err.contains("ledger in use"), "{err}");
    // Otherwise it says it waits, and gives up cleanly when the wait ends.
    let out = env
        .sakip()
        .env("SAKIP_LOCK_WAIT", "1")
        .arg("verify")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        err.contains("waiting up to 1 s") && err.contains("ledger in use"),
        "{err}"
    );
    drop(held);
    env.ok(&["verify"]);
}

/// Build a 5-event ledger and return the env (seqs 0..=4).
fn five() -> (Env, crate::support::Keys) {
    let env = Env::new();
    let keys = env.standard();
    // Seq 1 registered the kepala's own key, which it may not approve.
    env.ok(&["--key", s(&keys.kepala), "approve", "2"]);
    env.ok(&["--key", s(&keys.kepala), "approve", "2"]);
    (env, keys)
}

fn verify_fails_at(env: &Env, seq: u64, what: &str) {
    let (code, _, err) = env.run(&["verify"]);
    assert_eq!(code, 3, "verify should fail: {err}");
    assert!(
        err.contains(&format!("at seq {seq}")),
        "expected seq {seq}: {err}"
    );
    assert!(err.contains(what), "expected '{what}': {err}");
}

#[test]
fn payload_changed_in_store_is_detected() {
    let (env, _) = five();
    {
        let (db, events) = env.raw_events();
        let mut bytes = events.get(3u64.to_be_bytes()).unwrap().unwrap().to_vec();
        let at = codec::HEADER_LEN + 4; // the decision, after the kind
        bytes[at] = 1; // approve -> reject
        events.insert(3u64.to_be_bytes(), bytes).unwrap();
        db.flush().unwrap();
    }
    verify_fails_at(&env, 3, "signature does not verify");
}

#[test]
fn broken_link_is_detected_even_when_resigned() {
    let (env, _) = five();
    {
        let (db, events) = env.raw_events();
        let bytes = events.get(4u64.to_be_bytes()).unwrap().unwrap().to_vec();
        let event = codec::decode(&bytes).unwrap();
        let kepala = KeyPair::from_seed([2; 32]);
        let body = codec::encode_body(&Unsigned {
            seq: 4,
            prev: sakip::event::EventHash([7; 32]),
            recorded_at: event.recorded_at,
            author: kepala.public(),
            payload: &event.payload,
        })
        .unwrap();
        let sig = kepala.sign(&codec::signing_message(&body));
        events
            .insert(4u64.to_be_bytes(), [body, sig.to_vec()].concat())
            .unwrap();
        db.flush().unwrap();
    }
    verify_fails_at(&env, 4, "prev link");
}

#[test]
fn removed_event_is_detected() {
    let (env, _) = five();
    {
        let (db, events) = env.raw_events();
        events.remove(2u64.to_be_bytes()).unwrap();
        db.flush().unwrap();
    }
    verify_fails_at(&env, 2, "missing");
}

#[test]
fn removed_tail_is_detected_against_the_head() {
    let (env, _) = five();
    {
        let (db, events) = env.raw_events();
        events.remove(4u64.to_be_bytes()).unwrap();
        db.flush().unwrap();
    }
    verify_fails_at(&env, 4, "head records 5 events but 4 are stored");
}

#[test]
fn swapped_events_are_detected() {
    let (env, _) = five();
    {
        let (db, events) = env.raw_events();
        let a = events.get(1u64.to_be_bytes()).unwrap().unwrap();
        let b = events.get(2u64.to_be_bytes()).unwrap().unwrap();
        events.insert(1u64.to_be_bytes(), b).unwrap();
        events.insert(2u64.to_be_bytes(), a).unwrap();
        db.flush().unwrap();
    }
    verify_fails_at(&env, 1, "says it is event 2");
}

#[test]
fn event_resigned_by_an_unauthorized_key_is_detected() {
    let (env, _) = five();
    {
        let (db, events) = env.raw_events();
        let bytes = events.get(3u64.to_be_bytes()).unwrap().unwrap().to_vec();
        let frame = Frame::parse(&bytes).unwrap();
        let event = frame.decode().unwrap();
        // The operator re-signs the approval as if it were its own.
        let operator = KeyPair::from_seed([3; 32]);
        let body = codec::encode_body(&Unsigned {
            seq: 3,
            prev: frame.prev(),
            recorded_at: event.recorded_at,
            author: operator.public(),
            payload: &event.payload,
        })
        .unwrap();
        let sig = operator.sign(&codec::signing_message(&body));
        events
            .insert(3u64.to_be_bytes(), [body, sig.to_vec()].concat())
            .unwrap();
        db.flush().unwrap();
    }
    // Its hash changed too, but the first thing wrong is the authorization.
    verify_fails_at(&env, 3, "unauthorized event");
}

#[test]
fn garbage_in_store_is_an_integrity_error_not_a_panic() {
    let (env, _) = five();
    {
        let (db, events) = env.raw_events();
        events.insert(2u64.to_be_bytes(), vec![1u8; 10]).unwrap();
        db.flush().unwrap();
    }
    verify_fails_at(&env, 2, "truncated");
    let (code, _, err) = env.run(&["log"]);
    assert_eq!(code, 3, "{err}");
}

#[test]
fn usage_errors_exit_2_and_missing_ledger_exits_1() {
    let env = Env::new();
    let (code, _, _) = env.run(&["approve"]);
    assert_eq!(code, 2);
    let (code, _, err) = env.run(&["verify"]);
    assert_eq!(code, 1);
    assert!(err.contains("no ledger"), "{err}");
    let (code, _, _) = env.run(&["verify", "--format", "html"]);
    assert_eq!(code, 2);
}

#[test]
fn show_by_seq_and_by_hash() {
    let (env, _) = five();
    let (_, head) = env.head();
    let by_hash: serde_json::Value =
        serde_json::from_str(&env.ok(&["show", &head.to_hex(), "--format", "json"])).unwrap();
    let by_seq: serde_json::Value =
        serde_json::from_str(&env.ok(&["show", "4", "--format", "json"])).unwrap();
    assert_eq!(by_hash, by_seq);
    assert_eq!(by_seq["payload"]["covers"], serde_json::json!([2]));
}

#[test]
fn a_passphrase_protected_key_signs_only_with_its_passphrase() {
    let env = Env::new();
    let keys = env.standard();
    let out = env
        .sakip()
        .args([
            "key",
            "new",
            "--out",
            "kepala2.key",
            "--name",
            "Kepala Baru",
            "--protect",
            "--passphrase-env",
            "KEY_PASS",
        ])
        .env("KEY_PASS", "rahasia-kediri-2021")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let pem = std::fs::read_to_string(env.path("kepala2.key")).unwrap();
    assert!(pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"), "{pem}");
    env.ok(&[
        "--key",
        s(&keys.admin),
        "key",
        "add",
        "--public",
        "kepala2.key.pub",
        "--role",
        "approver",
    ]);

    let approve = |pass: Option<&str>| {
        let mut cmd = env.sakip();
        cmd.args(["--key", "kepala2.key", "approve", "1"]);
        if let Some(p) = pass {
            cmd.args(["--passphrase-env", "KEY_PASS"]).env("KEY_PASS", p);
        }
        let out = cmd.output().unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let before = env.head();
    let (code, err) = approve(Some("salah"));
    assert_eq!(code, 1);
    assert!(err.contains("wrong passphrase"), "{err}");
    let (code, err) = approve(None);
    assert_eq!(code, 1);
    assert!(err.contains("protected by a passphrase"), "{err}");
    assert_eq!(env.head(), before);
    let (code, err) = approve(Some("rahasia-kediri-2021"));
    assert_eq!(code, 0, "{err}");

    // A damaged key file is a clear error too.
    let mut damaged = pem.clone();
    damaged.replace_range(60..70, "AAAAAAAAAA");
    std::fs::write(env.path("kepala2.key"), damaged).unwrap();
    let (code, err) = approve(Some("rahasia-kediri-2021"));
    assert_eq!(code, 1);
    assert!(
        err.contains("kepala2.key") && err.contains("wrong passphrase, or the file is damaged"),
        "{err}"
    );
    let garbage = env.write("garbage.key", "bukan kunci\n");
    std::fs::set_permissions(&garbage, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let (code, _, err) = env.run(&["--key", &garbage, "approve", "1"]);
    assert_eq!(code, 1);
    assert!(err.contains("not an Ed25519 PKCS#8 PEM private key"), "{err}");
}
