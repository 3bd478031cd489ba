//! Share links: a scenario (a built-in's name, or its whole RON text) and the knobs
//! set on it, packed into a URL fragment that opens the same run elsewhere.
//!
//! The fragment is `v1.` followed by URL-safe base64 (no padding) of the deflated
//! payload, a few lines of text:
//!
//! ```text
//! faaslab link 1
//! builtin default          (or: ron, or design; the RON text follows the blank line)
//! seed 7                   (optional: when it differs from the scenario's)
//! set api.memory=1024      (one line a knob, in the order they apply)
//!
//! ```
//!
//! Decoding never panics: a damaged fragment gives a message that says what is wrong.

use crate::design::DesignDoc;
use crate::scenario::{Scenario, built_in};
use crate::sim::config::SimConfig;
use crate::sim::knobs;

/// What a share link holds.
#[derive(Clone, Debug, PartialEq)]
pub struct SharedRun {
    pub source: ScenarioSource,
    /// The seed, when it is not the scenario's own.
    pub seed: Option<u64>,
    /// Knob settings, (name, value) as `--set name=value` takes them, in order.
    pub knobs: Vec<(String, String)>,
}

/// Where the link's scenario comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum ScenarioSource {
    /// A scenario of the library embedded in every build (short links).
    BuiltIn(String),
    /// A scenario's whole RON text (a file the user loaded or wrote).
    Ron(String),
    /// A design file's text (`brief:` and the candidate's parts, as the design canvas
    /// saves it): the link opens the canvas on it, and plays it when it can run.
    Design(String),
}

/// The version the fragment's prefix names; a link of another version is refused
/// rather than misread.
const PREFIX: &str = "v1.";
const HEADER: &str = "faaslab link 1";
/// The most a payload may inflate to: a scenario is a few kilobytes, so anything this
/// large is damage or mischief, not a scenario.
const MAX_PAYLOAD: usize = 4 << 20;
/// The longest link the app gives out, in characters after `#`. RFC 9110 section 4.1
/// recommends that everything handling URIs support at least 8000 octets; browsers take
/// far more (Chrome 2 MB), but chat tools, mail and address bars along the way may not,
/// so a link longer than this is refused with a message instead of given out broken.
pub const MAX_LINK_CHARS: usize = 8000;

impl SharedRun {
    /// The fragment (without `#`) for this run.
    pub fn encode(&self) -> String {
        let mut text = format!("{HEADER}\n");
        match &self.source {
            ScenarioSource::BuiltIn(name) => text.push_str(&format!("builtin {}\n", escape(name))),
            ScenarioSource::Ron(_) => text.push_str("ron\n"),
            ScenarioSource::Design(_) => text.push_str("design\n"),
        }
        if let Some(seed) = self.seed {
            text.push_str(&format!("seed {seed}\n"));
        }
        for (name, value) in &self.knobs {
            text.push_str(&format!("set {}={}\n", escape(name), escape(value)));
        }
        text.push('\n');
        if let ScenarioSource::Ron(ron) | ScenarioSource::Design(ron) = &self.source {
            text.push_str(ron);
        }
        let packed = miniz_oxide::deflate::compress_to_vec(text.as_bytes(), 9);
        format!("{PREFIX}{}", base64_url_encode(&packed))
    }

    /// The fragment, if it is short enough to give out as a link (`MAX_LINK_CHARS`);
    /// otherwise what to do instead.
    pub fn encode_for_sharing(&self) -> Result<String, String> {
        let fragment = self.encode();
        if fragment.len() <= MAX_LINK_CHARS {
            return Ok(fragment);
        }
        let what = match self.source {
            ScenarioSource::Design(_) => "This design",
            _ => "This scenario",
        };
        Err(format!(
            "{what} is too big to share by link: its link would be {} characters, and links are kept under \
             {MAX_LINK_CHARS} so that mail and chat pass them on whole. Save the .ron file and share that instead.",
            fragment.len()
        ))
    }

