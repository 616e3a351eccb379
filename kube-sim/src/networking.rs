//! Defaults and validation of Ingresses, NetworkPolicies, StorageClasses
//! and CronJobs as kube-apiserver has them: Ingress paths need a
//! `pathType` and Exact/Prefix paths an absolute path; NetworkPolicies get
//! their `policyTypes` and TCP ports; StorageClasses their reclaim and
//! binding modes, fixed after creation; CronJobs their concurrency and
//! history defaults.

use serde_json::{json, Value};

use crate::hooks::object_at;
use crate::status::Cause;

const PATH_TYPES: &[&str] = &["Exact", "ImplementationSpecific", "Prefix"];
const POLICY_TYPES: &[&str] = &["Egress", "Ingress"];

/// Field errors of an Ingress.
pub fn validate_ingress(obj: &Value) -> Vec<Cause> {
    let mut out = Vec::new();
    let spec = obj.get("spec").cloned().unwrap_or_default();
    let rules = spec
        .get("rules")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if rules.is_empty() && spec.get("defaultBackend").is_none() {
        out.push(Cause::invalid_raw(
            "spec",
            "networking.IngressSpec{...}",
            "either `defaultBackend` or `rules` must be specified",
        ));
    }
    for (i, rule) in rules.iter().enumerate() {
        for (j, p) in rule
            .pointer("/http/paths")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let at = |f: &str| format!("spec.rules[{i}].http.paths[{j}].{f}");
            let path = p.get("path").and_then(Value::as_str).unwrap_or_default();
            match p.get("pathType").and_then(Value::as_str) {
                None => out.push(Cause::required(
                    &at("pathType"),
                    "pathType must be specified",
                )),
                Some(t) if !PATH_TYPES.contains(&t) => {
                    out.push(Cause::unsupported(&at("pathType"), t, PATH_TYPES))
                }
                Some("Exact" | "Prefix") => {
                    if !path.starts_with('/') {
                        out.push(Cause::invalid(
                            &at("path"),
                            path,
                            "must be an absolute path",
                        ));
                    }
                    for bad in ["//", "/./", "/../", "%2f", "%2F"] {
                        if path.contains(bad) {
                            out.push(Cause::invalid(
                                &at("path"),
                                path,
                                &format!("must not contain '{bad}'"),
                            ));
                        }
                    }
                }
                Some(_) => {
                    if !path.is_empty() && !path.starts_with('/') {
                        out.push(Cause::invalid(
                            &at("path"),
                            path,
                            "must be an absolute path",
                        ));
                    }
                }
            }
            let service = p.pointer("/backend/service");
            let resource = p.pointer("/backend/resource");
            match (service, resource) {
                (None, None) => out.push(Cause::invalid_raw(
                    &at("backend"),
                    "networking.IngressBackend{...}",
                    "must specify a service or a resource",
                )),
                (Some(_), Some(_)) => out.push(Cause::invalid_raw(
                    &at("backend"),
                    "networking.IngressBackend{...}",
                    "cannot set both service and resource backends",
                )),
                (Some(s), None) => {
                    let port = s.get("port");
                    let named = port
                        .and_then(|p| p.get("name"))
                        .and_then(Value::as_str)
                        .is_some_and(|n| !n.is_empty());
                    let numbered = port
                        .and_then(|p| p.get("number"))
                        .and_then(Value::as_i64)
                        .is_some_and(|n| n > 0);
                    if named && numbered {
                        out.push(Cause::invalid_raw(
                            &at("backend.service.port"),
                            "networking.ServiceBackendPort{...}",
                            "cannot set both port name & port number",
                        ));
                    } else if !named && !numbered {
                        out.push(Cause::invalid_raw(
                            &at("backend.service.port"),
                            "networking.ServiceBackendPort{...}",
                            "port name or number is required",
                        ));
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// A new NetworkPolicy: `policyTypes` from what it has, ports TCP.
pub fn networkpolicy_create(obj: &mut Value) {
    let Some(spec) = object_at(obj, "spec") else {
        return;
    };
    if !spec.contains_key("policyTypes") {
        let mut types = vec![json!("Ingress")];
        if spec.get("egress").is_some() {
            types.push(json!("Egress"));
        }
        spec.insert("policyTypes".into(), Value::Array(types));
    }
    for dir in ["ingress", "egress"] {
        for rule in spec
            .get_mut(dir)
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            for p in rule
                .get_mut("ports")
                .and_then(Value::as_array_mut)
                .into_iter()
                .flatten()
            {
                if let Some(m) = p.as_object_mut() {
                    m.entry("protocol").or_insert_with(|| json!("TCP"));
                }
            }
        }
    }
}

/// An updated NetworkPolicy keeps the same defaults.
pub fn networkpolicy_update(_old: &Value, new: &mut Value) {
    networkpolicy_create(new);
}

/// Field errors of a NetworkPolicy.
pub fn validate_networkpolicy(obj: &Value) -> Vec<Cause> {
    let mut out = Vec::new();
    let types = obj
        .pointer("/spec/policyTypes")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if types.len() > 2 {
        out.push(Cause::invalid_raw(
            "spec.policyTypes",
            "[]networking.PolicyType{...}",
            "may not specify more than two policyTypes",
        ));
    }
    for (i, t) in types.iter().enumerate() {
        let t = t.as_str().unwrap_or_default();
        if !POLICY_TYPES.contains(&t) {
            out.push(Cause::unsupported(
                &format!("spec.policyTypes[{i}]"),
                t,
                POLICY_TYPES,
            ));
        }
    }
    if obj.pointer("/spec/podSelector").is_none() {
        out.push(Cause::required("spec.podSelector", ""));
    }
    out
}

/// A new StorageClass: reclaim `Delete`, binding `Immediate`.
pub fn storageclass_create(obj: &mut Value) {
    if let Some(m) = obj.as_object_mut() {
        m.entry("reclaimPolicy").or_insert_with(|| json!("Delete"));
        m.entry("volumeBindingMode")
            .or_insert_with(|| json!("Immediate"));
    }
}

/// Field errors of a StorageClass.
pub fn validate_storageclass(obj: &Value) -> Vec<Cause> {
    let mut out = Vec::new();
    if obj
        .get("provisioner")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        out.push(Cause::required("provisioner", ""));
    }
    if let Some(p) = obj.get("reclaimPolicy").and_then(Value::as_str) {
        if !["Delete", "Retain"].contains(&p) {
            out.push(Cause::unsupported(
                "reclaimPolicy",
                p,
                &["Delete", "Retain"],
            ));
        }
    }
    if let Some(m) = obj.get("volumeBindingMode").and_then(Value::as_str) {
        if !["Immediate", "WaitForFirstConsumer"].contains(&m) {
            out.push(Cause::unsupported(
                "volumeBindingMode",
                m,
                &["Immediate", "WaitForFirstConsumer"],
            ));
        }
    }
    out
}

/// A StorageClass keeps its provisioner, parameters and modes.
pub fn validate_storageclass_update(old: &Value, new: &Value) -> Vec<Cause> {
    [
        "parameters",
        "provisioner",
        "reclaimPolicy",
        "volumeBindingMode",
    ]
    .iter()
    .filter(|f| old.get(**f) != new.get(**f))
    .map(|f| Cause::forbidden(f, &format!("updates to {f} are forbidden.")))
    .collect()
}

/// A new CronJob: concurrency `Allow`, not suspended, 3 successful and 1
/// failed Job kept.
pub fn cronjob_create(obj: &mut Value) {
    if let Some(spec) = object_at(obj, "spec") {
        spec.entry("concurrencyPolicy")
            .or_insert_with(|| json!("Allow"));
        spec.entry("suspend").or_insert_with(|| json!(false));
        spec.entry("successfulJobsHistoryLimit")
            .or_insert_with(|| json!(3));
        spec.entry("failedJobsHistoryLimit")
            .or_insert_with(|| json!(1));
        if let Some(template) = spec
            .get_mut("jobTemplate")
            .and_then(|t| t.get_mut("spec"))
            .and_then(|s| s.get_mut("template"))
            .and_then(|t| t.get_mut("spec"))
            .and_then(Value::as_object_mut)
        {
            crate::pods::default_pod_spec(template);
        }
    }
    if let Some(m) = obj.as_object_mut() {
        m.entry("status").or_insert_with(|| json!({}));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(c: Vec<Cause>) -> Vec<String> {
        c.into_iter()
            .map(|c| format!("{}: {}", c.field, c.message))
            .collect()
    }

    #[test]
    fn ingress_paths_and_policy_types_as_kube_words_them() {
        let ing = json!({ "spec": { "rules": [{ "http": { "paths": [
            { "path": "/", "backend": { "service": { "name": "web", "port": { "number": 80 } } } },
            { "path": "api", "pathType": "Prefix", "backend": { "service": { "name": "web", "port": { "number": 80 } } } },
        ] } }] } });
        assert_eq!(text(validate_ingress(&ing)), [
            "spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified",
            "spec.rules[0].http.paths[1].path: Invalid value: \"api\": must be an absolute path",
        ]);
        let mut np =
            json!({ "spec": { "podSelector": {}, "egress": [{ "ports": [{ "port": 53 }] }] } });
        networkpolicy_create(&mut np);
        assert_eq!(np["spec"]["policyTypes"], json!(["Ingress", "Egress"]));
        assert_eq!(np["spec"]["egress"][0]["ports"][0]["protocol"], "TCP");
        assert_eq!(
            text(validate_networkpolicy(&json!({ "spec": { "podSelector": {}, "policyTypes": ["Sideways"] } }))),
            ["spec.policyTypes[0]: Unsupported value: \"Sideways\": supported values: \"Egress\", \"Ingress\""]
        );
        assert_eq!(
            text(validate_storageclass_update(
                &json!({ "provisioner": "a" }),
                &json!({ "provisioner": "b" })
            )),
            ["provisioner: Forbidden: updates to provisioner are forbidden."]
        );
    }
}
