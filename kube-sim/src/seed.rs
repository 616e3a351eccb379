//! What a new simulated cluster starts with: the system namespaces and `N`
//! ready nodes (`sim-node-1`, ...) with capacity, labels, conditions and
//! node info as a kubelet would report them.

use serde_json::{json, Value};

use crate::api::discovery::GIT_VERSION;
use crate::ops::{now, Cluster};
use crate::resources;
use crate::status::ApiError;

/// Namespaces every cluster has.
pub const SYSTEM_NAMESPACES: &[&str] =
    &["default", "kube-node-lease", "kube-public", "kube-system"];

/// CPU cores of each simulated node.
pub const NODE_CPU: &str = "8";
/// CPU left for pods once the system and kubelet reservations are taken.
pub const NODE_CPU_ALLOCATABLE: &str = "7800m";
/// Memory of each simulated node.
pub const NODE_MEMORY: &str = "32Gi";
/// Memory left for pods once the reservations and eviction threshold are taken.
pub const NODE_MEMORY_ALLOCATABLE: &str = "31Gi";
/// Pod capacity of each simulated node.
pub const NODE_PODS: &str = "110";
/// The extended resource GPU nodes advertise, as NVIDIA's device plugin does.
pub const GPU_RESOURCE: &str = "nvidia.com/gpu";
/// GPUs on each GPU node.
pub const NODE_GPUS: &str = "4";

/// The default StorageClass every simulated cluster has.
pub const DEFAULT_STORAGE_CLASS: &str = "standard";
/// What the default StorageClass may provision in all.
pub const DEFAULT_STORAGE_CAPACITY: &str = "500Gi";

/// Name of the `i`-th simulated node (1-based).
pub fn node_name(i: usize) -> String {
    format!("sim-node-{i}")
}

/// The `i`-th simulated node (1-based) as a kubelet would register it;
/// a GPU node also advertises [`NODE_GPUS`] of [`GPU_RESOURCE`].
pub fn node(i: usize, gpu: bool) -> Value {
    let name = node_name(i);
    let t = now();
    let mut capacity = json!({
        "cpu": NODE_CPU,
        "memory": NODE_MEMORY,
        "pods": NODE_PODS,
        "ephemeral-storage": "100Gi",
    });
    let mut allocatable = json!({
        "cpu": NODE_CPU_ALLOCATABLE,
        "memory": NODE_MEMORY_ALLOCATABLE,
        "pods": NODE_PODS,
        "ephemeral-storage": "90Gi",
    });
    if gpu {
        capacity[GPU_RESOURCE] = json!(NODE_GPUS);
        allocatable[GPU_RESOURCE] = json!(NODE_GPUS);
    }
    let condition = |kind: &str, status: &str, reason: &str, message: &str| {
        json!({
            "type": kind,
            "status": status,
            "lastHeartbeatTime": t,
            "lastTransitionTime": t,
            "reason": reason,
            "message": message,
        })
    };
    let id = format!("{:032x}", i);
    let mut node = json!({
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": {
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "beta.kubernetes.io/os": "linux",
                "beta.kubernetes.io/arch": "amd64",
                "node-role.kubernetes.io/worker": "",
                "berth.io/simulated": "true",
            },
            "annotations": {
                "node.alpha.kubernetes.io/ttl": "0",
            },
        },
        "spec": {
            "podCIDR": format!("10.244.{}.0/24", i - 1),
            "podCIDRs": [format!("10.244.{}.0/24", i - 1)],
        },
        "status": {
            "capacity": capacity,
            "allocatable": allocatable,
            "conditions": [
                condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                condition("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
            ],
            "addresses": [
                { "type": "InternalIP", "address": format!("10.0.0.{}", 10 + i) },
                { "type": "Hostname", "address": name },
            ],
            "daemonEndpoints": { "kubeletEndpoint": { "Port": 10250 } },
            "nodeInfo": {
                "machineID": id,
                "systemUUID": format!("{}-{}-{}-{}-{}", &id[0..8], &id[8..12], &id[12..16], &id[16..20], &id[20..32]),
                "bootID": uuid::Uuid::new_v4().to_string(),
                "kernelVersion": "6.1.0-berth-sim",
                "osImage": "Berth simulated node",
                "containerRuntimeVersion": "containerd://2.1.0",
                "kubeletVersion": GIT_VERSION,
                "kubeProxyVersion": GIT_VERSION,
                "operatingSystem": "linux",
                "architecture": "amd64",
            },
        },
    });
    if gpu {
        node["metadata"]["labels"]["nvidia.com/gpu.present"] = json!("true");
    }
    node
}

/// Seeds the system namespaces and `nodes` nodes into a fresh cluster, the
/// last `gpu_nodes` of them with GPUs.
pub fn seed(cluster: &Cluster, nodes: usize, gpu_nodes: usize) -> Result<(), ApiError> {
    let ns =
        resources::core("namespaces").ok_or_else(|| ApiError::internal("namespaces not served"))?;
    let node_type =
        resources::core("nodes").ok_or_else(|| ApiError::internal("nodes not served"))?;
    for name in SYSTEM_NAMESPACES {
        cluster.seed(
            ns,
            None,
            json!({ "apiVersion": "v1", "kind": "Namespace", "metadata": { "name": name } }),
        )?;
    }
    if let Some(services) = resources::core("services") {
        // The API server's own Service, as every cluster has it.
        cluster.seed(
            services,
            Some("default"),
            json!({
                "apiVersion": "v1", "kind": "Service",
                "metadata": { "name": "kubernetes", "labels": { "component": "apiserver", "provider": "kubernetes" } },
                "spec": {
                    "clusterIP": "10.96.0.1",
                    "ports": [{ "name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443 }],
                    "type": "ClusterIP",
                },
            }),
        )?;
    }
    for i in 1..=nodes {
        cluster.seed(node_type, None, node(i, i + gpu_nodes > nodes))?;
    }
    let class = |group: &str, plural: &str| {
        resources::lookup(group, "v1", plural)
            .ok_or_else(|| ApiError::internal(format!("{plural} not served")))
    };
    cluster.seed(
        class("storage.k8s.io", "storageclasses")?,
        None,
        json!({
            "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
            "metadata": {"name": DEFAULT_STORAGE_CLASS, "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
            "provisioner": "sim.berth.io/hostpath",
            "parameters": {"sim.berth.io/capacity": DEFAULT_STORAGE_CAPACITY},
            "reclaimPolicy": "Delete",
            "volumeBindingMode": "Immediate",
            "allowVolumeExpansion": true,
        }),
    )?;
    cluster.seed(
        class("networking.k8s.io", "ingressclasses")?,
        None,
        json!({
            "apiVersion": "networking.k8s.io/v1", "kind": "IngressClass",
            "metadata": {"name": "nginx", "annotations": {"ingressclass.kubernetes.io/is-default-class": "true"}},
            "spec": {"controller": "k8s.io/ingress-nginx"},
        }),
    )?;
    crate::seed_rbac::seed(cluster)
}
