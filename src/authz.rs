//! Authorization: which key may append which event.
//!
//! The [`Registry`] is the key state folded from key events. The same
//! [`Registry::check`] runs at append time (to refuse) and in `verify` (to
//! flag), so the two can never disagree. Rules (see `docs/authorization.md`):
//! genesis only at seq 0; every later event is signed by a registered key
//! that is not revoked and holds the kind's role.

use crate::event::{Holder, Kind, Payload, PublicKey, Role};
use bincode::{Decode, Encode};
use std::collections::BTreeMap;

/// Why the registry refuses an event.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// The author is not a key of this ledger.
    #[error("key {key_id} is not registered in this ledger")]
    NotRegistered {
        /// The author's key id.
        key_id: String,
    },
    /// The author's key was revoked.
    #[error("key {key_id} ({holder}) was revoked at seq {at}")]
    Revoked {
        /// The author's key id.
        key_id: String,
        /// Its holder's name.
        holder: String,
        /// The seq of the revocation.
        at: u64,
    },
    /// The author lacks the role the event's kind needs.
    #[error("key {key_id} ({holder}) has role(s) {roles} but {kind} needs role {needs}")]
    MissingRole {
        /// The author's key id.
        key_id: String,
        /// Its holder's name.
        holder: String,
        /// The roles it has, as text.
        roles: String,
        /// The event's kind.
        kind: &'static str,
        /// The role the kind needs.
        needs: Role,
    },
    /// An approval or rejection of the author's own entry.
    #[error("seq {covered} was signed by this same key ({key_id}): no key may decide on its own entry (segregation of duties)")]
    OwnEntry {
        /// The entry decided on.
        covered: u64,
        /// The author's key id.
        key_id: String,
    },
    /// Any other rule of the registry (genesis first, a key's encoding,
    /// roles listed, the last admin kept).
    #[error("{0}")]
    Rule(String),
}

impl Denied {
    /// Whether the refusal is about who signed (rather than what).
    pub fn is_authorization(&self) -> bool {
        !matches!(self, Denied::Rule(_))
    }
}

impl From<String> for Denied {
    fn from(reason: String) -> Self {
        Denied::Rule(reason)
    }
}

impl From<&str> for Denied {
    fn from(reason: &str) -> Self {
        Denied::Rule(reason.into())
    }
}

impl From<crate::keys::KeyError> for Denied {
    fn from(e: crate::keys::KeyError) -> Self {
        Denied::Rule(e.to_string())
    }
}

/// The role an event kind requires of its author (`None` for genesis, which
/// is self-signed by the first admin).
pub fn required_role(kind: Kind) -> Option<Role> {
    match kind {
        Kind::Genesis => None,
        Kind::KeyAdded | Kind::KeyRevoked => Some(Role::Admin),
        Kind::Approval | Kind::ReportIssued => Some(Role::Approver),
        Kind::PlanItemDefined
        | Kind::IndicatorDefined
        | Kind::TargetSet
        | Kind::TargetRevised
        | Kind::BudgetSet
        | Kind::BudgetRevised
        | Kind::PlanItemRetired
        | Kind::IndicatorRetired
        | Kind::AgencySettings => Some(Role::Admin),
        Kind::RealisationRecorded
        | Kind::RealisationCorrected
        | Kind::SpendingRecorded
        | Kind::NarrativeRecorded
        | Kind::DocumentTextRecorded => Some(Role::Operator),
        Kind::SignatoryRecorded => Some(Role::Admin),
    }
}

/// What the ledger knows about one key. Persisted in the store's key index.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct KeyState {
    /// Who holds the key.
    pub holder: Holder,
    /// The roles it was registered with.
    pub roles: Vec<Role>,
    /// Seq of the event that registered the key (0 for the genesis admin).
    pub added_seq: u64,
    /// Seq of the revocation, if revoked.
    pub revoked_seq: Option<u64>,
    /// Why it was revoked.
    pub revoke_reason: Option<String>,
}

impl KeyState {
    /// Whether the key may sign an event at `seq` in `role`.
    pub fn may_act(&self, role: Role) -> bool {
        self.revoked_seq.is_none() && self.roles.contains(&role)
    }
}

/// The set of keys known to a ledger at some point in its history.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Registry {
    keys: BTreeMap<PublicKey, KeyState>,
}

impl Registry {
    /// A registry from persisted key states.
    pub fn from_states(states: impl IntoIterator<Item = (PublicKey, KeyState)>) -> Registry {
        Registry {
            keys: states.into_iter().collect(),
        }
    }

    /// The state of one key.
    pub fn get(&self, key: &PublicKey) -> Option<&KeyState> {
        self.keys.get(key)
    }