    /// Reads a fragment (with or without its leading `#`). Checks the format only:
    /// `open` checks that the scenario and the knobs make sense.
    pub fn decode(fragment: &str) -> Result<SharedRun, String> {
        let fragment = fragment.trim().trim_start_matches('#');
        if fragment.is_empty() {
            return Err("the link has no fragment (nothing after #) to open".into());
        }
        let Some(body) = fragment.strip_prefix(PREFIX) else {
            return match fragment.split_once('.') {
                Some((version, _)) if version.starts_with('v') && version.len() <= 4 => Err(format!(
                    "the link is of format {version}, which this version of faaslab cannot read (it reads v1)"
                )),
                _ => Err("this is not a faaslab link: the part after # should start with \"v1.\"".into()),
            };
        };
        let packed = base64_url_decode(body)?;
        let bytes = miniz_oxide::inflate::decompress_to_vec_with_limit(&packed, MAX_PAYLOAD).map_err(|e| {
            format!("the link is damaged or cut short: its content does not decompress ({:?})", e.status)
        })?;
        let text = String::from_utf8(bytes).map_err(|_| "the link is damaged: its content is not text".to_string())?;
        parse_payload(&text)
    }

    /// The scenario the link describes, with its seed and knobs applied.
    pub fn open(&self) -> Result<Scenario, String> {
        let mut scenario = match &self.source {
            ScenarioSource::BuiltIn(name) => match built_in(name) {
                Some(parsed) => parsed.map_err(|e| e.to_string())?,
                None => {
                    let names: Vec<&str> = crate::scenario::LIBRARY.iter().map(|(n, _)| *n).collect();
                    return Err(format!(
                        "the link names the built-in scenario \"{name}\", which this version of faaslab does not \
                         have (it has: {})",
                        names.join(", ")
                    ));
                }
            },
            ScenarioSource::Ron(text) => Scenario::parse(text, "the scenario in the link")
                .map_err(|e| format!("the scenario in the link is not valid:\n{e}"))?,
            ScenarioSource::Design(text) => {
                let design = open_design(text)?;
                // A design still being drawn cannot run: the link shows its brief's world.
                design.scenario().unwrap_or_else(|_| design.brief().clone())
            }
        };
        if let Some(seed) = self.seed {
            scenario.config.seed = seed;
        }
        apply_knobs(&mut scenario, &self.knobs)?;
        Ok(scenario)
    }

    /// The link for a run: `base` is the scenario as opened (before any knob),
    /// `source` where it came from, `current` the run's configuration now. Only the
    /// knobs that differ are written.
    pub fn of(source: ScenarioSource, base: &Scenario, current: &SimConfig) -> SharedRun {
        let seed = (current.seed != base.config.seed).then_some(current.seed);
        SharedRun { source, seed, knobs: changed_knobs(&base.config, current) }
    }

    /// The design the link carries, to open on the design canvas (`None`: the link is
    /// of a scenario).
    pub fn design(&self) -> Result<Option<DesignDoc>, String> {
        let ScenarioSource::Design(text) = &self.source else { return Ok(None) };
        open_design(text).map(Some)
    }

    /// The link's scenario as written: without its seed and knobs.
    pub fn open_as_written(&self) -> Result<Scenario, String> {
        SharedRun { source: self.source.clone(), seed: None, knobs: Vec::new() }.open()
    }
}

impl ScenarioSource {
    /// A built-in's name when `scenario` is one exactly as built in (short links),
    /// otherwise its whole text.
    pub fn of(scenario: &Scenario) -> ScenarioSource {
        let built_in_name = crate::scenario::LIBRARY
            .iter()
            .map(|(name, _)| *name)
            .find(|name| built_in(name).is_some_and(|parsed| parsed.is_ok_and(|s| &s == scenario)));
        match built_in_name {
            Some(name) => ScenarioSource::BuiltIn(name.to_string()),
            None => ScenarioSource::Ron(scenario.to_ron()),
        }
    }
}

fn open_design(text: &str) -> Result<DesignDoc, String> {
    DesignDoc::from_scenario_text(text, "the design in the link")
        .map_err(|e| format!("the design in the link cannot be opened:\n{e}"))
}

/// Applies knobs in order. A knob refused only because of another one (provisioned
/// above the old reserved concurrency) is tried again after the rest.
pub fn apply_knobs(scenario: &mut Scenario, knobs: &[(String, String)]) -> Result<(), String> {
    let mut pending: Vec<&(String, String)> = knobs.iter().collect();
    loop {
        let mut refused = Vec::new();
        let mut last_error = String::new();
        for pair in &pending {
            if let Err(e) = scenario.set_knob(&pair.0, &pair.1) {
                last_error = e;
                refused.push(*pair);
            }
        }
        if refused.is_empty() {
            return Ok(());
        }
        if refused.len() == pending.len() {
            return Err(format!("the link sets a knob this scenario refuses: {last_error}"));
        }
        pending = refused;
    }
}

