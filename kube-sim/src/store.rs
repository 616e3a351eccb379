//! The object store: every object as a `serde_json::Value`, keyed by resource
//! type, namespace and name, stamped from one global, monotonically increasing
//! `resourceVersion` counter, with an ordered change log (resourceVersion,
//! event type, object) and a broadcast of each change, for watch.
//!
//! The store knows nothing of HTTP or validation; [`crate::ops`] does the
//! verbs on top of it.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

use serde_json::{json, Value};
use tokio::sync::broadcast;

use crate::resources::ResourceType;

/// How many changes the log keeps; older ones are dropped (like etcd compaction).
pub const CHANGE_LOG_CAPACITY: usize = 10_000;

/// Kind of a change, as a watch event type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    /// The object was created.
    Added,
    /// The object was changed.
    Modified,
    /// The object was removed.
    Deleted,
}

impl EventType {
    /// `ADDED`, `MODIFIED` or `DELETED`, as in a watch stream.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }
}

/// One entry of the change log.
#[derive(Debug, Clone)]
pub struct Change {
    /// The resourceVersion the change produced.
    pub resource_version: u64,
    /// What happened.
    pub event: EventType,
    /// The resource type of the object.
    pub resource: &'static ResourceType,
    /// The object after the change (for `Deleted`: its last state, stamped
    /// with the deletion's resourceVersion).
    pub object: Arc<Value>,
    /// For `Modified`: the object before the change (a filtered watch tells
    /// an object entering its selection from one leaving it).
    pub previous: Option<Arc<Value>>,
}

/// Key of an object inside its resource type: namespace (`""` when cluster
/// scoped) and name. Ordered like etcd keys, so lists come out sorted.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectKey {
    /// Namespace, empty for cluster-scoped objects.
    pub namespace: String,
    /// Name.
    pub name: String,
}

impl ObjectKey {
    /// A key from a namespace (`None` for cluster scoped) and a name.
    pub fn new(namespace: Option<&str>, name: &str) -> Self {
        ObjectKey {
            namespace: namespace.unwrap_or_default().to_string(),
            name: name.to_string(),
        }
    }
}

type TypeKey = (&'static str, &'static str);

fn type_key(rt: &ResourceType) -> TypeKey {
    (rt.group, rt.plural)
}

/// All objects plus the resourceVersion counter and the change log.
#[derive(Debug)]
pub struct Store {
    last_rv: u64,
    objects: HashMap<TypeKey, BTreeMap<ObjectKey, Value>>,
    log: VecDeque<Change>,
    events: broadcast::Sender<Change>,
    clock_offset: chrono::Duration,
}

impl Default for Store {
    fn default() -> Self {
        Self::new()
    }
}

fn set_rv(obj: &mut Value, rv: u64) {
    if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.insert("resourceVersion".into(), json!(rv.to_string()));
    }
}

impl Store {
    /// An empty store; the first write gets resourceVersion 1 more than the start.
    pub fn new() -> Self {
        let (events, _) = broadcast::channel(1024);
        Store {
            // Start above zero: "0" means "any version" to clients.
            last_rv: 100,
            objects: HashMap::new(),
            log: VecDeque::new(),
            events,
            clock_offset: chrono::Duration::zero(),
        }
    }

