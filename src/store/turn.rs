//! Taking turns with a long-running holder of a ledger (`sakip serve`).
//!
//! A ledger is open in one process at a time. A server holds its ledgers
//! open for as long as it runs, so beside it a command would wait for
//! ever. Instead the holder listens on a Unix socket in the ledger
//! directory ([`SOCKET`], mode 0600: the same OS user who could stop the
//! server); a command that finds the ledger in use connects, sends
//! `release\n`, and the holder closes its store, answers `released\n` and
//! waits. The command opens the ledger as usual (its lock, its checks) and
//! keeps the connection open inside its [`Store`](super::Store); when the
//! command ends and the connection closes, the holder opens the ledger
//! again, reading the head and registry afresh from disk. Meanwhile the
//! holder's own users wait for the ledger, exactly as a second command
//! would. Nothing about the ledger's content travels over the socket.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The socket's file name in the ledger directory.
pub const SOCKET: &str = "serve.sock";

/// How long a command waits for the holder to answer.
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);

/// A turn lent by the holder: the ledger is released to this process
/// until the value is dropped.
#[derive(Debug)]
pub struct Turn {
    #[cfg(unix)]
    _conn: std::os::unix::net::UnixStream,
}

/// Ask the process holding the ledger in `dir` to release it for a turn.
/// `None` when no holder listens there or it did not agree in time (then
/// wait for the lock as usual).
pub fn ask(dir: &Path) -> Option<Turn> {
    #[cfg(unix)]
    {
        let mut conn = std::os::unix::net::UnixStream::connect(dir.join(SOCKET)).ok()?;
        conn.set_read_timeout(Some(ANSWER_TIMEOUT)).ok()?;
        conn.write_all(b"release\n").ok()?;
        let mut answer = [0u8; 9];
        conn.read_exact(&mut answer).ok()?;
        (&answer == b"released\n").then_some(Turn { _conn: conn })
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        None
    }
}

/// A process that asked for a turn, seen from the holder.
pub struct Borrower {
    #[cfg(unix)]
    conn: std::os::unix::net::UnixStream,
}

impl Borrower {
    /// Tell the borrower the ledger is released (the holder has closed its
    /// store), then wait until it is done with it (its connection closes).
    pub fn hand_over(mut self) {
        #[cfg(unix)]
        {
            if self.conn.write_all(b"released\n").is_err() {
                return;
            }
            let mut buf = [0u8; 64];
            while let Ok(n) = self.conn.read(&mut buf) {
                if n == 0 {
                    break;
                }
            }
        }
        #[cfg(not(unix))]
        let _ = &mut self;
    }
}

/// Listen for turn requests on `dir`'s socket in a thread of its own and
/// call `lend` with each borrower, one at a time: `lend` closes its store,
/// calls [`Borrower::hand_over`], and opens the store again. A stale socket
/// file (no holder listening) is replaced. Returns the socket's path.
pub fn lend_on_request(dir: &Path, lend: impl Fn(Borrower) + Send + 'static) -> std::io::Result<PathBuf> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        use std::os::unix::net::{UnixListener, UnixStream};
        let path = dir.join(SOCKET);
        if path.exists() {
            if UnixStream::connect(&path).is_ok() {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::AddrInUse,
                    format!("another process listens on {}", path.display()),
                ));
            }
            std::fs::remove_file(&path)?;
        }
        let listener = UnixListener::bind(&path)?;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
        std::thread::Builder::new()
            .name("sakip-turns".into())
            .spawn(move || {
                for conn in listener.incoming() {
                    let Ok(mut conn) = conn else { continue };
                    let _ = conn.set_read_timeout(Some(ANSWER_TIMEOUT));
                    let mut request = [0u8; 8];
                    if conn.read_exact(&mut request).is_err() || &request != b"release\n" {
                        continue;
                    }
                    let _ = conn.set_read_timeout(None);
                    lend(Borrower { conn });
                }
            })?;
        Ok(path)
    }
    #[cfg(not(unix))]
    {
        let _ = lend;
        Err(std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            format!("taking turns needs Unix sockets ({})", dir.display()),
        ))
    }
}
