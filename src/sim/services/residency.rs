//! Data residency: a database or bucket whose data must stay in a jurisdiction ("eu")
//! or one region ("eu-central-1"). A function outside it that reads or writes the data
//! is a violation on every access, and so is every access to data stored outside it
//! (a replica of EU data in Virginia breaks residency however near the readers are).

/// Whether `region` lies within `residency`: the region itself, or a region of that
/// jurisdiction (`eu` holds `eu-central-1` and `eu-west-1`, not `us-east-1`).
pub fn within(region: &str, residency: &str) -> bool {
    region.strip_prefix(residency).is_some_and(|rest| rest.is_empty() || rest.starts_with('-'))
}

/// The residency rule of one resource at run time, with its violations by function.
#[derive(Clone, Debug)]
pub struct ResidencyCheck {
    pub residency: String,
    /// Where the resource's data is stored.
    pub region: String,
    /// Whether each function (by index) is outside the residency.
    outside: Vec<bool>,
    /// Accesses that broke residency, by function (measured window).
    pub violations: Vec<u64>,
}

impl ResidencyCheck {
    /// The check for a resource stored in `region` with `residency` (none: no rule),
    /// accessed by functions in `function_regions`.
    pub fn new<'a>(
        residency: Option<&str>,
        region: &str,
        function_regions: impl ExactSizeIterator<Item = &'a str>,
    ) -> Option<ResidencyCheck> {
        let residency = residency?;
        let stored_outside = !within(region, residency);
        let outside: Vec<bool> = function_regions.map(|r| stored_outside || !within(r, residency)).collect();
        let violations = vec![0; outside.len()];
        Some(ResidencyCheck { residency: residency.to_string(), region: region.to_string(), outside, violations })
    }

    /// Function `function` read or wrote the data (`counted`: in the measured window).
    pub fn access(&mut self, function: u32, counted: bool) {
        if counted && self.outside[function as usize] {
            self.violations[function as usize] += 1;
        }
    }

    /// Whether the data itself is stored outside its residency.
    pub fn stored_outside(&self) -> bool {
        !within(&self.region, &self.residency)
    }

    pub fn total(&self) -> u64 {
        self.violations.iter().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jurisdiction_holds_its_regions_and_no_others() {
        assert!(within("eu-central-1", "eu"));
        assert!(within("eu-west-1", "eu"));
        assert!(within("eu-central-1", "eu-central-1"));
        assert!(!within("eu-west-1", "eu-central-1"));
        assert!(!within("us-east-1", "eu"));
        assert!(!within("europe-1", "eu"), "a prefix of the name is not a jurisdiction");
    }

    #[test]
    fn every_access_from_outside_counts_and_data_stored_outside_taints_all() {
        let regions = ["eu-central-1", "us-east-1"];
        let mut eu = ResidencyCheck::new(Some("eu"), "eu-central-1", regions.into_iter()).unwrap();
        for f in [0, 1, 1, 0, 1] {
            eu.access(f, true);
        }
        eu.access(1, false); // the warm-up is not measured
        assert_eq!(eu.violations, [0, 3]);
        let mut replica = ResidencyCheck::new(Some("eu"), "us-east-1", regions.into_iter()).unwrap();
        replica.access(0, true);
        assert!(replica.stored_outside());
        assert_eq!(replica.total(), 1);
        assert!(ResidencyCheck::new(None, "us-east-1", regions.into_iter()).is_none());
    }
}
