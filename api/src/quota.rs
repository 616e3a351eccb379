//! What a quota limits: the resources a domain, a VDC or an app space is
//! given on one cluster, how their amounts are read and written, and the
//! ResourceQuota keys each one becomes in an app space's namespace.
//!
//! Amounts are whole numbers of each resource's base unit, exact: cpu in
//! millicores, memory and storage in bytes, everything else in objects.

use std::fmt;

use quantity::{Format, ParseError, Quantity};
use serde::{Deserialize, Serialize};

use crate::permission::Label;

/// The extended resource NVIDIA's device plugin advertises.
pub const GPU: &str = "nvidia.com/gpu";
/// How a per-class storage key ends, after the StorageClass name.
const CLASS_STORAGE: &str = ".storageclass.storage.k8s.io/requests.storage";

/// A resource a quota limits.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum QuotaResource {
    Cpu,
    Memory,
    Gpu,
    EphemeralStorage,
    Pods,
    Services,
    LoadBalancers,
    /// PersistentVolumeClaims, counted.
    Volumes,
    /// Persistent storage requested from one StorageClass.
    Storage(String),
}

/// Why an amount was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AmountError {
    /// Not a quantity; the reason in English.
    NotQuantity(ParseError),
    Negative,
    /// A count (pods, GPUs, ...) given with a fraction.
    NotWhole,
    TooLarge,
}

impl fmt::Display for AmountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AmountError::NotQuantity(e) => e.fmt(f),
            AmountError::Negative => f.write_str("cannot be negative"),
            AmountError::NotWhole => f.write_str("must be a whole number"),
            AmountError::TooLarge => f.write_str("is too large"),
        }
    }
}

impl QuotaResource {
    /// The resources every quota form offers, in the order shown (storage
    /// per class follows, one line per StorageClass of the cluster).
    pub const FIXED: [QuotaResource; 8] = [
        QuotaResource::Cpu,
        QuotaResource::Memory,
        QuotaResource::Gpu,
        QuotaResource::EphemeralStorage,
        QuotaResource::Pods,
        QuotaResource::Services,
        QuotaResource::LoadBalancers,
        QuotaResource::Volumes,
    ];

    /// The stable key: the ResourceQuota name of what it counts.
    pub fn key(&self) -> String {
        match self {
            QuotaResource::Cpu => "cpu".into(),
            QuotaResource::Memory => "memory".into(),
            QuotaResource::Gpu => GPU.into(),
            QuotaResource::EphemeralStorage => "ephemeral-storage".into(),
            QuotaResource::Pods => "pods".into(),
            QuotaResource::Services => "services".into(),
            QuotaResource::LoadBalancers => "services.loadbalancers".into(),
            QuotaResource::Volumes => "persistentvolumeclaims".into(),
            QuotaResource::Storage(class) => format!("{class}{CLASS_STORAGE}"),
        }
    }

    pub fn from_key(key: &str) -> Option<QuotaResource> {
        if let Some(class) = key.strip_suffix(CLASS_STORAGE) {
            return crate::validate::is_dns1123_subdomain(class)
                .then(|| QuotaResource::Storage(class.to_owned()));
        }
        QuotaResource::FIXED.into_iter().find(|r| r.key() == key)
    }

    /// The keys of a ResourceQuota's `spec.hard` this resource sets: cpu,
    /// memory and ephemeral storage bound both requests and limits.
    pub fn hard_keys(&self) -> Vec<String> {
        match self {
            QuotaResource::Cpu | QuotaResource::Memory | QuotaResource::EphemeralStorage => {
                let k = self.key();
                vec![format!("requests.{k}"), format!("limits.{k}")]
            }
            QuotaResource::Gpu => vec![format!("requests.{GPU}")],
            other => vec![other.key()],
        }
    }

