//! The pages, in Indonesian: compiled askama templates (auto-escaped) fed
//! from `sakip::service`.

mod audit;
mod bundle;
mod dashboard;
mod diff;
mod entry;
mod indicator_history;
mod keys;
mod queue;
mod reports;
mod sign_in;
pub use audit::audit;
pub use bundle::bundle_download;
pub use dashboard::dashboard;
pub(crate) use dashboard::predikat_class;
pub use diff::diff;
pub use entry::entry;
pub use indicator_history::history;
pub use keys::keys;
pub use queue::queue;
pub(crate) use reports::report_params;
pub use reports::{report_download, reports, ReportQuery};
pub use sign_in::sign_in;

use crate::app::{App, WebError};
use crate::auth::session;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use sakip::event::{Role, ValueKind};
use sakip::period::Quarter;
use sakip::scoring::Predikat;
use sakip::service::{approvals, entries, history, status, time::KnownAt, time::TimePoint};
use sakip::{numfmt, show::show_value};
use serde::Deserialize;
use std::sync::Arc;

/// What every page's layout shows.
pub struct Layout {
    /// Where this ledger's pages live (`""`, or `/opd/NAME` under a root).
    pub base: String,
    /// The pemda page (its own navigation).
    pub pemda: bool,
    /// The agency's name.
    pub agency: String,
    /// Whether someone is signed in.
    pub signed_in: bool,
    /// Their name.
    pub user: String,
    /// The session's CSRF token (in a meta tag, for the script).
    pub csrf: String,
    /// Their roles, for the navigation.
    pub admin: bool,
    /// May enter realisations.
    pub operator: bool,
    /// May approve.
    pub approver: bool,
}

/// The point a page's year, triwulan and "diketahui per" date name (an
/// empty date is now).
pub(crate) fn time_point(
    year: u16,
    as_of: Quarter,
    known_at: Option<&str>,
    approved_only: bool,
) -> TimePoint {
    TimePoint {
        known_at: match known_at.map(str::trim) {
            None | Some("") => KnownAt::Head,
            Some(t) => KnownAt::Time(t.to_string()),
        },
        approved_only,
        ..TimePoint::quarter(year, as_of)
    }
}

/// The signed-in user of a page request, or a redirect to `/masuk`.
pub(crate) struct Viewer {
    layout: Layout,
    roles: Vec<Role>,
    key: sakip::PublicKey,
}

/// The signed-in user a page is for, taken from the request: a page asked
/// for without a session redirects to the sign-in page instead.
impl axum::extract::FromRequestParts<Arc<App>> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        app: &Arc<App>,
    ) -> Result<Viewer, Response> {
        viewer(app, &parts.headers).map_err(|r| *r)
    }
}

fn viewer(app: &App, headers: &HeaderMap) -> Result<Viewer, Box<Response>> {
    let Some((_, s)) = session(app, headers) else {
        return Err(Box::new(
            Redirect::to(&format!("{}/masuk", app.config.base)).into_response(),
        ));
    };
    let roles = app.roles(&s.key).unwrap_or_default();
    Ok(Viewer {
        layout: Layout {
            base: app.config.base.clone(),
            pemda: false,
            agency: app.agency.clone(),
            signed_in: true,
            user: app.holder(&s.key),
            csrf: s.csrf,
            admin: roles.contains(&Role::Admin),
            operator: roles.contains(&Role::Operator),
            approver: roles.contains(&Role::Approver),
        },
        roles,
        key: s.key,
    })
}

pub(crate) fn render(t: impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("template: {e}")).into_response(),
    }
}

#[derive(Template)]
#[template(path = "galat.html")]
struct ErrorPage {
    layout: Layout,
    title: String,
    message: String,
}

fn error_page(layout: Layout, status: StatusCode, title: &str, message: String) -> Response {
    let mut r = render(ErrorPage {
        layout,
        title: title.into(),
        message,
    });
    *r.status_mut() = status;
    r
}

fn need(v: &Viewer, role: Role, what: &str) -> Result<(), Box<Response>> {
    if v.roles.contains(&role) {
        return Ok(());
    }
    Err(Box::new(error_page(
        clone_layout(&v.layout),
        StatusCode::FORBIDDEN,
        "Tidak berwenang",
        format!("Halaman {what} memerlukan peran {}.", role.name()),
    )))
}

fn clone_layout(l: &Layout) -> Layout {
    Layout {
        base: l.base.clone(),
        pemda: l.pemda,
        agency: l.agency.clone(),
        signed_in: l.signed_in,
        user: l.user.clone(),
        csrf: l.csrf.clone(),
        admin: l.admin,
        operator: l.operator,
        approver: l.approver,
    }
}

fn failed(v: &Viewer, e: impl Into<WebError>) -> Response {
    let e = e.into();
    error_page(
        clone_layout(&v.layout),
        e.status,
        "Tidak dapat ditampilkan",
        e.message,
    )
}

// ---------------------------------------------------------------- sign-in
