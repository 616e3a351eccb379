//! The simulator's protobuf message table (`src/protobuf/messages.txt`) is
//! generated from k8s-pb, an independent build of Kubernetes' `.proto` files
//! (field numbers and types), matched with the simulator's OpenAPI schemas
//! (JSON field names). This test regenerates it and fails when the committed
//! table differs; `BERTH_REGENERATE=1 cargo test -p berth-kube-sim --test
//! protobuf_table` writes it.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde_json::Value;

const TABLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/protobuf/messages.txt");

/// The source folder of the k8s-pb version in Cargo.lock.
fn k8s_pb_source() -> PathBuf {
    let lock = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.lock"))
        .expect("Cargo.lock");
    let version = lock
        .split("[[package]]")
        .find(|p| p.contains("name = \"k8s-pb\""))
        .and_then(|p| p.lines().find_map(|l| l.strip_prefix("version = ")))
        .map(|v| v.trim_matches('"').to_string())
        .expect("k8s-pb in Cargo.lock");
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cargo"));
    let registry = home.join("registry/src");
    for index in std::fs::read_dir(&registry).expect("cargo registry sources") {
        let dir = index
            .expect("entry")
            .path()
            .join(format!("k8s-pb-{version}"));
        if dir.is_dir() {
            return dir.join("src");
        }
    }
    panic!(
        "k8s-pb {version} source not found under {}",
        registry.display()
    );
}

/// A prost field: its tag, Rust name, wire type and (for messages) the Rust type path.
struct PbField {
    tag: u32,
    name: String,
    kind: String,
    repeated: bool,
    map_value: Option<String>,
    rust_type: String,
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read dir") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            files(&p, out);
        } else if p.file_name().is_some_and(|n| n == "mod.rs") {
            out.push(p);
        }
    }
}

/// `io.k8s.<module path>`, as the OpenAPI definitions name packages.
fn package(src: &Path, file: &Path) -> Vec<String> {
    file.parent()
        .expect("parent")
        .strip_prefix(src)
        .expect("under src")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().to_string())
        .collect()
}

fn openapi_name(module: &[String], name: &str) -> String {
    let mut segs = vec!["io".to_string(), "k8s".to_string()];
    for (i, s) in module.iter().enumerate() {
        segs.push(if i == 0 {
            s.replace('_', "-")
        } else {
            s.clone()
        });
    }
    segs.push(name.to_string());
    segs.join(".")
}

/// The message type a Rust field type names, resolved against `module`.
fn resolve(module: &[String], ty: &str) -> Option<String> {
    let inner = ty
        .replace("::core::option::Option<", "")
        .replace("::prost::alloc::vec::Vec<", "")
        .replace("::prost::alloc::collections::BTreeMap<", "")
        .replace("::prost::alloc::string::String,", "")
        .replace(['>', ' ', '\n'], "");
    let inner = inner.trim_end_matches(',');
    let mut path: Vec<String> = module.to_vec();
    let parts: Vec<&str> = inner.split("::").collect();
    let (name, dirs) = parts.split_last()?;
    for d in dirs {
        if *d == "super" {
            path.pop();
        } else {
            path.push((*d).to_string());
        }
    }
    Some(openapi_name(&path, name))
}

fn parse(src: &Path) -> BTreeMap<String, Vec<(PbField, Vec<String>)>> {
    let mut paths = Vec::new();
    files(src, &mut paths);
    let mut out = BTreeMap::new();
    for file in paths {
        let module = package(src, &file);
        let text = std::fs::read_to_string(&file).expect("read");
        let mut current: Option<String> = None;
        let mut fields: Vec<(PbField, Vec<String>)> = Vec::new();
        let mut lines = text.lines().peekable();
        while let Some(line) = lines.next() {
            if let Some(rest) = line.strip_prefix("pub struct ") {
                current = Some(openapi_name(&module, rest.trim_end_matches(" {").trim()));
                fields.clear();
                continue;
            }
            if line == "}" {
                if let Some(name) = current.take() {
                    out.insert(name, std::mem::take(&mut fields));
                }
                continue;
            }
            let trimmed = line.trim();
            let Some(attr) = trimmed
                .strip_prefix("#[prost(")
                .and_then(|a| a.strip_suffix(")]"))
            else {
                continue;
            };
            if current.is_none() {
                continue;
            }
            let mut decl = String::new();
            for next in lines.by_ref() {
                decl.push_str(next.trim());
                decl.push(' ');
                let open = decl.matches('<').count();
                let closed = decl.matches('>').count();
                if next.trim_end().ends_with(',') && open == closed {
                    break;
                }
            }
            let (name, ty) = decl
                .trim()
                .strip_prefix("pub ")
                .and_then(|d| d.split_once(':'))
                .expect("field declaration");
            let tag: u32 = attr
                .split("tag = \"")
                .nth(1)
                .and_then(|t| t.split('"').next())
                .and_then(|t| t.parse().ok())
                .expect("tag");
            let first = attr
                .split([',', ' ', '='])
                .next()
                .unwrap_or_default()
                .to_string();
            let repeated = attr.contains(" repeated");
            let map_value = attr
                .strip_prefix("btree_map = \"string, ")
                .and_then(|m| m.split('"').next())
                .map(str::to_string);
            fields.push((
                PbField {
                    tag,
                    name: name.trim().trim_start_matches("r#").to_string(),
                    kind: first,
                    repeated,
                    map_value,
                    rust_type: ty.trim().to_string(),
                },
                module.clone(),
            ));
        }
    }
    out
}

