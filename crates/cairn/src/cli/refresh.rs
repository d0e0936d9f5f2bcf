//! `cairn refresh`: recompute every stored measure from the pupil-level records.

use anyhow::Context;
use cairn_measures::SuppressionPolicy;

use crate::cli::DatabaseArgs;

pub(crate) async fn run(database: &DatabaseArgs) -> anyhow::Result<()> {
    let store = database.open().await?;
    let started = std::time::Instant::now();
    let summary = store
        .refresh_measures(
            "cairn refresh",
            chrono::Utc::now(),
            SuppressionPolicy::default(),
        )
        .await
        .context("cannot refresh the stored measures")?;
    print_summary(&summary, started.elapsed());
    Ok(())
}

/// One line saying what a refresh stored.
pub(crate) fn print_summary(summary: &cairn_store::RefreshSummary, took: std::time::Duration) {
    let years: Vec<String> = summary
        .academic_years
        .iter()
        .map(ToString::to_string)
        .collect();
    println!(
        "Measures refreshed (refresh {}): {} figures ({} suppressed) for {} schools and {} groups, \
         years {} ({:.2} s).",
        summary.refresh.id,
        summary.results,
        summary.suppressed,
        summary.schools,
        summary.groups,
        if years.is_empty() {
            "none".to_owned()
        } else {
            years.join(", ")
        },
        took.as_secs_f64()
    );
}
