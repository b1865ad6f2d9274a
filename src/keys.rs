//! Signing keys and key files.
//!
//! A private key file is an Ed25519 key in PKCS#8 PEM, created with mode
//! 0600; like ssh, this module refuses to read one that group or others can
//! read. The public key file (`FILE.pub`) is an SPKI PEM block, optionally
//! preceded by `Holder:`, `NIP:` and `Jabatan:` lines (RFC 7468 explanatory
//! text). Randomness is injected: callers pass the RNG.

use crate::event::{Holder, PublicKey};
use crate::{Error, Result};
use ed25519_dalek::pkcs8::{spki::der::pem::LineEnding, DecodePrivateKey, DecodePublicKey};
use ed25519_dalek::pkcs8::{EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use rand_core::{CryptoRng, RngCore};
use std::fs;

use std::path::{Path, PathBuf};

/// A private signing key with its public half.
#[derive(Clone)]
pub struct KeyPair {
    signing: SigningKey,
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyPair({})", self.public().key_id())
    }
}

impl KeyPair {
    /// A fresh key from the given cryptographic RNG.
    pub fn generate<R: RngCore + CryptoRng>(rng: &mut R) -> KeyPair {
        let mut seed = [0u8; 32];
        rng.fill_bytes(&mut seed);
        KeyPair::from_seed(seed)
    }

    /// A key from its 32-byte secret seed.
    pub fn from_seed(seed: [u8; 32]) -> KeyPair {
        KeyPair {
            signing: SigningKey::from_bytes(&seed),
        }
    }

    /// The public key.
    pub fn public(&self) -> PublicKey {
        PublicKey(self.signing.verifying_key().to_bytes())
    }

    /// Sign a message.
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.signing.sign(message).to_bytes()
    }

    /// The private key as PKCS#8 PEM.
    pub fn to_pem(&self) -> Result<String> {
        self.signing
            .to_pkcs8_pem(LineEnding::LF)
            .map(|pem| pem.to_string())
            .map_err(|e| Error::Input(format!("cannot encode private key: {e}")))
    }
}

/// Whoever signs an event's body: a key held here, or a signature made
/// elsewhere (another process, a browser) over a prepared body.
pub trait Signer {
    /// The author's public key.
    fn public(&self) -> PublicKey;
    /// A signature over `message` (the domain-tagged body).
    fn sign_message(&self, message: &[u8]) -> Result<[u8; 64]>;
}

impl Signer for KeyPair {
    fn public(&self) -> PublicKey {
        KeyPair::public(self)
    }

    fn sign_message(&self, message: &[u8]) -> Result<[u8; 64]> {
        Ok(self.sign(message))
    }
}

/// Verify an Ed25519 signature strictly (rejects small-order keys and
/// non-canonical signatures). Canonical key encoding is checked once, when
/// a key is registered ([`check_public`], in `authz`), not on every event.
pub fn verify_strict(key: &PublicKey, message: &[u8], signature: &[u8; 64]) -> Result<(), SignatureError> {
    let vk = VerifyingKey::from_bytes(&key.0).map_err(|_| SignatureError::NotAKey)?;
    verify_with(&vk, message, signature)
}

/// The strict check itself, with the key already decompressed.
fn verify_with(vk: &VerifyingKey, message: &[u8], signature: &[u8; 64]) -> Result<(), SignatureError> {
    let sig = ed25519_dalek::Signature::from_bytes(signature);
    vk.verify_strict(message, &sig)
        .map_err(|_| SignatureError::DoesNotVerify)
}

/// Public keys decompressed once, for checking many events: decompressing
/// the author's key is about a fifth of a strict verification, and a
/// ledger's events come from a handful of keys. The answers are those of
/// [`verify_strict`].
#[derive(Default)]
pub struct KeyCache {
    keys: std::collections::HashMap<PublicKey, Option<VerifyingKey>>,
}

/// Keys a [`KeyCache`] holds before it starts again (a forged store could
/// name a new key in every event).
const KEY_CACHE_MAX: usize = 4_096;

impl KeyCache {
    /// [`verify_strict`], with the key decompressed at most once.
    pub fn verify_strict(
        &mut self,
        key: &PublicKey,
        message: &[u8],
        signature: &[u8; 64],
    ) -> Result<(), SignatureError> {
        if self.keys.len() >= KEY_CACHE_MAX && !self.keys.contains_key(key) {
            self.keys.clear();
        }
        let vk = self
            .keys
            .entry(*key)
            .or_insert_with(|| VerifyingKey::from_bytes(&key.0).ok())
            .as_ref()
            .ok_or(SignatureError::NotAKey)?;
        verify_with(vk, message, signature)
    }
}

/// Why a signature was not accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The signer's bytes are not an Ed25519 public key.
    #[error("author is not a valid Ed25519 public key")]
    NotAKey,
    /// The signature is not a strict Ed25519 signature of the message by
    /// that key.
    #[error("signature does not verify")]
    DoesNotVerify,
}

