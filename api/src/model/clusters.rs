//! Clusters: registration, nodes and overviews.

use serde::{Deserialize, Serialize};

#[allow(unused_imports)]
use super::*;

/// A registered cluster as the Clusters page shows it. Health is what the
/// last poll found (`unknown` until the first).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct ClusterSummary {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub api_url: String,
    /// `none`, `token` or `client_certificate`.
    pub auth_kind: String,
    /// Server certificate checks are off (asked for explicitly).
    pub insecure: bool,
    /// The embedded simulated cluster, managed by Berth itself.
    pub embedded: bool,
    /// `unknown`, `healthy`, `unreachable`, `bad_certificate`, `unauthorized`, `forbidden` or `error`.
    pub health: String,
    pub health_message: String,
    pub version: String,
    pub node_count: Option<i64>,
    pub checked_at: Option<Timestamp>,
    pub created_at: Timestamp,
    /// Domains' quotas on this cluster may add up to its allocatable times
    /// this percentage (100: no overcommit).
    pub overcommit_percent: i64,
    /// The namespace of the cluster's ingress controller, allowed into
    /// every app space by its NetworkPolicies.
    pub ingress_namespace: String,
}

/// How a cluster is shared among tenants: set on the cluster's page.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterTenancyInput {
    /// 1 to 1000.
    pub overcommit_percent: i64,
    pub ingress_namespace: String,
}

/// How a cluster is registered from the form.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClusterMethod {
    /// A kubeconfig and one of its contexts.
    #[default]
    Kubeconfig,
    /// API URL and a bearer token.
    Token,
    /// API URL and a client certificate with its key.
    Certificate,
}

/// What the cluster form sends. When editing, secret fields (token, client
/// key) left blank keep the stored value.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterInput {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub method: ClusterMethod,
    #[serde(default)]
    pub kubeconfig: String,
    #[serde(default)]
    pub context: String,
    #[serde(default)]
    pub api_url: String,
    #[serde(default)]
    pub token: String,
    #[serde(default)]
    pub client_cert: String,
    #[serde(default)]
    pub client_key: String,
    /// The CA of the API server's certificate (PEM); empty: the system's roots.
    #[serde(default)]
    pub ca_cert: String,
    /// Skip checking the server's certificate.
    #[serde(default)]
    pub insecure: bool,
}

/// The contexts of an uploaded kubeconfig.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KubeconfigContexts {
    pub contexts: Vec<String>,
    pub current: Option<String>,
}

/// A node taint (`key=value:effect`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Taint {
    pub key: String,
    #[serde(default)]
    pub value: String,
    /// `NoSchedule`, `PreferNoSchedule` or `NoExecute`.
    pub effect: String,
}

/// A node as the Nodes list shows it (read from the cluster's watch cache).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeSummary {
    pub name: String,
    pub ready: bool,
    /// False when cordoned (`spec.unschedulable`).
    pub schedulable: bool,
    /// Cordoned and tainted by Berth's maintenance mode.
    pub maintenance: bool,
    pub roles: Vec<String>,
    pub labels: Vec<(String, String)>,
    pub taints: Vec<Taint>,
    pub cpu: String,
    pub memory: String,
    pub pods_capacity: i64,
    pub pods: i64,
    pub kubelet_version: String,
    pub internal_ip: String,
}

/// One condition a kubelet reports.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeCondition {
    pub kind: String,
    pub status: String,
    pub reason: String,
    pub message: String,
}

/// A pod running on a node.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodePod {
    pub namespace: String,
    pub name: String,
    pub phase: String,
    /// Owned by a DaemonSet: a drain leaves it.
    pub daemon: bool,
}

/// Everything the node page shows.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeDetail {
    pub node: NodeSummary,
    pub conditions: Vec<NodeCondition>,
    pub pods: Vec<NodePod>,
}

/// What a drain did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrainReport {
    pub evicted: Vec<String>,
    /// DaemonSet pods, which a drain leaves where they are.
    pub skipped: Vec<String>,
    /// Pods whose eviction was refused, with why.
    pub failed: Vec<(String, String)>,
}

/// One resource of a cluster's nodes, summed: what they have, what they
/// offer to pods after reservations, and what scheduled pods request.
/// Values are in base units: cores, bytes, GPUs or pods.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ResourceUse {
    /// `cpu`, `memory`, `nvidia.com/gpu` or `pods`.
    pub resource: String,
    pub capacity: f64,
    pub allocatable: f64,
    pub requested: f64,
}

impl ResourceUse {
    /// Requested as a share of allocatable, in percent (0 when nothing is allocatable).
    pub fn requested_percent(&self) -> f64 {
        if self.allocatable > 0.0 {
            self.requested / self.allocatable * 100.0
        } else {
            0.0
        }
    }
}

/// A namespace of a cluster, with how many pods it runs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamespaceSummary {
    pub name: String,
    /// `Active` or `Terminating`.
    pub phase: String,
    /// Pods that have not finished.
    pub pods: i64,
    pub created_at: Option<Timestamp>,
    /// The VDC whose app space it is, if it is one.
    #[serde(default)]
    pub vdc: Option<NamespaceVdc>,
}

/// Which VDC a namespace belongs to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamespaceVdc {
    pub vdc_id: i64,
    /// `domain/vdc`.
    pub name: String,
}

