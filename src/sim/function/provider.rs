//! Provider presets and billing models (issue 15): which platform a scenario runs on
//! (`account.provider`), how many requests one environment serves at once by default,
//! how an environment's time is billed, and the prices and limits behind it. Every
//! number carries its source; docs/model.md lists them with the ones that could not be
//! found.
//!
//! `AwsLambda` with `PerRequest` billing is the model as it was before presets: it is
//! the default, and its bill is `kernel::cost::invoice` unchanged.

use crate::sim::kernel::time::SimDuration;
use serde::{Deserialize, Serialize};

/// The platform a scenario's functions run on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Provider {
    /// AWS Lambda: one request per environment, billed per request and GB-second.
    #[default]
    AwsLambda,
    /// Google Cloud Run functions (2nd gen, deployed with `gcloud functions deploy`).
    CloudRunFunctions,
    /// Azure Functions on the Flex Consumption plan, HTTP triggers.
    AzureFlexConsumption,
}

/// How a function's compute is billed.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Billing {
    /// Lambda's classic model: each request pays for its own duration (GB-seconds,
    /// rounded up to 1 ms) plus a request fee.
    PerRequest,
    /// Cloud Run's request-based billing (and Azure Flex Consumption's on-demand
    /// instances): an environment is billed while it starts and while at least one
    /// request is in flight on it, whatever the number; plus a fee per request.
    PerInstanceWhileServing,
    /// Cloud Run's instance-based billing: an environment is billed for its whole life,
    /// idle included; no request fee.
    PerInstanceAlwaysOn,
    /// Lambda Managed Instances: the EC2 instance's price per hour for each
    /// environment's whole life, plus AWS's management fee on it, plus Lambda's request
    /// fee. `instance_hourly_usd` is the chosen instance type's on-demand price.
    ManagedInstances { instance_hourly_usd: f64 },
}

impl Billing {
    pub fn label(&self) -> &'static str {
        match self {
            Billing::PerRequest => "per request",
            Billing::PerInstanceWhileServing => "per instance while serving",
            Billing::PerInstanceAlwaysOn => "per instance, always on",
            Billing::ManagedInstances { .. } => "managed instances",
        }
    }
}

/// The most requests one environment may serve at once (Cloud Run's limit, 1000:
/// "You can increase this to a maximum of 1,000", Cloud Run docs, "About concurrency").
pub const MAX_PER_ENVIRONMENT_CONCURRENCY: u32 = 1000;

/// Lambda Managed Instances' management fee on the EC2 price: "a 15% management fee"
/// (edjgeek.com, "Lambda Managed Instances: A Working Demo and the Math Behind It";
/// packetsensei.com, "When to use AWS Lambda Managed Instances": "a management fee of
/// approximately 15% on top of the EC2 infrastructure cost"). AWS's own pricing page
/// was not among the pages found.
pub const MANAGED_INSTANCES_FEE: f64 = 0.15;

/// Prices of a provider's per-instance billing, USD.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct InstancePrices {
    /// While serving (request-based): per vCPU-second and per GiB-second of instance
    /// time, and per request.
    pub serving_per_vcpu_second: f64,
    pub serving_per_gib_second: f64,
    pub per_request: f64,
    /// Always on (instance-based): per vCPU-second and per GiB-second of instance life.
    pub always_on_per_vcpu_second: f64,
    pub always_on_per_gib_second: f64,
}

impl Provider {
    pub const ALL: [Provider; 3] = [Provider::AwsLambda, Provider::CloudRunFunctions, Provider::AzureFlexConsumption];

