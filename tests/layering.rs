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
        } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("tests.rs") {
            // A module's tests in a file of their own (`#[cfg(test)] mod
            // tests;`) are test code, which may reach anywhere.
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

/// A crate's source as a graph of file modules (`cli::audit::checkpoint`
/// for `cli/audit/checkpoint.rs`), with an edge for every `crate::` or
/// `super::` path one names outside its tests. A path through a
/// re-export (`crate::cli::checkpoint` for `cli/audit/checkpoint.rs`) is
/// followed to the one module of that name below. Edges between a module
/// and its ancestors are left out: a parent declares its children and
/// they share its items, which is how Rust modules are built.
fn file_graph(root: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(root, &mut files);
    let module_of = |file: &Path| -> String {
        let rel = file.strip_prefix(root).unwrap().with_extension("");
        let mut parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if matches!(parts.last().map(String::as_str), Some("mod" | "lib" | "main")) {
            parts.pop();
        }
        parts.join("::")
    };
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(f)).collect();
    let mut graph = BTreeMap::new();
    for file in &files {
        let module = module_of(file);
        let text = without_tests(&std::fs::read_to_string(file).unwrap());
        let mut deps = BTreeSet::new();
        for path in paths_named(&text) {
            let absolute: Vec<String> = match path.first().map(String::as_str) {
                Some("crate") => path[1..].to_vec(),
                Some("super") => {
                    let mut base: Vec<String> = module
                        .split("::")
                        .filter(|s| !s.is_empty())
                        .map(String::from)
                        .collect();
                    let mut rest = &path[..];
                    while rest.first().map(String::as_str) == Some("super") {
                        base.pop();
                        rest = &rest[1..];
                    }
                    base.extend(rest.iter().cloned());
                    base
                }
                _ => continue,
            };
            if let Some(target) = resolve(&modules, &absolute) {
                let related = target.is_empty()
                    || target == module
                    || target.starts_with(&format!("{module}::"))
                    || module.starts_with(&format!("{target}::"));
                if !related {
                    deps.insert(target);
                }
            }
        }
        graph.insert(module, deps);
    }
    graph
}

/// Every `crate::a::b` and `super::a` path in `text`, as segments, with
/// `crate::a::{b, c::d}` expanded to each member.
fn paths_named(text: &str) -> Vec<Vec<String>> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut out = Vec::new();
    for start in ["crate::", "super::"] {
        let mut rest = text;
        while let Some(at) = rest.find(start) {
            let before = rest[..at].chars().last();
            rest = &rest[at..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                rest = &rest[start.len()..];
                continue;
            }
            let mut segs = vec![start.trim_end_matches(':').to_string()];
            let mut tail = &rest[start.len()..];
            loop {
                if let Some(group) = tail.strip_prefix('{') {
                    let end = group.find('}').unwrap_or(group.len());
                    for part in group[..end].split(',') {
                        let mut member = segs.clone();
                        member.extend(part.trim().split("::").map(ident).filter(|s| !s.is_empty()));
                        out.push(member);
                    }
                    segs.clear();
                    break;
                }
                let name = ident(tail);
                if name.is_empty() {
                    break;
                }
                tail = &tail[name.len()..];
                segs.push(name);
                match tail.strip_prefix("::") {
                    Some(t) => tail = t,
                    None => break,
                }
            }
            if !segs.is_empty() {
                out.push(segs);
            }
            rest = &rest[start.len()..];
        }
    }
    out
}

/// The module a path names: the longest prefix that is a module, or, when
/// the next segment is no child of it, the one module of that name below
/// it (a re-export).
fn resolve(modules: &BTreeSet<String>, path: &[String]) -> Option<String> {
    let mut known = String::new();
    for (i, seg) in path.iter().enumerate() {
        let next = if known.is_empty() {
            seg.clone()
        } else {
            format!("{known}::{seg}")
        };
        if modules.contains(&next) {
            known = next;
            continue;
        }
        if i == 0 && !modules.contains("") {
            return None;
        }
        let prefix = if known.is_empty() {
            String::new()
        } else {
            format!("{known}::")
        };
        let below: Vec<&String> = modules
            .iter()
            .filter(|m| m.starts_with(&prefix) && m.rsplit("::").next() == Some(seg.as_str()))
            .collect();
        if let [one] = below[..] {
            known = one.clone();
            continue;
        }
        break;
    }
    Some(known)
}

