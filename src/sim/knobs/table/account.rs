//! The knobs of the account: its concurrency limit and the platform it runs on.

use super::always;
use crate::sim::function::provider::Provider;
use crate::sim::knobs::{Knob, Live, Owner, Unit};

pub(super) const CONCURRENCY: Knob = Knob {
    property: "concurrency",
    owner: Owner::Account,
    unit: Unit::Count,
    help: "the account's concurrency limit",
    range: |_| (10.0, 10_000.0),
    applies: always,
    read: |c, _| c.account.concurrency_limit.to_string(),
    write: |c, _, v| c.account.concurrency_limit = v.count(),
    live: Live::No,
};

pub(super) const PROVIDER: Knob = Knob {
    property: "provider",
    owner: Owner::Account,
    unit: Unit::Choice(PROVIDERS),
    help: "the platform: its default per-environment concurrency, billing, prices and longest timeout",
    range: |_| (0.0, 2.0),
    applies: always,
    read: |c, _| c.account.provider.label().to_string(),
    write: |c, _, v| c.account.provider = Provider::ALL.into_iter().find(|p| p.label() == v.word()).unwrap_or_default(),
    live: Live::No,
};

const PROVIDERS: &[&str] = &["AwsLambda", "CloudRunFunctions", "AzureFlexConsumption"];
