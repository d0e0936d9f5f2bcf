//! `cairn refresh`: recompute every stored measure from the pupil-level records.

use anyhow::Context;
use cairn_measures::SuppressionPolicy;

use crate::cli::DatabaseArgs;

#[derive(Debug, clap::Args)]
pub(crate) struct RefreshArgs {
    /// How many similar schools to find for each school in the national benchmarks.
    #[arg(long, value_name = "N", default_value_t = cairn_store::DEFAULT_SIMILAR_SCHOOLS)]
    similar_schools: usize,
    #[command(flatten)]
    database: DatabaseArgs,
}

pub(crate) async fn run(args: &RefreshArgs) -> anyhow::Result<()> {
    let store = args.database.open().await?;
    let started = std::time::Instant::now();
    let summary = store
        .refresh_measures_with(
            "cairn refresh",
            chrono::Utc::now(),
            SuppressionPolicy::default(),
            &cairn_measures::similar::SimilarityMethod {
                n_neighbours: args.similar_schools,
                ..cairn_store::default_similarity()
            },
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
        "Measures refreshed (refresh {}): {} figures ({} suppressed, {} of them trust or cluster \
         figures that would reveal a school's) for {} schools and {} groups, years {} ({:.2} s).",
        summary.refresh.id,
        summary.results,
        summary.suppressed,
        summary.hidden_across_levels,
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
