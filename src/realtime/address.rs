//! Where feeds may be fetched from: public addresses only, unless the
//! administrator allows others (`TRAJET_REALTIME_ALLOW_PRIVATE_FEEDS`).
//!
//! A feed URL is an operator's instruction to trajet's server to send a
//! request. Without this check, a key holder could have it fetch the cloud
//! metadata service (169.254.169.254), an admin page of the private
//! network or trajet's own metrics listener, and read about them in the
//! console's error line. The URL is checked when it is saved (a clear 422),
//! and again at every connection, because a name's addresses can change
//! after the save (DNS rebinding): the fetcher's resolver drops every
//! non-public address of a name, and IP literals, which skip resolvers,
//! are checked before the request and before following a redirect.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Why an address is not public, in words for the operator; `None` when it is.
pub fn non_public(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => non_public_v4(v4),
        IpAddr::V6(v6) => non_public_v6(v6),
    }
}

fn non_public_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    Some(match (a, b, c) {
        _ if ip == Ipv4Addr::new(169, 254, 169, 254) => "the cloud metadata address",
        // Alibaba Cloud's metadata service, inside the shared range below.
        _ if ip == Ipv4Addr::new(100, 100, 100, 200) => "the cloud metadata address",
        _ if ip.is_unspecified() || a == 0 => "an unspecified address",
        _ if ip.is_loopback() => "a loopback address",
        _ if ip.is_private() => "a private address",
        _ if ip.is_link_local() => "a link-local address",
        _ if ip.is_multicast() => "a multicast address",
        _ if ip.is_broadcast() => "the broadcast address",
        // 100.64.0.0/10: carrier-grade NAT, the inside of a provider's network.
        (100, 64..=127, _) => "a shared (carrier-grade NAT) address",
        // 192.0.0.0/24 protocol assignments, documentation ranges,
        // 198.18.0.0/15 benchmarking, 240.0.0.0/4 reserved.
        (192, 0, 0) | (192, 0, 2) | (198, 51, 100) | (203, 0, 113) | (198, 18..=19, _) => {
            "a reserved address"
        }
        (240..=255, _, _) => "a reserved address",
        _ => return None,
    })
}

fn non_public_v6(ip: Ipv6Addr) -> Option<&'static str> {
    // An IPv4 address written as IPv6 is that IPv4 address.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return non_public_v4(v4);
    }
    let s = ip.segments();
    Some(match s {
        _ if ip.is_unspecified() => "an unspecified address",
        _ if ip.is_loopback() => "a loopback address",
        _ if ip.is_multicast() => "a multicast address",
        // AWS's metadata service over IPv6 (inside fc00::/7 below).
        [0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254] => "the cloud metadata address",
        [first, ..] if first & 0xfe00 == 0xfc00 => "a unique-local address",
        [first, ..] if first & 0xffc0 == 0xfe80 => "a link-local address",
        // fec0::/10, the deprecated site-local range: private in practice.
        [first, ..] if first & 0xffc0 == 0xfec0 => "a private (site-local) address",
        // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an IPv4 address.
        [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => return non_public_v4(v4_of(hi, lo)),
        [0x2002, hi, lo, ..] => return non_public_v4(v4_of(hi, lo)),
        // Documentation (2001:db8::/32) and the deprecated IPv4-compatible ::/96.
        [0x2001, 0x0db8, ..] | [0, 0, 0, 0, 0, 0, _, _] => "a reserved address",
        _ => return None,
    })
}

fn v4_of(hi: u16, lo: u16) -> Ipv4Addr {
    Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo))
}

/// The host of `url` when it is an IP literal.
fn literal(url: &Url) -> Option<IpAddr> {
    let host = url.host_str()?;
    // IPv6 literals come bracketed.
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()
}

/// Refuses a URL whose host is a non-public IP literal (names are the
/// resolver's business).
pub fn check_literal(url: &Url) -> Result<(), String> {
    match literal(url).and_then(|ip| non_public(ip).map(|why| (ip, why))) {
        Some((ip, why)) => Err(refusal(&ip.to_string(), ip, why)),
        None => Ok(()),
    }
}

/// The save-time check: refuses a URL whose host is, or resolves to, a
/// non-public address. A name that does not resolve now is let through
/// (the first fetch reports it; every connection is checked anyway).
pub async fn check(url: &Url) -> Result<(), String> {
    check_literal(url)?;
    let (None, Some(name)) = (literal(url), url.host_str()) else {
        return Ok(());
    };
    let port = url.port_or_known_default().unwrap_or(443);
    let lookup = tokio::net::lookup_host((name, port));
    let Ok(Ok(addrs)) = tokio::time::timeout(Duration::from_secs(5), lookup).await else {
        return Ok(());
    };
    for addr in addrs {
        if let Some(why) = non_public(addr.ip()) {
            return Err(refusal(name, addr.ip(), why));
        }
    }
    Ok(())
}

