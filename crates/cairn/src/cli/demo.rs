//! `cairn demo`: the demo partnership, its logins, and a server on it.

use anyhow::Context;
use cairn_demo::{DEMO_PASSWORD, demo_logins};
use cairn_domain::Username;
use cairn_store::{Store, StoreError};
use clap::Args;

use crate::cli::{DatabaseArgs, WebArgs, serve};

#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Seed for the generator: the same seed always builds the same partnership.
    #[arg(long, default_value_t = cairn_demo::DEFAULT_SEED)]
    seed: u64,
    /// Database URL for the demo (its own file by default, so a real `cairn.db` is untouched).
    #[arg(
        long = "database",
        env = "CAIRN_DEMO_DATABASE_URL",
        default_value = "sqlite:cairn-demo.db"
    )]
    database: String,
    #[command(flatten)]
    web: WebArgs,
    /// Build the demo database and exit without serving.
    #[arg(long)]
    load_only: bool,
    /// Repeat the demo's two towns this many times (13 schools each, up to
    /// `cairn_demo::MAX_AREAS`) for a larger partnership, as the benchmarks do.
    #[arg(long, default_value_t = 1, hide = true,
          value_parser = clap::value_parser!(u8).range(1..=i64::from(cairn_demo::MAX_AREAS)))]
    areas: u8,
}

pub(crate) async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let database = DatabaseArgs {
        url: args.database.clone(),
    };
    let store = database.open().await?;
    let started = std::time::Instant::now();
    let stage = Stages::new();
    let partnership = cairn_demo::generate_areas(args.seed, args.areas);
    stage.done("generated the demo partnership");
    let summary = store
        .load_partnership(&partnership)
        .await
        .context("cannot load the demo partnership")?;
    drop(partnership);
    stage.done("loaded the demo partnership");
    let national = cairn_demo::national_benchmarks(args.seed);
    store
        .load_national_benchmarks(&national)
        .await
        .context("cannot load the demo's national benchmarks")?;
    stage.done("loaded the national benchmarks");
    let refresh_started = std::time::Instant::now();
    let refresh = store
        .refresh_measures("demo load", chrono::Utc::now(), Default::default())
        .await
        .context("cannot compute the demo partnership's measures")?;
    super::refresh::print_summary(&refresh, refresh_started.elapsed());
    stage.done("refreshed the measures");
    ensure_logins(&store).await?;
    // After the refresh and the accounts, so criteria are judged and packs frozen at once.
    store
        .load_improvement_plan(
            &cairn_demo::improvement_plan(),
            chrono::Utc::now(),
            &cairn_web::criterion_words(&store)
                .await
                .context("cannot read the demo's school and group names")?,
        )
        .await
        .context("cannot load the demo improvement plan")?;
    // After the plan, whose priorities the reviews' follow-ups go under.
    store
        .load_peer_reviews(&cairn_demo::peer_reviews(), chrono::Utc::now())
        .await
        .context("cannot load the demo peer reviews")?;
    store
        .load_practice_library(&cairn_demo::practice_library(), chrono::Utc::now())
        .await
        .context("cannot load the demo practice library")?;
    store
        .load_risk_decisions(&cairn_demo::risk_decisions())
        .await
        .context("cannot load the demo's risk register decisions")?;
    store
        .checkpoint()
        .await
        .context("cannot checkpoint the demo database")?;
    stage.done("loaded the plan, reviews, practices and logins");
    println!(
        "Demo partnership (seed {}) in {}: {} schools, {} groups, {} pupils, {} enrolments ({:.1} s).",
        args.seed,
        cairn_store::redact_url(&args.database),
        summary.schools,
        summary.groups,
        summary.pupils,
        summary.enrolments,
        started.elapsed().as_secs_f64()
    );
    if args.load_only {
        return Ok(());
    }
    serve::serve(store, &args.web, print_logins).await
}

/// Logs how long each stage of building the demo took, so a slow start-up says where.
struct Stages(std::cell::Cell<std::time::Instant>);

impl Stages {
    fn new() -> Self {
        Stages(std::cell::Cell::new(std::time::Instant::now()))
    }

    fn done(&self, stage: &str) {
        let now = std::time::Instant::now();
        let seconds = now.duration_since(self.0.replace(now)).as_secs_f64();
        tracing::info!(seconds = format!("{seconds:.2}"), "demo: {stage}");
    }
}

/// Creates each demo account, or resets its password if it exists, and grants its role.
async fn ensure_logins(store: &Store) -> anyhow::Result<()> {
    let hash = cairn_web::auth::hash_password(DEMO_PASSWORD)?;
    let now = chrono::Utc::now();
    for login in demo_logins() {
        let username = Username::parse(login.username)?;
        let user_id = match store
            .create_user(&username, login.display_name, &hash, now)
            .await
        {
            Ok(id) => id,
            Err(StoreError::Conflict { .. }) => {
                store.set_password_hash(&username, &hash).await?;
                store
                    .user_by_username(&username)
                    .await?
                    .with_context(|| format!("demo user {username} vanished"))?
                    .id
            }
            Err(error) => return Err(error.into()),
        };
        store
            .grant_role(user_id, &login.role)
            .await
            .with_context(|| format!("cannot grant the demo role to {username}"))?;
    }
    Ok(())
}

fn print_logins(url: &str) {
    println!();
    println!("Open {url} and sign in with any of these (password: {DEMO_PASSWORD}):");
    for login in demo_logins() {
        println!(
            "  {:<16} {:<15} {}",
            login.username,
            login.role.kind.code(),
            login.what
        );
    }
    println!();
    println!("Press Ctrl-C to stop.");
}