/// The cycles of a graph, each as its modules in order.
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    fn visit<'a>(
        m: &'a str,
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<&'a str, u8>,
        path: &mut Vec<&'a str>,
        found: &mut Vec<String>,
    ) {
        state.insert(m, 1);
        path.push(m);
        for d in graph.get(m).into_iter().flatten() {
            match state.get(d.as_str()) {
                Some(1) => {
                    let start = path.iter().position(|x| x == d).unwrap();
                    found.push(format!("{} -> {d}", path[start..].join(" -> ")));
                }
                Some(_) => {}
                None => visit(d, graph, state, path, found),
            }
        }
        path.pop();
        state.insert(m, 2);
    }
    let mut state = BTreeMap::new();
    let mut found = Vec::new();
    for m in graph.keys() {
        if !state.contains_key(m.as_str()) {
            visit(m, graph, &mut state, &mut Vec::new(), &mut found);
        }
    }
    found
}

const CRATES: &[(&str, &str)] = &[
    ("sakip", "src"),
    ("sakip-report", "report/src"),
    ("sakip-web", "web/src"),
    ("sakip-bench", "bench/src"),
    ("sakip-cli", "cli/src"),
];

#[test]
fn no_crate_has_a_loop_among_its_files() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut problems = Vec::new();
    for (name, src) in CRATES {
        let graph = file_graph(&workspace.join(src));
        problems.extend(cycles(&graph).into_iter().map(|c| format!("{name}: {c}")));
    }
    assert!(problems.is_empty(), "import loops:\n{}", problems.join("\n"));
    // The graph is seen: the CLI's verify reads the audit files module,
    // the web's sign-in handlers read the gate.
    let cli = file_graph(&workspace.join("cli/src"));
    assert!(
        cli["cli::audit::verify"].contains("cli::audit::files"),
        "{:?}",
        cli["cli::audit::verify"]
    );
    let web = file_graph(&workspace.join("web/src"));
    assert!(web["auth"].contains("gate"), "{:?}", web["auth"]);
}

#[test]
fn the_loop_check_finds_a_loop_it_is_fed() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    std::fs::create_dir_all(src.join("cli/audit")).unwrap();
    std::fs::write(src.join("main.rs"), "mod cli;").unwrap();
    std::fs::write(
        src.join("cli/mod.rs"),
        "mod audit;\nuse audit::{checkpoint, witness};",
    )
    .unwrap();
    std::fs::write(
        src.join("cli/audit/mod.rs"),
        "pub mod checkpoint;\npub mod witness;",
    )
    .unwrap();
    // One side by `super::`, the other through the parent's re-export.
    std::fs::write(
        src.join("cli/audit/checkpoint.rs"),
        "fn a() { super::witness::keys(); }",
    )
    .unwrap();
    std::fs::write(
        src.join("cli/audit/witness.rs"),
        "fn b() { crate::cli::checkpoint::read(); }",
    )
    .unwrap();
    let found = cycles(&file_graph(src));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("cli::audit::checkpoint") && found[0].contains("cli::audit::witness"),
        "{found:?}"
    );
    // Broken, it is gone.
    std::fs::write(src.join("cli/audit/witness.rs"), "fn b() {}").unwrap();
    assert!(cycles(&file_graph(src)).is_empty());
}

