//! Progress across challenges (issue 17): which challenges a student has passed, the
//! cost ($/month) and main latency of the cheapest passing attempt, and a star when a
//! passing attempt cost less than the challenge's reference solution on the same seed.
//!
//! The record is plain data (serde, JSON) with no UI type, so it is tested here
//! without the app: `Progress::record` adds a passing attempt, `record_reference` the
//! reference's cost on a seed, and `merge` joins two records (the file on disk and the
//! app's copy, when two windows saved meanwhile) without losing either's passes: it is
//! commutative and idempotent. Natively it lives in a small JSON file (`default_path`);
//! the web build keeps the same JSON in local storage (app/web.rs). A file that cannot be
//! read or parsed is never overwritten: `load` moves it aside as `progress.json.bad`
//! and says so.

use crate::report::Report;
use crate::report::objectives::ObjectiveResult;
use crate::scenario::objective::Objective;
use crate::scenario::{LIBRARY, Scenario};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The file format's version (written for readers; unknown fields are ignored, so a
/// newer file still reads).
pub const VERSION: u32 = 1;

/// Every challenge passed, by key (`challenge_key`: the library name, such as
/// `database-storm`; a design counts on its brief's).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    #[serde(default)]
    pub version: u32,
    #[serde(default)]
    pub challenges: BTreeMap<String, ChallengeProgress>,
}

/// One challenge's record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChallengeProgress {
    /// The scenario's title, for a person reading the file.
    #[serde(default)]
    pub title: String,
    /// The cheapest passing attempt (then the fastest, then the first).
    pub best: Attempt,
    /// The cheapest passing cost per month on each seed played.
    #[serde(default)]
    pub cheapest_by_seed: BTreeMap<u64, f64>,
    /// The reference solution's cost per month on each seed a pass was made on.
    #[serde(default)]
    pub reference_by_seed: BTreeMap<u64, f64>,
    /// A passing attempt cost less than the reference on the same seed (worked out
    /// from the two maps; written for readers of the file).
    #[serde(default)]
    pub star: bool,
}

/// A passing attempt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    pub seed: u64,
    /// The run's cost projected to a 730-hour month, USD (the report's `per_month_usd`).
    pub cost_per_month_usd: f64,
    /// The challenge's main latency figure: its first latency objective as measured
    /// ("p99 latency of api"), else the callers' p99; none when nobody waited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency: Option<LatencyFigure>,
    /// The challenge's knobs as they were set, `[("api.memory", "1024")]`.
    #[serde(default)]
    pub knobs: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LatencyFigure {
    pub label: String,
    pub ms: f64,
}

/// What a recorded pass changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Recorded {
    /// The challenge had not been passed before.
    pub first_pass: bool,
    /// The attempt is the new best.
    pub new_best: bool,
    /// No reference cost is known for the attempt's seed: run the reference on it and
    /// give its cost to `record_reference` (the star depends on it).
    pub needs_reference: bool,
}

impl Attempt {
    /// The attempt `report` and `grades` describe, of `scenario` (knobs as set).
    pub fn of(scenario: &Scenario, report: &Report, grades: &[ObjectiveResult]) -> Attempt {
        let objectives = scenario.challenge.as_ref().map(|c| c.objectives.as_slice()).unwrap_or_default();
        let from_objective = objectives
            .iter()
            .zip(grades)
            .find(|(o, _)| matches!(o, Objective::Latency { .. }))
            .map(|(_, g)| LatencyFigure { label: g.label.clone(), ms: g.measured });
        let callers = || {
            (report.requests.succeeded + report.requests.failed + report.requests.timed_out > 0)
                .then(|| LatencyFigure { label: "p99 caller latency".into(), ms: report.latency_ms.p99 })
        };
        let knobs = scenario
            .challenge
            .as_ref()
            .map(|c| {
                c.knobs.iter().filter_map(|k| Some((k.knob.clone(), scenario.knob_value(&k.knob).ok()?))).collect()
            })
            .unwrap_or_default();
        Attempt {
            seed: report.seed,
            cost_per_month_usd: report.cost.per_month_usd,
            latency: from_objective.or_else(callers),
            knobs,
        }
    }

