//! The responses the passenger routes share: private caching bounded by the
//! session, ETags per encoding, and the security headers of served content.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::auth::Passenger;
use crate::catalog::pack::Encoding;
use crate::reader::library::{Accepted, Body as Prepared};

use super::seconds_left;

/// Content-Security-Policy of served chapters and resources: no script, nothing remote.
const CONTENT_CSP: &str = "default-src 'none'; img-src 'self'; style-src 'self' 'unsafe-inline'; font-src 'self'; media-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'";

pub(super) trait EncodingTag {
    fn tag(&self) -> &'static str;
}

impl EncodingTag for Accepted {
    /// The encoding this client will get, as part of the ETag (a strong ETag differs per encoding).
    fn tag(&self) -> &'static str {
        if self.brotli {
            "br"
        } else if self.gzip {
            "gz"
        } else {
            "id"
        }
    }
}

pub(super) fn not_modified(if_none_match: Option<&HeaderValue>, etag: &str) -> bool {
    if_none_match
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag))
}

pub(super) fn not_modified_response(etag: &str, passenger: &Passenger) -> Response {
    let mut response = StatusCode::NOT_MODIFIED.into_response();
    set_private_cache(response.headers_mut(), etag, passenger);
    response
}

/// Private cache, never longer than the session lives.
pub(super) fn set_private_cache(headers: &mut HeaderMap, etag: &str, passenger: &Passenger) {
    let max_age = seconds_left(passenger).min(3600);
    let cache = ShortText::format(format_args!("private, max-age={max_age}"));
    if let Ok(v) = HeaderValue::from_str(&cache) {
        headers.insert(header::CACHE_CONTROL, v);
    }
    if let Ok(v) = HeaderValue::from_str(etag) {
        headers.insert(header::ETAG, v);
    }
    headers.insert(
        header::VARY,
        HeaderValue::from_static("Accept-Encoding, Cookie"),
    );
}

pub(super) fn content_response(
    body: Prepared,
    media_type: HeaderValue,
    etag: &str,
    passenger: &Passenger,
) -> Response {
    let mut response = Response::new(Body::from(body.bytes));
    let headers = response.headers_mut();
    // Room for these headers and the middleware's (ten in all), so the map is allocated once.
    *headers = HeaderMap::with_capacity(12);
    headers.insert(header::CONTENT_TYPE, media_type);
    match body.encoding {
        Encoding::Brotli => {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("br"));
        }
        Encoding::Gzip => {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
        Encoding::Identity => {}
    }
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_CSP),
    );
    set_private_cache(headers, etag, passenger);
    response
}

pub(super) fn json_with_type(value: &Value, media_type: &'static str) -> Response {
    let mut response = (
        StatusCode::OK,
        serde_json::to_vec(value).unwrap_or_default(),
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    response
}

/// Text formatted on the stack when it is short (ETags, Cache-Control values
/// of the content routes), so building a header value copies it once.
pub(super) enum ShortText {
    Stack { bytes: [u8; 120], len: usize },
    Heap(String),
}

impl ShortText {
    pub(super) fn format(args: std::fmt::Arguments<'_>) -> ShortText {
        let mut text = ShortText::Stack {
            bytes: [0; 120],
            len: 0,
        };
        if std::fmt::Write::write_fmt(&mut text, args).is_err() {
            return ShortText::Heap(args.to_string());
        }
        text
    }
}

impl std::fmt::Write for ShortText {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        match self {
            ShortText::Stack { bytes, len } => {
                let end = *len + s.len();
                bytes
                    .get_mut(*len..end)
                    .ok_or(std::fmt::Error)?
                    .copy_from_slice(s.as_bytes());
                *len = end;
                Ok(())
            }
            ShortText::Heap(text) => {
                text.push_str(s);
                Ok(())
            }
        }
    }
}

impl std::ops::Deref for ShortText {
    type Target = str;
    fn deref(&self) -> &str {
        match self {
            // Only whole `&str`s were copied in, so the bytes are UTF-8.
            ShortText::Stack { bytes, len } => std::str::from_utf8(&bytes[..*len]).unwrap_or(""),
            ShortText::Heap(text) => text,
        }
    }
}