/// Why a public key may not be registered.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Not a point on the curve.
    #[error("key {0} is not a point on the Ed25519 curve")]
    NotOnCurve(String),
    /// A small-order point, which anyone can sign for.
    #[error(
        "key {0} is a small-order point (such as the identity), which anyone can sign for; it is refused"
    )]
    SmallOrder(String),
    /// A non-canonical encoding of a point.
    #[error("key {0} is not canonically encoded; it is refused")]
    NotCanonical(String),
}

/// Whether a public key may be registered: a canonical encoding of a point
/// on the curve that is not of small order. A small-order key (the identity
/// among them) has signatures that verify for many messages, and a
/// non-canonical encoding lets two byte strings name one key.
pub fn check_public(key: &PublicKey) -> Result<(), KeyError> {
    let vk = VerifyingKey::from_bytes(&key.0).map_err(|_| KeyError::NotOnCurve(key.key_id()))?;
    if vk.is_weak() {
        return Err(KeyError::SmallOrder(key.key_id()));
    }
    if vk.to_edwards().compress().to_bytes() != key.0 {
        return Err(KeyError::NotCanonical(key.key_id()));
    }
    Ok(())
}

/// 32 random bytes, e.g. a new ledger's genesis nonce.
pub fn random_nonce<R: RngCore + CryptoRng>(rng: &mut R) -> [u8; 32] {
    let mut nonce = [0u8; 32];
    rng.fill_bytes(&mut nonce);
    nonce
}

/// The path of the public key file written beside a private key file.
pub fn public_path(private: &Path) -> PathBuf {
    let mut name = private.as_os_str().to_owned();
    name.push(".pub");
    PathBuf::from(name)
}

/// Write a new private key file (mode 0600, refusing to overwrite) and its
/// `.pub` file with the holder's details.
pub fn write_key_files(path: &Path, key: &KeyPair, holder: Option<&Holder>) -> Result<PathBuf> {
    let pem = key.to_pem()?;
    write_pair(path, pem.as_bytes(), &public_pem(&key.public(), holder)?)
}

/// Write a private key file (0600) and its `.pub` (0644), refusing before
/// anything is written when either exists (`fsutil`: never through a
/// symlink, never over a file).
fn write_pair(path: &Path, private_pem: &[u8], public: &str) -> Result<PathBuf> {
    use crate::fsutil::{stage, Existing};
    let pub_path = public_path(path);
    let private = stage(path, private_pem, Existing::Refuse, 0o600)?;
    let public = stage(&pub_path, public.as_bytes(), Existing::Refuse, 0o644)?;
    private.commit()?;
    public.commit()?;
    Ok(pub_path)
}

/// The text of a public key file.
pub fn public_pem(key: &PublicKey, holder: Option<&Holder>) -> Result<String> {
    let vk = VerifyingKey::from_bytes(&key.0)
        .map_err(|_| Error::Input("not a valid Ed25519 public key".into()))?;
    let pem = vk
        .to_public_key_pem(LineEnding::LF)
        .map_err(|e| Error::Input(format!("cannot encode public key: {e}")))?;
    let mut out = String::new();
    if let Some(h) = holder {
        out.push_str(&format!("Holder: {}\n", h.name));
        if let Some(nip) = &h.nip {
            out.push_str(&format!("NIP: {nip}\n"));
        }
        if let Some(jabatan) = &h.jabatan {
            out.push_str(&format!("Jabatan: {jabatan}\n"));
        }
    }
    out.push_str(&pem);
    Ok(out)
}

/// Write a new private key file protected by a passphrase (encrypted
/// PKCS#8: scrypt and AES-256-CBC), mode 0600, and its `.pub` file. `rng`
/// gives the salt and IV.
pub fn write_protected_key_files<R: RngCore + CryptoRng>(
    path: &Path,
    key: &KeyPair,
    holder: Option<&Holder>,
    passphrase: &str,
    rng: &mut R,
) -> Result<PathBuf> {
    if passphrase.chars().count() < 8 {
        return Err(Error::Input(
            "a key passphrase needs at least 8 characters".into(),
        ));
    }
    let pem = key
        .signing
        .to_pkcs8_encrypted_pem(rng, passphrase.as_bytes(), LineEnding::LF)
        .map_err(|e| Error::Input(format!("cannot encrypt the private key: {e}")))?;
    write_pair(path, pem.as_bytes(), &public_pem(&key.public(), holder)?)
}

/// Whether a private key file is protected by a passphrase.
pub fn is_protected(path: &Path) -> Result<bool> {
    let text = crate::limits::read_text(path, crate::limits::MAX_KEY_FILE_BYTES, "a key file")?;
    Ok(text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----"))
}

/// Read a private key file, refusing one that others can read; a protected
/// file needs its passphrase.
pub fn read_private_with(path: &Path, passphrase: Option<&str>) -> Result<KeyPair> {
    check_mode(path)?;
    let text = crate::limits::read_text(path, crate::limits::MAX_KEY_FILE_BYTES, "a key file")?;
    if !text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
        return parse_private(path, &text);
    }
    let Some(passphrase) = passphrase else {
        return Err(Error::KeyFile {
            path: path.into(),
            reason: "is protected by a passphrase; give it with --passphrase-env VAR or run in a terminal to be asked".into(),
        });
    };
    let signing =
        SigningKey::from_pkcs8_encrypted_pem(&text, passphrase.as_bytes()).map_err(|_| Error::KeyFile {
            path: path.into(),
            reason: "wrong passphrase, or the file is damaged".into(),
        })?;
    Ok(KeyPair { signing })
}

