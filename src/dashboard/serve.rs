//! `joblake serve`: the dashboard on a local port, rebuilt when the lake's dashboard tables
//! have a new version (a refresh ran), so a browser reload shows the lake as it is.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::lake::Lake;
use crate::project::Project;

/// How often, at most, the lake is asked whether it changed.
const RECHECK: Duration = Duration::from_secs(1);

/// The page as last built, and what it was built from.
struct Cached {
    /// Version of `gold.dash_cells` the page was built from (`None`: no such table).
    stamp: Option<Option<u64>>,
    checked: Option<Instant>,
    html: Arc<String>,
}

/// The Delta version of the dashboard's cube, which every refresh of gold rewrites.
async fn stamp(lake: &Lake) -> Result<Option<u64>> {
    Ok(lake.stamp("gold", "dash_cells").await?.map(|s| s.version))
}

/// Serves the page on `addr` until the process is stopped; `ready` is told the URL once the
/// port is open. Only `GET /` (and `/index.html`) answer; anything else is a 404.
pub async fn serve(
    lake: Lake,
    project: Project,
    addr: &str,
    ready: impl FnOnce(&str),
) -> Result<()> {
    let server = tiny_http::Server::http(addr).map_err(|e| Error::Serve {
        addr: addr.to_string(),
        message: e.to_string(),
    })?;
    let url = format!(
        "http://{}/",
        server
            .server_addr()
            .to_ip()
            .map_or(addr.to_string(), |a| a.to_string())
    );
    ready(&url);
    let handle = tokio::runtime::Handle::current();
    let mut cached = Cached {
        stamp: None,
        checked: None,
        html: Arc::new(String::new()),
    };
    tokio::task::spawn_blocking(move || {
        for request in server.incoming_requests() {
            let path = request.url().split('?').next().unwrap_or("/").to_string();
            let response = if matches!(request.method(), tiny_http::Method::Get)
                && (path == "/" || path == "/index.html")
            {
                match handle.block_on(page(&lake, &project, &mut cached)) {
                    Ok(html) => html_response(&html, 200),
                    Err(e) => {
                        tracing::error!("dashboard: {e}");
                        html_response(&format!("<!doctype html><title>joblake</title><p>The dashboard could not be built: {}</p>", escape(&e.to_string())), 500)
                    }
                }
            } else {
                html_response("<!doctype html><title>joblake</title><p>Not found: the dashboard is at /</p>", 404)
            };
            if let Err(e) = request.respond(response) {
                tracing::warn!("dashboard: answering a request: {e}");
            }
        }
    })
    .await
    .map_err(|e| Error::Internal(format!("the dashboard server stopped: {e}")))
}

/// The page, rebuilt when the cube's version changed since the last build.
async fn page(lake: &Lake, project: &Project, cached: &mut Cached) -> Result<Arc<String>> {
    let fresh = cached.checked.is_some_and(|t| t.elapsed() < RECHECK);
    if !fresh || cached.stamp.is_none() {
        let now = stamp(lake).await?;
        cached.checked = Some(Instant::now());
        if cached.stamp != Some(now) {
            let (html, _) = super::build(lake, project).await?;
            cached.html = Arc::new(html);
            cached.stamp = Some(now);
        }
    }
    Ok(cached.html.clone())
}

fn html_response(body: &str, status: u16) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    let mut r = tiny_http::Response::from_string(body).with_status_code(status);
    if let Ok(h) = tiny_http::Header::from_bytes("Content-Type", "text/html; charset=utf-8") {
        r.add_header(h);
    }
    if let Ok(h) = tiny_http::Header::from_bytes("Cache-Control", "no-store") {
        r.add_header(h);
    }
    r
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