    /// All keys in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&PublicKey, &KeyState)> {
        self.keys.iter()
    }

    /// Find a key by full hex, or by a unique prefix (at least 8 hex digits)
    /// of its key id or its hex.
    pub fn find(&self, id: &str) -> crate::Result<PublicKey> {
        let id = id.trim().to_ascii_lowercase();
        if id.len() < 8 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(crate::Error::Input(format!(
                "'{id}' is not a key id (give at least 8 hex digits of the id shown by `sakip key list`)"
            )));
        }
        let hits: Vec<PublicKey> = self
            .keys
            .keys()
            .filter(|k| k.key_id().starts_with(&id) || k.to_hex().starts_with(&id))
            .copied()
            .collect();
        match hits.as_slice() {
            [one] => Ok(*one),
            [] => Err(crate::Error::NotFound(format!(
                "no key with id {id} in this ledger"
            ))),
            _ => Err(crate::Error::Input(format!(
                "key id {id} is ambiguous; give more digits"
            ))),
        }
    }

    fn active_admins(&self) -> usize {
        self.keys.values().filter(|k| k.may_act(Role::Admin)).count()
    }

    /// Check that `author` may append `payload` at `seq`. `event_of` answers
    /// the kind and author of an earlier event (for approvals: only some
    /// kinds can be approved, and never by the key that signed them).
    pub fn check(
        &self,
        seq: u64,
        author: &PublicKey,
        payload: &Payload,
        event_of: impl Fn(u64) -> Option<(Kind, PublicKey)>,
    ) -> Result<(), Denied> {
        let kind = payload.kind();
        if seq == 0 {
            return match payload {
                Payload::Genesis(g) => {
                    crate::keys::check_public(author)?;
                    check_holder(&g.admin)
                }
                _ => Err(format!("event 0 must be genesis, not {}", kind.name()).into()),
            };
        }
        let Some(role) = required_role(kind) else {
            return Err("genesis may only be event 0".into());
        };
        let Some(state) = self.keys.get(author) else {
            return Err(Denied::NotRegistered {
                key_id: author.key_id(),
            });
        };
        if let Some(revoked) = state.revoked_seq {
            return Err(Denied::Revoked {
                key_id: author.key_id(),
                holder: state.holder.name.clone(),
                at: revoked,
            });
        }
        if !state.roles.contains(&role) {
            return Err(Denied::MissingRole {
                key_id: author.key_id(),
                holder: state.holder.name.clone(),
                roles: roles_text(&state.roles),
                kind: kind.name(),
                needs: role,
            });
        }
        match payload {
            Payload::Genesis(_) => unreachable!("genesis has no required role"),
            Payload::KeyAdded(k) => {
                crate::keys::check_public(&k.key)?;
                check_holder(&k.holder)?;
                if k.roles.is_empty() {
                    return Err("a key needs at least one role".into());
                }
                if has_duplicates(&k.roles) {
                    return Err("a role is listed twice".into());
                }
                if let Some(existing) = self.keys.get(&k.key) {
                    return Err(Denied::Rule(match existing.revoked_seq {
                        Some(r) => format!(
                            "key {} was revoked at seq {r}; generate a new key",
                            k.key.key_id()
                        ),
                        None => format!(
                            "key {} is already registered (seq {})",
                            k.key.key_id(),
                            existing.added_seq
                        ),
                    }));
                }
                Ok(())
            }
            Payload::KeyRevoked(r) => {
                if r.reason.trim().is_empty() {
                    return Err("a revocation needs a reason".into());
                }
                let Some(target) = self.keys.get(&r.key) else {
                    return Err(format!("key {} is not registered in this ledger", r.key.key_id()).into());
                };
                if let Some(at) = target.revoked_seq {
                    return Err(format!("key {} is already revoked (seq {at})", r.key.key_id()).into());
                }
                if target.may_act(Role::Admin) && self.active_admins() == 1 {
                    return Err("cannot revoke the last active admin key; add another admin first".into());
                }
                Ok(())
            }
            Payload::Approval(a) => {
                if a.covers.is_empty() {
                    return Err("an approval must cover at least one event".into());
                }
                if has_duplicates(&a.covers) {
                    return Err("an approval lists the same seq twice".into());
                }
                for &covered in &a.covers {
                    if covered >= seq {
                        return Err(format!("seq {covered} does not exist yet").into());
                    }
                    match event_of(covered) {
                        None => return Err(format!("seq {covered} does not exist").into()),
                        Some((k, _)) if !k.is_approvable() => {
                            return Err(format!(
                                "seq {covered} is {} {} event, which cannot be approved",
                                crate::event::article(k.name()),
                                k.name()
                            )
                            .into())
                        }
                        Some((_, signer)) if signer == *author => {
                            return Err(Denied::OwnEntry {
                                covered,
                                key_id: author.key_id(),
                            })
                        }

                        Some(_) => {}
                    }
                }
                Ok(())
            }
            // Domain payloads: the role is all this module checks; their
            // content is checked against the plan by `projection::validate`.
            _ => Ok(()),
        }
    }

    /// Fold an accepted event into the registry. Returns the keys whose
    /// state changed, for the store's index.
    pub fn apply(&mut self, seq: u64, author: &PublicKey, payload: &Payload) -> Vec<PublicKey> {
        match payload {
            Payload::Genesis(g) => {
                self.keys.insert(
                    *author,
                    KeyState {
                        holder: g.admin.clone(),
                        roles: vec![Role::Admin],
                        added_seq: seq,
                        revoked_seq: None,
                        revoke_reason: None,
                    },
                );
                vec![*author]
            }
            Payload::KeyAdded(k) => {
                self.keys.insert(
                    k.key,
                    KeyState {
                        holder: k.holder.clone(),
                        roles: k.roles.clone(),
                        added_seq: seq,
                        revoked_seq: None,
                        revoke_reason: None,
                    },
                );
                vec![k.key]
            }
            Payload::KeyRevoked(r) => match self.keys.get_mut(&r.key) {
                Some(state) => {
                    state.revoked_seq = Some(seq);
                    state.revoke_reason = Some(r.reason.clone());
                    vec![r.key]
                }
                None => vec![],
            },
            _ => vec![],
        }
    }
}

fn check_holder(h: &Holder) -> Result<(), Denied> {
    if h.name.trim().is_empty() {
        return Err("the key holder's name is empty".into());
    }
    Ok(())
}

fn has_duplicates<T: Ord + Clone>(items: &[T]) -> bool {
    let mut sorted = items.to_vec();
    sorted.sort();
    sorted.windows(2).any(|w| w[0] == w[1])
}

/// Roles as "admin, operator".
pub fn roles_text(roles: &[Role]) -> String {
    roles.iter().map(|r| r.name()).collect::<Vec<_>>().join(", ")
}