/// Read a private key file, refusing one that others can read.
pub fn read_private(path: &Path) -> Result<KeyPair> {
    read_private_with(path, None)
}

fn check_mode(path: &Path) -> Result<()> {
    let meta = fs::metadata(path).map_err(|e| Error::io(path, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(Error::KeyFile {
                path: path.into(),
                reason: format!(
                    "permissions {mode:04o} are too open: a private key must not be readable by \
                     group or others (run: chmod 600 {})",
                    path.display()
                ),
            });
        }
    }
    #[cfg(not(unix))]
    let _ = meta;
    Ok(())
}

fn parse_private(path: &Path, text: &str) -> Result<KeyPair> {
    let signing = SigningKey::from_pkcs8_pem(text).map_err(|e| Error::KeyFile {
        path: path.into(),
        reason: format!("not an Ed25519 PKCS#8 PEM private key ({e})"),
    })?;
    Ok(KeyPair { signing })
}

/// Read a public key file: its key and, when present, the holder lines.
pub fn read_public(path: &Path) -> Result<(PublicKey, Option<Holder>)> {
    let text = crate::limits::read_text(path, crate::limits::MAX_KEY_FILE_BYTES, "a key file")?;
    let bad = |reason: String| Error::KeyFile {
        path: path.into(),
        reason,
    };
    let begin = text
        .find("-----BEGIN PUBLIC KEY-----")
        .ok_or_else(|| bad("no '-----BEGIN PUBLIC KEY-----' block".into()))?;
    let vk = VerifyingKey::from_public_key_pem(&text[begin..])
        .map_err(|e| bad(format!("not an Ed25519 public key ({e})")))?;
    let mut holder: Option<Holder> = None;
    for line in text[..begin].lines() {
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f.trim(), v.trim().to_string()),
            None => continue,
        };
        match field {
            "Holder" => {
                holder = Some(Holder {
                    name: value,
                    nip: None,
                    jabatan: None,
                })
            }
            "NIP" => {
                if let Some(h) = holder.as_mut() {
                    h.nip = Some(value)
                }
            }
            "Jabatan" => {
                if let Some(h) = holder.as_mut() {
                    h.jabatan = Some(value)
                }
            }
            _ => {}
        }
    }
    let key = PublicKey(vk.to_bytes());
    check_public(&key).map_err(|e| bad(e.to_string()))?;
    Ok((key, holder))
}

/// The names of the published example keys (the people of the demo's
/// timeline, `examples/kediri-bkpsdm-2021/timeline.toml`; a test in
/// `example.rs` keeps the two lists equal).
pub const EXAMPLE_KEY_NAMES: [&str; 6] = [
    "sekretaris-admin",
    "kepala-approver",
    "sekretaris-operator",
    "kabid-mutasi-operator",
    "kabid-pengembangan-operator",
    "inspektorat-inspector",
];

/// The example key with this name (e.g. "kepala-approver"): its seed is
/// derived from the name, so it is public.
pub fn example_key(name: &str) -> KeyPair {
    use sha2::Digest;
    let seed: [u8; 32] = sha2::Sha256::digest(format!("sakip example key v1:{name}").as_bytes()).into();
    KeyPair::from_seed(seed)
}

/// Whether `key` is one of the published example keys. Their seeds are
/// public, so anyone can sign as them: they are accepted only in a ledger
/// whose genesis was signed by one (the demo), never in a real ledger.
pub fn is_example_key(key: &PublicKey) -> bool {
    static KEYS: std::sync::OnceLock<Vec<PublicKey>> = std::sync::OnceLock::new();
    KEYS.get_or_init(|| {
        EXAMPLE_KEY_NAMES
            .iter()
            .map(|n| example_key(n).public())
            .collect()
    })
    .contains(key)
}

#[cfg(test)]
mod public_key_tests {
    use super::*;

    #[test]
    fn small_order_and_non_canonical_keys_are_refused() {
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let err = check_public(&PublicKey(identity)).unwrap_err().to_string();
        assert!(err.contains("small-order"), "{err}");
        // y = p + y0 (p = 2^255 - 19) encodes the same point as y0.
        let mut refused = 0;
        for y0 in 2u8..19 {
            let mut bytes = [0xffu8; 32];
            bytes[31] = 0x7f;
            bytes[0] = 0xed + y0;
            if VerifyingKey::from_bytes(&bytes).is_ok_and(|vk| !vk.is_weak()) {
                let err = check_public(&PublicKey(bytes)).unwrap_err().to_string();
                assert!(err.contains("not canonically encoded"), "{err}");
                refused += 1;
            }
        }
        assert!(refused > 0, "some non-canonical point was tried");
        check_public(&KeyPair::from_seed([9; 32]).public()).unwrap();
    }
}
