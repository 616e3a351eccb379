//! What an app space is in its cluster: the namespace, its ResourceQuota
//! (the app space's share of the VDC's quota), a LimitRange giving
//! containers default requests and limits (so every pod counts against the
//! quota), and NetworkPolicies that refuse ingress from other VDCs' (and
//! any other) namespaces, allow the same VDC's and the cluster's ingress
//! controller. Everything is applied server-side as [`FIELD_MANAGER`], so
//! a change made with kubectl to a field Berth sets is put back at the
//! next apply, and fields others add are left alone.

use std::collections::BTreeMap;

use berth_api::QuotaResource;
use k8s_openapi::api::core::v1::{LimitRange, Namespace, ResourceQuota};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use kube::api::{Patch, PatchParams};
use kube::{Api, Client};
use serde_json::{json, Value};

/// The field manager of everything Berth applies.
pub const FIELD_MANAGER: &str = "berth";
/// The label every namespace Berth manages carries.
pub const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "berth");
pub const VDC_LABEL: &str = "berth.io/vdc";
pub const DOMAIN_LABEL: &str = "berth.io/domain";
/// The app space's id, so a namespace names its row.
pub const APP_SPACE_LABEL: &str = "berth.io/app-space";
pub const QUOTA_NAME: &str = "berth-quota";
pub const LIMITS_NAME: &str = "berth-limits";
pub const DENY_POLICY: &str = "berth-deny-ingress";
pub const SAME_VDC_POLICY: &str = "berth-allow-same-vdc";
pub const INGRESS_POLICY: &str = "berth-allow-ingress-controller";

/// What a container gets when it asks for nothing.
const DEFAULT_LIMITS: [(&str, &str); 2] = [("cpu", "500m"), ("memory", "512Mi")];
const DEFAULT_REQUESTS: [(&str, &str); 2] = [("cpu", "100m"), ("memory", "128Mi")];

/// Everything that decides an app space's objects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Desired {
    pub app_space_id: i64,
    pub namespace: String,
    pub domain: String,
    pub vdc: String,
    /// The quota, by resource, in base units.
    pub quota: BTreeMap<QuotaResource, i64>,
    pub ingress_namespace: String,
}

/// The objects, as Berth applies them.
#[derive(Clone, Debug)]
pub struct Objects {
    pub namespace: Value,
    pub quota: Value,
    pub limits: Value,
    pub policies: [Value; 3],
}

fn tenant_labels(d: &Desired) -> Value {
    json!({ DOMAIN_LABEL: d.domain, VDC_LABEL: d.vdc })
}

/// `spec.hard` of the ResourceQuota: every resource of the quota, zero
/// where none is given (so nothing unlimited slips through).
pub fn hard(quota: &BTreeMap<QuotaResource, i64>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let fixed = QuotaResource::FIXED.iter().cloned();
    let classes = quota
        .keys()
        .filter(|r| r.storage_class().is_some())
        .cloned();
    for r in fixed.chain(classes) {
        let amount = quota.get(&r).copied().unwrap_or(0);
        for key in r.hard_keys() {
            out.insert(key, r.display(amount));
        }
    }
    out
}

pub fn objects(d: &Desired) -> Objects {
    let mut labels = tenant_labels(d);
    labels[MANAGED_BY.0] = json!(MANAGED_BY.1);
    labels[APP_SPACE_LABEL] = json!(d.app_space_id.to_string());
    let meta = |name: &str| json!({ "name": name, "namespace": d.namespace, "labels": { MANAGED_BY.0: MANAGED_BY.1 } });
    let policy = |name: &str, ingress: Value| {
        json!({
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": meta(name),
            "spec": { "podSelector": {}, "policyTypes": ["Ingress"], "ingress": ingress },
        })
    };
    let map = |pairs: [(&str, &str); 2]| -> Value {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect()
    };
    Objects {
        namespace: json!({
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": { "name": d.namespace, "labels": labels },
        }),
        quota: json!({
            "apiVersion": "v1",
            "kind": "ResourceQuota",
            "metadata": meta(QUOTA_NAME),
            "spec": { "hard": hard(&d.quota) },
        }),
        limits: json!({
            "apiVersion": "v1",
            "kind": "LimitRange",
            "metadata": meta(LIMITS_NAME),
            "spec": { "limits": [{
                "type": "Container",
                "default": map(DEFAULT_LIMITS),
                "defaultRequest": map(DEFAULT_REQUESTS),
            }]},
        }),
        policies: [
            policy(DENY_POLICY, json!([])),
            policy(
                SAME_VDC_POLICY,
                json!([{ "from": [{ "namespaceSelector": { "matchLabels": tenant_labels(d) } }] }]),
            ),
            policy(
                INGRESS_POLICY,
                json!([{ "from": [{ "namespaceSelector": { "matchLabels": {
                    "kubernetes.io/metadata.name": d.ingress_namespace,
                } } }] }]),
            ),
        ],
    }
}

