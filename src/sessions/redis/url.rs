//! The three shapes of `REDIS_URL`:
//!
//! - one server: `redis://[[user]:password@]host[:port][/db]` (also
//!   `rediss://` and `unix://`, read by the redis crate itself);
//! - Sentinel: `redis+sentinel://[[user]:password@]host[:port][,host[:port]…]/service_name[/db]`,
//!   the Sentinels to ask (port 26379 by default) and the name they monitor
//!   the primary under; the credentials are the primary's (Sentinels are asked
//!   without any: keep them on a private network);
//! - Cluster: `redis+cluster://[[user]:password@]host[:port][,host[:port]…]`,
//!   some of the cluster's nodes (port 6379 by default); the client learns
//!   the others and the slot map from them. A cluster has one database only.
//!
//! Errors name the part that is wrong, never the URL (it may hold a password).

use redis::{ConnectionAddr, ConnectionInfo, RedisConnectionInfo};

/// Where the sessions live, read from `REDIS_URL`.
#[derive(Clone)]
pub enum Target {
    /// One server, at the URL as the redis crate reads it.
    Single(ConnectionInfo),
    /// The primary that Sentinels name.
    Sentinel {
        /// The Sentinels (no credentials).
        sentinels: Vec<ConnectionInfo>,
        /// The name the Sentinels monitor the primary under.
        service: String,
        /// Database number and credentials on the primary.
        node: RedisConnectionInfo,
    },
    /// A Redis Cluster, from some of its nodes.
    Cluster {
        /// The nodes to start from, with the credentials.
        nodes: Vec<ConnectionInfo>,
    },
}

impl Target {
    /// The shape's name, for logs and `check-config`.
    pub fn shape(&self) -> &'static str {
        match self {
            Target::Single(_) => "redis",
            Target::Sentinel { .. } => "redis-sentinel",
            Target::Cluster { .. } => "redis-cluster",
        }
    }
}

/// Reads `REDIS_URL`.
pub fn parse(url: &str) -> anyhow::Result<Target> {
    if let Some(rest) = url.strip_prefix("redis+sentinel://") {
        return sentinel(rest);
    }
    if let Some(rest) = url.strip_prefix("redis+cluster://") {
        return cluster(rest);
    }
    let info = redis::IntoConnectionInfo::into_connection_info(url).map_err(|e| {
        anyhow::anyhow!(
            "REDIS_URL is not a valid Redis URL ({:?}); expected redis://, \
             redis+sentinel:// or redis+cluster://",
            e.kind()
        )
    })?;
    Ok(Target::Single(info))
}

fn sentinel(rest: &str) -> anyhow::Result<Target> {
    let (authority, path) = rest.split_once('/').ok_or_else(|| {
        anyhow::anyhow!(
            "REDIS_URL: redis+sentinel:// needs the service name after the hosts (…/mymaster)"
        )
    })?;
    let (credentials, hosts) = split_credentials(authority)?;
    let mut parts = path.trim_end_matches('/').split('/');
    let service = parts.next().unwrap_or_default();
    if service.is_empty() {
        anyhow::bail!(
            "REDIS_URL: redis+sentinel:// needs the service name after the hosts (…/mymaster)"
        );
    }
    let db = match parts.next() {
        None => 0,
        Some(db) => db.parse().map_err(|_| {
            anyhow::anyhow!("REDIS_URL: the database after the service name must be a number")
        })?,
    };
    if parts.next().is_some() {
        anyhow::bail!("REDIS_URL: redis+sentinel:// takes /service_name[/db] and nothing after");
    }
    let sentinels = addresses(hosts, 26379)?
        .into_iter()
        .map(|addr| ConnectionInfo {
            addr,
            redis: RedisConnectionInfo::default(),
        })
        .collect();
    Ok(Target::Sentinel {
        sentinels,
        service: percent_decode(service)?,
        node: RedisConnectionInfo { db, ..credentials },
    })
}

fn cluster(rest: &str) -> anyhow::Result<Target> {
    let authority = match rest.split_once('/') {
        Some((authority, "")) => authority,
        Some(_) => anyhow::bail!(
            "REDIS_URL: redis+cluster:// takes no database or path (a cluster has database 0 only)"
        ),
        None => rest,
    };
    let (credentials, hosts) = split_credentials(authority)?;
    let nodes = addresses(hosts, 6379)?
        .into_iter()
        .map(|addr| ConnectionInfo {
            addr,
            redis: credentials.clone(),
        })
        .collect();
    Ok(Target::Cluster { nodes })
}

