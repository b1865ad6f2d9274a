//! The PostgreSQL peer: what an agency would otherwise run, a web
//! application storing the same signed, chained events in PostgreSQL,
//! measured on the same workloads in the same run.
//!
//! The peer starts a private server of its own (`initdb` and `pg_ctl` from
//! PATH or `/usr/lib/postgresql/*/bin`, a Unix socket in the scratch
//! directory, no TCP) with the durable settings (fsync, synchronous_commit,
//! full_page_writes on), and stops it when done. Its client is compiled Rust
//! (the `postgres` crate) signing with the same Ed25519 library and the
//! same event encoding as sakip, so the comparison is fair to the peer:
//!
//! - `events (seq PRIMARY KEY, hash UNIQUE, kind, recorded_at, author, body,
//!   signature)` with an index on `(kind, seq)`;
//! - `projection (year, kind, indicator, quarter, seq, value)` with a unique
//!   index on `(year, kind, indicator, quarter, seq DESC) INCLUDE (value)`,
//!   which answers "the latest version at or before seq N" from the index;
//! - `head (count, hash)`, re-read `FOR UPDATE` in every transaction, so two
//!   writers cannot fork the chain.
//!
//! It does less than sakip: no authorization registry, no plan rules, no
//! Merkle tree, no bundles.

use sakip::codec::{self, Unsigned};
use sakip::event::{EventHash, Payload};
use sakip::keys::KeyPair;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// A private PostgreSQL server in a scratch directory.
pub struct Server {
    data: PathBuf,
    socket: PathBuf,
    bin: PathBuf,
    /// Run the server's programs as this user (when sakip runs as root,
    /// which PostgreSQL refuses).
    user: Option<String>,
    log: PathBuf,
}

/// Where `initdb` and `pg_ctl` are: PATH first, then Debian's directory.
fn find_bin() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p).find(|d| d.join("initdb").is_file() && d.join("pg_ctl").is_file())
    });
    if on_path.is_some() {
        return on_path;
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|d| d.join("initdb").is_file() && d.join("pg_ctl").is_file())
        .collect();
    versions.sort();
    versions.pop()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

impl Server {
    /// Start a server in `dir`; `Err` says why there is none (not
    /// installed, or it would not start).
    pub fn start(dir: &Path) -> Result<Server, String> {
        let bin = find_bin().ok_or(
            "PostgreSQL is not installed (no initdb and pg_ctl on PATH or in /usr/lib/postgresql/*/bin)",
        )?;
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let user = if is_root() {
            Some("postgres".to_string())
        } else {
            None
        };
        let data = dir.join("data");
        let socket = dir.join("socket");
        std::fs::create_dir_all(&socket).map_err(|e| format!("{}: {e}", socket.display()))?;
        if let Some(u) = &user {
            // The server's user must reach its directories.
            let mut d = Some(dir);
            while let Some(p) = d {
                let _ = Command::new("chmod").arg("o+x").arg(p).status();
                d = p.parent();
            }
            let status = Command::new("chown")
                .args(["-R", &format!("{u}:")])
                .arg(dir)
                .status()
                .map_err(|e| format!("chown: {e}"))?;
            if !status.success() {
                return Err(format!("cannot give {} to the user {u}", dir.display()));
            }
        }
        let server = Server {
            log: dir.join("server.log"),
            data,
            socket,
            bin,
            user,
        };
        server.run(
            "initdb",
            &[
                "-D",
                &server.data.display().to_string(),
                "-U",
                "sakip",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-instructions",
            ],
        )?;
        let options = format!(
            "-c listen_addresses='' -k {} -c fsync=on -c synchronous_commit=on -c full_page_writes=on -c shared_buffers=128MB",
            server.socket.display()
        );
        server.run(
            "pg_ctl",
            &[
                "-D",
                &server.data.display().to_string(),
                "-l",
                &server.log.display().to_string(),
                "-w",
                "-o",
                &options,
                "start",
            ],
        )?;
        Ok(server)
    }

