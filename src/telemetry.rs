//! Logs (tracing) and metrics (Prometheus text exposition). The metrics recorder
//! is process-wide, so it is installed once and shared by every server instance.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::EnvFilter;

/// Installs the log subscriber: `RUST_LOG` wins, else `info`.
pub fn init_logs() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr)
        .try_init();
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
    metrics::describe_gauge!(
        "cozykart_open_lobbies",
        "lobbies whose commission window is open"
    );
    metrics::describe_gauge!(
        "cozykart_websocket_clients",
        "overlay websocket clients connected"
    );
}
