//! The client's address, the one every limiter keys on: the TCP peer, or,
//! when the peer is a trusted proxy, the right-most hop of `Forwarded` (or
//! `X-Forwarded-For`) that is not itself a trusted proxy. Hops further left
//! were written by the client and are never believed.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::HeaderMap;
use axum::http::request::Parts;

use crate::config::TrustedProxies;

/// The client address of a request (`None` only in-process, without a peer).
pub fn client_ip(parts: &Parts, proxies: &TrustedProxies) -> Option<IpAddr> {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()?
        .0
        .ip()
        .to_canonical();
    Some(behind(peer, &parts.headers, proxies))
}

/// The client behind `peer`: walks the forwarded hops from the right while
/// they are trusted proxies; a hop that does not parse ends the walk at the
/// proxy that wrote it.
fn behind(peer: IpAddr, headers: &HeaderMap, proxies: &TrustedProxies) -> IpAddr {
    if !proxies.contains(peer) {
        return peer;
    }
    let hops = forwarded_hops(headers);
    let mut client = peer;
    for hop in hops.iter().rev() {
        match hop {
            Some(ip) => {
                client = ip.to_canonical();
                if !proxies.contains(client) {
                    return client;
                }
            }
            None => return client,
        }
    }
    client
}

/// The `for=` hops of `Forwarded` (RFC 7239) when present, else those of
/// `X-Forwarded-For`, left to right; `None` for a hop that is not an address
/// (`unknown`, an obfuscated name).
fn forwarded_hops(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let joined = |name| {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join(",")
    };
    let forwarded = joined("forwarded");
    if !forwarded.is_empty() {
        return forwarded
            .split(',')
            .filter_map(|element| {
                element.split(';').find_map(|pair| {
                    let (key, value) = pair.trim().split_once('=')?;
                    key.eq_ignore_ascii_case("for")
                        .then(|| parse_hop(value.trim().trim_matches('"')))
                })
            })
            .collect();
    }
    joined("x-forwarded-for")
        .split(',')
        .map(str::trim)
        .filter(|hop| !hop.is_empty())
        .map(parse_hop)
        .collect()
}

/// `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1` or `[2001:db8::1]:4711`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| {
            hop.strip_prefix('[')
                .and_then(|rest| rest.split(']').next())
                .and_then(|ip| ip.parse().ok())
        })
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn client(peer: &str, headers: &[(&str, &str)], proxies: &str) -> String {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.append(
                axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        behind(peer.parse().unwrap(), &map, &proxies.parse().unwrap()).to_string()
    }

    #[test]
    fn forwarding_headers_are_ignored_unless_the_peer_is_a_trusted_proxy() {
        let xff = [("x-forwarded-for", "203.0.113.9")];
        assert_eq!(client("198.51.100.1", &xff, ""), "198.51.100.1");
        assert_eq!(client("198.51.100.1", &xff, "10.0.0.0/8"), "198.51.100.1");
        assert_eq!(client("10.0.0.2", &xff, "10.0.0.0/8"), "203.0.113.9");
    }

    #[test]
    fn the_right_most_untrusted_hop_is_the_client_and_spoofed_hops_are_not() {
        let proxies = "10.0.0.0/8";
        // The client wrote 1.2.3.4 itself; the proxy appended what it saw.
        let xff = [("x-forwarded-for", "1.2.3.4, 203.0.113.9, 10.0.0.7")];
        assert_eq!(client("10.0.0.2", &xff, proxies), "203.0.113.9");
        let split = [
            ("x-forwarded-for", "1.2.3.4"),
            ("x-forwarded-for", "203.0.113.9"),
        ];
        assert_eq!(client("10.0.0.2", &split, proxies), "203.0.113.9");
        let all_trusted = [("x-forwarded-for", "10.0.0.9, 10.0.0.7")];
        assert_eq!(client("10.0.0.2", &all_trusted, proxies), "10.0.0.9");
        let junk = [("x-forwarded-for", "1.2.3.4, not-an-ip")];
        assert_eq!(client("10.0.0.2", &junk, proxies), "10.0.0.2");
    }

    #[test]
    fn forwarded_is_read_with_ports_quotes_and_ipv6() {
        let proxies = "10.0.0.0/8";
        let header = [(
            "forwarded",
            r#"for=1.2.3.4, for="[2001:db8:cafe::17]:4711";proto=https, for=10.0.0.5:80"#,
        )];
        assert_eq!(client("10.0.0.2", &header, proxies), "2001:db8:cafe::17");
        let unknown = [("forwarded", "for=unknown")];
        assert_eq!(client("10.0.0.2", &unknown, proxies), "10.0.0.2");
        // Forwarded wins over X-Forwarded-For when both are sent.
        let both = [
            ("forwarded", "for=203.0.113.1"),
            ("x-forwarded-for", "203.0.113.2"),
        ];
        assert_eq!(client("10.0.0.2", &both, proxies), "203.0.113.1");
    }
}
