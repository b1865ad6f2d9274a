//! Appending: the entry points, each batch committed in one durable
//! transaction.

use super::*;

impl Ledger {
    /// Append one event signed by `signer`; durable when this returns.
    pub fn append(&mut self, signer: &KeyPair, payload: Payload) -> Result<Appended> {
        let mut done = self.append_all(vec![(signer, payload)])?;
        Ok(done.remove(0))
    }

    /// Append a batch atomically: either every event is appended, with one
    /// durability point, or none is (the first refusal is returned).
    pub fn append_all(&mut self, items: Vec<(&KeyPair, Payload)>) -> Result<Vec<Appended>> {
        let many = items.len() > 1;
        let labelled = items
            .into_iter()
            .enumerate()
            .map(|(i, (k, p))| {
                let label = if many {
                    format!("item {} of the batch", i + 1)
                } else {
                    String::new()
                };
                (k, p, label)
            })
            .collect();
        self.append_labelled(labelled)
    }

    /// Like [`Ledger::append_all`], with a label per item (such as
    /// "plan.toml [[target]] #3" or "realisasi.csv:7") that names the item in
    /// a refusal.
    pub fn append_labelled(&mut self, items: Vec<(&KeyPair, Payload, String)>) -> Result<Vec<Appended>> {
        if items.is_empty() {
            return Ok(vec![]);
        }
        let (staged, head, registry) = self.stage(&items, None)?;
        self.commit(&staged, head, registry)?;
        Ok(appended(&staged))
    }

    /// A dry run of [`Ledger::append_labelled`]: every check an append makes
    /// (authorization, time, plan rules, labels in refusals), and the seqs
    /// the events would get, with nothing written.
    pub fn check_labelled(&self, items: Vec<(&KeyPair, Payload, String)>) -> Result<Vec<Appended>> {
        if items.is_empty() {
            return Ok(vec![]);
        }
        let (staged, _, _) = self.stage(&items, None)?;
        Ok(appended(&staged))
    }

    /// Make staged events durable, then take them in: the head, the key
    /// registry and the year figures this process keeps.
    pub(super) fn commit(&mut self, staged: &[Staged], head: Head, registry: Registry) -> Result<()> {
        self.store.commit(staged, head)?;
        // The right edge moves on by the nodes the sealing made.
        let kept = self.frontier.get_mut().unwrap_or_else(|e| e.into_inner());
        if let Some(f) = kept.as_mut() {
            if !staged.iter().all(|s| f.push_made(&s.merkle)) {
                *kept = None;
            }
        }
        self.years.apply(staged.iter().flat_map(|s| &s.proj));
        self.registry = registry;
        self.head = Some(head);
        Ok(())
    }

    /// Append `batches` one after another, each atomic and durable on its
    /// own, as [`Ledger::append_labelled`] would append them one by one,
    /// but with each batch's commit running on a thread of its own beside
    /// the checks and signing of the next (at most one batch waits for
    /// its commit).
    ///
    /// The batches of one call are checked as one import: a refusal names
    /// its item by its label, and the batches before it stay appended
    /// (the refusal says how many events they hold). Nothing of the
    /// refused batch, or of any after it, is appended. Each batch is one
    /// transaction of the store, as in `sakip import --per-transaction`.
    pub fn append_batches<S: Signer + Sync + ?Sized>(
        &mut self,
        batches: &[Vec<(&S, Payload, String)>],
    ) -> Result<Vec<Appended>> {
        let start = self.head;
        let stored = start.map_or(0, |h| h.count);
        let mut seal = Sealer::new(
            start.map_or(EventHash::ZERO, |h| h.hash),
            self.frontier_at(stored)?,
        );
        let mut checker = Checker::new(self, 0, String::new());
        let this = &*self;
        let (staging, (done, committing), registries) = std::thread::scope(|scope| {
            // A rendezvous: a staged batch is handed over only once the
            // commit before it is done.
            let (send, receive) = std::sync::mpsc::sync_channel::<(Vec<Staged>, Head)>(0);
            // What a committed transaction leaves for the ledger's memory:
            // where its events landed, its index entries, its head.
            let committer = scope.spawn(move || {
                let mut done = Vec::new();
                for (staged, head) in receive {
                    if let Err(e) = this.store.commit(&staged, head) {
                        return (done, Err(e));
                    }
                    let landed = appended(&staged);
                    let proj: Vec<_> = staged.into_iter().flat_map(|s| s.proj).collect();
                    done.push((landed, proj, head));
                }
                (done, Ok(()))
            });
            let mut last = start;
            let mut registries = Vec::new();
            let mut staging = Ok(());
            for items in batches.iter().filter(|b| !b.is_empty()) {
                let now = this.stamp(last);
                let count = last.map_or(0, |h| h.count);
                let before = count - stored;
                checker.now = now;
                checker.suffix = match before {
                    0 => "; nothing was appended".into(),
                    n => format!("; nothing of its transaction was appended; the {n} events of the transactions before it were"),
                };
                let staged = this
                    .check_time(now, last)
                    .and_then(|()| Self::stage_into(items, count, &mut checker, &mut seal));
                let staged = match staged {
                    Ok(staged) => staged,
                    Err(e) => {
                        staging = Err(e);
                        break;
                    }
                };
                let head = Head {
                    count: count + staged.len() as u64,
                    hash: staged.last().map_or(EventHash::ZERO, |s| s.hash),
                    recorded_at: now,
                };
                last = Some(head);
                registries.push(checker.registry.clone());
                // A closed channel means the commit before failed, which
                // the join returns.
                if send.send((staged, head)).is_err() {
                    break;
                }
            }
            drop(send);
            let committed = committer
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (staging, committed, registries)
        });
        drop(checker);
        let mut appended_all = Vec::new();
        for ((appended, proj, head), registry) in done.into_iter().zip(registries) {
            self.years.apply(&proj);
            self.registry = registry;
            self.head = Some(head);
            appended_all.extend(appended);
        }
        // The right edge is kept only when every batch staged was committed.
        let committed = self.head.map_or(0, |h| h.count);
        *self.frontier.get_mut().unwrap_or_else(|e| e.into_inner()) =
            (seal.frontier.size() == committed).then_some(seal.frontier);
        // A failed commit comes before any later refusal.
        committing?;
        staging?;
        Ok(appended_all)
    }
}

pub(super) fn appended(staged: &[Staged]) -> Vec<Appended> {
    staged
        .iter()
        .map(|s| Appended {
            seq: s.seq,
            hash: s.hash,
        })
        .collect()
}
