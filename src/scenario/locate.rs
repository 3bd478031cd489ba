//! Finds where a value sits in RON source text, by its path (`functions[0].memory_mb`),
//! so that problems found after parsing can still name a line and column.
//!
//! A small scanner, not a parser: it walks structs, tuples, lists and maps, records
//! the position where each value starts, and skips strings and comments correctly.

use std::collections::HashMap;

/// 1-based line and column.
pub type Position = (usize, usize);

/// The position of every value in `src`, keyed by path.
pub fn value_positions(src: &str) -> HashMap<String, Position> {
    let mut scanner =
        Scanner { chars: src.char_indices().collect(), at: 0, line_starts: line_starts(src), out: HashMap::new() };
    scanner.value(String::new(), 0);
    scanner.out
}

/// The position of `path`, or of its closest ancestor that has one.
pub fn locate(positions: &HashMap<String, Position>, path: &str) -> Option<Position> {
    let mut p = path.to_string();
    loop {
        if let Some(pos) = positions.get(&p) {
            return Some(*pos);
        }
        let cut = p.rfind(['.', '['])?;
        p.truncate(cut);
    }
}

fn line_starts(src: &str) -> Vec<usize> {
    std::iter::once(0).chain(src.match_indices('\n').map(|(i, _)| i + 1)).collect()
}

struct Scanner {
    chars: Vec<(usize, char)>,
    at: usize,
    line_starts: Vec<usize>,
    out: HashMap<String, Position>,
}

const MAX_DEPTH: usize = 128;

