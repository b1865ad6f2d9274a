//! The bundle download (`/audit/bundel`).

use super::*;

/// Largest bundle served as a download; a larger ledger is exported with
/// `sakip export` on the server.
pub const MAX_BUNDLE_BYTES: u64 = 512 * 1024 * 1024;

/// `GET /audit/bundel`: the audit bundle (`sakip export`: the signed
/// events, their readable form, the registry, the kept checkpoint and the
/// manifest) as one tar file, for an auditor to check away from the server
/// with `sakip verify-bundle` or `tools/verify_bundle.py`.
pub async fn bundle_download(State(app): State<Arc<App>>, v: Viewer) -> Response {
    use axum::http::header;
    let built = (|| -> sakip::Result<(String, Vec<u8>)> {
        let tmp = tempfile::tempdir().map_err(|e| sakip::Error::io(std::env::temp_dir(), e))?;
        let (name, dir) = {
            let ledger = app.ledger();
            let name = format!(
                "sakip-bundel-{}-{}",
                ledger
                    .genesis()?
                    .agency_code
                    .replace(|c: char| !c.is_ascii_alphanumeric(), "-"),
                ledger.head().count
            );
            let dir = tmp.path().join(&name);
            sakip::service::audit::export(&ledger, &dir)?;
            (name, dir)
        };
        let size: u64 = std::fs::read_dir(&dir)
            .map_err(|e| sakip::Error::io(&dir, e))?
            .filter_map(|e| e.ok()?.metadata().ok())
            .map(|m| m.len())
            .sum();
        if size > MAX_BUNDLE_BYTES {
            return Err(sakip::Error::Refused(format!(
                "the bundle is {size} bytes, more than a download carries here; export it on the server with `sakip export --out DIR`"
            )));
        }
        let mut tar = tar::Builder::new(Vec::new());
        tar.mode(tar::HeaderMode::Deterministic);
        tar.append_dir_all(&name, &dir)
            .and_then(|_| tar.finish())
            .map_err(|e| sakip::Error::io(&dir, e))?;
        let bytes = tar.into_inner().map_err(|e| sakip::Error::io(&dir, e))?;
        Ok((name, bytes))
    })();
    let (name, bytes) = match built {
        Ok(b) => b,
        Err(e) => return failed(&v, e),
    };
    (
        [
            (header::CONTENT_TYPE, "application/x-tar".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.tar\""),
            ),
        ],
        bytes,
    )
        .into_response()
}
