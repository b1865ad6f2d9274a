//! The library's module graph, checked from its source like rust-analyzer's
//! `tidy` tests: every module sits in a layer (docs/ARCHITECTURE.md,
//! "Layers"), imports only modules of its own layer or below, and the
//! graph has no cycle. A new module must be given a layer here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Lowest first. Keep in step with docs/ARCHITECTURE.md.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "foundation",
        &[
            "error", "fsutil", "limits", "merkle", "numfmt", "period", "textsafe",
        ],
    ),
    ("model", &["clock", "codec", "event", "keys", "scoring", "show"]),
    (
        "read model and rules",
        &["authz", "budget", "projection", "rules"],
    ),
    (
        "storage and verification",
        &["checked", "checkpoint", "derived", "store", "verify", "witness"],
    ),
    ("ledger", &["ledger"]),
    (
        "built on a ledger",
        &["audit", "bundle", "document", "import", "tiles"],
    ),
    ("workflows", &["example", "service"]),
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|(_, mods)| mods.contains(&module))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The source without its `#[cfg(test)]` items (tests may reach
/// anywhere): each is cut from the attribute to its matching closing brace.
fn without_tests(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        let Some(open) = after.find('{') else {
            return out;
        };
        let mut depth = 0usize;
        let mut end = after.len();
        for (i, c) in after[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + i + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// Every `crate::name` a source names, including `crate::{a, b::c}`.
fn crate_refs(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for part in group[..end].split(',') {
                let name: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                out.insert(name);
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            out.insert(name);
        }
    }
    out
}

#[test]
fn modules_import_only_their_layer_or_below_and_form_no_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let rel = file.strip_prefix(&src).unwrap();
        let top = rel.components().next().unwrap().as_os_str().to_string_lossy();
        let module = top.trim_end_matches(".rs").to_string();
        if module == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(file).unwrap();
        let deps = graph.entry(module.clone()).or_default();
        for name in crate_refs(&without_tests(&text)) {
            if name != module && layer_of(&name).is_some() {
                deps.insert(name);
            }
        }
    }
    let mut problems = Vec::new();
    for (module, deps) in &graph {
        let Some(own) = layer_of(module) else {
            problems.push(format!("module {module} has no layer in tests/layering.rs"));
            continue;
        };
        for dep in deps {
            let theirs = layer_of(dep).unwrap();
            if theirs > own {
                problems.push(format!(
                    "{module} ({}) imports {dep} ({}), a higher layer",
                    LAYERS[own].0, LAYERS[theirs].0
                ));
            }
        }
    }
    // Cycles: a depth-first search over the whole graph.
    fn visit<'a>(
        m: &'a str,
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<&'a str, u8>,
        path: &mut Vec<&'a str>,
        problems: &mut Vec<String>,
    ) {
        state.insert(m, 1);
        path.push(m);
        for d in graph.get(m).into_iter().flatten() {
            match state.get(d.as_str()) {
                Some(1) => {
                    let start = path.iter().position(|x| x == d).unwrap();
                    problems.push(format!("cycle: {} -> {d}", path[start..].join(" -> ")));
                }
                Some(_) => {}
                None => visit(d, graph, state, path, problems),
            }
        }
        path.pop();
        state.insert(m, 2);
    }
    let mut state = BTreeMap::new();
    for m in graph.keys() {
        if !state.contains_key(m.as_str()) {
            visit(m, &graph, &mut state, &mut Vec::new(), &mut problems);
        }
    }
    assert!(problems.is_empty(), "module layering:\n{}", problems.join("\n"));
    // The check sees the graph: the ledger does import the store, and the
    // service the ledger.
    assert!(graph["ledger"].contains("store") && graph["service"].contains("ledger"));
}

#[test]
fn the_storage_engine_is_named_only_in_its_module() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let outside: Vec<String> = files
        .iter()
        .filter(|f| !f.ends_with("store/sled_engine.rs"))
        .filter(|f| std::fs::read_to_string(f).unwrap().contains("sled::"))
        .map(|f| f.display().to_string())
        .collect();
    assert!(
        outside.is_empty(),
        "sled:: outside src/store/sled_engine.rs: {outside:?}"
    );
}

#[test]
fn the_library_returns_no_string_errors() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut found = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for (n, line) in without_tests(&text).lines().enumerate() {
            let line_without_maps = line.replace("Map<String, String>", "");
            if line_without_maps.contains(", String>") && line.contains("Result<") {
                found.push(format!("{}:{}: {}", f.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "Result<_, String> in the library:\n{}",
        found.join("\n")
    );
}
