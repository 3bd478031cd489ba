//! Reading the Azure Functions 2019 trace schema: invocations, durations and memory CSV
//! files. Every malformed row is reported with its file and line; nothing is dropped.

use super::{DEFAULT_DURATION, DEFAULT_MEMORY_MB};
use crate::sim::config::MAX_EXPECTED_ARRIVALS;
use crate::sim::function::{MAX_MEMORY_MB, MIN_MEMORY_MB};
use crate::sim::kernel::dist::{Dist, Percentile};
use crate::sim::kernel::time::SimDuration;
use std::collections::HashMap;
use std::fmt;

/// One problem in an input file; `line` is 1-based (None for the file as a whole).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvProblem {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for CsvProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// Every problem found in the input, one per line when displayed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplayError {
    pub problems: Vec<CsvProblem>,
}

impl fmt::Display for ReplayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.problems.iter().map(ToString::to_string).collect();
        f.write_str(&lines.join("\n"))
    }
}

impl std::error::Error for ReplayError {}

/// An input file: a name for messages and its text.
#[derive(Clone, Copy, Debug)]
pub struct CsvFile<'a> {
    pub name: &'a str,
    pub text: &'a str,
}

/// Where a function's execution time or memory came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    File,
    Default,
}

/// One function of the trace, joined with its execution time and memory.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceFunction {
    pub owner: String,
    pub app: String,
    pub function: String,
    /// As written in the trace (http, timer, queue, event, storage, orchestration).
    pub trigger: String,
    /// Shared with the runs that replay it (a day of 50 000 functions is 288 MB).
    pub per_minute: std::sync::Arc<[u32]>,
    pub duration: Dist,
    pub duration_source: Source,
    pub memory_mb: u32,
    pub memory_source: Source,
    /// Its line in the invocations file.
    pub line: usize,
}

impl TraceFunction {
    pub fn invocations(&self) -> u64 {
        self.per_minute.iter().map(|&n| u64::from(n)).sum()
    }
}

/// A parsed trace: functions in file order, all with the same number of minutes.
#[derive(Clone, Debug, PartialEq)]
pub struct Trace {
    pub functions: Vec<TraceFunction>,
    pub minutes: usize,
}

impl Trace {
    pub fn total_invocations(&self) -> u64 {
        self.functions.iter().map(TraceFunction::invocations).sum()
    }
}

/// A CSV file split into a header and rows of trimmed cells (by line number).
struct Table<'a> {
    header: Vec<&'a str>,
    rows: Vec<(usize, Vec<&'a str>)>,
}

/// Collects problems for one file.
struct Problems<'a> {
    file: &'a str,
    out: &'a mut Vec<CsvProblem>,
}

impl Problems<'_> {
    fn at(&mut self, line: usize, message: String) {
        self.out.push(CsvProblem { file: self.file.to_string(), line: Some(line), message });
    }
}

/// Splits a file into cells. Rows with the wrong number of columns are reported and
/// left out of the table (the whole load fails, so nothing is silently lost).
fn read_table<'a>(file: CsvFile<'a>, p: &mut Problems) -> Option<Table<'a>> {
    let mut lines = file
        .text
        .strip_prefix('\u{feff}')
        .unwrap_or(file.text)
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')))
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        p.out.push(CsvProblem {
            file: file.name.into(),
            line: None,
            message: "the file is empty: expected a header line".into(),
        });
        return None;
    };
    let header: Vec<&str> = header.split(',').map(str::trim).collect();
    let mut rows = Vec::new();
    for (n, line) in lines {
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        if cells.len() == header.len() {
            rows.push((n, cells));
        } else {
            p.at(n, format!("{} columns, but the header has {}", cells.len(), header.len()));
        }
    }
    Some(Table { header, rows })
}

fn column(header: &[&str], name: &str) -> Option<usize> {
    header.iter().position(|h| *h == name)
}