fn apply_params() -> PatchParams {
    // Berth's fields are Berth's: taken back from anyone who changed them.
    PatchParams::apply(FIELD_MANAGER).force()
}

/// Applies every object of the app space, namespace first.
pub async fn apply(client: &Client, d: &Desired) -> Result<(), kube::Error> {
    let o = objects(d);
    let p = apply_params();
    Api::<Namespace>::all(client.clone())
        .patch(&d.namespace, &p, &Patch::Apply(&o.namespace))
        .await?;
    apply_quota(client, d).await?;
    Api::<LimitRange>::namespaced(client.clone(), &d.namespace)
        .patch(LIMITS_NAME, &p, &Patch::Apply(&o.limits))
        .await?;
    let policies = Api::<NetworkPolicy>::namespaced(client.clone(), &d.namespace);
    for (name, policy) in [DENY_POLICY, SAME_VDC_POLICY, INGRESS_POLICY]
        .iter()
        .zip(&o.policies)
    {
        policies.patch(name, &p, &Patch::Apply(policy)).await?;
    }
    Ok(())
}

/// Applies the ResourceQuota alone (a quota change).
pub async fn apply_quota(client: &Client, d: &Desired) -> Result<(), kube::Error> {
    Api::<ResourceQuota>::namespaced(client.clone(), &d.namespace)
        .patch(
            QUOTA_NAME,
            &apply_params(),
            &Patch::Apply(&objects(d).quota),
        )
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desired() -> Desired {
        Desired {
            app_space_id: 7,
            namespace: "shop-prod".into(),
            domain: "acme".into(),
            vdc: "web".into(),
            quota: [
                (QuotaResource::Cpu, 2000),
                (QuotaResource::Memory, 4 << 30),
                (QuotaResource::Storage("gold".into()), 10 << 30),
            ]
            .into(),
            ingress_namespace: "ingress-nginx".into(),
        }
    }

    #[test]
    fn the_quota_sets_every_resource_and_zero_where_none_is_given() {
        let hard = hard(&desired().quota);
        assert_eq!(hard["requests.cpu"], "2");
        assert_eq!(hard["limits.cpu"], "2");
        assert_eq!(hard["limits.memory"], "4Gi");
        assert_eq!(hard["requests.nvidia.com/gpu"], "0");
        assert_eq!(hard["pods"], "0");
        assert_eq!(hard["services.loadbalancers"], "0");
        assert_eq!(
            hard["gold.storageclass.storage.k8s.io/requests.storage"],
            "10Gi"
        );
    }

    #[test]
    fn policies_isolate_the_vdc_by_domain_and_name() {
        let o = objects(&desired());
        assert_eq!(o.namespace["metadata"]["labels"][VDC_LABEL], "web");
        assert_eq!(o.namespace["metadata"]["labels"][DOMAIN_LABEL], "acme");
        assert_eq!(o.namespace["metadata"]["labels"][MANAGED_BY.0], "berth");
        assert_eq!(o.policies[0]["spec"]["ingress"], json!([]));
        // A same-named VDC of another domain is not "the same VDC".
        assert_eq!(
            o.policies[1]["spec"]["ingress"][0]["from"][0]["namespaceSelector"]["matchLabels"],
            json!({ DOMAIN_LABEL: "acme", VDC_LABEL: "web" })
        );
        assert_eq!(
            o.policies[2]["spec"]["ingress"][0]["from"][0]["namespaceSelector"]["matchLabels"]
                ["kubernetes.io/metadata.name"],
            "ingress-nginx"
        );
    }
}
