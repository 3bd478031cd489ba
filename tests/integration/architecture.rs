//! The layering docs/architecture.md states, checked on the source: no UI type in the
//! simulation core, clap only in the command line, and no import circle between
//! modules (`app -> report -> scenario -> sim`, and inside the core the kernel below
//! the model). Modules are files; an edge is any `crate::` path (or `super::` path)
//! a file names outside its tests. Edges into `sim` itself (the `Simulation` and
//! `Event` every handler file implements on) are left out: they are the hub, not a
//! layer.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Every `.rs` file under src/ but main.rs, by module path (`sim::services::queue`).
fn modules() -> BTreeMap<String, String> {
    fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("src/ is readable") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|x| x == "rs") {
                out.push(path);
            }
        }
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    let mut out = BTreeMap::new();
    for file in files {
        let relative = file.strip_prefix(&src).expect("under src").with_extension("");
        let mut parts: Vec<String> = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
        if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
            parts.pop();
        }
        if parts == ["main"] || parts.first().is_some_and(|p| p == "cli") {
            continue; // the binary, not the library
        }
        let text = std::fs::read_to_string(&file).expect("readable");
        // Unit tests may reach anywhere.
        let text = match text.find("#[cfg(test)]\nmod tests") {
            Some(i) => text[..i].to_string(),
            None => text,
        };
        out.insert(parts.join("::"), text);
    }
    out
}

/// The modules a file refers to.
fn references(module: &str, text: &str, known: &BTreeSet<String>) -> BTreeSet<String> {
    let resolve = |path: &str| -> Option<String> {
        let parts: Vec<&str> = path.split("::").filter(|p| !p.is_empty()).collect();
        (1..=parts.len()).rev().map(|k| parts[..k].join("::")).find(|m| known.contains(m))
    };
    let parent = module.rsplit_once("::").map_or("", |(p, _)| p);
    let mut out = BTreeSet::new();
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == ':';
    for (prefix, base) in [("crate::", String::new()), ("super::", parent.to_string())] {
        for (i, _) in text.match_indices(prefix) {
            if prefix == "super::" && text[..i].ends_with("::") {
                continue; // part of a longer path
            }
            let rest = &text[i + prefix.len()..];
            let path: String = rest.chars().take_while(|&c| ident(c)).collect();
            let path = path.trim_end_matches(':');
            let full = if base.is_empty() { path.to_string() } else { format!("{base}::{path}") };
            let mut targets = vec![full.clone()];
            // `use crate::a::{b, c::d}`: each item of the group.
            let after = &rest[path.len()..];
            if let Some(group) = after.strip_prefix("::{").and_then(|g| g.split('}').next()) {
                for item in group.split(',') {
                    let item: String = item.trim().chars().take_while(|&c| ident(c)).collect();
                    if !item.is_empty() && item != "self" {
                        targets.push(format!("{full}::{item}"));
                    }
                }
            }
            for t in targets {
                if let Some(m) = resolve(&t).filter(|m| m != module) {
                    out.insert(m);
                }
            }
        }
    }
    out
}

#[test]
fn the_simulation_core_has_no_ui_types() {
    for (module, text) in modules() {
        if module == "sim" || module.starts_with("sim::") {
            for ui in ["bevy", "egui"] {
                assert!(!text.contains(&format!("{ui}::")), "{module} names {ui}: the core must stay free of UI");
            }
        }
    }
}

#[test]
fn only_the_command_line_uses_clap() {
    for (module, text) in modules() {
        assert!(
            !text.contains("clap::") && !text.contains("use clap"),
            "{module} uses clap (only src/cli and main.rs may)"
        );
    }
}

#[test]
fn no_module_imports_another_that_imports_it_back() {
    let modules = modules();
    let known: BTreeSet<String> = modules.keys().cloned().collect();
    let graph: BTreeMap<String, BTreeSet<String>> = modules
        .iter()
        .map(|(m, text)| {
            let edges = references(m, text, &known).into_iter().filter(|t| t != "sim" && m != "sim").collect();
            (m.clone(), edges)
        })
        .collect();
    // A circle exists when some module reaches itself again.
    let mut circles = Vec::new();
    for start in graph.keys() {
        let mut stack: Vec<(String, Vec<String>)> = vec![(start.clone(), vec![start.clone()])];
        let mut seen = BTreeSet::new();
        while let Some((node, path)) = stack.pop() {
            for next in &graph[&node] {
                if next == start {
                    circles.push(format!("{} -> {start}", path.join(" -> ")));
                } else if seen.insert(next.clone()) {
                    let mut p = path.clone();
                    p.push(next.clone());
                    stack.push((next.clone(), p));
                }
            }
        }
    }
    assert!(circles.is_empty(), "import circles:\n{}", circles.join("\n"));
}
