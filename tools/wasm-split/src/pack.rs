//! `berth-wasm-split pack PKG_DIR`: one request per page.
//!
//! Splitting leaves a page needing its own module and tens of shared
//! chunks, each fetched on its own. After wasm-opt, this step packs every
//! split point's modules (its own and each chunk it needs) into one file,
//! `pack<split point>.wasm`, rewrites the manifest so the server preloads
//! only that file, and rewrites the loader so a page's first module
//! request fetches its pack and every module comes out of a pack. A chunk
//! that an earlier page's pack brought is not instantiated again.
//!
//! A pack is a sequence of entries: the module's name (u16 length, UTF-8),
//! then its bytes (u32 length, little-endian).

use std::{collections::BTreeMap, fs, path::Path};

use crate::{LOADER, MANIFEST};

type Error = Box<dyn std::error::Error>;

/// The loader's fetch of one module, as wasm_split_cli_support writes it.
const FETCH_OPEN: &str = "fetch(new URL(\"./";
const FETCH_CLOSE: &str = ".wasm\", import.meta.url))";
const INSTANTIATE: &str = "WebAssembly.instantiateStreaming(src, imports)";
const WRAP_DEF: &str =
    "function wrapAsyncCb(callee) {\n    return async (callbackIndex, callbackData) => {\n";
const EXPORT_OPEN: &str = "export const __wasm_split_load_";
const WRAP_CALL: &str = " = wrapAsyncCb(makeLoad(";

/// Where the modules come from: the packs, fetched once each.
const PACKS_JS: &str = r#"
const packModules = new Map(); // module name -> Promise<ArrayBuffer>
function startPack(pack, modules) {
    const missing = modules.filter((m) => !packModules.has(m));
    if (missing.length === 0) return;
    const bytes = fetch(new URL(`./${pack}.wasm`, import.meta.url)).then(async (res) => {
        if (!res.ok) throw new Error(`${pack}: HTTP ${res.status}`);
        const buf = await res.arrayBuffer();
        const view = new DataView(buf);
        const found = new Map();
        for (let at = 0; at < buf.byteLength; ) {
            const nameLen = view.getUint16(at, true);
            const name = new TextDecoder().decode(new Uint8Array(buf, at + 2, nameLen));
            const len = view.getUint32(at + 2 + nameLen, true);
            const start = at + 6 + nameLen;
            found.set(name, buf.slice(start, start + len));
            at = start + len;
        }
        return found;
    });
    for (const m of missing) {
        const one = bytes.then((found) => {
            if (!found.has(m)) throw new Error(`${pack} lacks ${m}`);
            return found.get(m);
        });
        // A failed fetch is tried again by the next load.
        one.catch(() => { if (packModules.get(m) === one) packModules.delete(m); });
        packModules.set(m, one);
    }
}
function fromPack(module) {
    const bytes = packModules.get(module);
    return bytes ?? Promise.reject(new Error(`${module} is in no pack that was started`));
}
"#;

pub fn pack(pkg: &Path) -> Result<(), Error> {
    let manifest: BTreeMap<String, Vec<String>> =
        serde_json::from_str(&fs::read_to_string(pkg.join(MANIFEST))?)?;
    let mut packed: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut members: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    let mut all = Vec::new();
    for (split, modules) in &manifest {
        let name = format!("pack{split}");
        let mut out = Vec::new();
        for m in modules {
            let bytes = fs::read(pkg.join(format!("{m}.wasm")))?;
            out.extend_from_slice(&u16::try_from(m.len())?.to_le_bytes());
            out.extend_from_slice(m.as_bytes());
            out.extend_from_slice(&u32::try_from(bytes.len())?.to_le_bytes());
            out.extend_from_slice(&bytes);
            all.push(m.clone());
        }
        fs::write(pkg.join(format!("{name}.wasm")), out)?;
        packed.insert(split.clone(), vec![name.clone()]);
        members.insert(split.clone(), (name, modules.clone()));
    }
    let loader = pkg.join(LOADER);
    let js = rewrite_loader(&fs::read_to_string(&loader)?, &members)?;
    fs::write(&loader, js)?;
    fs::write(pkg.join(MANIFEST), serde_json::to_string_pretty(&packed)?)?;
    all.sort();
    all.dedup();
    for m in &all {
        fs::remove_file(pkg.join(format!("{m}.wasm")))?;
    }
    println!(
        "berth-wasm-split: {} module(s) packed into {} pack(s), one a page",
        all.len(),
        packed.len()
    );
    Ok(())
}

