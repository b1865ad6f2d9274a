//! Keys and users (`/kunci`).

use super::*;

/// A key in the admin's list.
pub struct KeyRow {
    id: String,
    holder: String,
    roles: String,
    added: u64,
    status: String,
}

#[derive(Template)]
#[template(path = "kunci.html")]
struct KeysPage {
    layout: Layout,
    keys: Vec<KeyRow>,
}

/// `GET /kunci`: the keys of the ledger and the form to register one.
pub async fn keys(State(app): State<Arc<App>>, v: Viewer) -> Response {
    if let Err(r) = need(&v, Role::Admin, "kunci dan pengguna") {
        return *r;
    }
    let ledger = app.ledger();
    let mut keys: Vec<KeyRow> = ledger
        .registry()
        .iter()
        .map(|(k, s)| KeyRow {
            id: k.key_id(),
            holder: s.holder.name.clone(),
            roles: sakip::authz::roles_text(&s.roles),
            added: s.added_seq,
            status: match s.revoked_seq {
                Some(at) => format!("dicabut (seq {at})"),
                None => "aktif".into(),
            },
        })
        .collect();
    keys.sort_by_key(|k| k.added);
    render(KeysPage {
        layout: v.layout,
        keys,
    })
}

// ---------------------------------------------------------------- audit