    /// Cheaper wins; at equal cost the lower latency.
    fn better_than(&self, other: &Attempt) -> bool {
        let latency = |a: &Attempt| a.latency.as_ref().map_or(f64::INFINITY, |l| l.ms);
        match self.cost_per_month_usd.total_cmp(&other.cost_per_month_usd) {
            std::cmp::Ordering::Less => true,
            std::cmp::Ordering::Greater => false,
            std::cmp::Ordering::Equal => latency(self) < latency(other),
        }
    }
}

/// Whether `cost` beats `reference`: strictly cheaper, by more than rounding (the
/// reference's own settings tie with it and earn no star).
fn beats(cost: f64, reference: f64) -> bool {
    cost < reference - reference.abs() * 1e-9
}

impl ChallengeProgress {
    fn new(title: &str, attempt: Attempt) -> ChallengeProgress {
        let mut c = ChallengeProgress {
            title: title.to_string(),
            cheapest_by_seed: BTreeMap::from([(attempt.seed, attempt.cost_per_month_usd)]),
            best: attempt,
            reference_by_seed: BTreeMap::new(),
            star: false,
        };
        c.update_star();
        c
    }

    fn update_star(&mut self) {
        self.star = self
            .cheapest_by_seed
            .iter()
            .any(|(seed, &cost)| self.reference_by_seed.get(seed).is_some_and(|&r| beats(cost, r)));
    }

    /// Both records' passes: the better best, the cheaper cost per seed.
    fn merge(&mut self, other: &ChallengeProgress) {
        if other.best.better_than(&self.best) {
            self.best = other.best.clone();
        }
        if self.title.is_empty() {
            self.title.clone_from(&other.title);
        }
        for (&seed, &cost) in &other.cheapest_by_seed {
            let mine = self.cheapest_by_seed.entry(seed).or_insert(cost);
            *mine = mine.min(cost);
        }
        for (&seed, &cost) in &other.reference_by_seed {
            // The reference is deterministic: both are the same number (min keeps the
            // merge order-free if a model change made them differ).
            let mine = self.reference_by_seed.entry(seed).or_insert(cost);
            *mine = mine.min(cost);
        }
        self.update_star();
    }
}

impl Progress {
    /// Records a passing attempt of challenge `key` (titled `title`).
    pub fn record(&mut self, key: &str, title: &str, attempt: Attempt) -> Recorded {
        self.version = VERSION;
        let seed = attempt.seed;
        let Some(c) = self.challenges.get_mut(key) else {
            self.challenges.insert(key.to_string(), ChallengeProgress::new(title, attempt));
            return Recorded { first_pass: true, new_best: true, needs_reference: true };
        };
        let cost = attempt.cost_per_month_usd;
        let new_best = attempt.better_than(&c.best);
        if new_best {
            c.best = attempt;
        }
        let cheapest = c.cheapest_by_seed.entry(seed).or_insert(cost);
        *cheapest = cheapest.min(cost);
        c.update_star();
        Recorded { first_pass: false, new_best, needs_reference: !c.reference_by_seed.contains_key(&seed) }
    }

    /// The reference solution's cost per month on `seed`, for the star.
    pub fn record_reference(&mut self, key: &str, seed: u64, cost_per_month_usd: f64) {
        if let Some(c) = self.challenges.get_mut(key) {
            c.reference_by_seed.insert(seed, cost_per_month_usd);
            c.update_star();
        }
    }

    /// Joins `other` into this record: every challenge either passed, each with the
    /// better of the two bests (commutative and idempotent: saving merges with the
    /// file first, so two windows never undo each other's passes).
    pub fn merge(&mut self, other: &Progress) {
        self.version = self.version.max(other.version);
        for (key, theirs) in &other.challenges {
            match self.challenges.get_mut(key) {
                Some(mine) => mine.merge(theirs),
                None => {
                    self.challenges.insert(key.clone(), theirs.clone());
                }
            }
        }
    }

    pub fn get(&self, key: &str) -> Option<&ChallengeProgress> {
        self.challenges.get(key)
    }