/// The knobs whose value in `current` differs from `base`, as (name, value).
pub fn changed_knobs(base: &SimConfig, current: &SimConfig) -> Vec<(String, String)> {
    // Named only when changed: naming and resolving every knob of 20 000 functions took
    // a quarter of a second, every time the app refreshed its link.
    let (in_base, in_current) = (knobs::Resolver::new(base), knobs::Resolver::new(current));
    knobs::knob_ids(base)
        .filter_map(|id| {
            if !id.applies_in(current) {
                return None;
            }
            let now = id.current(current);
            if id.current(base) == now {
                return None;
            }
            // The name must lead back to this knob in both (a queue and a stream may
            // share a name, and a knob may not apply to the node any more).
            let name = id.name(base);
            (in_base.resolve(&name).ok()? == id && in_current.resolve(&name).ok()? == id).then_some((name, now))
        })
        .collect()
}

fn parse_payload(text: &str) -> Result<SharedRun, String> {
    let (head, ron) = text.split_once("\n\n").unwrap_or((text.trim_end_matches('\n'), ""));
    let mut lines = head.lines().enumerate().map(|(i, l)| (i + 1, l));
    match lines.next() {
        Some((_, HEADER)) => {}
        _ => return Err("the link is damaged: it does not start as a faaslab link does".into()),
    }
    let source = match lines.next() {
        Some((_, "ron")) => ScenarioSource::Ron(ron.to_string()),
        Some((_, "design")) => ScenarioSource::Design(ron.to_string()),
        Some((n, line)) => match line.strip_prefix("builtin ") {
            Some(name) => ScenarioSource::BuiltIn(unescape(name).map_err(|e| format!("link line {n}: {e}"))?),
            None => {
                return Err(format!("link line {n}: expected \"builtin NAME\", \"ron\" or \"design\", got \"{line}\""));
            }
        },
        None => return Err("the link is damaged: it names no scenario".into()),
    };
    let mut run = SharedRun { source, seed: None, knobs: Vec::new() };
    for (n, line) in lines {
        if let Some(seed) = line.strip_prefix("seed ") {
            run.seed = Some(seed.parse().map_err(|_| format!("link line {n}: the seed \"{seed}\" is not a number"))?);
        } else if let Some(pair) = line.strip_prefix("set ") {
            let Some((name, value)) = pair.split_once('=') else {
                return Err(format!("link line {n}: a knob should be NAME=VALUE, got \"{pair}\""));
            };
            let name = unescape(name).map_err(|e| format!("link line {n}: {e}"))?;
            if name.trim().is_empty() {
                return Err(format!("link line {n}: a knob without a name (\"{pair}\")"));
            }
            run.knobs.push((name, unescape(value).map_err(|e| format!("link line {n}: {e}"))?));
        } else {
            return Err(format!("link line {n}: expected \"seed N\" or \"set NAME=VALUE\", got \"{line}\""));
        }
    }
    Ok(run)
}

/// Names and values may hold any character; the payload's structure uses newline and
/// `=`, so those (and `%` itself) are written as `%XX`.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' | '=' | '\n' | '\r' => out.push_str(&format!("%{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

fn unescape(text: &str) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let hex: String = chars.by_ref().take(2).collect();
        let code = u8::from_str_radix(&hex, 16).ok().filter(|_| hex.len() == 2);
        match code {
            Some(b) if b.is_ascii() => out.push(b as char),
            _ => return Err(format!("a bad escape \"%{hex}\" in \"{text}\"")),
        }
    }
    Ok(out)
}

