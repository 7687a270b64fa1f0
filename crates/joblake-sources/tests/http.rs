//! The polite HTTP client against a real server on loopback: the bound on response bodies
//! (announced or streamed), and what a robots.txt that cannot be fetched does (RFC 9309).

use std::time::{Duration, Instant};

use joblake_sources::http::{Http, HttpError, HttpSettings, HttpStats, RequestPolicy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use url::Url;

/// What the server answers to one path.
#[derive(Clone, Copy)]
enum Reply {
    /// A status and a body, with its Content-Length.
    Full(u16, &'static str),
    /// A Content-Length of this many bytes, and as many bytes of body as the client takes.
    Announced(u64),
    /// A chunked body (no Content-Length) that never ends: 64 KiB chunks until the client
    /// hangs up (or 1 GiB, so that a broken client cannot run the test forever).
    Endless,
}

/// Serves `route(path)` to every request on a new loopback port; returns the base URL.
async fn serve(route: fn(&str) -> Reply) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&request);
                let path = text.split_whitespace().nth(1).unwrap_or("/").to_string();
                let _ = answer(&mut socket, route(&path)).await;
            });
        }
    });
    base
}

async fn answer(socket: &mut tokio::net::TcpStream, reply: Reply) -> std::io::Result<()> {
    match reply {
        Reply::Full(status, body) => {
            let head = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: text/plain\r\ncontent-length: {}\r\n\
                 connection: close\r\n\r\n",
                body.len()
            );
            socket.write_all(head.as_bytes()).await?;
            socket.write_all(body.as_bytes()).await
        }
        Reply::Announced(length) => {
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {length}\r\n\
                 connection: close\r\n\r\n"
            );
            socket.write_all(head.as_bytes()).await?;
            let chunk = vec![b'['; 64 * 1024];
            let mut sent = 0;
            while sent < length {
                let n = chunk
                    .len()
                    .min(usize::try_from(length - sent).unwrap_or(usize::MAX));
                socket.write_all(&chunk[..n]).await?;
                sent += n as u64;
            }
            Ok(())
        }
        Reply::Endless => {
            let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                        transfer-encoding: chunked\r\nconnection: close\r\n\r\n";
            socket.write_all(head.as_bytes()).await?;
            let chunk = vec![b' '; 64 * 1024];
            let frame = [format!("{:x}\r\n", chunk.len()).as_bytes(), &chunk, b"\r\n"].concat();
            for _ in 0..16 * 1024 {
                socket.write_all(&frame).await?;
            }
            socket.write_all(b"0\r\n\r\n").await
        }
    }
}

const LIMIT: u64 = 1024 * 1024;

fn settings() -> HttpSettings {
    HttpSettings {
        requests_per_second: 1000.0,
        max_retries: 0,
        timeout_secs: 20.0,
        max_body_bytes: LIMIT,
        ..HttpSettings::default()
    }
}

fn url(base: &str, path: &str) -> Url {
    Url::parse(&format!("{base}{path}")).expect("url")
}

async fn get(http: &Http, url: &Url, robots: bool) -> Result<usize, HttpError> {
    let policy = RequestPolicy {
        robots,
        ..RequestPolicy::default()
    };
    let fetched = http.get(url, policy, &HttpStats::default()).await?;
    Ok(fetched.body.len())
}

fn pages(path: &str) -> Reply {
    match path {
        "/small" => Reply::Full(200, "{\"jobs\": []}"),
        "/at-limit" => Reply::Announced(LIMIT),
        "/announced" => Reply::Announced(LIMIT + 1),
        "/huge" => Reply::Announced(64 * LIMIT),
        "/endless" => Reply::Endless,
        _ => Reply::Full(404, "not found"),
    }
}

#[tokio::test]
async fn bodies_larger_than_the_limit_are_refused_naming_the_limit() {
    let base = serve(pages).await;
    let http = Http::new(settings()).expect("client");
    assert_eq!(
        get(&http, &url(&base, "/small"), false).await.ok(),
        Some(12)
    );
    assert_eq!(
        get(&http, &url(&base, "/at-limit"), false).await.ok(),
        Some(LIMIT as usize)
    );

    // Announced too large: refused from its Content-Length.
    let err = get(&http, &url(&base, "/announced"), false)
        .await
        .expect_err("over the limit");
    assert!(
        matches!(
            err,
            HttpError::TooLarge {
                limit: LIMIT,
                content_length: Some(n),
                ..
            } if n == LIMIT + 1
        ),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "{base}/announced: response body larger than the limit of 1048576 bytes ([http] \
             max_body_bytes): Content-Length is 1048577 bytes"
        )
    );
    assert!(!err.is_retryable());

    // 64 MiB announced: refused without reading it.
    let stats = HttpStats::default();
    let err = http
        .get(&url(&base, "/huge"), RequestPolicy::default(), &stats)
        .await
        .expect_err("over the limit");
    assert!(matches!(err, HttpError::TooLarge { .. }), "{err}");
    let read = stats.bytes.load(std::sync::atomic::Ordering::Relaxed);
    assert!(read <= LIMIT, "{read} bytes read");
}

