//! The error a handler answers with: a status and `{"galat": message}`, in
//! Indonesian where the user can act on it.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

/// An error as the browser receives it: a status and `{"galat": message}`.
#[derive(Debug)]
pub struct WebError {
    /// The status.
    pub status: StatusCode,
    /// What went wrong, for the page to show.
    pub message: String,
}

impl WebError {
    /// An error with a status.
    pub fn new(status: StatusCode, message: impl Into<String>) -> WebError {
        WebError {
            status,
            message: message.into(),
        }
    }
}

impl From<sakip::Error> for WebError {
    fn from(e: sakip::Error) -> WebError {
        let status =
            StatusCode::from_u16(e.class().http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        WebError {
            status,
            message: e.to_string(),
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        (self.status, Json(serde_json::json!({ "galat": self.message }))).into_response()
    }
}