/// Finds required columns by name, reporting each one that is missing at line 1.
fn required<const N: usize>(header: &[&str], names: [&str; N], p: &mut Problems) -> Option<[usize; N]> {
    let found = names.map(|name| column(header, name));
    for (name, at) in names.iter().zip(&found) {
        if at.is_none() {
            p.at(1, format!("no column named {name} in the header"));
        }
    }
    found.iter().all(Option::is_some).then(|| found.map(|c| c.unwrap_or(0)))
}

/// A per-minute count: a whole number >= 0.
fn parse_count(cell: &str) -> Result<u32, String> {
    if let Some(rest) = cell.strip_prefix('-')
        && rest.parse::<f64>().is_ok_and(|x| x > 0.0)
    {
        return Err(format!("{cell} is negative (a count is a whole number >= 0)"));
    }
    match cell.parse::<u64>() {
        Ok(n) => u32::try_from(n).map_err(|_| format!("{cell} is too large for a per-minute count")),
        Err(_) => Err(format!("\"{cell}\" is not a count (a whole number >= 0)")),
    }
}

/// A measurement (milliseconds or MB): a finite number >= 0.
fn parse_amount(cell: &str) -> Result<f64, String> {
    match cell.parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 0.0 => Ok(x),
        Ok(x) if x < 0.0 => Err(format!("{cell} is negative")),
        _ => Err(format!("\"{cell}\" is not a number")),
    }
}

type FunctionKey = (String, String, String);

/// The invocations file: HashOwner, HashApp, HashFunction, Trigger, then one column per
/// minute (named by minute of day, consecutive).
fn invocations(file: CsvFile, p: &mut Problems) -> Option<Trace> {
    let table = read_table(file, p)?;
    let expected = ["HashOwner", "HashApp", "HashFunction", "Trigger"];
    if table.header.len() < 5 || table.header[..4] != expected {
        p.at(1, format!("the header must start with {} and then one column per minute", expected.join(",")));
        return None;
    }
    let mut previous: Option<u64> = None;
    for (i, name) in table.header.iter().enumerate().skip(4) {
        match name.parse::<u64>() {
            Ok(m) if previous.is_none_or(|prev| m == prev + 1) => previous = Some(m),
            Ok(m) => {
                p.at(
                    1,
                    format!(
                        "column {}: minute {m} does not follow minute {:?} (minutes must be consecutive)",
                        i + 1,
                        previous.unwrap_or(0)
                    ),
                );
                return None;
            }
            Err(_) => {
                p.at(1, format!("column {}: \"{name}\" is not a minute number", i + 1));
                return None;
            }
        }
    }
    let minutes = table.header.len() - 4;
    let mut seen: HashMap<FunctionKey, usize> = HashMap::new();
    let mut functions = Vec::new();
    for (line, cells) in table.rows {
        for (i, name) in expected.iter().enumerate() {
            if cells[i].is_empty() {
                p.at(line, format!("{name} is empty"));
            }
        }
        let key = (cells[0].to_string(), cells[1].to_string(), cells[2].to_string());
        if let Some(first) = seen.get(&key) {
            p.at(line, format!("function {} of app {} appears again (first on line {first})", key.2, key.1));
        }
        seen.entry(key.clone()).or_insert(line);
        let mut per_minute = Vec::with_capacity(minutes);
        for (i, cell) in cells[4..].iter().enumerate() {
            match parse_count(cell) {
                Ok(n) => per_minute.push(n),
                Err(e) => p.at(line, format!("minute {} (column {}): {e}", table.header[i + 4], i + 5)),
            }
        }
        functions.push(TraceFunction {
            owner: key.0,
            app: key.1,
            function: key.2,
            trigger: cells[3].to_string(),
            per_minute: per_minute.into(),
            duration: DEFAULT_DURATION,
            duration_source: Source::Default,
            memory_mb: DEFAULT_MEMORY_MB,
            memory_source: Source::Default,
            line,
        });
    }
    Some(Trace { functions, minutes })
}