const BASE64_URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// URL-safe base64 without padding (RFC 4648 section 5): safe in a fragment as is.
fn base64_url_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | (b as u32) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(BASE64_URL[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

fn base64_url_decode(text: &str) -> Result<Vec<u8>, String> {
    let mut sextets = Vec::with_capacity(text.len());
    for (i, c) in text.chars().enumerate() {
        match BASE64_URL.iter().position(|&b| b as char == c) {
            Some(v) => sextets.push(v as u32),
            None => {
                return Err(format!(
                    "the link is damaged: \"{c}\" (character {} after \"v1.\") cannot be in it; was it changed or \
                     wrapped when copied?",
                    i + 1
                ));
            }
        }
    }
    if sextets.len() % 4 == 1 {
        return Err("the link is cut short: its last characters are missing".into());
    }
    let mut out = Vec::with_capacity(sextets.len() * 3 / 4);
    for chunk in sextets.chunks(4) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &v)| n | v << (18 - 6 * i));
        for i in 0..chunk.len() - 1 {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::knobs::knob_names;

    #[test]
    fn a_link_names_each_changed_knob_once_as_naming_every_knob_did() {
        // `changed_knobs` reads every knob by number and names only the changed ones;
        // it must list what comparing every knob by name lists, in the same order.
        let by_name = |base: &SimConfig, current: &SimConfig| -> Vec<(String, String)> {
            knob_names(base)
                .into_iter()
                .filter_map(|name| {
                    let before = knobs::resolve(base, &name).ok()?.current(base);
                    let now = knobs::resolve(current, &name).ok()?.current(current);
                    (before != now).then_some((name, now))
                })
                .collect()
        };
        for (name, text) in crate::scenario::LIBRARY {
            let base = Scenario::parse(text, name).unwrap().config;
            assert_eq!(changed_knobs(&base, &base), Vec::new(), "{name}");
            let mut current = base.clone();
            // The last function: the knob is found by number, after all the others.
            let last = base.functions.last();
            let memory = if last.is_some_and(|f| f.memory_mb == 1024) { "2048" } else { "1024" };
            if let Some(f) = last {
                knobs::set(&mut current, &format!("{}.memory", f.name), memory).unwrap();
            }
            let limit: u32 = knobs::resolve(&base, "account.concurrency").unwrap().current(&base).parse().unwrap();
            knobs::set(&mut current, "account.concurrency", &(limit + 1).to_string()).unwrap();
            if let Some(t) = base.triggers.first() {
                knobs::set(&mut current, &format!("{}.rate", t.name()), "2").unwrap();
            }
            let changed = changed_knobs(&base, &current);
            assert_eq!(changed, by_name(&base, &current), "{name}");
            let expected = 1 + usize::from(last.is_some()) + usize::from(!base.triggers.is_empty());
            assert_eq!(changed.len(), expected, "{name}: {changed:?}");
            if let Some(f) = last {
                assert!(changed.contains(&(format!("{}.memory", f.name), memory.to_string())), "{name}");
            }
        }
    }

    #[test]
    fn base64_round_trips_every_length() {
        let bytes: Vec<u8> = (0..=255u8).collect();
        for len in 0..40 {
            let text = base64_url_encode(&bytes[..len]);
            assert!(!text.contains('=') && !text.contains('+') && !text.contains('/'));
            assert_eq!(base64_url_decode(&text).unwrap(), &bytes[..len]);
        }
        assert_eq!(base64_url_encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64_url_encode(b"fo"), "Zm8");
        assert_eq!(base64_url_encode(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn escaped_names_and_values_come_back() {
        for text in ["plain", "a=b", "100%", "two\nlines", "%41", ""] {
            assert_eq!(unescape(&escape(text)).unwrap(), text);
        }
        assert!(unescape("%4").is_err());
        assert!(unescape("%zz").is_err());
    }

    #[test]
    fn a_payload_with_odd_characters_round_trips() {
        let run = SharedRun {
            source: ScenarioSource::BuiltIn("default".into()),
            seed: Some(42),
            knobs: vec![("a=b.memory".into(), "1\n2%".into()), ("api.keep_alive".into(), "10m".into())],
        };
        assert_eq!(SharedRun::decode(&run.encode()).unwrap(), run);
    }

    #[test]
    fn malformed_payload_lines_are_named() {
        let bad = |text: &str| parse_payload(text).unwrap_err();
        assert!(bad("hello\n").contains("does not start"));
        assert!(bad("faaslab link 1\n").contains("names no scenario"));
        assert!(bad("faaslab link 1\nfile x\n").contains("line 2"));
        assert!(bad("faaslab link 1\nbuiltin default\nset api.memory\n").contains("NAME=VALUE"));
        assert!(bad("faaslab link 1\nbuiltin default\nseed -1\n").contains("not a number"));
        assert!(bad("faaslab link 1\nbuiltin default\nwhat\n").contains("line 3"));
        assert!(bad("faaslab link 1\nbuiltin default\nset a=%G1\n").contains("bad escape"));
    }
}
