//! Logs (tracing) and metrics (Prometheus text exposition). The metrics recorder
//! is process-wide, so it is installed once and shared by every server instance.

use std::io::IsTerminal;
use std::sync::OnceLock;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the log subscriber on stderr: `RUST_LOG` filters, else `info`; lines
/// for people (coloured only when stderr is a terminal, so files and pipes get
/// plain text) or one JSON object per line (`log.format = "json"`).
pub fn init_logs(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

static METRICS: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process's metrics handle, installing the recorder on first use.
pub fn metrics() -> PrometheusHandle {
    METRICS
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            // Fails only if another recorder was installed first; ours still renders.
            let _ = metrics::set_global_recorder(recorder);
            describe();
            register();
            handle
        })
        .clone()
}

fn describe() {
    metrics::describe_histogram!(
        "cozykart_ledger_batch_size",
        "jobs written per ledger transaction"
    );
    metrics::describe_histogram!(
        "cozykart_ledger_commit_seconds",
        metrics::Unit::Seconds,
        "time to write and commit one ledger batch"
    );
    metrics::describe_counter!(
        "cozykart_webhooks_total",
        "webhook deliveries by provider and outcome"
    );
    metrics::describe_counter!(
        "cozykart_discord_posts_total",
        "sends of the bot's own Discord posts from the outbox, by outcome"
    );
    metrics::describe_gauge!(
        "cozykart_open_lobbies",
        "lobbies whose commission window is open"
    );
    metrics::describe_gauge!(
        "cozykart_websocket_clients",
        "overlay websocket clients connected"
    );
}

/// Providers and outcomes a webhook delivery is counted under: the webhook
/// answers' `status` values, then the error codes a refusal carries.
pub const WEBHOOK_PROVIDERS: &[&str] = &["stripe", "shopify", "kofi"];
pub const WEBHOOK_OUTCOMES: &[&str] = &[
    "recorded",
    "duplicate",
    "reattributed",
    "ignored",
    "refund_applied",
    "refund_waiting",
    "refund_rejected",
    "bad_signature",
    "stale_timestamp",
    "malformed_body",
    "missing_field",
    "invalid_amount",
    "unknown_currency",
    "not_found",
    "body_too_large",
    "overloaded",
    "internal",
];

/// What a send from the Discord outbox came to: posted, due again later, or given up on.
pub const DISCORD_POST_OUTCOMES: &[&str] = &["sent", "retried", "abandoned"];

/// Registers every series at zero, so that a fresh server's first scrape lists
/// them all (a series that appears only after its first event breaks `rate()`
/// and alerts on absence). Adding zero leaves a value another server instance in
/// this process already counted.
fn register() {
    for outcome in DISCORD_POST_OUTCOMES {
        metrics::counter!("cozykart_discord_posts_total", "outcome" => *outcome).increment(0);
    }
    for provider in WEBHOOK_PROVIDERS {
        for outcome in WEBHOOK_OUTCOMES {
            metrics::counter!("cozykart_webhooks_total", "provider" => *provider, "outcome" => *outcome)
                .increment(0);
        }
    }
    metrics::gauge!("cozykart_open_lobbies").increment(0.0);
    metrics::gauge!("cozykart_websocket_clients").increment(0.0);
    let _ = metrics::histogram!("cozykart_ledger_batch_size");
    let _ = metrics::histogram!("cozykart_ledger_commit_seconds");
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_fresh_scrape_lists_every_metric() {
        let text = super::metrics().render();
        for name in [
            "cozykart_webhooks_total{provider=\"stripe\",outcome=\"recorded\"}",
            "cozykart_webhooks_total{provider=\"kofi\",outcome=\"bad_signature\"}",
            "cozykart_open_lobbies ",
            "cozykart_websocket_clients ",
            "cozykart_ledger_batch_size_count ",
            "cozykart_ledger_commit_seconds_count ",
        ] {
            assert!(text.contains(name), "{name} missing from:\n{text}");
        }
    }
}