/// `[[user]:password@]hosts` → the credentials and the hosts.
fn split_credentials(authority: &str) -> anyhow::Result<(RedisConnectionInfo, &str)> {
    let Some((userinfo, hosts)) = authority.rsplit_once('@') else {
        return Ok((RedisConnectionInfo::default(), authority));
    };
    let (user, password) = match userinfo.split_once(':') {
        Some((user, password)) => (user, Some(password)),
        None => (userinfo, None),
    };
    let info = RedisConnectionInfo {
        username: (!user.is_empty())
            .then(|| percent_decode(user))
            .transpose()?,
        password: password
            .filter(|p| !p.is_empty())
            .map(percent_decode)
            .transpose()?,
        ..Default::default()
    };
    Ok((info, hosts))
}

/// `host[:port],host[:port]…` (IPv6 in brackets).
fn addresses(hosts: &str, default_port: u16) -> anyhow::Result<Vec<ConnectionAddr>> {
    let addrs = hosts
        .split(',')
        .map(|host| {
            let (name, port) = match host.rsplit_once(':') {
                Some((name, port)) if !name.ends_with(':') && !port.ends_with(']') => {
                    let port = port.parse::<u16>().map_err(|_| {
                        anyhow::anyhow!("REDIS_URL: a port in the host list is not a number")
                    })?;
                    (name, port)
                }
                _ => (host, default_port),
            };
            let name = name.trim_start_matches('[').trim_end_matches(']');
            if name.is_empty() {
                anyhow::bail!("REDIS_URL: a host in the host list is empty");
            }
            Ok(ConnectionAddr::Tcp(name.to_owned(), port))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(addrs)
}

/// `%XX` escapes (a password may hold `@`, `:` or `/`).
fn percent_decode(text: &str) -> anyhow::Result<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| {
                    anyhow::anyhow!("REDIS_URL: a bad %-escape in the credentials or name")
                })?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out)
        .map_err(|_| anyhow::anyhow!("REDIS_URL: credentials or name are not UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tcp(info: &ConnectionInfo) -> (String, u16) {
        match &info.addr {
            ConnectionAddr::Tcp(host, port) => (host.clone(), *port),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_sentinel_url_names_the_sentinels_the_service_the_database_and_the_primarys_password() {
        let Target::Sentinel {
            sentinels,
            service,
            node,
        } = parse("redis+sentinel://:s%40cret@s1:26380,s2,[::1]:26381/trajet/2").unwrap()
        else {
            panic!("not a Sentinel target")
        };
        let hosts: Vec<_> = sentinels.iter().map(tcp).collect();
        assert_eq!(
            hosts,
            [
                ("s1".to_owned(), 26380),
                ("s2".to_owned(), 26379),
                ("::1".to_owned(), 26381)
            ]
        );
        assert!(sentinels.iter().all(|s| s.redis.password.is_none()));
        assert_eq!(service, "trajet");
        assert_eq!((node.db, node.password.as_deref()), (2, Some("s@cret")));
        let Target::Sentinel { node, .. } = parse("redis+sentinel://h/trajet").unwrap() else {
            panic!()
        };
        assert_eq!((node.db, node.password), (0, None));
    }

    #[test]
    fn a_cluster_url_lists_nodes_with_their_credentials() {
        let Target::Cluster { nodes } = parse("redis+cluster://app:pw@a:7000,b:7001,c/").unwrap()
        else {
            panic!("not a Cluster target")
        };
        let hosts: Vec<_> = nodes.iter().map(tcp).collect();
        assert_eq!(
            hosts,
            [
                ("a".to_owned(), 7000),
                ("b".to_owned(), 7001),
                ("c".to_owned(), 6379)
            ]
        );
        assert!(
            nodes
                .iter()
                .all(|n| n.redis.username.as_deref() == Some("app")
                    && n.redis.password.as_deref() == Some("pw"))
        );
    }

    #[test]
    fn bad_urls_are_refused_by_their_part_without_echoing_a_password() {
        for (url, part) in [
            ("redis+sentinel://:hunter2@h:26379", "service name"),
            ("redis+sentinel://:hunter2@h:26379/", "service name"),
            ("redis+sentinel://:hunter2@h:x/trajet", "port"),
            ("redis+sentinel://:hunter2@h/trajet/x", "database"),
            ("redis+cluster://:hunter2@a:1,,b:2", "empty"),
            ("redis+cluster://:hunter2@a:1/3", "database 0 only"),
            ("mysql://:hunter2@h/", "redis+sentinel://"),
        ] {
            let error = parse(url).err().expect(url).to_string();
            assert!(error.contains(part), "{url}: {error}");
            assert!(!error.contains("hunter2"), "{url}: {error}");
        }
    }

    #[test]
    fn a_plain_url_is_one_server() {
        assert_eq!(parse("redis://127.0.0.1:6390/1").unwrap().shape(), "redis");
    }
}
