//! A damaged store: bytes flipped in sled's own data file, at many offsets.
//! Every command must end promptly with either a correct answer (the bytes
//! were not in use) or a clear integrity error, exit 3: never a panic, never
//! a hang. And a damaged ledger can be restored from an exported bundle.

use assert_cmd::cargo::CommandCargoExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

fn sakip(ledger: &Path, args: &[&str]) -> (i32, String, String) {
    let child = Command::cargo_bin("sakip")
        .unwrap()
        .env("SAKIP_LEDGER", ledger)
        .env("SAKIP_STATE_DIR", ledger.with_extension("state"))
        .env("NO_COLOR", "1")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(out) => {
            let out = out.unwrap();
            (
                out.status.code().unwrap_or(-1),
                String::from_utf8_lossy(&out.stdout).into_owned(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            )
        }
        Err(_) => {
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
            panic!("sakip {args:?} hung on a damaged store");
        }
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let t = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &t);
        } else {
            std::fs::copy(e.path(), &t).unwrap();
        }
    }
}

#[test]
fn flipped_bytes_give_an_answer_or_an_integrity_error_never_a_panic_or_hang() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    let out = Command::cargo_bin("sakip")
        .unwrap()
        .args(["demo", "--dir"])
        .arg(&demo)
        .output()
        .unwrap();
    assert!(out.status.success());
    let pristine = demo.join("ledger");
    // The verdict line (the lines after it name this copy's own files).
    let verdict = |out: &str| out.lines().next().unwrap_or_default().to_string();
    let (_, good_verify, _) = sakip(&pristine, &["verify"]);
    let good_verify = verdict(&good_verify);
    let (_, good_status, _) = sakip(&pristine, &["status", "--year", "2021", "--format", "json"]);
    let bundle = dir.path().join("bundle");
    assert_eq!(
        sakip(&pristine, &["export", "--out", bundle.to_str().unwrap()]).0,
        0
    );

    let data = std::fs::read(pristine.join("store/db")).unwrap();
    let used = data.iter().rposition(|b| *b != 0).unwrap() + 1;
    let mut detected = 0;
    let offsets: Vec<usize> = (0..20).map(|i| i * used / 20).collect();
    for (n, &offset) in offsets.iter().enumerate() {
        let ledger = dir.path().join(format!("damaged-{n}"));
        copy_dir(&pristine, &ledger);
        let db = ledger.join("store/db");
        let mut bytes = std::fs::read(&db).unwrap();
        for b in bytes.iter_mut().skip(offset).take(16) {
            *b ^= 0x5a;
        }
        std::fs::write(&db, &bytes).unwrap();
        for args in [
            &["verify"][..],
            &["status", "--year", "2021", "--format", "json"],
            &["log", "--format", "json"],
        ] {
            let (code, stdout, stderr) = sakip(&ledger, args);
            match code {
                0 => {
                    // The flipped bytes were not in use: the answer must be the true one.
                    if args[0] == "verify" {
                        assert_eq!(
                            verdict(&stdout),
                            good_verify,
                            "offset {offset}: verify passed with a different answer"
                        );
                    }
                    if args[0] == "status" {
                        assert_eq!(stdout, good_status, "offset {offset}: status gave a wrong answer");
                    }
                }
                3 => {
                    assert!(
                        stderr.starts_with("error: integrity failure"),
                        "offset {offset} {args:?}: unclear error {stderr}"
                    );
                    detected += 1;
                }
                other => panic!("offset {offset} {args:?}: exit {other}: {stderr}"),
            }
        }
        std::fs::remove_dir_all(&ledger).unwrap();
    }
    assert!(detected > 0, "no damage was detected at any offset");

    // Recovery: a new ledger from the bundle, identical to the original.
    let restored = dir.path().join("restored");
    let (code, out, err) = sakip(&restored, &["restore", bundle.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(verdict(&sakip(&restored, &["verify"]).1), good_verify);
    assert_eq!(
        sakip(&restored, &["status", "--year", "2021", "--format", "json"]).1,
        good_status
    );
}

/// A store put back to an older state that agrees with itself (an old
/// backup copied over the store, or sled's log cut back to an older
/// complete transaction with the snapshots deleted): its own head record
/// is the older one, so only the head mark beside the store tells. Every
/// command refuses it, exit 3, naming the mark; with the mark removed on
/// purpose the older copy opens again.
#[test]
fn a_store_put_back_to_an_older_state_is_caught_by_the_head_mark() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    let out = Command::cargo_bin("sakip")
        .unwrap()
        .args(["demo", "--dir"])
        .arg(&demo)
        .output()
        .unwrap();
    assert!(out.status.success());
    let ledger = demo.join("ledger");
    let old = dir.path().join("old-store");
    copy_dir(&ledger.join("store"), &old);
    let key = demo.join("keys/kabid-mutasi-operator.key");
    let (code, _, err) = sakip(
        &ledger,
        &[
            "--key",
            key.to_str().unwrap(),
            "record",
            "realisasi",
            "--indicator",
            "IKU-1.1",
            "--period",
            "2022-Q1",
            "--value",
            "21,5",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let (code, intact, _) = sakip(&ledger, &["verify"]);
    assert_eq!(code, 0, "{intact}");
    std::fs::remove_dir_all(ledger.join("store")).unwrap();
    copy_dir(&old, &ledger.join("store"));
    for args in [&["verify"][..], &["status", "--year", "2021"][..]] {
        let (code, out, err) = sakip(&ledger, args);
        assert_eq!(code, 3, "{args:?} on a store put back: {out}{err}");
        assert!(
            err.contains("HEAD-MARK") && err.contains("cut off the end"),
            "{err}"
        );
    }
    // An attacker removes the mark as well: the head this user's sakip
    // saw at its last verify, kept outside the ledger, still tells.
    std::fs::remove_file(ledger.join("HEAD-MARK")).unwrap();
    let (code, out, err) = sakip(&ledger, &["verify"]);
    assert_eq!(code, 3, "a put-back copy without its mark: {out}{err}");
    assert!(
        err.contains("this user's sakip") && err.contains("cut off the end"),
        "{err}"
    );
    // The older copy on purpose: remove both, and it verifies.
    std::fs::remove_dir_all(ledger.with_extension("state")).unwrap();
    let (code, out, err) = sakip(&ledger, &["verify"]);
    assert_eq!(code, 0, "the older copy, on purpose: {out}{err}");
    assert!(out.contains("remembered this head"), "{out}");
}

/// Damage to any file of the store, not only the data file: overwritten
/// at its start, cut to half its length, or removed. Each command ends with
/// the true answer (the file was not needed) or an integrity error, exit 3,
/// never another exit code: a damaged `conf` once gave exit 4.
#[test]
fn damage_to_any_file_of_the_store_is_an_integrity_error() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    let out = Command::cargo_bin("sakip")
        .unwrap()
        .args(["demo", "--dir"])
        .arg(&demo)
        .output()
        .unwrap();
    assert!(out.status.success());
    let pristine = demo.join("ledger");
    // The verdict line (the lines after it name this copy's own files).
    let verdict = |out: &str| out.lines().next().unwrap_or_default().to_string();
    let (_, good_verify, _) = sakip(&pristine, &["verify"]);
    let good_verify = verdict(&good_verify);
    let files: Vec<String> = std::fs::read_dir(pristine.join("store"))
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        files.iter().any(|f| f == "conf") && files.iter().any(|f| f == "db"),
        "{files:?}"
    );
    let mut detected = Vec::new();
    for file in &files {
        for damage in ["overwritten", "halved", "removed", "rewritten"] {
            if damage == "rewritten" && file != "conf" {
                continue;
            }
            let ledger = dir.path().join(format!("damaged-{file}-{damage}"));
            copy_dir(&pristine, &ledger);
            let path = ledger.join("store").join(file);
            let mut bytes = std::fs::read(&path).unwrap();
            match damage {
                "overwritten" => {
                    for b in bytes.iter_mut().take(16) {
                        *b ^= 0x5a;
                    }
                    std::fs::write(&path, &bytes).unwrap();
                }
                "halved" => std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap(),
                // Another setting with a valid checksum: sled refuses it as
                // "Unsupported", which was once exit 4.
                "rewritten" => {
                    let text = String::from_utf8(bytes[..bytes.len() - 4].to_vec()).unwrap();
                    let text = text.replace("use_compression: false", "use_compression: true");
                    let crc = crc32fast::hash(text.as_bytes());
                    std::fs::write(&path, [text.as_bytes(), &crc.to_le_bytes()].concat()).unwrap();
                }
                _ => std::fs::remove_file(&path).unwrap(),
            }
            let (code, stdout, stderr) = sakip(&ledger, &["verify"]);
            match code {
                0 => assert_eq!(
                    verdict(&stdout),
                    good_verify,
                    "{file} {damage}: a different answer"
                ),
                3 => {
                    assert!(
                        stderr.starts_with("error: integrity failure"),
                        "{file} {damage}: {stderr}"
                    );
                    detected.push(format!("{file} {damage}"));
                }
                other => panic!("{file} {damage}: exit {other}: {stderr}"),
            }
        }
    }
    assert!(
        detected.iter().any(|d| d.starts_with("conf ")) && detected.iter().any(|d| d.starts_with("db ")),
        "{detected:?}"
    );
}