    /// The cluster's clock: the real time, moved on by [`Store::advance_clock`].
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::Utc::now() + self.clock_offset
    }

    /// Moves the cluster's clock forward (for tests of schedules and timeouts).
    pub fn advance_clock(&mut self, by: std::time::Duration) {
        self.clock_offset += chrono::Duration::from_std(by).unwrap_or_default();
    }

    /// The latest resourceVersion handed out (a list's `metadata.resourceVersion`).
    pub fn resource_version(&self) -> u64 {
        self.last_rv
    }

    /// One object.
    pub fn get(&self, rt: &ResourceType, key: &ObjectKey) -> Option<&Value> {
        self.objects.get(&type_key(rt)).and_then(|t| t.get(key))
    }

    /// Objects of a type, sorted by namespace then name; `namespace: None`
    /// means every namespace (or the cluster-scoped objects).
    pub fn list<'a>(
        &'a self,
        rt: &ResourceType,
        namespace: Option<&'a str>,
    ) -> impl Iterator<Item = (&'a ObjectKey, &'a Value)> + 'a {
        self.objects
            .get(&type_key(rt))
            .into_iter()
            .flat_map(|t| t.iter())
            .filter(move |(k, _)| namespace.is_none_or(|ns| k.namespace == ns))
    }

    /// Number of objects of a type in a namespace (or all, with `None`).
    pub fn count(&self, rt: &ResourceType, namespace: Option<&str>) -> usize {
        self.list(rt, namespace).count()
    }

    /// Stores an object (new or replacing), stamping the next resourceVersion
    /// into `metadata.resourceVersion`; logs `Added` or `Modified`. Returns the stored object.
    pub fn put(&mut self, rt: &'static ResourceType, key: ObjectKey, mut obj: Value) -> Value {
        self.last_rv += 1;
        let rv = self.last_rv;
        set_rv(&mut obj, rv);
        let table = self.objects.entry(type_key(rt)).or_default();
        let previous = table.insert(key, obj.clone());
        let event = if previous.is_some() {
            EventType::Modified
        } else {
            EventType::Added
        };
        self.record(rv, event, rt, obj.clone(), previous.map(Arc::new));
        obj
    }

    /// Removes an object; logs `Deleted` with its last state stamped with a new
    /// resourceVersion. Returns that last state.
    pub fn remove(&mut self, rt: &'static ResourceType, key: &ObjectKey) -> Option<Value> {
        let mut obj = self.objects.get_mut(&type_key(rt))?.remove(key)?;
        self.last_rv += 1;
        let rv = self.last_rv;
        set_rv(&mut obj, rv);
        self.record(rv, EventType::Deleted, rt, obj.clone(), None);
        Some(obj)
    }

    fn record(
        &mut self,
        rv: u64,
        event: EventType,
        rt: &'static ResourceType,
        obj: Value,
        previous: Option<Arc<Value>>,
    ) {
        let change = Change {
            resource_version: rv,
            event,
            resource: rt,
            object: Arc::new(obj),
            previous,
        };
        // No receivers is fine: nobody is watching.
        let _ = self.events.send(change.clone());
        self.log.push_back(change);
        while self.log.len() > CHANGE_LOG_CAPACITY {
            self.log.pop_front();
        }
    }

    /// Changes after `resource_version`, oldest first; `None` when the log no
    /// longer reaches back that far (a watch would answer 410 Gone).
    pub fn changes_since(&self, resource_version: u64) -> Option<Vec<Change>> {
        if let Some(first) = self.log.front() {
            if first.resource_version > resource_version + 1 {
                return None;
            }
        }
        Some(
            self.log
                .iter()
                .filter(|c| c.resource_version > resource_version)
                .cloned()
                .collect(),
        )
    }

    /// Every object with the resourceVersion counter, as JSON (for `--snapshot`).
    pub fn snapshot(&self) -> Value {
        let mut objects = Vec::new();
        let mut keys: Vec<&TypeKey> = self.objects.keys().collect();
        keys.sort();
        for key in keys {
            for obj in self.objects[key].values() {
                objects.push(json!({ "group": key.0, "resource": key.1, "object": obj }));
            }
        }
        json!({ "resourceVersion": self.last_rv, "objects": objects })
    }

    /// Replaces every object with those of a [`Store::snapshot`]. The change
    /// log starts empty, so watches from before answer 410 Gone.
    pub fn restore(&mut self, snapshot: &Value) -> Result<usize, String> {
        let items = snapshot
            .get("objects")
            .and_then(Value::as_array)
            .ok_or("a snapshot has an \"objects\" list")?;
        let mut objects: HashMap<TypeKey, BTreeMap<ObjectKey, Value>> = HashMap::new();
        for item in items {
            let s = |f: &str| item.get(f).and_then(Value::as_str).unwrap_or_default();
            let rt = crate::resources::RESOURCES
                .iter()
                .find(|r| {
                    r.group == s("group") && r.plural == s("resource") && r.computed.is_none()
                })
                .ok_or_else(|| {
                    format!(
                        "the snapshot holds {}.{}, which is not served",
                        s("resource"),
                        s("group")
                    )
                })?;
            let obj = item
                .get("object")
                .cloned()
                .ok_or("a snapshot item has an \"object\"")?;
            let ns = obj
                .pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .filter(|_| rt.namespaced);
            let name = obj
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .ok_or("a snapshot object has a name")?;
            objects
                .entry(type_key(rt))
                .or_default()
                .insert(ObjectKey::new(ns, name), obj);
        }
        let rv = snapshot
            .get("resourceVersion")
            .and_then(Value::as_u64)
            .ok_or("a snapshot has a resourceVersion")?;
        let count = objects.values().map(BTreeMap::len).sum();
        self.objects = objects;
        self.last_rv = rv.max(self.last_rv);
        self.log.clear();
        Ok(count)
    }

    /// A receiver of every change from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.events.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources;

    #[test]
    fn versions_increase_and_log_records_changes() {
        let Some(ns) = resources::core("namespaces") else {
            panic!("namespaces row missing")
        };
        let mut store = Store::new();
        let start = store.resource_version();
        let a = store.put(
            ns,
            ObjectKey::new(None, "a"),
            json!({"metadata": {"name": "a"}}),
        );
        let b = store.put(
            ns,
            ObjectKey::new(None, "a"),
            json!({"metadata": {"name": "a", "labels": {"x": "y"}}}),
        );
        assert_eq!(
            a["metadata"]["resourceVersion"],
            json!((start + 1).to_string())
        );
        assert_eq!(
            b["metadata"]["resourceVersion"],
            json!((start + 2).to_string())
        );
        let gone = store.remove(ns, &ObjectKey::new(None, "a"));
        assert!(gone.is_some());
        assert_eq!(store.count(ns, None), 0);
        let Some(changes) = store.changes_since(start) else {
            panic!("log should reach back to the start")
        };
        let kinds: Vec<_> = changes.iter().map(|c| c.event).collect();
        assert_eq!(
            kinds,
            vec![EventType::Added, EventType::Modified, EventType::Deleted]
        );
        assert_eq!(changes[2].resource_version, start + 3);
    }
}
