//! A design as text a person reads: each part on a line or two with only the fields
//! that differ from their defaults, as the library's designs are written
//! (scenarios/designs/*.ron). `DesignDoc::to_ron` writes it; `Scenario::parse` and
//! `DesignDoc::from_scenario_text` read it back to the same parts.

use crate::scenario::brief::{DesignParts, DesignText};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Lines are wrapped before this many characters.
const WIDTH: usize = 110;

fn options() -> ron::Options {
    ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
}

/// The top-level fields of `item` as (name, value text), one value per line of a
/// pretty print one level deep (RON escapes newlines inside strings).
pub(crate) fn fields<T: Serialize>(item: &T) -> Option<Vec<(String, String)>> {
    let pretty = ron::ser::PrettyConfig::new()
        .depth_limit(1)
        .struct_names(false)
        .extensions(ron::extensions::Extensions::IMPLICIT_SOME);
    let text = options().to_string_pretty(item, pretty).ok()?;
    let mut out = Vec::new();
    let mut lines = text.lines().filter(|l| !l.starts_with("#!["));
    if lines.next()? != "(" {
        return None; // an enum variant or a plain value: not a struct of fields
    }
    for line in lines {
        let line = line.trim();
        if line == ")" {
            break;
        }
        let (name, value) = line.split_once(": ")?;
        out.push((name.to_string(), value.trim_end_matches(',').to_string()));
    }
    Some(out)
}

/// `item` on one logical line, as `(name: "x", field: value, ...)`: the fields in
/// `required`, and the others only where they differ from their defaults. Falls back to
/// the full value when the short form would not read back the same.
pub fn compact<T: Serialize + DeserializeOwned + PartialEq>(item: &T, required: &[&str]) -> String {
    let full = || options().to_string(item).unwrap_or_default();
    let Some(mine) = fields(item) else {
        return full();
    };
    let minimal: Vec<String> =
        mine.iter().filter(|(n, _)| required.contains(&n.as_str())).map(|(n, v)| format!("{n}: {v}")).collect();
    let Ok(default) = options().from_str::<T>(&format!("({})", minimal.join(", "))) else {
        return full();
    };
    let defaults = fields(&default).unwrap_or_default();
    let kept: Vec<String> = mine
        .iter()
        .filter(|(n, v)| required.contains(&n.as_str()) || !defaults.iter().any(|(dn, dv)| dn == n && dv == v))
        .map(|(n, v)| format!("{n}: {v}"))
        .collect();
    let text = format!("({})", kept.join(", "));
    match options().from_str::<T>(&text) {
        Ok(back) if back == *item => text,
        _ => full(),
    }
}

/// Splits `(a: 1, b: 2, ...)` into lines of at most `WIDTH` characters at field
/// boundaries, the continuation lines indented under the first field.
fn wrap(item: &str, indent: usize) -> String {
    let Some(inner) = item.strip_prefix('(').and_then(|s| s.strip_suffix(')')) else {
        return item.to_string();
    };
    let parts = top_level_split(inner);
    let mut out = String::from("(");
    let mut column = indent + 1;
    for (i, part) in parts.iter().enumerate() {
        let piece = if i + 1 < parts.len() { format!("{part},") } else { part.to_string() };
        if i > 0 {
            if column + 1 + piece.len() > WIDTH {
                out.push('\n');
                out.push_str(&" ".repeat(indent + 1));
                column = indent + 1;
            } else {
                out.push(' ');
                column += 1;
            }
        }
        let piece = wrap_list(&piece, column);
        column = match piece.rfind('\n') {
            Some(i) => piece.len() - i - 1,
            None => column + piece.len(),
        };
        out.push_str(&piece);
    }
    out.push(')');
    out
}

/// A field holding a list too long for its line (`calls: [...]`): the items wrapped
/// under the first one.
fn wrap_list(piece: &str, column: usize) -> String {
    let Some(open) = piece.find(": [") else {
        return piece.to_string();
    };
    let (head, rest) = piece.split_at(open + 3);
    let Some(inner) = rest.strip_suffix("],").or_else(|| rest.strip_suffix(']')) else {
        return piece.to_string();
    };
    let tail = &rest[inner.len()..];
    if column + piece.len() <= WIDTH {
        return piece.to_string();
    }
    let indent = column + head.len();
    let items = top_level_split(inner);
    let mut out = head.to_string();
    let mut at = indent;
    for (i, item) in items.iter().enumerate() {
        let item = if i + 1 < items.len() { format!("{item},") } else { item.to_string() };
        if i > 0 {
            if at + 1 + item.len() > WIDTH {
                out.push('\n');
                out.push_str(&" ".repeat(indent));
                at = indent;
            } else {
                out.push(' ');
                at += 1;
            }
        }
        out.push_str(&item);
        at += item.len();
    }
    out.push_str(tail);
    out
}

