//! The deployment files cannot run here (no container runtime, no cluster),
//! so they are parsed and cross-checked: every setting given to trajet is one
//! it reads, with a value it accepts; every host a setting or the load
//! balancer names is a service of the same file; ports, probes, selectors,
//! and the names of ConfigMaps, Secrets and volumes agree.

use std::collections::BTreeMap;
use std::path::Path;

use redis::ConnectionAddr;
use serde::Deserialize as _;
use serde_yaml::Value;
use trajet::config::Config;
use trajet::sessions::redis_url::{self, Target};

fn deploy(file: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("deploy")
        .join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// One YAML document with its merge keys (`<<: *anchor`) applied.
fn yaml(text: &str) -> Value {
    let mut value: Value = serde_yaml::from_str(text).unwrap();
    value.apply_merge().unwrap();
    value
}

/// `${NAME:-default}` as compose reads it with `NAME` unset.
fn with_defaults(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').expect("closed interpolation") + start;
        let inner = &rest[start + 2..end];
        out.push_str(inner.split_once(":-").map_or("", |(_, default)| default));
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => panic!("not a scalar: {other:?}"),
    }
}

/// Loads trajet's configuration from exactly these variables: every one
/// must be a setting trajet reads, and its value one it accepts.
fn check_settings(env: &BTreeMap<String, String>, from: &str) -> Config {
    let (config, explained) = Config::load_from(&|name| env.get(name).cloned())
        .unwrap_or_else(|e| panic!("{from}: trajet refuses its settings: {e:#}"));
    for name in env.keys() {
        assert!(
            explained.iter().any(|e| e.env == name),
            "{from} sets {name}, which trajet does not read"
        );
    }
    config
}

/// The host and port of `scheme://[user@]host:port/…`.
fn host_port(url: &str) -> (String, u16) {
    let rest = url.split_once("://").unwrap().1;
    let authority = rest.split('/').next().unwrap();
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    let (host, port) = authority.split_once(':').expect("a port");
    (host.to_owned(), port.parse().unwrap())
}

#[test]
fn the_compose_file_wires_two_instances_to_the_shared_services_and_the_balancer() {
    let compose = yaml(&deploy("compose.instances.yaml"));
    let services = compose["services"].as_mapping().unwrap();
    let service = |name: &str| {
        services
            .get(name)
            .unwrap_or_else(|| panic!("no service {name}"))
    };
    let instances: Vec<String> = services
        .keys()
        .map(text)
        .filter(|name| name.starts_with("trajet-"))
        .collect();
    assert!(instances.len() >= 2, "{instances:?}");

    for name in instances.iter().map(String::as_str).chain(["migrate"]) {
        let env: BTreeMap<String, String> = service(name)["environment"]
            .as_mapping()
            .unwrap()
            .iter()
            .map(|(k, v)| (text(k), with_defaults(&text(v))))
            .collect();
        let config = check_settings(&env, name);
        let bucket = config.publications.expect("publications in the bucket");
        // Sessions: every Sentinel named is a service, asked for the name sentinel.conf monitors.
        let redis = config.redis_url.as_ref().unwrap().expose();
        let Ok(Target::Sentinel {
            sentinels,
            service: monitored,
            ..
        }) = redis_url::parse(redis)
        else {
            panic!("{name}: REDIS_URL names no Sentinels");
        };
        assert!(sentinels.len() >= 3, "{name}: {redis}");
        for sentinel in &sentinels {
            let ConnectionAddr::Tcp(host, 26379) = &sentinel.addr else {
                panic!("{name}: {redis}")
            };
            assert!(
                services.contains_key(host.as_str()),
                "{name}: {host} is no service"
            );
        }
        let monitor_line = deploy("sentinel.conf");
        assert!(
            monitor_line.contains(&format!("sentinel monitor {monitored} ")),
            "{name}: sentinel.conf monitors no {monitored}"
        );
        for url in [
            config.database.url.as_ref().unwrap().expose().as_str(),
            bucket.endpoint.as_deref().unwrap(),
        ] {
            let (host, _) = host_port(url);
            assert!(
                services.contains_key(host.as_str()),
                "{name}: {url} names no service"
            );
        }
        let (bucket_name, _) = bucket.bucket_and_prefix().unwrap();
        let made = text(&service("minio-bucket")["entrypoint"][2]);
        assert!(
            made.contains(&format!("mb --ignore-existing s3/{bucket_name}")),
            "{made}"
        );
        let secret = env["TRAJET_MASTER_KEY_FILE"]
            .rsplit('/')
            .next()
            .unwrap()
            .to_owned();
        let secrets = service(name)["secrets"].as_sequence().unwrap();
        assert!(
            secrets.iter().any(|s| text(s) == secret),
            "{name}: master key secret"
        );
    }
    assert_eq!(text(&service("migrate")["command"][0]), "migrate");

    // The balancer checks /readyz and sends to every instance, on the port
    // the image listens on.
    let haproxy = deploy("haproxy.cfg");
    assert!(haproxy.contains("option httpchk GET /readyz"));
    let dockerfile = deploy("Dockerfile");
    let listen_port = dockerfile
        .split_whitespace()
        .find_map(|w| w.strip_prefix("TRAJET_LISTEN=0.0.0.0:"))
        .unwrap();
    let servers: Vec<(&str, &str)> = haproxy
        .lines()
        .map(str::trim)
        .filter_map(|l| l.strip_prefix("server "))
        .map(|l| {
            let mut words = l.split_whitespace();
            let _name = words.next().unwrap();
            words.next().unwrap().split_once(':').unwrap()
        })
        .collect();
    let mut balanced: Vec<&str> = servers.iter().map(|(host, _)| *host).collect();
    balanced.sort();
    assert_eq!(
        balanced,
        instances.iter().map(String::as_str).collect::<Vec<_>>()
    );
    assert!(servers.iter().all(|(_, port)| *port == listen_port));
    let published = text(&service("haproxy")["ports"][0]);
    let bind = haproxy
        .lines()
        .find_map(|l| l.trim().strip_prefix("bind :"))
        .unwrap();
    assert!(
        published.ends_with(&format!(":{bind}")),
        "{published} vs {bind}"
    );

    // Sentinel watches the primary by its service name, with a quorum the
    // Sentinels can reach.
    let sentinel = deploy("sentinel.conf");
    let monitor: Vec<&str> = sentinel
        .lines()
        .find_map(|l| l.strip_prefix("sentinel monitor "))
        .unwrap()
        .split_whitespace()
        .collect();
    assert!(
        services.contains_key(monitor[1]),
        "sentinel monitors {}",
        monitor[1]
    );
    let sentinels = services
        .keys()
        .filter(|k| text(k).starts_with("redis-sentinel"))
        .count();
    assert!(monitor[3].parse::<usize>().unwrap() <= sentinels && sentinels >= 3);
}