const PERCENTILES: [(&str, f64); 7] = [
    ("percentile_Average_0", 0.0),
    ("percentile_Average_1", 0.01),
    ("percentile_Average_25", 0.25),
    ("percentile_Average_50", 0.5),
    ("percentile_Average_75", 0.75),
    ("percentile_Average_99", 0.99),
    ("percentile_Average_100", 1.0),
];

fn ms(x: f64) -> SimDuration {
    SimDuration::from_secs_f64(x / 1000.0)
}

/// The durations file: an `Empirical` distribution from the percentiles of the average
/// execution time (ms), or a constant at `Average` when the percentiles are absent.
fn durations(file: CsvFile, p: &mut Problems) -> HashMap<FunctionKey, Dist> {
    let mut out = HashMap::new();
    let Some(table) = read_table(file, p) else { return out };
    let Some([owner, app, function, average]) =
        required(&table.header, ["HashOwner", "HashApp", "HashFunction", "Average"], p)
    else {
        return out;
    };
    // The percentiles are used only if the header has all seven.
    let percentile_columns: Option<Vec<usize>> = PERCENTILES.iter().map(|(n, _)| column(&table.header, n)).collect();
    let mut first_line: HashMap<FunctionKey, usize> = HashMap::new();
    for (line, cells) in table.rows {
        let key = (cells[owner].to_string(), cells[app].to_string(), cells[function].to_string());
        if let Some(first) = first_line.get(&key) {
            p.at(line, format!("function {} appears again (first on line {first})", key.2));
            continue;
        }
        first_line.insert(key.clone(), line);
        let mean = match cells[average] {
            "" => None,
            cell => match parse_amount(cell) {
                Ok(x) => Some(x),
                Err(e) => {
                    p.at(line, format!("Average: {e}"));
                    continue;
                }
            },
        };
        let cells_of = |cols: &Vec<usize>| cols.iter().map(|&c| cells[c]).collect::<Vec<_>>();
        let percentiles = percentile_columns.as_ref().map(cells_of).filter(|v| v.iter().all(|c| !c.is_empty()));
        let dist = match (percentiles, mean) {
            (Some(values), _) => {
                let mut points = Vec::new();
                for ((name, q), cell) in PERCENTILES.iter().zip(values) {
                    match parse_amount(cell) {
                        Ok(x) => points.push(Percentile { p: *q, value: ms(x) }),
                        Err(e) => p.at(line, format!("{name}: {e}")),
                    }
                }
                if points.len() < PERCENTILES.len() {
                    continue;
                }
                if points.windows(2).any(|w| w[1].value < w[0].value) {
                    p.at(line, "the percentiles decrease (each must be >= the one before)".into());
                    continue;
                }
                Dist::Empirical { percentiles: points }
            }
            (None, Some(mean)) => Dist::constant(ms(mean)),
            (None, None) => {
                p.at(line, "neither Average nor the percentile_Average_* columns have a value".into());
                continue;
            }
        };
        out.insert(key, dist);
    }
    out
}

/// The memory file: `AverageAllocatedMb` per app (owner + app), rounded up into the
/// sizes a function may have. An app listed more than once (samples repeat it per
/// function) gets the largest of its values.
fn memory(file: CsvFile, p: &mut Problems) -> HashMap<(String, String), u32> {
    let mut out = HashMap::new();
    let Some(table) = read_table(file, p) else { return out };
    let Some([owner, app, mb]) = required(&table.header, ["HashOwner", "HashApp", "AverageAllocatedMb"], p) else {
        return out;
    };
    for (line, cells) in table.rows {
        match parse_amount(cells[mb]) {
            Ok(x) => {
                let size = (x.ceil().min(f64::from(MAX_MEMORY_MB)) as u32).max(MIN_MEMORY_MB);
                let entry = out.entry((cells[owner].to_string(), cells[app].to_string())).or_insert(size);
                *entry = (*entry).max(size);
            }
            Err(e) => p.at(line, format!("AverageAllocatedMb: {e}")),
        }
    }
    out
}

