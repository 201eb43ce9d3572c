//! The guard every request passes first: the Host header must name this
//! server (DNS rebinding gets 421), the path must start with the token (404,
//! no data), and every response carries the security headers. Writes are
//! checked in [`check_write`]: allowed at all (405), the CSRF field and the
//! Origin (403).

use axum::extract::{Request, State};
use axum::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::{Failure, Inspector, Shared};

/// The Content-Security-Policy of every response: nothing from another
/// origin, no inline script or style, forms posting only here, never framed.
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The headers every response carries.
const SECURITY_HEADERS: [(HeaderName, &str); 4] = [
    (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "no-referrer"),
    (header::CACHE_CONTROL, "no-store"),
];

/// Whether the request names this server: exactly one Host header, and it
/// `127.0.0.1:<port>` or `localhost:<port>`; a request line in absolute form
/// (`GET http://…/`) must name the same authority.
fn is_our_host(inspector: &Inspector, request: &Request) -> bool {
    let mut hosts = request.headers().get_all(header::HOST).iter();
    let (Some(host), None) = (hosts.next(), hosts.next()) else {
        return false;
    };
    let Ok(host) = host.to_str() else {
        return false;
    };
    let port = inspector.port;
    let ours = host == format!("127.0.0.1:{port}") || host == format!("localhost:{port}");
    let same_authority = request
        .uri()
        .authority()
        .is_none_or(|authority| authority.as_str() == host);
    ours && same_authority
}

/// Compares two secrets in time independent of where they first differ.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |diff, (x, y)| diff | (x ^ y))
            == 0
}

/// The middleware: Host, then token, then the security headers on whatever
/// the route answered.
pub async fn guard(State(shared): State<Shared>, request: Request, next: Next) -> Response {
    let mut response = if !is_our_host(&shared, &request) {
        (StatusCode::MISDIRECTED_REQUEST, "misdirected request").into_response()
    } else if !request
        .uri()
        .path()
        .strip_prefix('/')
        .and_then(|p| p.split_once('/'))
        .is_some_and(|(token, _)| same_secret(token, &shared.token))
    {
        not_found().await.into_response()
    } else {
        next.run(request).await
    };
    let headers = response.headers_mut();
    for (name, value) in SECURITY_HEADERS {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// The answer to a path no route serves (or without the token): nothing.
pub async fn not_found() -> impl IntoResponse {
    (StatusCode::NOT_FOUND, "not found")
}

/// Whether a write may go ahead: writes allowed (else 405), the form's `csrf`
/// field equal to the server's (else 403), and the request's Origin, if
/// given, this server's own (else 403). Browsers send `Origin: null` for a
/// form posted under `Referrer-Policy: no-referrer`; that passes only with
/// `Sec-Fetch-Site: same-origin` (when sent) and the CSRF field.
pub fn check_write(inspector: &Inspector, headers: &HeaderMap, csrf: &str) -> Result<(), Failure> {
    let Some(expected) = &inspector.csrf else {
        return Err(Failure {
            status: StatusCode::METHOD_NOT_ALLOWED,
            message: "read-only: start the inspector with --allow-writes to change grants".into(),
        });
    };
    let forbidden = |why: &str| Failure {
        status: StatusCode::FORBIDDEN,
        message: format!("forbidden: {why}"),
    };
    if !same_secret(csrf, expected) {
        return Err(forbidden("the form's CSRF token is missing or wrong"));
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let site = headers.get("sec-fetch-site").and_then(|h| h.to_str().ok());
    match headers
        .get(header::ORIGIN)
        .map(|o| o.to_str().unwrap_or(""))
    {
        None => Ok(()),
        Some("null") if site.is_none_or(|s| s == "same-origin") => Ok(()),
        Some(origin) if origin == format!("http://{host}") => Ok(()),
        Some(_) => Err(forbidden("the request comes from another origin")),
    }
}
