//! Permissions (least privilege): what a function's role allows it to do. A call the
//! role does not grant fails with AccessDenied, as it would on AWS after a deployment
//! that forgot a statement. The blast radius is what a compromised function could reach:
//! the resources its permissions name (every resource, for `*`).

use crate::sim::config::SimConfig;
use crate::sim::function::Call;
use serde::{Deserialize, Serialize};

/// One statement of a function's role.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Permission {
    /// Everything in the account (`"*"`): the giant function's policy.
    All,
    /// Query a database.
    Read(String),
    /// Write a database (queries marked `write`), a bucket, or a table with a stream.
    Write(String),
    /// Send to a queue.
    Send(String),
    /// Publish on a bus.
    Publish(String),
    /// Invoke a function.
    Invoke(String),
    /// Call a third-party API (its credentials).
    Call(String),
}

impl Permission {
    /// The resource it names (`None` for `All`).
    pub fn resource(&self) -> Option<&str> {
        match self {
            Permission::All => None,
            Permission::Read(r)
            | Permission::Write(r)
            | Permission::Send(r)
            | Permission::Publish(r)
            | Permission::Invoke(r)
            | Permission::Call(r) => Some(r),
        }
    }

    /// The statement as written: `Read("orders-db")`.
    pub fn label(&self) -> String {
        match self {
            Permission::All => "*".into(),
            Permission::Read(r) => format!("Read({r})"),
            Permission::Write(r) => format!("Write({r})"),
            Permission::Send(r) => format!("Send({r})"),
            Permission::Publish(r) => format!("Publish({r})"),
            Permission::Invoke(r) => format!("Invoke({r})"),
            Permission::Call(r) => format!("Call({r})"),
        }
    }

    /// Parses one statement as `label` writes it (`*`, `Read(orders-db)`).
    pub fn parse(text: &str) -> Result<Permission, String> {
        let text = text.trim();
        if text == "*" {
            return Ok(Permission::All);
        }
        let Some((verb, rest)) = text.split_once('(') else {
            return Err(format!("a permission such as Read(orders-db) or *, got \"{text}\""));
        };
        let resource = rest.strip_suffix(')').map(|r| r.trim().trim_matches('"').to_string());
        let Some(resource) = resource.filter(|r| !r.is_empty()) else {
            return Err(format!("a resource in brackets, such as Read(orders-db), got \"{text}\""));
        };
        Ok(match verb.trim() {
            "Read" => Permission::Read(resource),
            "Write" => Permission::Write(resource),
            "Send" => Permission::Send(resource),
            "Publish" => Permission::Publish(resource),
            "Invoke" => Permission::Invoke(resource),
            "Call" => Permission::Call(resource),
            other => {
                return Err(format!(
                    "no permission \"{other}\" (known: Read, Write, Send, Publish, Invoke, Call, or * for all)"
                ));
            }
        })
    }
}

/// The permission a call needs (none: a log line goes to the function's own log).
pub fn needed(call: &Call) -> Option<Permission> {
    Some(match call {
        Call::Query { database, write: false, .. } => Permission::Read(database.clone()),
        Call::Query { database, write: true, .. } => Permission::Write(database.clone()),
        Call::Put { bucket, .. } => Permission::Write(bucket.clone()),
        Call::TmpFile { from, .. } => Permission::Read(from.clone()),
        Call::Write { stream } => Permission::Write(stream.clone()),
        Call::Send { queue, .. } => Permission::Send(queue.clone()),
        Call::Publish { bus, .. } => Permission::Publish(bus.clone()),
        Call::Invoke { function, .. } => Permission::Invoke(function.clone()),
        Call::Api { api, .. } => Permission::Call(api.clone()),
        Call::Log { .. } => return None,
    })
}

/// Whether `granted` (a role; `None` = permissions not modelled) allows `call`.
pub fn allows(granted: Option<&[Permission]>, call: &Call) -> bool {
    let Some(granted) = granted else { return true };
    let Some(needed) = needed(call) else { return true };
    granted.iter().any(|p| *p == Permission::All || *p == needed)
}

/// Every resource of the scenario a permission could name, as (kind, name).
fn every_resource(config: &SimConfig) -> Vec<String> {
    let mut out = Vec::new();
    out.extend(config.databases.iter().map(|d| d.name.clone()));
    out.extend(config.buckets.iter().map(|b| b.name.clone()));
    out.extend(config.streams.iter().map(|s| s.name.clone()));
    out.extend(config.queues.iter().map(|q| q.name.clone()));
    out.extend(config.buses.iter().map(|b| b.name.clone()));
    out.extend(config.functions.iter().map(|f| f.name.clone()));
    out.extend(config.apis.iter().map(|a| a.name.clone()));
    out
}

/// The resources the role of function `own` reaches (its blast radius), sorted; `*`
/// reaches every one but the function itself (holding it, an attacker already has it).
pub fn reach(granted: &[Permission], config: &SimConfig, own: &str) -> Vec<String> {
    let mut out: Vec<String> = if granted.contains(&Permission::All) {
        every_resource(config).into_iter().filter(|r| r != own).collect()
    } else {
        granted.iter().filter_map(|p| p.resource().map(String::from)).collect()
    };
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_read_back_as_written_and_bad_ones_say_why() {
        for text in ["*", "Read(orders-db)", "Write(thumbnails)", "Send(jobs)", "Call(mailer)"] {
            assert_eq!(Permission::parse(text).unwrap().label(), text);
        }
        assert!(Permission::parse("Delete(x)").unwrap_err().contains("no permission \"Delete\""));
        assert!(Permission::parse("Read()").unwrap_err().contains("a resource"));
        assert!(Permission::parse("orders-db").unwrap_err().contains("such as Read(orders-db)"));
    }

    #[test]
    fn a_call_needs_the_statement_that_names_its_resource() {
        let put = Call::Put { bucket: "thumbs".into(), size_kb: 1.0, to_tmp: false };
        assert!(allows(None, &put), "no role modelled: allowed");
        assert!(allows(Some(&[Permission::All]), &put));
        assert!(allows(Some(&[Permission::Write("thumbs".into())]), &put));
        assert!(!allows(Some(&[Permission::Read("thumbs".into())]), &put));
        assert!(!allows(Some(&[]), &put));
    }
}