    /// The record as JSON (the file's contents, and the export).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("plain data serializes")
    }

    /// Reads a record; the error says what is wrong, with serde's line and column.
    pub fn from_json(text: &str) -> Result<Progress, String> {
        let progress: Progress = serde_json::from_str(text).map_err(|e| e.to_string())?;
        for (key, c) in &progress.challenges {
            let numbers = [c.best.cost_per_month_usd].into_iter().chain(c.cheapest_by_seed.values().copied());
            if numbers.chain(c.reference_by_seed.values().copied()).any(|x| !x.is_finite() || x < 0.0) {
                return Err(format!("challenges.{key}: a cost is negative or not a number"));
            }
        }
        Ok(progress)
    }
}

/// The key a scenario's challenge is recorded under: the library name whose challenge
/// it is (a design, merged with its brief, has the brief's challenge and counts on the
/// brief), else the scenario's own name (a challenge from a file of one's own). `None`
/// without a challenge.
pub fn challenge_key(scenario: &Scenario) -> Option<String> {
    // The player's diagnosis is part of the attempt, not of the challenge; so are the
    // hints on wiring, which a design that did the wiring is not given.
    let graded = |c: &crate::scenario::challenge::Challenge| {
        let mut c = c.clone();
        c.answer = None;
        c.hints.retain(|h| h.until_connected.is_none());
        c
    };
    let challenge = graded(scenario.challenge.as_ref()?);
    let library = LIBRARY.iter().find(|(name, text)| {
        Scenario::parse(text, name).is_ok_and(|s| s.challenge.as_ref().map(graded) == Some(challenge.clone()))
    });
    Some(library.map_or_else(|| scenario.name.clone(), |(name, _)| name.to_string()))
}

/// Where the record is kept natively: `$FAASLAB_PROGRESS` if set (the tests use it),
/// else `$XDG_DATA_HOME/faaslab/progress.json`, else
/// `~/.local/share/faaslab/progress.json` (`%APPDATA%\faaslab\progress.json` on
/// Windows). `None` when no home directory is known (progress is then not kept).
pub fn default_path() -> Option<PathBuf> {
    path_from(|name| std::env::var_os(name))
}

/// `default_path` with the environment read through `var`.
fn path_from(var: impl Fn(&str) -> Option<std::ffi::OsString>) -> Option<PathBuf> {
    let var = |name: &str| var(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(path) = var("FAASLAB_PROGRESS") {
        return Some(path);
    }
    let dir = var("XDG_DATA_HOME")
        .or_else(|| var("HOME").map(|h| h.join(".local").join("share")))
        .or_else(|| var("APPDATA"))?;
    Some(dir.join("faaslab").join("progress.json"))
}

/// A record read from a file, and what the user should be told about it.
#[derive(Debug)]
pub struct Loaded {
    pub progress: Progress,
    /// The file could not be used: why, and where it was moved.
    pub problem: Option<String>,
    /// The file may be written (false when a bad file could not be moved aside, so
    /// saving would destroy it).
    pub writable: bool,
}

/// Reads the record at `path`: none yet is an empty record; a file that cannot be
/// read or parsed is moved aside (`progress.json.bad`, or `.bad.2` ... when one is
/// already there) and the record starts empty, with a message saying so.
pub fn load(path: &Path) -> Loaded {
    let empty = |problem: Option<String>, writable: bool| Loaded { progress: Progress::default(), problem, writable };
    let why = match std::fs::read_to_string(path) {
        Ok(text) => match Progress::from_json(&text) {
            Ok(progress) => return Loaded { progress, problem: None, writable: true },
            Err(e) => format!("it is not a progress record ({e})"),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return empty(None, true),
        Err(e) => format!("it cannot be read ({e})"),
    };
    match move_aside(path) {
        Ok(bad) => empty(
            Some(format!(
                "Your progress file {} could not be used: {why}. It was kept as {} and progress starts afresh.",
                path.display(),
                bad.display()
            )),
            true,
        ),
        Err(e) => empty(
            Some(format!(
                "Your progress file {} could not be used: {why}, and it could not be moved aside ({e}), so \
                 progress is not saved this session (the file is left as it is).",
                path.display()
            )),
            false,
        ),
    }
}

/// Moves a bad file to the first free `NAME.bad`, `NAME.bad.2`, ... `NAME.bad.9`.
fn move_aside(path: &Path) -> Result<PathBuf, String> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "progress.json".into());
    for n in 1..=9 {
        let suffix = if n == 1 { ".bad".to_string() } else { format!(".bad.{n}") };
        let bad = path.with_file_name(format!("{name}{suffix}"));
        if bad.exists() {
            continue;
        }
        return std::fs::rename(path, &bad).map(|()| bad).map_err(|e| e.to_string());
    }
    Err("nine bad copies are kept already".into())
}

