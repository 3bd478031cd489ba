//! Objectives on the account as a whole: the monthly cost, and security (least
//! privilege, blast radius, data residency).

use super::ObjectiveResult;
use super::helpers::{at_most, none_at_all};
use crate::report::Report;

pub(super) fn cost_per_month(report: &Report, bound: f64) -> ObjectiveResult {
    let measured = report.cost.per_month_usd;
    let texts = (format!("${measured:.2}"), format!("${bound:.2}"));
    at_most("cost per month".to_string(), (measured, bound), texts, || {
        let c = &report.cost;
        let monthly = |usd: f64| usd / report.simulated_seconds.max(1e-9) * crate::sim::kernel::cost::MONTH_SECS;
        let mut extra = String::new();
        if c.moved_to_fleet_usd > 0.0 {
            extra += &format!(", servers ${:.2}", monthly(c.moved_to_fleet_usd));
        }
        if c.websocket_usd > 0.0 {
            extra += &format!(", WebSocket API messages and connection minutes ${:.2}", monthly(c.websocket_usd));
        }
        if c.ephemeral_usd > 0.0 {
            extra += &format!(", /tmp above 512 MB ${:.2}", monthly(c.ephemeral_usd));
        }
        if c.snapstart_cache_usd + c.snapstart_restore_usd > 0.0 {
            extra += &format!(
                ", SnapStart cache ${:.2} and restores ${:.2}",
                monthly(c.snapstart_cache_usd),
                monthly(c.snapstart_restore_usd)
            );
        }
        Some(format!(
            "per month: compute ${:.2}, requests ${:.2}, provisioned concurrency ${:.2}{extra} (over {:.0} s measured)",
            monthly(c.compute_usd),
            monthly(c.requests_usd),
            monthly(c.provisioned_usd),
            report.simulated_seconds
        ))
    })
}

/// Permissions held but never used, over the functions whose role is modelled.
pub(super) fn least_privilege(report: &Report, of: Option<&str>) -> ObjectiveResult {
    let roles: Vec<(&str, &crate::report::PermissionsReport)> = report
        .functions
        .iter()
        .filter(|f| of.is_none_or(|o| o == f.name))
        .filter_map(|f| f.permissions.as_ref().map(|p| (f.name.as_str(), p)))
        .collect();
    let unused: usize = roles.iter().map(|(_, p)| p.unused.len()).sum();
    let label = match of {
        Some(f) => format!("permissions {f} never used"),
        None => "permissions never used".to_string(),
    };
    none_at_all(&label, unused as u64, || {
        let parts: Vec<String> = roles
            .iter()
            .filter(|(_, p)| !p.unused.is_empty())
            .map(|(f, p)| {
                let shown: Vec<&str> = p.unused.iter().take(6).map(String::as_str).collect();
                let more = p.unused.len().saturating_sub(6);
                let more = if more > 0 { format!(" and {more} more") } else { String::new() };
                format!("{f} holds {}{more} without using them", shown.join(", "))
            })
            .collect();
        format!("{}: a role should grant exactly what the function calls", parts.join("; "))
    })
}

/// How many resources a compromised function could reach.
pub(super) fn blast_radius(report: &Report, of: &str, bound: u32) -> ObjectiveResult {
    let f = report.functions.iter().find(|f| f.name == of);
    let reach = f.and_then(|f| f.permissions.as_ref()).map_or(0, |p| p.reach.len());
    let label = format!("resources {of} could reach");
    at_most(label, (reach as f64, f64::from(bound)), (reach.to_string(), bound.to_string()), || {
        let p = f.and_then(|f| f.permissions.as_ref())?;
        Some(format!(
            "{of}'s role ({}) reaches {}: if the function were compromised, all of it would be",
            p.granted.join(", "),
            p.reach.join(", ")
        ))
    })
}

/// Accesses to data outside its residency: none allowed.
pub(super) fn data_residency(report: &Report, of: Option<&str>) -> ObjectiveResult {
    let databases = report.databases.iter().map(|d| (&d.name, d.residency.as_ref()));
    let buckets = report.buckets.iter().map(|b| (&b.name, b.residency.as_ref()));
    let rules: Vec<(&String, &crate::report::ResidencyReport)> = databases
        .chain(buckets)
        .filter(|(name, _)| of.is_none_or(|o| o == name.as_str()))
        .filter_map(|(name, r)| r.map(|r| (name, r)))
        .collect();
    let violations = rules.iter().map(|(_, r)| r.violations).sum();
    let label = match of {
        Some(of) => format!("accesses to {of} outside its residency"),
        None => "accesses to data outside its residency".to_string(),
    };
    none_at_all(&label, violations, || {
        let broken = rules.iter().filter(|(_, r)| r.violations > 0);
        let sentences: Vec<String> = broken
            .map(|(name, r)| {
                if r.stored_outside {
                    format!(
                        "{name} must stay in {} but is stored in {}: every access breaks residency",
                        r.residency, r.region
                    )
                } else {
                    let who: Vec<String> = r
                        .by_function
                        .iter()
                        .map(|v| format!("{} ({}) {} times", v.function, v.region, v.accesses))
                        .collect();
                    format!("{name} must stay in {}, and functions outside it used it: {}", r.residency, who.join(", "))
                }
            })
            .collect();
        sentences.join("; ")
            + ": process the data where it lives, with a function deployed in a region inside its residency"
    })
}