/// A namespace of a registered cluster taken into a VDC as an app space.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdoptInput {
    pub vdc_id: i64,
    pub cluster_id: i64,
    /// The namespace's name.
    pub name: String,
    #[serde(default)]
    pub amounts: std::collections::BTreeMap<String, String>,
}
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterEvent {
    pub namespace: String,
    /// `Normal` or `Warning`.
    #[serde(default)]
    pub kind: String,
    /// `Kind/name` of the object the event is about.
    pub object: String,
    pub reason: String,
    pub message: String,
    pub count: i64,
    pub last_seen: Option<Timestamp>,
}

/// Everything a cluster's overview page shows, read at one moment.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ClusterOverview {
    pub cluster: Option<ClusterSummary>,
    /// The API server's `gitVersion`, read now.
    pub version: String,
    pub platform: String,
    pub nodes_ready: i64,
    /// Names of the nodes that are not Ready.
    pub nodes_not_ready: Vec<String>,
    /// cpu, memory, nvidia.com/gpu and pods, in that order.
    pub resources: Vec<ResourceUse>,
    pub namespaces: Vec<NamespaceSummary>,
    /// The most recent Warning events, newest first.
    pub warnings: Vec<ClusterEvent>,
    /// Warning events in all (the list above is capped).
    pub warning_total: i64,
}

/// A change to one node from the Nodes page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum NodeChange {
    Cordon,
    Uncordon,
    /// Cordon, then evict every pod but DaemonSet pods.
    Drain,
    /// Cordon and taint `berth.io/maintenance=true:NoSchedule`.
    EnterMaintenance,
    LeaveMaintenance,
    /// Set these labels and remove those keys; labels not named stay as
    /// they are, whoever set them.
    ChangeLabels {
        set: Vec<(String, String)>,
        remove: Vec<String>,
    },
    /// Add these taints (or give them a new value) and remove those, a taint
    /// being known by its key and effect; taints not named stay as they are.
    ChangeTaints {
        add: Vec<Taint>,
        remove: Vec<Taint>,
    },
}

impl NodeChange {
    /// The label change that turns what the user was shown into what they
    /// wrote: what another manager changed meanwhile is left alone.
    pub fn labels_between(shown: &[(String, String)], wanted: &[(String, String)]) -> Self {
        NodeChange::ChangeLabels {
            set: wanted
                .iter()
                .filter(|w| !shown.contains(w))
                .cloned()
                .collect(),
            remove: shown
                .iter()
                .filter(|(k, _)| !wanted.iter().any(|(w, _)| w == k))
                .map(|(k, _)| k.clone())
                .collect(),
        }
    }

    /// The taint change that turns what the user was shown into what they wrote.
    pub fn taints_between(shown: &[Taint], wanted: &[Taint]) -> Self {
        NodeChange::ChangeTaints {
            add: wanted
                .iter()
                .filter(|w| !shown.contains(w))
                .cloned()
                .collect(),
            remove: shown
                .iter()
                .filter(|s| !wanted.iter().any(|w| w.same_as(s)))
                .cloned()
                .collect(),
        }
    }
}

impl Taint {
    pub fn new(key: &str, value: &str, effect: &str) -> Self {
        Taint {
            key: key.into(),
            value: value.into(),
            effect: effect.into(),
        }
    }

    /// Kubernetes knows a taint by its key and effect: a node holds at most
    /// one of each pair.
    pub fn same_as(&self, other: &Taint) -> bool {
        self.key == other.key && self.effect == other.effect
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_changes_name_only_what_the_user_changed() {
        let pair = |k: &str, v: &str| (k.to_string(), v.to_string());
        let shown = [pair("a", "1"), pair("b", "2"), pair("c", "3")];
        let wanted = [pair("a", "1"), pair("b", "20"), pair("d", "4")];
        assert_eq!(
            NodeChange::labels_between(&shown, &wanted),
            NodeChange::ChangeLabels {
                set: vec![pair("b", "20"), pair("d", "4")],
                remove: vec!["c".into()],
            }
        );
        assert_eq!(
            NodeChange::labels_between(&shown, &shown),
            NodeChange::ChangeLabels {
                set: vec![],
                remove: vec![]
            }
        );
    }

    #[test]
    fn taint_changes_know_a_taint_by_key_and_effect() {
        let shown = [
            Taint::new("gpu", "yes", "NoSchedule"),
            Taint::new("gpu", "", "NoExecute"),
            Taint::new("old", "", "NoSchedule"),
        ];
        let wanted = [
            Taint::new("gpu", "no", "NoSchedule"),
            Taint::new("gpu", "", "NoExecute"),
            Taint::new("new", "", "PreferNoSchedule"),
        ];
        assert_eq!(
            NodeChange::taints_between(&shown, &wanted),
            NodeChange::ChangeTaints {
                add: vec![
                    Taint::new("gpu", "no", "NoSchedule"),
                    Taint::new("new", "", "PreferNoSchedule")
                ],
                remove: vec![Taint::new("old", "", "NoSchedule")],
            }
        );
    }
}

/// A pod as pod lists show it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PodSummary {
    pub namespace: String,
    pub name: String,
    pub phase: String,
    /// Ready containers of all, e.g. `1/2`.
    pub ready: String,
    pub restarts: i64,
    pub node: String,
    pub ip: String,
    pub created_at: String,
}
