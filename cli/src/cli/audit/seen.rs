//! The heads this user's sakip has seen, one file per ledger in the user's
//! own state directory (`$SAKIP_STATE_DIR`, else `$XDG_STATE_HOME/sakip`,
//! else `~/.local/state/sakip`; `SAKIP_STATE_DIR=` empty turns it off).
//! `sakip verify` checks that the ledger extends the head it saw last and
//! then remembers the new one, so a ledger cut back or forked since (an old
//! backup put back, sled's log cut short together with the head mark) is
//! an integrity failure on this machine even with no inspector at hand.
//! It is outside the ledger directory on purpose: whoever can edit the
//! store and its head mark need not be able to edit this user's files.
//!
//! Format (`heads/<origin with / as _>`):
//! `sakip-seen-head/1\n<origin>\n<size>\n<root, base64>\n<when, RFC 3339>\n`.

use base64::Engine;
use sakip::service::audit::SeenHead;
use std::path::{Path, PathBuf};

const MAGIC: &str = "sakip-seen-head/1";

/// The state directory, or `None` when remembering is turned off.
pub fn state_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("SAKIP_STATE_DIR") {
        return (!dir.is_empty()).then(|| PathBuf::from(dir));
    }
    if let Some(dir) = std::env::var_os("XDG_STATE_HOME").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("sakip"));
    }
    std::env::var_os("HOME")
        .filter(|d| !d.is_empty())
        .map(|h| PathBuf::from(h).join(".local/state/sakip"))
}

/// The file remembering `origin`'s head under `dir`.
pub fn path(dir: &Path, origin: &str) -> PathBuf {
    let name: String = origin
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    dir.join("heads").join(name)
}

/// A remembered head: what was seen, and when.
pub struct Remembered {
    pub head: SeenHead,
    pub when: String,
}

/// The head remembered at `path`, if any.
pub fn load(path: &Path, origin: &str) -> sakip::Result<Option<Remembered>> {
    if !path.exists() {
        return Ok(None);
    }
    let text = sakip::limits::read_text(path, 4096, "a remembered head")?;
    let bad = || {
        sakip::Error::Input(format!(
            "{} is not a head remembered by sakip (remove it to start remembering again)",
            path.display()
        ))
    };
    let lines: Vec<&str> = text.lines().collect();
    let [magic, o, size, root, when] = lines[..] else {
        return Err(bad());
    };
    if magic != MAGIC || o != origin {
        return Err(bad());
    }
    let size = size.parse().map_err(|_| bad())?;
    let root: [u8; 32] = base64::engine::general_purpose::STANDARD
        .decode(root)
        .ok()
        .and_then(|r| r.try_into().ok())
        .ok_or_else(bad)?;
    Ok(Some(Remembered {
        head: SeenHead { size, root },
        when: when.to_string(),
    }))
}

/// Remember `head` of `origin` at `path` (a new file in place of the old,
/// so a crash leaves the old or the new one).
pub fn store(path: &Path, origin: &str, head: SeenHead, when: &str) -> sakip::Result<()> {
    let io = |e| sakip::Error::io(path, e);
    let parent = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(io)?;
    let text = format!(
        "{MAGIC}\n{origin}\n{}\n{}\n{when}\n",
        head.size,
        base64::engine::general_purpose::STANDARD.encode(head.root)
    );
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}