fn normalized(name: &str) -> String {
    name.replace('_', "").to_lowercase()
}

fn generate() -> String {
    let src = k8s_pb_source();
    let definitions = &berth_kube_sim::openapi::schemas::schemas().definitions;
    // prost spells some type names differently (`HostIp` for `HostIP`).
    let canonical: HashMap<String, String> = definitions
        .keys()
        .map(|k| (k.to_lowercase(), k.clone()))
        .collect();
    let spelled = |name: &str| -> String {
        canonical
            .get(&name.to_lowercase())
            .cloned()
            .unwrap_or_else(|| name.to_string())
    };
    let messages: BTreeMap<String, _> = parse(&src)
        .into_iter()
        .map(|(name, fields)| (spelled(&name), fields))
        .collect();
    let mut out = String::from(
        "# Generated by kube-sim/tests/protobuf_table.rs from k8s-pb and the OpenAPI schemas; do not edit.\n\
         # <message>, then one line per field: <tag> <json name> <type>, where [] marks a\n\
         # repeated field and {} a map from string.\n",
    );
    let specials = [
        "io.k8s.apimachinery.pkg.runtime.Unknown",
        "io.k8s.apimachinery.pkg.runtime.TypeMeta",
    ];
    let props_of = |name: &str| -> Option<HashMap<String, String>> {
        match definitions.get(name).and_then(|d| d.get("properties")) {
            Some(Value::Object(p)) => Some(p.keys().map(|k| (normalized(k), k.clone())).collect()),
            _ if specials.contains(&name) || definitions.contains_key(name) => Some(HashMap::new()),
            _ => None,
        }
    };
    // Go structs embedded in others (Probe's ProbeHandler, Volume's
    // VolumeSource) are one field in protobuf but inline in JSON: their
    // fields take the JSON names of the parent's properties.
    let mut inline_parents: BTreeMap<String, HashMap<String, String>> = BTreeMap::new();
    for (name, fields) in &messages {
        let Some(props) = props_of(name) else {
            continue;
        };
        for (f, module) in fields {
            if f.kind == "message" && !props.contains_key(&normalized(&f.name)) && !props.is_empty()
            {
                if let Some(child) = resolve(module, &f.rust_type).map(|n| spelled(&n)) {
                    inline_parents
                        .entry(child)
                        .or_default()
                        .extend(props.clone());
                }
            }
        }
    }
    for (name, fields) in &messages {
        let props = match props_of(name) {
            Some(p) if !p.is_empty() || !inline_parents.contains_key(name) => p,
            _ => match inline_parents.get(name) {
                Some(p) => p.clone(),
                None => continue,
            },
        };
        out.push_str(name);
        out.push('\n');
        for (f, module) in fields {
            let scalar = |k: &str| -> Option<String> {
                match k {
                    "message" => resolve(module, &f.rust_type).map(|n| spelled(&n)),
                    other => Some(other.to_string()),
                }
            };
            let json = match props.get(&normalized(&f.name)) {
                Some(j) => j.clone(),
                None if props.is_empty() => lower_camel(&f.name),
                None if f.kind == "message"
                    && scalar("message").is_some_and(|c| inline_parents.contains_key(&c)) =>
                {
                    "~".into()
                }
                None => continue,
            };
            let ty = match (&f.map_value, f.repeated) {
                (Some(v), _) => format!("{{}}{}", scalar(v).expect("map value")),
                (None, true) => format!("[]{}", scalar(&f.kind).expect("item")),
                (None, false) => scalar(&f.kind).expect("type"),
            };
            out.push_str(&format!(" {} {} {}\n", f.tag, json, ty));
        }
    }
    out
}

fn lower_camel(snake: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn the_committed_message_table_is_what_k8s_pb_and_the_schemas_generate() {
    let generated = generate();
    assert!(generated.contains(
        "io.k8s.api.core.v1.Pod\n 1 metadata io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta\n"
    ));
    assert!(
        generated.contains(" 2 data {}bytes\n"),
        "Secret data is a map of bytes"
    );
    assert!(
        generated.contains("io.k8s.api.core.v1.Probe\n 1 ~ io.k8s.api.core.v1.ProbeHandler\n"),
        "a Go struct embedded in another is inline in JSON"
    );
    if std::env::var_os("BERTH_REGENERATE").is_some() {
        std::fs::write(TABLE, &generated).expect("write table");
    }
    let committed = std::fs::read_to_string(TABLE).unwrap_or_default();
    assert!(
        committed == generated,
        "src/protobuf/messages.txt is stale: run BERTH_REGENERATE=1 cargo test -p berth-kube-sim --test protobuf_table"
    );
}