/// Parses and joins the three files (the last two are optional: functions missing
/// from them get `DEFAULT_DURATION` and `DEFAULT_MEMORY_MB`). Every problem in every
/// file is returned, not only the first.
pub fn parse(
    invocation_file: CsvFile,
    duration_file: Option<CsvFile>,
    memory_file: Option<CsvFile>,
) -> Result<Trace, ReplayError> {
    let mut problems = Vec::new();
    let trace = invocations(invocation_file, &mut Problems { file: invocation_file.name, out: &mut problems });
    let durations = duration_file.map(|f| durations(f, &mut Problems { file: f.name, out: &mut problems }));
    let memory = memory_file.map(|f| memory(f, &mut Problems { file: f.name, out: &mut problems }));
    if let Some(trace) = &trace
        && trace.functions.is_empty()
        && problems.is_empty()
    {
        let message = "no functions: the file has a header but no rows".into();
        problems.push(CsvProblem { file: invocation_file.name.into(), line: None, message });
    }
    // The simulator's bound on a run's arrivals holds for a replay as a whole: said once
    // here, about the trace, not once per keep-alive setting about a scenario's rates.
    if let Some(total) = trace.as_ref().map(Trace::total_invocations)
        && total as f64 > MAX_EXPECTED_ARRIVALS
    {
        let message = format!(
            "the trace has {total} invocations, more than the {MAX_EXPECTED_ARRIVALS:.0e} a replay may run: replay fewer minutes or functions"
        );
        problems.push(CsvProblem { file: invocation_file.name.into(), line: None, message });
    }
    let Some(mut trace) = trace.filter(|_| problems.is_empty()) else {
        return Err(ReplayError { problems });
    };
    for f in &mut trace.functions {
        let key = (f.owner.clone(), f.app.clone(), f.function.clone());
        if let Some(d) = durations.as_ref().and_then(|d| d.get(&key)) {
            f.duration = d.clone();
            f.duration_source = Source::File;
        }
        if let Some(&mb) = memory.as_ref().and_then(|m| m.get(&(key.0, key.1))) {
            f.memory_mb = mb;
            f.memory_source = Source::File;
        }
    }
    Ok(trace)
}

/// The largest trace file `load` reads (a day of 50 000 functions, as the bench
/// synthesises from the sample, is about 160 MB); a larger one, or what is not a
/// regular file, is refused before it is read.
pub const MAX_TRACE_FILE_BYTES: u64 = 1 << 30;

/// A trace file's text, bounded: what is not a regular file, or is larger than
/// `MAX_TRACE_FILE_BYTES`, is refused before it is read.
pub fn read_file(path: &std::path::Path) -> Result<String, CsvProblem> {
    crate::text_file::read_bounded(path, "trace", MAX_TRACE_FILE_BYTES).map_err(|e| CsvProblem {
        file: path.display().to_string(),
        line: match e {
            crate::text_file::ReadError::NotUtf8 { line, .. } => Some(line),
            crate::text_file::ReadError::File(_) => None,
        },
        message: e.message(),
    })
}

/// Reads the files from disk and parses them; unreadable files are problems too.
pub fn load(
    invocations: &std::path::Path,
    durations: Option<&std::path::Path>,
    memory: Option<&std::path::Path>,
) -> Result<Trace, ReplayError> {
    let texts = [Some(invocations), durations, memory].map(|p| p.map(|p| (p.display().to_string(), read_file(p))));
    let problems: Vec<CsvProblem> = texts.iter().flatten().filter_map(|(_, r)| r.as_ref().err().cloned()).collect();
    if !problems.is_empty() {
        return Err(ReplayError { problems });
    }
    let file = |i: usize| {
        texts[i].as_ref().and_then(|(name, r)| r.as_ref().ok().map(|text| CsvFile { name: name.as_str(), text }))
    };
    let Some(invocation_file) = file(0) else { return Err(ReplayError { problems }) };
    parse(invocation_file, file(1), file(2))
}
