//! The sign-in page (`/masuk`).

use super::*;

#[derive(Template)]
#[template(path = "masuk.html")]
struct SignInPage {
    layout: Layout,
    origin: String,
}

/// `GET /masuk`: the key in this browser and sign-in.
pub async fn sign_in(State(app): State<Arc<App>>) -> Response {
    render(SignInPage {
        layout: Layout {
            base: app.config.base.clone(),
            pemda: false,
            agency: app.agency.clone(),
            signed_in: false,
            user: String::new(),
            csrf: String::new(),
            admin: false,
            operator: false,
            approver: false,
        },
        origin: app.origin.clone(),
    })
}

// ---------------------------------------------------------------- dashboard
