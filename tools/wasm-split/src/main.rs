//! `berth-wasm-split INPUT.wasm PKG_DIR MAIN_OUT.wasm`, then (after
//! wasm-opt) `berth-wasm-split pack PKG_DIR`.
//!
//! Splits the browser WASM at the split points that Leptos' `#[lazy]` and
//! `#[lazy_route]` leave in it. The chunks, the JS loader and the manifest
//! Leptos reads to preload a page's chunks go to `PKG_DIR` under the names
//! Leptos expects; the main module goes to `MAIN_OUT.wasm`, for wasm-bindgen
//! to process (with `--keep-lld-exports --no-demangle`).

use std::path::Path;

mod pack;
mod segments;

/// The names `leptos::HydrationScripts` looks for in the package directory.
const LOADER: &str = "./__wasm_split.______________________.js";
const MANIFEST: &str = "__wasm_split_manifest.json";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [verb, pkg] = args.as_slice() {
        if verb == "pack" {
            if let Err(e) = pack::pack(Path::new(pkg)) {
                eprintln!("berth-wasm-split pack: {e}");
                std::process::exit(1);
            }
            return;
        }
    }
    let [input, pkg, main_out] = args.as_slice() else {
        eprintln!("usage: berth-wasm-split INPUT.wasm PKG_DIR MAIN_OUT.wasm | berth-wasm-split pack PKG_DIR");
        std::process::exit(2);
    };
    if let Err(e) = run(Path::new(input), Path::new(pkg), Path::new(main_out)) {
        eprintln!("berth-wasm-split: {e:?}");
        std::process::exit(1);
    }
}

fn run(input: &Path, pkg: &Path, main_out: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let wasm = std::fs::read(input)?;
    let main_module = "./berth.js";
    let split = wasm_split_cli_support::transform({
        let mut opts = wasm_split_cli_support::Options::new(&wasm);
        opts.output_dir = pkg;
        opts.main_out_path = main_out;
        opts.main_module = main_module;
        opts.link_name = LOADER;
        opts
    })
    .map_err(|e| format!("{e:?}"))?;
    std::fs::write(
        pkg.join(MANIFEST),
        serde_json::to_string_pretty(&split.prefetch_map)?,
    )?;
    println!(
        "berth-wasm-split: {} chunk(s) from {} split point(s)",
        split.split_modules.len(),
        split.prefetch_map.len()
    );
    join_segments(pkg, main_out)
}

/// Joins the data segments of the main module and of every module in `pkg`
/// (see [`segments`]).
fn join_segments(pkg: &Path, main_out: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let mut paths = vec![main_out.to_path_buf()];
    for entry in std::fs::read_dir(pkg)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "wasm") && path != main_out {
            paths.push(path);
        }
    }
    let modules = paths
        .iter()
        .map(|p| {
            segments::Module::read(&std::fs::read(p)?)
                .map_err(|e| format!("{}: {e}", p.display()).into())
        })
        .collect::<Result<Vec<_>, Box<dyn std::error::Error>>>()?;
    let mut everyone: Vec<_> = modules
        .iter()
        .flat_map(|m| m.segments.iter().flatten())
        .filter(|s| !s.bytes.is_empty())
        .map(|s| s.offset..s.offset + s.bytes.len() as u32)
        .collect();
    everyone.sort_by_key(|r| r.start);
    let (mut before, mut after) = (0, 0);
    for (i, (path, module)) in paths.iter().zip(&modules).enumerate() {
        let Some(own) = module.segments.clone() else {
            continue;
        };
        before += own.len();
        let joined = if i == 0 {
            segments::join(own, |_| true)
        } else {
            segments::join(own, |gap| segments::clear_of(&everyone, gap))
        };
        after += joined.len();
        std::fs::write(path, module.write(&joined))?;
    }
    println!("berth-wasm-split: {before} data segment(s) joined into {after}");
    Ok(())
}