/// The cut the way it was done: sled's log zeroed past the point where the
/// last appends began and its snapshot files deleted, so sled replays to an
/// older complete transaction with its own older head record. The head
/// mark catches it; with the mark deleted too, the head this user's sakip
/// saw at its last verify does; a verifier that never saw the ledger sees
/// an intact older ledger, which only a checkpoint can tell from the
/// truth (docs/security.md).
#[test]
fn a_log_cut_back_is_caught_by_the_head_mark_and_then_by_the_head_seen() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    let out = Command::cargo_bin("sakip")
        .unwrap()
        .args(["demo", "--dir"])
        .arg(&demo)
        .output()
        .unwrap();
    assert!(out.status.success());
    let ledger = demo.join("ledger");
    let db = ledger.join("store/db");
    let before = std::fs::read(&db).unwrap();
    let used = before.iter().rposition(|b| *b != 0).unwrap() + 1;
    // Verified once before the cut: this user's sakip remembers the head.
    let (code, _, _) = sakip(&ledger, &["verify"]);
    assert_eq!(code, 0);
    let key = demo.join("keys/kabid-mutasi-operator.key");
    for q in 1..=3 {
        let (code, _, err) = sakip(
            &ledger,
            &[
                "--key",
                key.to_str().unwrap(),
                "record",
                "realisasi",
                "--indicator",
                "IKU-1.1",
                "--period",
                &format!("2022-Q{q}"),
                "--value",
                "21",
            ],
        );
        assert_eq!(code, 0, "{err}");
    }
    let (code, intact, _) = sakip(&ledger, &["verify"]);
    assert_eq!(code, 0, "{intact}");
    let mut bytes = std::fs::read(&db).unwrap();
    for b in bytes.iter_mut().skip(used) {
        *b = 0;
    }
    std::fs::write(&db, &bytes).unwrap();
    for e in std::fs::read_dir(ledger.join("store")).unwrap() {
        let p = e.unwrap().path();
        if p.file_name().unwrap().to_string_lossy().starts_with("snap.") {
            std::fs::remove_file(p).unwrap();
        }
    }
    let (code, _, err) = sakip(&ledger, &["verify"]);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("HEAD-MARK") && err.contains("cut off the end"),
        "{err}"
    );
    std::fs::remove_file(ledger.join("HEAD-MARK")).unwrap();
    let (code, _, err) = sakip(&ledger, &["verify"]);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("this user's sakip") && err.contains("cut off the end"),
        "{err}"
    );
    // Someone who never verified it: an older ledger that agrees with itself.
    let fresh = Command::cargo_bin("sakip")
        .unwrap()
        .env("SAKIP_LEDGER", &ledger)
        .env("SAKIP_STATE_DIR", dir.path().join("fresh-state"))
        .arg("verify")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&fresh.stdout);
    assert!(
        fresh.status.success()
            && out.starts_with("intact: ")
            && !out.starts_with(intact.lines().next().unwrap()),
        "{out}{}",
        String::from_utf8_lossy(&fresh.stderr)
    );
}
