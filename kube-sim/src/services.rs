//! Services as kube-apiserver defaults and validates them: a cluster IP from
//! 10.96.0.0/12 (the one asked for when it is in range), node ports from
//! 30000-32767 for NodePort and LoadBalancer services when unset, TCP
//! ports whose targetPort defaults to the port, and the field errors of
//! its validation (port ranges, protocols, types, names of several ports,
//! node ports where they may not be).

use serde_json::{json, Value};

use crate::hooks::object_at;
use crate::status::Cause;

/// The service cluster IP range.
pub const CLUSTER_IP_RANGE: &str = "10.96.0.0/12";
/// The node port range.
pub const NODE_PORTS: std::ops::RangeInclusive<i64> = 30000..=32767;

const TYPES: &[&str] = &["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];
const PROTOCOLS: &[&str] = &["SCTP", "TCP", "UDP"];

fn random(n: u32) -> u32 {
    u32::from_be_bytes(
        uuid::Uuid::new_v4().as_bytes()[..4]
            .try_into()
            .unwrap_or([0; 4]),
    ) % n
}

/// Whether an IPv4 address is inside 10.96.0.0/12.
fn in_cluster_range(ip: &str) -> bool {
    let parts: Vec<u8> = ip.split('.').filter_map(|p| p.parse().ok()).collect();
    parts.len() == 4
        && ip.split('.').count() == 4
        && parts[0] == 10
        && (96..112).contains(&parts[1])
}

fn service_type(spec: &serde_json::Map<String, Value>) -> &str {
    spec.get("type")
        .and_then(Value::as_str)
        .unwrap_or("ClusterIP")
}

/// A new Service's defaults and allocations.
pub fn create(obj: &mut Value) {
    let n = random(1 << 20);
    let ip = format!(
        "10.{}.{}.{}",
        96 + (n >> 16),
        (n >> 8) & 0xff,
        (n & 0xff).max(1)
    );
    if let Some(spec) = object_at(obj, "spec") {
        spec.entry("type").or_insert_with(|| json!("ClusterIP"));
        let kind = service_type(spec).to_string();
        if kind != "ExternalName" {
            spec.entry("sessionAffinity")
                .or_insert_with(|| json!("None"));
            let asked = spec
                .get("clusterIP")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            if asked != "None" && asked.is_empty() {
                spec.insert("clusterIP".into(), json!(ip));
            }
            let chosen = spec.get("clusterIP").cloned().unwrap_or_default();
            spec.insert("clusterIPs".into(), json!([chosen]));
            spec.entry("ipFamilies").or_insert_with(|| json!(["IPv4"]));
            spec.entry("ipFamilyPolicy")
                .or_insert_with(|| json!("SingleStack"));
            spec.entry("internalTrafficPolicy")
                .or_insert_with(|| json!("Cluster"));
        }
        let node_ports = kind == "NodePort" || kind == "LoadBalancer";
        if node_ports {
            spec.entry("externalTrafficPolicy")
                .or_insert_with(|| json!("Cluster"));
        }
        if kind == "LoadBalancer" {
            spec.entry("allocateLoadBalancerNodePorts")
                .or_insert_with(|| json!(true));
        }
        if let Some(ports) = spec.get_mut("ports").and_then(Value::as_array_mut) {
            let taken: Vec<i64> = ports
                .iter()
                .filter_map(|p| p.get("nodePort").and_then(Value::as_i64))
                .collect();
            for p in ports.iter_mut().filter_map(Value::as_object_mut) {
                p.entry("protocol").or_insert_with(|| json!("TCP"));
                if let Some(port) = p.get("port").cloned() {
                    p.entry("targetPort").or_insert(port);
                }
                let unset = p
                    .get("nodePort")
                    .and_then(Value::as_i64)
                    .is_none_or(|n| n == 0);
                if node_ports && unset {
                    let span =
                        u32::try_from(NODE_PORTS.end() - NODE_PORTS.start() + 1).unwrap_or(1);
                    let mut port = NODE_PORTS.start() + i64::from(random(span));
                    while taken.contains(&port) {
                        port = if port == *NODE_PORTS.end() {
                            *NODE_PORTS.start()
                        } else {
                            port + 1
                        };
                    }
                    p.insert("nodePort".into(), json!(port));
                }
            }
        }
    }
    if let Some(map) = obj.as_object_mut() {
        map.insert("status".into(), json!({ "loadBalancer": {} }));
    }
}

/// An updated Service keeps its cluster IP.
pub fn update(old: &Value, new: &mut Value) {
    for field in ["clusterIP", "clusterIPs"] {
        if let Some(v) = old.pointer(&format!("/spec/{field}")).cloned() {
            if let Some(spec) = object_at(new, "spec") {
                spec.insert(field.into(), v);
            }
        }
    }
}

fn is_iana_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 15
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b.iter().any(u8::is_ascii_lowercase)
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
}