    fn run(&self, program: &str, args: &[&str]) -> Result<(), String> {
        let path = self.bin.join(program);
        let mut cmd = match &self.user {
            Some(u) => {
                let mut c = Command::new("runuser");
                c.args(["-u", u, "--"]).arg(&path);
                c
            }
            None => Command::new(&path),
        };
        let out = cmd
            .args(args)
            .current_dir("/")
            .output()
            .map_err(|e| format!("{}: {e}", path.display()))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{program} failed: {}{}",
                String::from_utf8_lossy(&out.stderr).trim(),
                String::from_utf8_lossy(&out.stdout).trim()
            ))
        }
    }

    /// A client on the server's socket.
    pub fn connect(&self) -> Result<postgres::Client, String> {
        postgres::Config::new()
            .host_path(&self.socket)
            .user("sakip")
            .dbname("postgres")
            .connect(postgres::NoTls)
            .map_err(|e| format!("connecting to the peer: {e}"))
    }

    /// The server's data directory size: tables, indexes and WAL.
    pub fn data_bytes(&self) -> u64 {
        crate::measure::dir_bytes(&self.data)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.run(
            "pg_ctl",
            &["-D", &self.data.display().to_string(), "-m", "fast", "-w", "stop"],
        );
    }
}

/// What the peer measured.
#[derive(Clone, Debug)]
pub struct Figures {
    pub import_rate: f64,
    pub single_p50: f64,
    pub single_p99: f64,
    pub asof_p50: f64,
    pub asof_p99: f64,
    pub verify_rate: f64,
    /// Table and index bytes per event (heap + indexes + TOAST).
    pub table_bytes_per_event: f64,
    /// WAL written per event during the import.
    pub wal_bytes_per_event: f64,
    pub events: u64,
}

fn err(e: postgres::Error) -> String {
    format!("peer: {e}")
}

const SCHEMA: &str = "
CREATE TABLE head (id int PRIMARY KEY, count bigint NOT NULL, hash bytea NOT NULL);
INSERT INTO head VALUES (1, 0, decode(repeat('00', 32), 'hex'));
CREATE TABLE events (
  seq bigint PRIMARY KEY, hash bytea NOT NULL UNIQUE, kind int NOT NULL,
  recorded_at bigint NOT NULL, author bytea NOT NULL, body bytea NOT NULL, signature bytea NOT NULL);
CREATE INDEX events_kind ON events (kind, seq);
CREATE TABLE projection (
  year int NOT NULL, kind int NOT NULL, indicator text NOT NULL, quarter int NOT NULL,
  seq bigint NOT NULL, value bytea NOT NULL);
CREATE UNIQUE INDEX projection_asof ON projection (year, kind, indicator, quarter, seq DESC) INCLUDE (value);
";

/// The projection kind of a realisation and its corrections: the peer keeps
/// every version of a figure under one key and asks for the latest.
const REALISATION: i32 = 1;

/// A connected peer with its schema: appends and queries.
pub struct Peer<'a> {
    server: &'a Server,
    client: postgres::Client,
    key: KeyPair,
    clock: i64,
}