/// Saves `progress` at `path`, merged with what the file holds now (another window may
/// have saved since); returns the merged record. A file that became bad meanwhile is
/// moved aside first (the error says so when it cannot be). Written to a temporary
/// file and renamed, so a crash never leaves half a file.
pub fn save(path: &Path, progress: &Progress) -> Result<Progress, String> {
    let current = load(path);
    if !current.writable {
        return Err(current.problem.unwrap_or_default());
    }
    let mut merged = current.progress;
    merged.merge(progress);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let temporary = path.with_extension("json.tmp");
    std::fs::write(&temporary, merged.to_json()).map_err(|e| format!("cannot write {}: {e}", temporary.display()))?;
    std::fs::rename(&temporary, path).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    match current.problem {
        Some(problem) => Err(problem),
        None => Ok(merged),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(seed: u64, cost: f64, p99: f64) -> Attempt {
        Attempt {
            seed,
            cost_per_month_usd: cost,
            latency: Some(LatencyFigure { label: "p99 latency of api".into(), ms: p99 }),
            knobs: vec![("api.memory".into(), "1024".into())],
        }
    }

    fn dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("faaslab-progress-{name}-{}", std::process::id()));
        std::fs::remove_dir_all(&dir).ok();
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn the_cheapest_pass_is_kept_and_the_star_needs_the_reference_beaten_on_the_same_seed() {
        let mut p = Progress::default();
        let first = p.record("database-storm", "Database storm", attempt(1, 12.0, 300.0));
        assert_eq!(first, Recorded { first_pass: true, new_best: true, needs_reference: true });
        p.record_reference("database-storm", 1, 10.0);
        assert!(!p.get("database-storm").unwrap().star, "12 > 10: no star");
        // Dearer: not the best, and seed 1's reference is known.
        let dearer = p.record("database-storm", "Database storm", attempt(1, 15.0, 100.0));
        assert_eq!(dearer, Recorded { first_pass: false, new_best: false, needs_reference: false });
        // Equal cost, lower latency: the new best; a tie with the reference earns nothing.
        let tie = p.record("database-storm", "Database storm", attempt(1, 12.0, 250.0));
        assert!(tie.new_best);
        assert_eq!(p.get("database-storm").unwrap().best.latency.as_ref().unwrap().ms, 250.0);
        p.record("database-storm", "Database storm", attempt(1, 10.0, 200.0));
        assert!(!p.get("database-storm").unwrap().star, "the reference's own cost: no star");
        // Cheaper than seed 1's reference, but on seed 2, whose reference is dearer still.
        let other_seed = p.record("database-storm", "Database storm", attempt(2, 9.0, 200.0));
        assert_eq!(other_seed, Recorded { first_pass: false, new_best: true, needs_reference: true });
        p.record_reference("database-storm", 2, 8.5);
        assert!(!p.get("database-storm").unwrap().star, "9 beats seed 1's 10 but not seed 2's 8.5");
        p.record("database-storm", "Database storm", attempt(1, 9.99, 200.0));
        let c = p.get("database-storm").unwrap();
        assert!(c.star, "9.99 < 10 on seed 1");
        assert_eq!(c.cheapest_by_seed, BTreeMap::from([(1, 9.99), (2, 9.0)]));
        assert_eq!(c.best.cost_per_month_usd, 9.0);
    }

    #[test]
    fn merging_keeps_both_records_passes_in_any_order_and_twice_changes_nothing() {
        let mut a = Progress::default();
        a.record("sqs-worker", "SQS worker", attempt(1, 5.0, 900.0));
        a.record_reference("sqs-worker", 1, 6.0);
        a.record("database-storm", "Database storm", attempt(1, 12.0, 300.0));
        let mut b = Progress::default();
        b.record("database-storm", "Database storm", attempt(3, 11.0, 310.0));
        b.record_reference("database-storm", 3, 11.5);
        b.record("nightly-job", "Nightly job", attempt(1, 1.0, 0.0));
        let mut ab = a.clone();
        ab.merge(&b);
        let mut ba = b.clone();
        ba.merge(&a);
        assert_eq!(ab, ba, "commutative");
        let mut again = ab.clone();
        again.merge(&b);
        again.merge(&a);
        assert_eq!(again, ab, "idempotent");
        assert_eq!(ab.challenges.len(), 3);
        let storm = ab.get("database-storm").unwrap();
        assert_eq!((storm.best.seed, storm.best.cost_per_month_usd), (3, 11.0));
        assert!(storm.star, "11 < 11.5 on seed 3");
        assert!(ab.get("sqs-worker").unwrap().star);
    }

    #[test]
    fn a_record_round_trips_through_its_file_and_saving_merges_with_the_file() {
        let dir = dir("roundtrip");
        let path = dir.join("sub").join("progress.json");
        let loaded = load(&path);
        assert_eq!((loaded.progress, loaded.problem, loaded.writable), (Progress::default(), None, true));
        let mut mine = Progress::default();
        mine.record("sqs-worker", "SQS worker", attempt(1, 5.0, 900.0));
        assert_eq!(save(&path, &mine).unwrap(), mine);
        assert_eq!(load(&path).progress, mine);
        // Another window saved a pass meanwhile: saving ours keeps theirs.
        let mut theirs = Progress::default();
        theirs.record("nightly-job", "Nightly job", attempt(1, 1.0, 0.0));
        save(&path, &theirs).unwrap();
        let merged = load(&path).progress;
        assert_eq!(merged.challenges.keys().collect::<Vec<_>>(), ["nightly-job", "sqs-worker"]);
        assert!(!dir.join("sub").join("progress.json.tmp").exists());
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn a_corrupted_file_is_kept_aside_with_a_message_and_never_overwritten() {
        let dir = dir("corrupt");
        let path = dir.join("progress.json");
        std::fs::write(&path, "{\"challenges\": {\"x\": 3").unwrap();
        let loaded = load(&path);
        let problem = loaded.problem.expect("a message");
        assert!(problem.contains("progress.json.bad") && problem.contains("not a progress record"), "{problem}");
        assert!(loaded.writable && loaded.progress.challenges.is_empty());
        assert_eq!(std::fs::read_to_string(dir.join("progress.json.bad")).unwrap(), "{\"challenges\": {\"x\": 3");
        assert!(!path.exists());
        // A second bad file does not replace the first bad copy.
        std::fs::write(&path, "[1, 2]").unwrap();
        let second = load(&path).problem.expect("a message");
        assert!(second.contains("progress.json.bad.2"), "{second}");
        assert_eq!(std::fs::read_to_string(dir.join("progress.json.bad")).unwrap(), "{\"challenges\": {\"x\": 3");
        // Numbers that are no cost are refused too.
        std::fs::write(&path, r#"{"challenges": {"a": {"best": {"seed": 1, "cost_per_month_usd": -1}}}}"#).unwrap();
        assert!(load(&path).problem.expect("a message").contains("challenges.a: a cost"));
        // A bad file found when saving is moved aside, the pass saved, and the error says so.
        std::fs::write(&path, "garbage").unwrap();
        let mut mine = Progress::default();
        mine.record("sqs-worker", "SQS worker", attempt(1, 5.0, 900.0));
        let error = save(&path, &mine).unwrap_err();
        assert!(error.contains("progress.json.bad.4"), "{error}");
        assert_eq!(load(&path).progress, mine);
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn an_unreadable_path_says_so_and_is_not_written() {
        // A directory where the file should be: it cannot be read, and moving it aside
        // works (it is kept whole as progress.json.bad).
        let dir = dir("unreadable");
        let path = dir.join("progress.json");
        std::fs::create_dir_all(path.join("inside")).unwrap();
        let loaded = load(&path);
        assert!(loaded.problem.expect("a message").contains("cannot be read"));
        assert!(dir.join("progress.json.bad").join("inside").is_dir(), "kept, not deleted");
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn the_file_is_where_the_environment_says() {
        fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<std::ffi::OsString> {
            move |name: &str| pairs.iter().find(|(n, _)| *n == name).map(|(_, v)| v.into())
        }
        let home = [("HOME", "/home/ada")];
        assert_eq!(path_from(env(&home)), Some("/home/ada/.local/share/faaslab/progress.json".into()));
        let xdg = [("HOME", "/home/ada"), ("XDG_DATA_HOME", "/data")];
        assert_eq!(path_from(env(&xdg)), Some("/data/faaslab/progress.json".into()));
        let overridden = [("HOME", "/home/ada"), ("XDG_DATA_HOME", "/data"), ("FAASLAB_PROGRESS", "/tmp/p.json")];
        assert_eq!(path_from(env(&overridden)), Some("/tmp/p.json".into()));
        let empty = [("FAASLAB_PROGRESS", ""), ("HOME", "/h")];
        assert_eq!(path_from(env(&empty)), Some("/h/.local/share/faaslab/progress.json".into()));
        assert_eq!(path_from(env(&[])), None);
    }

    #[test]
    fn a_design_counts_on_its_brief_and_a_library_challenge_on_its_name() {
        let storm = crate::scenario::built_in("database-storm").unwrap().unwrap();
        assert_eq!(challenge_key(&storm).as_deref(), Some("database-storm"));
        // Knobs turned and a different seed: the same challenge.
        let mut turned = storm.clone();
        turned.config.seed = 7;
        let knob = &turned.challenge.as_ref().unwrap().knobs[0].knob.clone();
        let value = turned.knob_value(knob).unwrap();
        turned.set_knob(knob, &value).unwrap();
        assert_eq!(challenge_key(&turned).as_deref(), Some("database-storm"));
        let (design, _) = crate::scenario::DESIGNS[0];
        let design = crate::scenario::built_in(design).unwrap().unwrap();
        let brief = challenge_key(&design).unwrap();
        assert!(brief.starts_with("brief-"), "{brief}");
        let plain = crate::scenario::built_in("keep-alive-steady-state").unwrap().unwrap();
        assert_eq!(challenge_key(&plain), None);
        let mut own = storm.clone();
        own.name = "My storm".into();
        own.challenge.as_mut().unwrap().goal = "my own goal".into();
        assert_eq!(challenge_key(&own).as_deref(), Some("My storm"));
    }

    #[test]
    fn an_attempt_takes_the_challenges_latency_objective_and_its_knobs() {
        let options = crate::headless::RunOptions { reference: true, challenge: true, ..Default::default() };
        let tuning = crate::scenario::built_in("memory-power-tuning").unwrap().unwrap();
        let outcome = crate::headless::run(tuning, &options).unwrap();
        let grades = outcome.grades.as_ref().unwrap();
        let attempt = Attempt::of(&outcome.scenario, &outcome.report, grades);
        assert_eq!(attempt.seed, outcome.report.seed);
        assert_eq!(attempt.cost_per_month_usd, outcome.report.cost.per_month_usd);
        let latency = attempt.latency.expect("the challenge grades a latency");
        let graded = grades.iter().find(|g| g.label == latency.label).expect("from the grades");
        assert_eq!(latency.ms, graded.measured);
        let knobs: Vec<&str> = attempt.knobs.iter().map(|(k, _)| k.as_str()).collect();
        let allowed: Vec<&str> =
            outcome.scenario.challenge.as_ref().unwrap().knobs.iter().map(|k| k.knob.as_str()).collect();
        assert_eq!(knobs, allowed);
    }
}