/// Field errors of a Service, worded as kube-apiserver words them.
pub fn validate(obj: &Value) -> Vec<Cause> {
    let mut out = Vec::new();
    let Some(spec) = obj.get("spec").and_then(Value::as_object) else {
        return out;
    };
    let kind = service_type(spec);
    if !TYPES.contains(&kind) {
        out.push(Cause::unsupported("spec.type", kind, TYPES));
        return out;
    }
    if kind == "ExternalName" {
        if spec
            .get("externalName")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            out.push(Cause::required("spec.externalName", ""));
        }
        return out;
    }
    if let Some(ip) = spec.get("clusterIP").and_then(Value::as_str) {
        if ip != "None" && !ip.is_empty() && !in_cluster_range(ip) {
            out.push(Cause::invalid_raw(
                "spec.clusterIPs",
                &format!("[]string{{{}}}", crate::status::quote(ip)),
                &format!("failed to allocate IP {ip}: the provided IP ({ip}) is not in the valid range. The range of valid IPs is {CLUSTER_IP_RANGE}"),
            ));
        }
    }
    let ports = spec
        .get("ports")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let headless = spec.get("clusterIP").and_then(Value::as_str) == Some("None");
    if ports.is_empty() && !headless {
        out.push(Cause::required("spec.ports", ""));
    }
    let mut names: Vec<&str> = Vec::new();
    for (i, p) in ports.iter().enumerate() {
        let at = |f: &str| format!("spec.ports[{i}].{f}");
        let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
        if ports.len() > 1 && name.is_empty() {
            out.push(Cause::required(&at("name"), ""));
        } else if !name.is_empty() {
            if !crate::validation::is_dns1123_label(name) {
                out.push(Cause::invalid(&at("name"), name, "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"));
            }
            if names.contains(&name) {
                out.push(Cause::duplicate(&at("name"), name));
            }
            names.push(name);
        }
        let port = p.get("port").and_then(Value::as_i64).unwrap_or(0);
        if !(1..=65535).contains(&port) {
            out.push(Cause::invalid_raw(
                &at("port"),
                &port.to_string(),
                "must be between 1 and 65535, inclusive",
            ));
        }
        let protocol = p.get("protocol").and_then(Value::as_str).unwrap_or("TCP");
        if !PROTOCOLS.contains(&protocol) {
            out.push(Cause::unsupported(&at("protocol"), protocol, PROTOCOLS));
        }
        match p.get("targetPort") {
            Some(Value::Number(n)) => {
                let t = n.as_i64().unwrap_or(0);
                if !(1..=65535).contains(&t) {
                    out.push(Cause::invalid_raw(
                        &at("targetPort"),
                        &t.to_string(),
                        "must be between 1 and 65535, inclusive",
                    ));
                }
            }
            Some(Value::String(s)) if !is_iana_name(s) => {
                out.push(Cause::invalid(
                    &at("targetPort"),
                    s,
                    "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
                ));
            }
            _ => {}
        }
        if let Some(np) = p
            .get("nodePort")
            .and_then(Value::as_i64)
            .filter(|n| *n != 0)
        {
            if kind == "ClusterIP" {
                out.push(Cause::forbidden(
                    &at("nodePort"),
                    "may not be used when `type` is 'ClusterIP'",
                ));
            } else if !NODE_PORTS.contains(&np) {
                out.push(Cause::invalid_raw(
                    &at("nodePort"),
                    &np.to_string(),
                    &format!("provided port is not in the valid range. The range of valid ports is {}-{}", NODE_PORTS.start(), NODE_PORTS.end()),
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(svc: Value) -> Vec<String> {
        validate(&svc)
            .iter()
            .map(|c| format!("{}: {}", c.field, c.message))
            .collect()
    }

    #[test]
    fn node_ports_are_allocated_and_bad_ports_named() {
        let mut svc = json!({ "spec": { "type": "NodePort", "ports": [{ "port": 80 }] } });
        create(&mut svc);
        let np = svc["spec"]["ports"][0]["nodePort"]
            .as_i64()
            .expect("allocated");
        assert!(NODE_PORTS.contains(&np), "{np}");
        assert!(validate(&svc).is_empty());
        assert_eq!(
            messages(json!({ "spec": { "ports": [{ "port": 0, "nodePort": 31000 }, { "port": 70000, "protocol": "HTTP", "name": "b" }] } })),
            [
                "spec.ports[0].name: Required value",
                "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
                "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'",
                "spec.ports[1].port: Invalid value: 70000: must be between 1 and 65535, inclusive",
                "spec.ports[1].protocol: Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\"",
            ]
        );
        assert_eq!(
            messages(json!({ "spec": { "type": "NodePort", "ports": [{ "port": 80, "nodePort": 80 }] } })),
            ["spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767"]
        );
        let mut asked = json!({ "spec": { "clusterIP": "10.96.0.10", "ports": [{ "port": 53 }] } });
        create(&mut asked);
        assert_eq!(
            asked["spec"]["clusterIPs"],
            json!(["10.96.0.10"]),
            "the asked IP is kept"
        );
        assert_eq!(
            messages(json!({ "spec": { "clusterIP": "192.168.1.1", "ports": [{ "port": 53 }] } })),
            ["spec.clusterIPs: Invalid value: []string{\"192.168.1.1\"}: failed to allocate IP 192.168.1.1: the provided IP (192.168.1.1) is not in the valid range. The range of valid IPs is 10.96.0.0/12"]
        );
    }
}