/// Every document of the Kubernetes files, by kind and name.
fn manifests() -> BTreeMap<(String, String), Value> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/k8s");
    let mut found = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let text_of_file = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for document in serde_yaml::Deserializer::from_str(&text_of_file) {
            let value = Value::deserialize(document).unwrap();
            let key = (text(&value["kind"]), text(&value["metadata"]["name"]));
            assert!(found.insert(key.clone(), value).is_none(), "{key:?} twice");
        }
    }
    found
}

fn labels_match(selector: &Value, labels: &Value) {
    let selector = selector.as_mapping().expect("a selector");
    for (key, value) in selector {
        assert_eq!(
            labels.get(key),
            Some(value),
            "label {key:?} selected but not set"
        );
    }
}

#[test]
fn the_kubernetes_manifests_agree_on_names_ports_probes_and_settings() {
    let all = manifests();
    let get = |kind: &str, name: &str| {
        all.get(&(kind.to_owned(), name.to_owned()))
            .unwrap_or_else(|| panic!("no {kind} {name}"))
    };
    let deployment = get("Deployment", "trajet");
    let spec = &deployment["spec"];
    let pod_labels = &spec["template"]["metadata"]["labels"];
    labels_match(&spec["selector"]["matchLabels"], pod_labels);
    assert_eq!(
        spec["strategy"]["rollingUpdate"]["maxUnavailable"],
        Value::from(0)
    );
    let pod = &spec["template"]["spec"];
    let container = &pod["containers"][0];
    assert_eq!(
        container["readinessProbe"]["httpGet"]["path"],
        Value::from("/readyz")
    );
    assert_eq!(
        container["livenessProbe"]["httpGet"]["path"],
        Value::from("/healthz")
    );
    let ports: BTreeMap<String, u64> = container["ports"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|p| (text(&p["name"]), p["containerPort"].as_u64().unwrap()))
        .collect();

    // The settings the pod gets, as trajet reads them.
    let mut env = BTreeMap::new();
    for source in container["envFrom"].as_sequence().unwrap() {
        let (kind, name, field) = match (&source["configMapRef"], &source["secretRef"]) {
            (Value::Mapping(m), _) => ("ConfigMap", m, "data"),
            (_, Value::Mapping(m)) => ("Secret", m, "stringData"),
            _ => panic!("envFrom without a reference"),
        };
        let named = get(kind, &text(&name[&Value::from("name")]));
        for (k, v) in named[field].as_mapping().unwrap() {
            env.insert(text(k), text(v));
        }
    }
    for e in container["env"].as_sequence().unwrap() {
        env.insert(text(&e["name"]), text(&e["value"]));
    }
    let config = check_settings(&env, "the Deployment");
    assert!(config.publications.is_some() && config.database.url.is_some());
    assert_eq!(
        Some(u64::from(config.listen.port())),
        ports.get("http").copied()
    );
    assert_eq!(
        config.metrics_listen.map(|a| u64::from(a.port())),
        ports.get("metrics").copied()
    );

    // The master key file is in the mounted Secret.
    let key_file = env["TRAJET_MASTER_KEY_FILE"].clone();
    let mount = container["volumeMounts"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|m| key_file.starts_with(&text(&m["mountPath"])))
        .expect("the master key's folder is mounted");
    let volume = pod["volumes"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|v| v["name"] == mount["name"])
        .unwrap();
    let secret = get("Secret", &text(&volume["secret"]["secretName"]));
    let file = key_file.rsplit('/').next().unwrap();
    assert!(
        secret["data"].get(file).is_some(),
        "the Secret holds {file}"
    );

    // Services and the disruption budget select the pods, on named ports.
    for name in ["trajet", "trajet-metrics"] {
        let service = get("Service", name);
        labels_match(&service["spec"]["selector"], pod_labels);
        for port in service["spec"]["ports"].as_sequence().unwrap() {
            assert!(
                ports.contains_key(&text(&port["targetPort"])),
                "{name}: {port:?}"
            );
        }
    }
    labels_match(
        &get("PodDisruptionBudget", "trajet")["spec"]["selector"]["matchLabels"],
        pod_labels,
    );

    // The migration Job runs `trajet migrate` with the same settings and key.
    let job = &get("Job", "trajet-migrate")["spec"]["template"]["spec"];
    let migrate = &job["containers"][0];
    assert_eq!(migrate["args"][0], Value::from("migrate"));
    assert_eq!(migrate["image"], container["image"]);
    assert_eq!(migrate["envFrom"], container["envFrom"]);
    assert_eq!(migrate["volumeMounts"][0]["mountPath"], mount["mountPath"]);
}