/// Every module fetch reads from a pack; every page's loader starts its
/// pack first.
fn rewrite_loader(
    js: &str,
    members: &BTreeMap<String, (String, Vec<String>)>,
) -> Result<String, Error> {
    let mut out = String::with_capacity(js.len() + PACKS_JS.len());
    let mut rest = js;
    let mut fetches = 0;
    while let Some(open) = rest.find(FETCH_OPEN) {
        let after = &rest[open + FETCH_OPEN.len()..];
        let close = after
            .find(FETCH_CLOSE)
            .ok_or("loader: a module fetch without its end")?;
        out.push_str(&rest[..open]);
        out.push_str(&format!("fromPack({:?})", &after[..close]));
        rest = &after[close + FETCH_CLOSE.len()..];
        fetches += 1;
    }
    out.push_str(rest);
    if fetches == 0 {
        return Err("loader: no module fetch found (has wasm_split_cli_support changed?)".into());
    }
    if out.matches(INSTANTIATE).count() != fetches {
        return Err("loader: module fetches and instantiations do not pair up".into());
    }
    let mut out = out.replace(INSTANTIATE, "WebAssembly.instantiate(await src, imports)");
    // The comment over each module names every page that needs it: bytes
    // every page would download for nothing.
    out = out
        .lines()
        .filter(|l| !(l.starts_with("/* ") && l.ends_with(" */")))
        .map(|l| format!("{l}\n"))
        .collect();
    let wrap = out.find(WRAP_DEF).ok_or("loader: wrapAsyncCb not found")?;
    out.replace_range(
        wrap..wrap + WRAP_DEF.len(),
        &format!(
            "{PACKS_JS}function wrapAsyncCb(pack, modules, callee) {{\n    return async (callbackIndex, callbackData) => {{\n        startPack(pack, modules);\n"
        ),
    );
    for (split, (pack, modules)) in members {
        let from = format!("{EXPORT_OPEN}{split}{WRAP_CALL}");
        let to = format!(
            "{EXPORT_OPEN}{split} = wrapAsyncCb({pack:?}, {}, makeLoad(",
            serde_json::to_string(modules)?
        );
        if out.matches(&from).count() != 1 {
            return Err(format!("loader: no single loader for {split}").into());
        }
        out = out.replace(&from, &to);
    }
    if out.contains(WRAP_CALL) {
        return Err("loader: a page loader that is in no pack".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOADER_JS: &str = "import { initSync } from \"./berth.js\";\nfunction wrapAsyncCb(callee) {\n    return async (callbackIndex, callbackData) => {\n        let success;\n    }\n}\n/* __users */\nconst __chunk_1 = makeLoad(() => {\n    const src = fetch(new URL(\"./chunk_1.wasm\", import.meta.url));\n    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));\n}\n, []);\nexport const __wasm_split_load___users = wrapAsyncCb(makeLoad(() => {\n    const src = fetch(new URL(\"./split___users.wasm\", import.meta.url));\n    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));\n}\n, [__chunk_1]));\n";

    fn members() -> BTreeMap<String, (String, Vec<String>)> {
        BTreeMap::from([(
            "__users".to_owned(),
            (
                "pack__users".to_owned(),
                vec!["chunk_1".to_owned(), "split___users".to_owned()],
            ),
        )])
    }

    #[test]
    fn every_module_comes_from_a_pack_that_its_page_starts() {
        let js = rewrite_loader(LOADER_JS, &members()).unwrap();
        assert!(!js.contains("fetch(new URL(\"./chunk_1.wasm\""), "{js}");
        assert!(js.contains("const src = fromPack(\"chunk_1\");"), "{js}");
        assert!(
            js.contains("const src = fromPack(\"split___users\");"),
            "{js}"
        );
        assert!(js.contains(
            "export const __wasm_split_load___users = wrapAsyncCb(\"pack__users\", [\"chunk_1\",\"split___users\"], makeLoad("
        ), "{js}");
        assert!(
            js.contains("        startPack(pack, modules);\n        let success;"),
            "{js}"
        );
        assert_eq!(
            js.matches("WebAssembly.instantiate(await src, imports)")
                .count(),
            2
        );
        assert!(!js.contains("/* __users */"), "{js}");
    }

    #[test]
    fn a_loader_of_another_shape_is_refused_rather_than_half_rewritten() {
        let other = LOADER_JS.replace("wrapAsyncCb(makeLoad(", "wrapAsync(makeLoad(");
        assert!(rewrite_loader(&other, &members()).is_err());
        let no_fetch = LOADER_JS.replace("fetch(new URL(", "get(new URL(");
        assert!(rewrite_loader(&no_fetch, &members()).is_err());
    }
}