impl<'a> Peer<'a> {
    /// Connect to `server` and create the tables; events are signed with `key`.
    pub fn new(server: &'a Server, key: KeyPair) -> Result<Peer<'a>, String> {
        let mut client = server.connect()?;
        client.batch_execute(SCHEMA).map_err(err)?;
        Ok(Peer {
            server,
            client,
            key,
            clock: 1_700_000_000_000_000,
        })
    }

    /// One transaction: re-read the head under a lock, sign and insert each
    /// payload with its projection row, move the head.
    pub fn append(&mut self, payloads: &[Payload]) -> Result<(), String> {
        let mut tx = self.client.transaction().map_err(err)?;
        let row = tx
            .query_one("SELECT count, hash FROM head WHERE id = 1 FOR UPDATE", &[])
            .map_err(err)?;
        let mut count: i64 = row.get(0);
        let prev: Vec<u8> = row.get(1);
        let mut prev = EventHash(prev.try_into().map_err(|_| "peer: a head hash is 32 bytes")?);
        let insert = tx
            .prepare("INSERT INTO events VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .map_err(err)?;
        let project = tx
            .prepare("INSERT INTO projection VALUES ($1, $2, $3, $4, $5, $6)")
            .map_err(err)?;
        let author = self.key.public();
        for payload in payloads {
            self.clock += 1_000;
            let body = codec::encode_body(&Unsigned {
                seq: count as u64,
                prev,
                recorded_at: self.clock,
                author,
                payload,
            })
            .map_err(|e| format!("peer: {e}"))?;
            let signature = self.key.sign(&codec::signing_message(&body));
            let stored = [body.as_slice(), signature.as_slice()].concat();
            let hash = codec::hash_stored(&stored);
            tx.execute(
                &insert,
                &[
                    &count,
                    &hash.0.as_slice(),
                    &(payload.kind().number() as i32),
                    &self.clock,
                    &author.0.as_slice(),
                    &body,
                    &signature.as_slice(),
                ],
            )
            .map_err(err)?;
            let figure = match payload {
                Payload::RealisationRecorded(r) => Some((&r.indicator, r.period, &r.value)),
                Payload::RealisationCorrected(r) => Some((&r.indicator, r.period, &r.value)),
                _ => None,
            };
            if let Some((indicator, period, value)) = figure {
                let value = codec::to_bytes(value).map_err(|e| format!("peer: {e}"))?;
                tx.execute(
                    &project,
                    &[
                        &i32::from(period.year),
                        &REALISATION,
                        indicator,
                        &i32::from(period.quarter),
                        &count,
                        &value,
                    ],
                )
                .map_err(err)?;
            }
            prev = hash;
            count += 1;
        }
        tx.execute(
            "UPDATE head SET count = $1, hash = $2 WHERE id = 1",
            &[&count, &prev.0.as_slice()],
        )
        .map_err(err)?;
        tx.commit().map_err(err)
    }

    /// Events in the peer.
    pub fn count(&mut self) -> Result<u64, String> {
        let n: i64 = self
            .client
            .query_one("SELECT count FROM head WHERE id = 1", &[])
            .map_err(err)?
            .get(0);
        Ok(n as u64)
    }

    /// The latest version of every figure of `year` known at the head, `runs`
    /// times: each query's time in ms.
    pub fn asof_times(&mut self, year: u16, runs: usize) -> Result<Vec<f64>, String> {
        let head = self.count()? as i64;
        let query = self.client.prepare(ASOF).map_err(err)?;
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs.max(1) {
            let t = Instant::now();
            let rows = self
                .client
                .query(&query, &[&i32::from(year), &REALISATION, &(head - 1)])
                .map_err(err)?;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            if rows.is_empty() {
                return Err(format!("peer: the as-of query of {year} found nothing"));
            }
        }
        Ok(times)
    }

    /// The as-of query from a new connection, as a new request of a web
    /// application would make it (the server is up): connect, query, in ms.
    pub fn fresh_asof(&mut self, year: u16) -> Result<f64, String> {
        let head = self.count()? as i64;
        let t = Instant::now();
        let mut client = self.server.connect()?;
        let rows = client
            .query(ASOF, &[&i32::from(year), &REALISATION, &(head - 1)])
            .map_err(err)?;
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        if rows.is_empty() {
            return Err(format!("peer: the as-of query of {year} found nothing"));
        }
        Ok(ms)
    }

    /// Table and index bytes per event (after VACUUM ANALYZE).
    pub fn table_bytes_per_event(&mut self) -> Result<f64, String> {
        self.client.batch_execute("VACUUM ANALYZE").map_err(err)?;
        let bytes: i64 = self
            .client
            .query_one(
                "SELECT pg_total_relation_size('events') + pg_total_relation_size('projection') + pg_total_relation_size('head')",
                &[],
            )
            .map_err(err)?
            .get(0);
        Ok(bytes as f64 / self.count()?.max(1) as f64)
    }

    /// Bytes of WAL written so far.
    fn wal(&mut self) -> Result<i64, String> {
        self.client
            .query_one("SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint", &[])
            .map(|r| r.get::<_, i64>(0))
            .map_err(err)
    }

    /// Verify every event on every core (chain and strict signatures).
    pub fn verify_rate(&mut self) -> Result<f64, String> {
        let count = self.count()?;
        verify(self.server, count)
    }
}

const ASOF: &str = "SELECT DISTINCT ON (indicator, quarter) indicator, quarter, value FROM projection \
                    WHERE year = $1 AND kind = $2 AND seq <= $3 ORDER BY indicator, quarter, seq DESC";

/// Run the peer's workloads on `payloads` (imported in transactions of
/// `batch`), then one transaction per payload of `single`, the as-of query
/// of `year` at the head `queries` times, and a full verification on every
/// core.
pub fn measure(
    server: &Server,
    key: &KeyPair,
    payloads: &[Payload],
    batch: usize,
    single: &[Payload],
    year: u16,
    queries: usize,
) -> Result<Figures, String> {
    let mut peer = Peer::new(server, key.clone())?;
    let wal_before = peer.wal()?;
    let t = Instant::now();
    for chunk in payloads.chunks(batch.max(1)) {
        peer.append(chunk)?;
    }
    let import_rate = payloads.len() as f64 / t.elapsed().as_secs_f64().max(1e-9);
    let wal_bytes = (peer.wal()? - wal_before).max(0) as f64;
    let mut singles = Vec::with_capacity(single.len());
    for p in single {
        let t = Instant::now();
        peer.append(std::slice::from_ref(p))?;
        singles.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let mut asof = peer.asof_times(year, queries)?;
    let table_bytes_per_event = peer.table_bytes_per_event()?;
    let verify_rate = peer.verify_rate()?;
    Ok(Figures {
        import_rate,
        single_p50: crate::measure::percentile(&mut singles.clone(), 50),
        single_p99: crate::measure::percentile(&mut singles, 99),
        asof_p50: crate::measure::percentile(&mut asof.clone(), 50),
        asof_p99: crate::measure::percentile(&mut asof, 99),
        verify_rate,
        table_bytes_per_event,
        wal_bytes_per_event: wal_bytes / payloads.len().max(1) as f64,
        events: peer.count()?,
    })
}

/// Read every event in seq order on every core (one connection each, a
/// range of seqs each) and check what sakip's verify checks of the chain:
/// the stored hash, `prev` against the event before, strict Ed25519.
fn verify(server: &Server, count: u64) -> Result<f64, String> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    let per = count.div_ceil(cores).max(1);
    let t = Instant::now();
    let results: Vec<Result<(), String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..cores)
            .map(|i| {
                scope.spawn(move || -> Result<(), String> {
                    let from = i * per;
                    let to = ((i + 1) * per).min(count);
                    if from >= to {
                        return Ok(());
                    }
                    let mut client = server.connect()?;
                    // The hash before the range, to check the first prev.
                    let mut prev = if from == 0 {
                        EventHash([0; 32])
                    } else {
                        let h: Vec<u8> = client
                            .query_one("SELECT hash FROM events WHERE seq = $1", &[&((from - 1) as i64)])
                            .map_err(err)?
                            .get(0);
                        EventHash(h.try_into().map_err(|_| "peer: a hash is 32 bytes")?)
                    };
                    let mut tx = client.transaction().map_err(err)?;
                    let portal = tx
                        .bind(
                            "SELECT seq, hash, body, signature FROM events WHERE seq >= $1 AND seq < $2 ORDER BY seq",
                            &[&(from as i64), &(to as i64)],
                        )
                        .map_err(err)?;
                    loop {
                        let rows = tx.query_portal(&portal, 10_000).map_err(err)?;
                        if rows.is_empty() {
                            break;
                        }
                        for row in rows {
                            let seq: i64 = row.get(0);
                            let hash: &[u8] = row.get(1);
                            let body: &[u8] = row.get(2);
                            let signature: &[u8] = row.get(3);
                            let stored = [body, signature].concat();
                            let frame = codec::Frame::parse(&stored).map_err(|e| format!("peer seq {seq}: {e}"))?;
                            if frame.hash().0.as_slice() != hash || frame.prev() != prev {
                                return Err(format!("peer seq {seq}: the chain is broken"));
                            }
                            sakip::keys::verify_strict(
                                &frame.author(),
                                &codec::signing_message(frame.body()),
                                &frame.signature(),
                            )
                            .map_err(|e| format!("peer seq {seq}: {e}"))?;
                            prev = frame.hash();
                        }
                    }
                    tx.commit().map_err(err)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("peer: a verifier panicked".into()))
            })
            .collect()
    });
    for r in results {
        r?;
    }
    Ok(count as f64 / t.elapsed().as_secs_f64().max(1e-9))
}