/// The crates depend on each other only downwards, and the ledger crate
/// on no document or analytics format.
#[test]
fn the_crates_depend_only_downwards() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"));
    let allowed: &[(&str, &str, &[&str])] = &[
        ("sakip", "Cargo.toml", &[]),
        ("sakip-report", "report/Cargo.toml", &["sakip"]),
        ("sakip-web", "web/Cargo.toml", &["sakip", "sakip-report"]),
        ("sakip-bench", "bench/Cargo.toml", &["sakip", "sakip-report"]),
        (
            "sakip-cli",
            "cli/Cargo.toml",
            &["sakip", "sakip-report", "sakip-web", "sakip-bench"],
        ),
    ];
    let ours: Vec<&str> = allowed.iter().map(|(n, _, _)| *n).collect();
    let mut problems = Vec::new();
    for (name, manifest, may) in allowed {
        let text = std::fs::read_to_string(workspace.join(manifest)).unwrap();
        let deps = dependencies(&text);
        for dep in &deps {
            if ours.contains(&dep.as_str()) && !may.contains(&dep.as_str()) {
                problems.push(format!("{name} depends on {dep}"));
            }
        }
        if *name == "sakip" {
            for format in ["rust_xlsxwriter", "calamine", "zip", "parquet", "axum", "tokio"] {
                if deps.iter().any(|d| d == format) {
                    problems.push(format!("the ledger crate depends on {format}"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The names under `[dependencies]` of a manifest (not dev-dependencies).
fn dependencies(manifest: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            inside = line == "[dependencies]";
            continue;
        }
        if inside {
            if let Some((name, _)) = line.split_once('=') {
                let name = name.trim();
                if !name.is_empty() && !name.starts_with('#') {
                    out.push(name.to_string());
                }
            }
        }
    }
    out
}

/// `docs/ARCHITECTURE.md` stays a true map: its module table names every
/// module of `src/` and no other, and its layer table says what
/// [`LAYERS`] says.
#[test]
fn the_architecture_doc_names_every_module_and_only_those() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(workspace.join("docs/ARCHITECTURE.md")).unwrap();
    let section = |title: &str| -> String {
        let start = doc
            .find(&format!("## {title}\n"))
            .unwrap_or_else(|| panic!("no section {title}"));
        let rest = &doc[start + title.len() + 4..];
        rest[..rest.find("\n## ").unwrap_or(rest.len())].to_string()
    };
    let first_cell = |line: &str| -> Option<String> {
        let cell = line.strip_prefix("| `")?;
        Some(cell[..cell.find('`')?].to_string())
    };
    let named: BTreeSet<String> = section("Modules")
        .lines()
        .filter_map(first_cell)
        .filter(|name| !name.contains('/'))
        .collect();
    let modules: BTreeSet<String> = std::fs::read_dir(workspace.join("src"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() || p.extension().is_some_and(|e| e == "rs"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .filter(|m| m != "lib")
        .collect();
    let missing: Vec<_> = modules.difference(&named).collect();
    let stale: Vec<_> = named.difference(&modules).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "docs/ARCHITECTURE.md, Modules: missing {missing:?}, naming what does not exist {stale:?}"
    );
    // The number of event kinds it states is the number there are.
    let event = std::fs::read_to_string(workspace.join("src/event/mod.rs")).unwrap();
    let kinds_enum = &event[event.find("pub enum Kind").unwrap()..];
    let kinds = kinds_enum[..kinds_enum.find("\n}").unwrap()]
        .lines()
        .filter(|l| l.trim_end().ends_with(',') && l.contains(" = "))
        .count();
    assert!(
        section("Modules").contains(&format!("({kinds} kinds")),
        "docs/ARCHITECTURE.md, Modules, event: the ledger has {kinds} event kinds"
    );
    let layers = section("Layers");
    for (name, mods) in LAYERS {
        let row = layers
            .lines()
            .find(|l| l.starts_with(&format!("| {name} |")))
            .unwrap_or_else(|| panic!("docs/ARCHITECTURE.md, Layers: no row for {name}"));
        let listed: BTreeSet<&str> = row.split('`').skip(1).step_by(2).collect();
        let want: BTreeSet<&str> = mods.iter().copied().collect();
        assert_eq!(listed, want, "docs/ARCHITECTURE.md, Layers, {name}");
    }
}