fn refusal(host: &str, ip: IpAddr, why: &str) -> String {
    let at = if host == ip.to_string() {
        format!("{host} is {why}")
    } else {
        format!("{host} resolves to {ip}, {why}")
    };
    format!(
        "{at}; feeds are fetched from public addresses only \
         (an administrator may allow others with TRAJET_REALTIME_ALLOW_PRIVATE_FEEDS)"
    )
}

/// A connection refused because its host has only non-public addresses.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct NotPublic(pub String);

/// The fetcher's resolver: the system's, without the non-public addresses.
/// A name left with none fails the connection, naming why.
#[derive(Debug, Clone, Copy, Default)]
pub struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let all: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> = all
                .iter()
                .copied()
                .filter(|a| non_public(a.ip()).is_none())
                .collect();
            if public.is_empty()
                && let Some(first) = all.first()
            {
                let why = non_public(first.ip()).unwrap_or("not public");
                return Err(NotPublic(refusal(&host, first.ip(), why)).into());
            }
            let addrs: Addrs = Box::new(public.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn every_kind_of_non_public_address_is_named() {
        for (address, why) in [
            ("127.0.0.1", "a loopback address"),
            ("127.8.9.10", "a loopback address"),
            ("::1", "a loopback address"),
            ("10.1.2.3", "a private address"),
            ("172.16.0.1", "a private address"),
            ("172.31.255.254", "a private address"),
            ("192.168.1.1", "a private address"),
            ("169.254.1.1", "a link-local address"),
            ("fe80::1", "a link-local address"),
            ("fc00::1", "a unique-local address"),
            ("fd12:3456::1", "a unique-local address"),
            ("224.0.0.1", "a multicast address"),
            ("ff02::1", "a multicast address"),
            ("0.0.0.0", "an unspecified address"),
            ("::", "an unspecified address"),
            ("169.254.169.254", "the cloud metadata address"),
            ("fd00:ec2::254", "the cloud metadata address"),
            ("100.100.100.200", "the cloud metadata address"),
            ("100.64.0.1", "a shared (carrier-grade NAT) address"),
            ("255.255.255.255", "the broadcast address"),
            ("192.0.2.1", "a reserved address"),
            ("2001:db8::1", "a reserved address"),
            // IPv4 inside IPv6 is judged as IPv4.
            ("::ffff:127.0.0.1", "a loopback address"),
            ("::ffff:169.254.169.254", "the cloud metadata address"),
            ("64:ff9b::a00:1", "a private address"),
            ("2002:c0a8:101::1", "a private address"),
        ] {
            assert_eq!(non_public(ip(address)), Some(why), "{address}");
        }
    }

    #[test]
    fn public_addresses_pass() {
        for address in [
            "8.8.8.8",
            "151.101.1.1",
            "172.32.0.1",
            "100.128.0.1",
            "2a00:1450:4007:80e::200e",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ] {
            assert_eq!(non_public(ip(address)), None, "{address}");
        }
    }

    #[test]
    fn literal_hosts_are_checked_without_resolving() {
        let refused = check_literal(&"http://[::1]:8080/feed.pb".parse().unwrap()).unwrap_err();
        assert!(
            refused.starts_with("::1 is a loopback address"),
            "{refused}"
        );
        assert!(check_literal(&"https://192.0.2.7/x".parse().unwrap()).is_err());
        assert!(check_literal(&"https://8.8.8.8/x".parse().unwrap()).is_ok());
        // Names are for the resolver.
        assert!(check_literal(&"https://localhost/x".parse().unwrap()).is_ok());
    }

    #[tokio::test]
    async fn names_resolving_to_loopback_are_refused_at_save_and_at_connection() {
        let url: Url = "http://localhost:9/feed.pb".parse().unwrap();
        let refused = check(&url).await.unwrap_err();
        assert!(refused.starts_with("localhost resolves to "), "{refused}");
        let name: Name = "localhost".parse().unwrap();
        let error = match PublicOnly.resolve(name).await {
            Ok(addrs) => panic!("resolved to {:?}", addrs.collect::<Vec<_>>()),
            Err(e) => e.to_string(),
        };
        assert!(error.contains("a loopback address"), "{error}");
    }
}