impl Scanner {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).map(|c| c.1)
    }
    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.at + offset).map(|c| c.1)
    }

    fn position(&self) -> Position {
        let byte = self.chars.get(self.at).map_or_else(|| self.chars.last().map_or(0, |c| c.0), |c| c.0);
        let line = self.line_starts.partition_point(|&s| s <= byte);
        let start = self.line_starts[line - 1];
        // Columns count characters, as ron reports them.
        let col = self.chars[..self.at.min(self.chars.len())].iter().rev().take_while(|c| c.0 >= start).count() + 1;
        (line, col)
    }

    fn skip_trivia(&mut self) {
        loop {
            match (self.peek(), self.peek_at(1)) {
                (Some(c), _) if c.is_whitespace() => self.at += 1,
                (Some('/'), Some('/')) => {
                    while self.peek().is_some_and(|c| c != '\n') {
                        self.at += 1;
                    }
                }
                (Some('/'), Some('*')) => {
                    self.at += 2;
                    let mut depth = 1;
                    while depth > 0 && self.peek().is_some() {
                        match (self.peek(), self.peek_at(1)) {
                            (Some('*'), Some('/')) => {
                                depth -= 1;
                                self.at += 2;
                            }
                            (Some('/'), Some('*')) => {
                                depth += 1;
                                self.at += 2;
                            }
                            _ => self.at += 1,
                        }
                    }
                }
                _ => return,
            }
        }
    }

    fn ident(&mut self) -> String {
        let mut s = String::new();
        while let Some(c) = self.peek().filter(|c| c.is_alphanumeric() || *c == '_') {
            s.push(c);
            self.at += 1;
        }
        s
    }

    fn string(&mut self) -> String {
        // At the opening quote (or at `r` of a raw string).
        let mut hashes = 0;
        if self.peek() == Some('r') {
            self.at += 1;
            while self.peek() == Some('#') {
                hashes += 1;
                self.at += 1;
            }
        }
        self.at += 1; // opening quote
        let mut s = String::new();
        while let Some(c) = self.peek() {
            self.at += 1;
            if c == '\\' && hashes == 0 {
                if let Some(n) = self.peek() {
                    s.push(n);
                    self.at += 1;
                }
            } else if c == '"' {
                let closing = (0..hashes).all(|k| self.peek_at(k) == Some('#'));
                if closing {
                    self.at += hashes;
                    break;
                }
                s.push(c);
            } else {
                s.push(c);
            }
        }
        s
    }

    fn value(&mut self, path: String, depth: usize) {
        self.skip_trivia();
        if depth > MAX_DEPTH {
            return;
        }
        if !self.out.contains_key(&path) {
            let here = self.position();
            self.out.insert(path.clone(), here);
        }
        match self.peek() {
            Some('"') => {
                self.string();
            }
            Some('r') if matches!(self.peek_at(1), Some('"' | '#')) => {
                self.string();
            }
            Some('\'') => {
                self.at += 1;
                while let Some(c) = self.peek() {
                    self.at += 1;
                    if c == '\\' {
                        self.at += 1;
                    } else if c == '\'' {
                        break;
                    }
                }
            }
            Some('[') => {
                self.at += 1;
                let mut i = 0;
                loop {
                    self.skip_trivia();
                    match self.peek() {
                        None => return,
                        Some(']') => {
                            self.at += 1;
                            return;
                        }
                        Some(',') => self.at += 1,
                        _ => {
                            let before = self.at;
                            self.value(format!("{path}[{i}]"), depth + 1);
                            i += 1;
                            if self.at == before {
                                self.at += 1; // never stall on a stray character
                            }
                        }
                    }
                }
            }
            Some('{') => {
                self.at += 1;
                loop {
                    self.skip_trivia();
                    match self.peek() {
                        None => return,
                        Some('}') => {
                            self.at += 1;
                            return;
                        }
                        Some(',') => self.at += 1,
                        Some('"') => {
                            let key = self.string();
                            self.skip_trivia();
                            if self.peek() == Some(':') {
                                self.at += 1;
                            }
                            self.value(format!("{path}.{key}"), depth + 1);
                        }
                        _ => {
                            let before = self.at;
                            self.value(format!("{path}.?"), depth + 1);
                            if self.at == before {
                                self.at += 1;
                            }
                        }
                    }
                }
            }
            Some('(') => self.parenthesised(path, depth),
            Some(c) if c.is_alphabetic() || c == '_' => {
                self.ident();
                self.skip_trivia();
                if self.peek() == Some('(') {
                    self.parenthesised(path, depth);
                }
            }
            Some(_) => {
                // A number or other scalar: up to the next delimiter.
                while let Some(c) = self.peek() {
                    if matches!(c, ',' | ')' | ']' | '}') || c.is_whitespace() {
                        break;
                    }
                    self.at += 1;
                }
            }
            None => {}
        }
    }

    /// `( field: value, ... )` or `( value, ... )`.
    fn parenthesised(&mut self, path: String, depth: usize) {
        self.at += 1;
        let mut i = 0;
        loop {
            self.skip_trivia();
            match self.peek() {
                None => return,
                Some(')') => {
                    self.at += 1;
                    return;
                }
                Some(',') => self.at += 1,
                Some(c) if c.is_alphabetic() || c == '_' => {
                    let save = self.at;
                    let name = self.ident();
                    self.skip_trivia();
                    if self.peek() == Some(':') && self.peek_at(1) != Some(':') {
                        self.at += 1;
                        let field_path = if path.is_empty() { name } else { format!("{path}.{name}") };
                        self.value(field_path, depth + 1);
                    } else {
                        self.at = save;
                        self.value(format!("{path}[{i}]"), depth + 1);
                        i += 1;
                    }
                }
                _ => {
                    let before = self.at;
                    self.value(format!("{path}[{i}]"), depth + 1);
                    i += 1;
                    if self.at == before {
                        self.at += 1;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = r#"Scenario(
    name: "x", // a comment with "quotes" and (parens
    /* block ( comment */ duration: "2h",
    functions: [
        (name: "api", memory_mb: 64,
         runtime: Custom(cold_start: Exponential(mean: "250ms"))),
        (name: "b", reserved_concurrency: Some(3)),
    ],
    triggers: [Http(name: "c", target: "nope", arrivals: Steps(steps: [(at: "0s", rate: 1.0)]))],
)"#;

    #[test]
    fn finds_nested_fields_with_lines_and_columns() {
        let p = value_positions(SRC);
        assert_eq!(p.get("name"), Some(&(2, 11)));
        assert_eq!(p.get("duration"), Some(&(3, 37)));
        assert_eq!(p.get("functions[0].memory_mb"), Some(&(5, 34)));
        assert_eq!(p.get("functions[0].runtime.cold_start.mean"), Some(&(6, 56)));
        assert_eq!(p.get("functions[1].reserved_concurrency"), Some(&(7, 43)));
        assert_eq!(p.get("triggers[0].target"), Some(&(9, 40)));
        assert_eq!(p.get("triggers[0].arrivals.steps[0].rate"), Some(&(9, 89)));
    }

    #[test]
    fn falls_back_to_the_closest_ancestor() {
        let p = value_positions(SRC);
        assert_eq!(locate(&p, "functions[0].timeout"), p.get("functions[0]").copied());
        assert_eq!(locate(&p, "nothing.at.all"), None);
    }

    #[test]
    fn survives_garbage() {
        for src in ["", "(((", "[\"unterminated", "Scenario(a: [1, 2, {", "/* never closed", ")))]]]"] {
            let _ = value_positions(src);
        }
        let deep = "[".repeat(10_000);
        let _ = value_positions(&deep);
    }
}