/// Splits at the commas that are not inside brackets or strings.
fn top_level_split(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut in_string, mut escaped, mut start) = (0i32, false, false, 0);
    for (i, c) in text.char_indices() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(text[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    let last = text[start..].trim();
    if !last.is_empty() {
        parts.push(last);
    }
    parts
}

fn string(s: &str) -> String {
    options().to_string(&s).unwrap_or_default()
}

/// A list of the design's parts: `    functions: [\n        (...),\n    ],`.
fn list<T: Serialize + DeserializeOwned + PartialEq>(out: &mut String, name: &str, items: &[T], required: &[&str]) {
    if items.is_empty() {
        return;
    }
    out.push_str(&format!("    {name}: [\n"));
    for item in items {
        out.push_str(&format!("        {},\n", wrap(&compact(item, required), 8)));
    }
    out.push_str("    ],\n");
}

/// The design file's text.
pub fn design_file(design: &DesignText) -> String {
    let DesignParts { functions, triggers, queues, databases, buses, buckets, streams, workflows, apis, connect } =
        &design.parts;
    let mut out = format!(
        "// A design for {}, drawn on faaslab's design canvas.\nScenario(\n    name: {},\n",
        design.brief,
        string(&design.name)
    );
    if !design.summary.is_empty() {
        out.push_str(&format!("    summary: {},\n", string(&design.summary)));
    }
    if !design.description.is_empty() {
        out.push_str(&format!("    description: {},\n", string(&design.description)));
    }
    out.push_str(&format!("    brief: {},\n", string(&design.brief)));
    list(&mut out, "functions", functions, &["name", "runtime", "duration"]);
    list(&mut out, "triggers", triggers, &[]);
    list(&mut out, "queues", queues, &["name"]);
    list(&mut out, "databases", databases, &["name"]);
    list(&mut out, "buses", buses, &["name"]);
    list(&mut out, "buckets", buckets, &["name"]);
    list(&mut out, "streams", streams, &["name"]);
    list(&mut out, "workflows", workflows, &["name", "steps"]);
    list(&mut out, "apis", apis, &["name", "latency"]);
    list(&mut out, "connect", connect, &["from", "to"]);
    out.push_str(")\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::function::FunctionSpec;

    #[test]
    fn a_part_keeps_only_what_differs_from_its_defaults() {
        let text = r#"(name: "process", runtime: Python, memory_mb: 1024, duration: LogNormal(median: "150ms", p99: "600ms"), timeout: "30s", idempotency: true, reserved_concurrency: 18, calls: [Api(api: "scanner", retries: 2, backoff: "500ms"), Put(bucket: "thumbnails", size_kb: 40.0)])"#;
        let f: FunctionSpec = options().from_str(text).unwrap();
        let short = compact(&f, &["name", "runtime", "duration"]);
        assert_eq!(
            short,
            r#"(name: "process", runtime: Python, memory_mb: 1024, duration: LogNormal(median: "150ms", p99: "600ms"), reserved_concurrency: 18, timeout: "30s", calls: [Api(api: "scanner", retries: 2, backoff: "500ms"), Put(bucket: "thumbnails", size_kb: 40.0)], idempotency: true)"#
        );
        let wrapped = wrap(&short, 8);
        // Wrapped at field boundaries (a field longer than a line keeps its own line).
        assert_eq!(wrapped.lines().count(), 4, "{wrapped}");
        // The first line follows 8 spaces of indentation; the others carry theirs.
        let widths: Vec<usize> =
            wrapped.lines().enumerate().map(|(i, l)| l.len() + if i == 0 { 8 } else { 0 }).collect();
        assert!(widths.iter().all(|w| *w <= WIDTH), "{wrapped}");
        assert!(wrapped.lines().nth(1).unwrap().starts_with("         duration: "), "{wrapped}");
        assert_eq!(options().from_str::<FunctionSpec>(&wrapped).unwrap(), f);
    }
}