    /// The node resource whose allocatable bounds it on a cluster; `None`
    /// for what a cluster does not count (services, claims, storage).
    pub fn node_resource(&self) -> Option<&'static str> {
        match self {
            QuotaResource::Cpu => Some("cpu"),
            QuotaResource::Memory => Some("memory"),
            QuotaResource::Gpu => Some(GPU),
            QuotaResource::EphemeralStorage => Some("ephemeral-storage"),
            QuotaResource::Pods => Some("pods"),
            _ => None,
        }
    }

    /// Amounts are in units of 10^-scale: thousandths for cpu.
    pub fn scale(&self) -> u32 {
        match self {
            QuotaResource::Cpu => 3,
            _ => 0,
        }
    }

    fn counts_bytes(&self) -> bool {
        matches!(
            self,
            QuotaResource::Memory | QuotaResource::EphemeralStorage | QuotaResource::Storage(_)
        )
    }

    /// Counted in whole objects or devices: no fractions.
    pub fn is_count(&self) -> bool {
        !self.counts_bytes() && *self != QuotaResource::Cpu
    }

    /// Reads an amount as Kubernetes would (`500m`, `1.5`, `2Gi`),
    /// rounding bytes and millicores up.
    pub fn parse_amount(&self, text: &str) -> Result<i64, AmountError> {
        let q = Quantity::parse(text).map_err(AmountError::NotQuantity)?;
        if q.is_negative() {
            return Err(AmountError::Negative);
        }
        if self.is_count() && q.nanos() % 1_000_000_000 != 0 {
            return Err(AmountError::NotWhole);
        }
        i64::try_from(q.to_scaled_ceil(self.scale())).map_err(|_| AmountError::TooLarge)
    }

    /// An amount as a quantity: bytes in binary suffixes when exact
    /// (`2Gi`), else decimal ones (`1500M`); cpu as `500m` or `2`.
    pub fn quantity(&self, amount: i64) -> Quantity {
        let amount = i128::from(amount);
        if self.counts_bytes() && amount % 1024 == 0 {
            return Quantity::from_units(amount, Format::BinarySI);
        }
        Quantity::from_scaled(amount, self.scale(), Format::DecimalSI)
    }

    /// An amount as text, as [`QuotaResource::quantity`] writes it.
    pub fn display(&self, amount: i64) -> String {
        self.quantity(amount).to_string()
    }

    /// The name shown for it.
    pub fn label(&self) -> Label {
        let (en, zh) = match self {
            QuotaResource::Cpu => ("CPU (cores)", "CPU（核）"),
            QuotaResource::Memory => ("Memory", "内存"),
            QuotaResource::Gpu => ("GPUs", "GPU"),
            QuotaResource::EphemeralStorage => ("Ephemeral storage", "临时存储"),
            QuotaResource::Pods => ("Pods", "容器组"),
            QuotaResource::Services => ("Services", "服务"),
            QuotaResource::LoadBalancers => ("Load balancers", "负载均衡器"),
            QuotaResource::Volumes => ("Volume claims", "存储卷声明"),
            QuotaResource::Storage(_) => ("Storage", "存储"),
        };
        Label { en, zh }
    }

    /// The StorageClass a per-class storage line is about.
    pub fn storage_class(&self) -> Option<&str> {
        match self {
            QuotaResource::Storage(class) => Some(class),
            _ => None,
        }
    }
}

impl From<QuotaResource> for String {
    fn from(r: QuotaResource) -> String {
        r.key()
    }
}

impl TryFrom<String> for QuotaResource {
    type Error = String;
    fn try_from(key: String) -> Result<Self, String> {
        QuotaResource::from_key(&key).ok_or_else(|| format!("unknown quota resource {key:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_map_to_resource_quota_keys() {
        let gold = QuotaResource::Storage("gold".into());
        for r in QuotaResource::FIXED.into_iter().chain([gold.clone()]) {
            assert_eq!(QuotaResource::from_key(&r.key()), Some(r.clone()));
        }
        assert_eq!(
            gold.key(),
            "gold.storageclass.storage.k8s.io/requests.storage"
        );
        assert_eq!(
            QuotaResource::Cpu.hard_keys(),
            ["requests.cpu", "limits.cpu"]
        );
        assert_eq!(QuotaResource::Gpu.hard_keys(), ["requests.nvidia.com/gpu"]);
        assert_eq!(
            QuotaResource::from_key("Bad_Class.storageclass.storage.k8s.io/requests.storage"),
            None
        );
        assert_eq!(QuotaResource::from_key("limits.cpu"), None);
    }

    #[test]
    fn amounts_read_and_print_like_kubernetes() {
        use QuotaResource as R;
        assert_eq!(R::Cpu.parse_amount("500m"), Ok(500));
        assert_eq!(R::Cpu.parse_amount("1.5"), Ok(1500));
        assert_eq!(R::Cpu.display(1500), "1500m");
        assert_eq!(R::Cpu.display(2000), "2");
        assert_eq!(R::Memory.parse_amount("2Gi"), Ok(2 << 30));
        assert_eq!(R::Memory.display(2 << 30), "2Gi");
        assert_eq!(R::Memory.display(1_500_000_000), "1500M");
        assert_eq!(R::Memory.parse_amount("0.5"), Ok(1), "bytes round up");
        assert_eq!(R::Pods.parse_amount("10"), Ok(10));
        assert_eq!(R::Pods.parse_amount("1k"), Ok(1000));
        assert_eq!(R::Pods.parse_amount("1.5"), Err(AmountError::NotWhole));
        assert_eq!(R::Gpu.parse_amount("500m"), Err(AmountError::NotWhole));
        assert_eq!(R::Cpu.parse_amount("-1"), Err(AmountError::Negative));
        assert_eq!(
            R::Cpu.parse_amount("lots"),
            Err(AmountError::NotQuantity(ParseError::Syntax))
        );
        assert_eq!(
            R::Memory.parse_amount("8Ei"),
            Err(AmountError::NotQuantity(ParseError::TooLarge))
        );
        assert_eq!(
            R::Cpu.parse_amount("9223372036854775807"),
            Err(AmountError::TooLarge)
        );
    }
}