#[tokio::test]
async fn an_endless_body_is_cut_off_while_it_streams() {
    let base = serve(pages).await;
    let http = Http::new(settings()).expect("client");
    let stats = HttpStats::default();
    let started = Instant::now();
    let err = http
        .get(&url(&base, "/endless"), RequestPolicy::default(), &stats)
        .await
        .expect_err("an endless body");
    assert!(
        matches!(
            err,
            HttpError::TooLarge {
                limit: LIMIT,
                content_length: None,
                ..
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string().ends_with(
            "response body larger than the limit of 1048576 bytes ([http] max_body_bytes)"
        ),
        "{err}"
    );
    // Stopped at the limit (plus the chunk in flight), not at the 1 GiB the server offers.
    let read = stats.bytes.load(std::sync::atomic::Ordering::Relaxed);
    assert!(read <= LIMIT + 256 * 1024, "{read} bytes read");
    assert!(started.elapsed() < Duration::from_secs(10));
}

fn robots_503(path: &str) -> Reply {
    match path {
        "/robots.txt" => Reply::Full(503, "down for maintenance"),
        _ => Reply::Full(200, "<html>job</html>"),
    }
}

fn robots_404(path: &str) -> Reply {
    match path {
        "/robots.txt" => Reply::Full(404, "no such file"),
        _ => Reply::Full(200, "<html>job</html>"),
    }
}

fn robots_rules(path: &str) -> Reply {
    match path {
        "/robots.txt" => Reply::Full(200, "User-agent: *\nDisallow: /private/\n"),
        _ => Reply::Full(200, "<html>job</html>"),
    }
}

#[tokio::test]
async fn a_robots_txt_answered_with_4xx_allows_everything() {
    let base = serve(robots_404).await;
    let http = Http::new(settings()).expect("client");
    assert_eq!(
        get(&http, &url(&base, "/jobs/1"), true).await.ok(),
        Some(16)
    );
    // Rules are obeyed, and a refusal says robots.txt disallows it.
    let base = serve(robots_rules).await;
    assert!(get(&http, &url(&base, "/jobs/1"), true).await.is_ok());
    let err = get(&http, &url(&base, "/private/1"), true)
        .await
        .expect_err("disallowed");
    assert_eq!(
        err.to_string(),
        format!("{base}/private/1: disallowed by robots.txt")
    );
}

#[tokio::test]
async fn a_robots_txt_that_cannot_be_fetched_disallows_and_says_why() {
    // A server error: RFC 9309 says assume complete disallow; the error says what happened.
    let base = serve(robots_503).await;
    let host = base.trim_start_matches("http://").to_string();
    let http = Http::new(settings()).expect("client");
    let err = get(&http, &url(&base, "/jobs/1"), true)
        .await
        .expect_err("robots.txt unavailable");
    let HttpError::RobotsUnavailable {
        host: named, cause, ..
    } = &err
    else {
        panic!("not RobotsUnavailable: {err}")
    };
    assert_eq!(named, &host);
    assert_eq!(cause, "HTTP 503: down for maintenance");
    assert_eq!(
        err.to_string(),
        format!(
            "{base}/jobs/1: not fetched: robots.txt of {host} could not be fetched (HTTP 503: \
             down for maintenance), and a site whose robots.txt is unavailable is treated as \
             disallowed (RFC 9309)"
        )
    );
    assert!(
        !err.to_string().contains("disallowed by robots.txt"),
        "{err}"
    );
    // Without robots (an API), the same server answers.
    assert!(get(&http, &url(&base, "/jobs/1"), false).await.is_ok());

    // No server at all (no network): the cause is the connection's failure.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = closed.local_addr().expect("addr").port();
    drop(closed);
    let err = get(
        &http,
        &url(&format!("http://127.0.0.1:{port}"), "/jobs/1"),
        true,
    )
    .await
    .expect_err("nobody listens");
    let HttpError::RobotsUnavailable { host, cause, .. } = &err else {
        panic!("not RobotsUnavailable: {err}")
    };
    assert_eq!(host, &format!("127.0.0.1:{port}"));
    assert!(cause.to_ascii_lowercase().contains("connect"), "{cause}");
    assert!(
        !err.to_string().contains("disallowed by robots.txt"),
        "{err}"
    );
}