    pub fn label(self) -> &'static str {
        match self {
            Provider::AwsLambda => "AwsLambda",
            Provider::CloudRunFunctions => "CloudRunFunctions",
            Provider::AzureFlexConsumption => "AzureFlexConsumption",
        }
    }

    /// Requests one environment serves at once unless the function says otherwise.
    /// - AWS Lambda: 1 (one invocation per execution environment).
    /// - Cloud Run functions: 1. "By default, function instances handle only one request
    ///   at a time ... The default concurrency value is 1" (Cloud Run functions docs,
    ///   "Concurrency", cloud.google.com/functions/docs/configuring/concurrency). Cloud
    ///   Run *services* default to 80 (console) or 80 x vCPUs (gcloud, Terraform): "About
    ///   concurrency", docs.cloud.google.com/run/docs/about-concurrency. Set
    ///   `per_environment_concurrency: 80` for a Cloud Run service.
    /// - Azure Flex Consumption: 16 for HTTP triggers. Microsoft documents a per-instance
    ///   HTTP concurrency that depends on the instance memory size
    ///   (learn.microsoft.com, "Concurrency in Azure Functions", HTTP trigger
    ///   concurrency); the table itself was not in the pages found, and 16 (the default
    ///   2,048 MB instance) is the figure the brief gave: see docs/model.md.
    pub fn default_per_environment_concurrency(self) -> u32 {
        match self {
            Provider::AwsLambda | Provider::CloudRunFunctions => 1,
            Provider::AzureFlexConsumption => 16,
        }
    }

    /// How compute is billed unless the function says otherwise.
    /// - AWS Lambda: per request.
    /// - Cloud Run functions: request-based billing, the default ("Request-based billing
    ///   (default): Cloud Run instances are only charged when they process requests,
    ///   when they start, and when they shut down", cloud.google.com/run/docs/configuring/billing-settings).
    /// - Azure Flex Consumption on demand: "The total amount of memory provisioned while
    ///   each on demand instance is actively executing functions (in GB-seconds)" plus
    ///   "the total number of executions" (Microsoft docs, Flex Consumption billing
    ///   table, includes/functions-flex-consumption-billing-table.md).
    pub fn default_billing(self) -> Billing {
        match self {
            Provider::AwsLambda => Billing::PerRequest,
            Provider::CloudRunFunctions | Provider::AzureFlexConsumption => Billing::PerInstanceWhileServing,
        }
    }

    /// The longest a request may run.
    /// - AWS Lambda: 900 s (15 minutes).
    /// - Cloud Run functions: 60 minutes for HTTP functions (2nd gen; "Maximum timeout
    ///   ... 60 minutes (HTTP), 9 minutes (event)", oneuptime.com, "How to Create Cloud
    ///   Functions Gen2", 2026, from Google's quotas page).
    /// - Azure Flex Consumption: not found in the pages searched; Lambda's 900 s is kept
    ///   (docs/model.md says so).
    pub fn max_timeout(self) -> SimDuration {
        match self {
            Provider::AwsLambda | Provider::AzureFlexConsumption => SimDuration::from_secs(900),
            Provider::CloudRunFunctions => SimDuration::from_secs(3600),
        }
    }

    /// Per-instance prices (USD, the cheapest region tier).
    /// - AWS Lambda has no per-instance billing of its own functions; its nearest
    ///   equivalents are used: Lambda's on-demand GB-second ($0.0000166667, no CPU
    ///   charge) while serving, and provisioned concurrency's GB-second ($0.0000041667)
    ///   always on; request fee $0.20 per million (aws.amazon.com/lambda/pricing).
    /// - Cloud Run (cloud.google.com/run/pricing, Tier 1): request-based $0.000024 per
    ///   vCPU-second, $0.0000025 per GiB-second, $0.40 per million requests;
    ///   instance-based $0.000018 per vCPU-second and no request fee. The instance-based
    ///   memory price was not in the pages found: the request-based $0.0000025 is used
    ///   (an upper bound).
    /// - Azure Flex Consumption on demand: $0.000026 per GB-second of instance memory
    ///   while executing (modal.com, "Azure Functions pricing: Consumption vs. Flex
    ///   Consumption", 2025; no CPU charge). The per-execution fee and the always-ready
    ///   baseline price were not in the pages found: no execution fee is charged and the
    ///   on-demand price stands in for always-on (docs/model.md).
    pub fn instance_prices(self) -> InstancePrices {
        match self {
            Provider::AwsLambda => InstancePrices {
                serving_per_vcpu_second: 0.0,
                serving_per_gib_second: 0.000_016_666_7,
                per_request: 0.20 / 1e6,
                always_on_per_vcpu_second: 0.0,
                always_on_per_gib_second: 0.000_004_166_7,
            },
            Provider::CloudRunFunctions => InstancePrices {
                serving_per_vcpu_second: 0.000_024,
                serving_per_gib_second: 0.000_002_5,
                per_request: 0.40 / 1e6,
                always_on_per_vcpu_second: 0.000_018,
                always_on_per_gib_second: 0.000_002_5,
            },
            Provider::AzureFlexConsumption => InstancePrices {
                serving_per_vcpu_second: 0.0,
                serving_per_gib_second: 0.000_026,
                per_request: 0.0,
                always_on_per_vcpu_second: 0.0,
                always_on_per_gib_second: 0.000_026,
            },
        }
    }
}

/// What one function's environments were billed under a per-instance model, USD:
/// (request fees, instance time). `serving_us` is environment-microseconds starting or
/// serving at least one request, `alive_us` environment-microseconds alive (idle
/// included), `vcpus` and `memory_mb` one environment's size.
pub fn instance_bill(
    provider: Provider,
    billing: &Billing,
    requests: u64,
    serving_us: u128,
    alive_us: u128,
    vcpus: f64,
    memory_mb: u32,
) -> (f64, f64) {
    let p = provider.instance_prices();
    let gib = f64::from(memory_mb) / 1024.0;
    let secs = |us: u128| us as f64 / 1e6;
    match billing {
        Billing::PerRequest => (0.0, 0.0),
        Billing::PerInstanceWhileServing => (
            requests as f64 * p.per_request,
            secs(serving_us) * (vcpus * p.serving_per_vcpu_second + gib * p.serving_per_gib_second),
        ),
        Billing::PerInstanceAlwaysOn => {
            (0.0, secs(alive_us) * (vcpus * p.always_on_per_vcpu_second + gib * p.always_on_per_gib_second))
        }
        Billing::ManagedInstances { instance_hourly_usd } => (
            // Lambda's request fee, $0.20 per million, applies to Managed Instances too.
            requests as f64 * 0.20 / 1e6,
            secs(alive_us) / 3600.0 * instance_hourly_usd * (1.0 + MANAGED_INSTANCES_FEE),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_presets_hold_their_cited_numbers() {
        assert_eq!(Provider::AwsLambda.default_per_environment_concurrency(), 1);
        assert_eq!(Provider::CloudRunFunctions.default_per_environment_concurrency(), 1);
        assert_eq!(Provider::AzureFlexConsumption.default_per_environment_concurrency(), 16);
        assert_eq!(Provider::AwsLambda.default_billing(), Billing::PerRequest);
        assert_eq!(Provider::CloudRunFunctions.default_billing(), Billing::PerInstanceWhileServing);
        assert_eq!(Provider::CloudRunFunctions.max_timeout(), SimDuration::from_secs(3600));
        let run = Provider::CloudRunFunctions.instance_prices();
        assert_eq!((run.serving_per_vcpu_second, run.serving_per_gib_second), (0.000_024, 0.000_002_5));
        assert_eq!(run.per_request * 1e6, 0.40);
        assert_eq!(run.always_on_per_vcpu_second, 0.000_018);
        assert_eq!(Provider::AzureFlexConsumption.instance_prices().serving_per_gib_second, 0.000_026);
    }

    #[test]
    fn instance_bills_by_exact_arithmetic() {
        // One 2 GiB, 1 vCPU Cloud Run instance serving for 1000 s, 1M requests:
        // 1000 x (0.000024 + 2 x 0.0000025) = $0.029, and $0.40 of requests.
        let serving = instance_bill(
            Provider::CloudRunFunctions,
            &Billing::PerInstanceWhileServing,
            1_000_000,
            1_000_000_000,
            5_000_000_000,
            1.0,
            2048,
        );
        assert!((serving.0 - 0.40).abs() < 1e-12 && (serving.1 - 0.029).abs() < 1e-12, "{serving:?}");
        // Always on bills its 5000 s of life: 5000 x (0.000018 + 2 x 0.0000025) = $0.115.
        let always =
            instance_bill(Provider::CloudRunFunctions, &Billing::PerInstanceAlwaysOn, 7, 0, 5_000_000_000, 1.0, 2048);
        assert!(always.0 == 0.0 && (always.1 - 0.115).abs() < 1e-12, "{always:?}");
        // Managed instances: two hours at $0.10 an hour, plus 15%: $0.23.
        let managed = instance_bill(
            Provider::AwsLambda,
            &Billing::ManagedInstances { instance_hourly_usd: 0.10 },
            0,
            0,
            7_200_000_000,
            2.0,
            4096,
        );
        assert!((managed.1 - 0.23).abs() < 1e-12, "{managed:?}");
    }
}
