//! The command line: subcommands, their flags, and the settings they build.

mod check;
mod compute;
mod demo;
mod import;
mod refresh;
mod serve;
mod users;

use std::net::SocketAddr;

use anyhow::Context;
use cairn_store::Store;
use clap::{Args, Parser, Subcommand};

/// Cairn: shared evidence and improvement for school partnerships in England.
#[derive(Debug, Parser)]
#[command(name = "cairn", version, propagate_version = true)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Log more (repeat for more still); `RUST_LOG` overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build the demo partnership into a database and serve it, printing the demo logins.
    Demo(demo::DemoArgs),
    /// Serve Cairn over HTTP.
    Serve(serve::ServeArgs),
    /// Apply database migrations and exit.
    Migrate(DatabaseArgs),
    /// Recompute every measure from the pupil-level records and store the results.
    Refresh(refresh::RefreshArgs),
    /// Manage user accounts and their roles.
    #[command(subcommand)]
    User(users::UserCommand),
    /// Check identifiers (UPN, URN, LAESTAB) as a data manager would before an import.
    Check(check::CheckArgs),
    /// Import files (GIAS, MIS exports, CTF): check every row, then write all or nothing.
    Import(import::ImportArgs),
    /// Compute headline measures (KS4, KS2, attendance) from canonical CSV files.
    #[command(subcommand)]
    Compute(compute::ComputeCommand),
}

/// Where the data lives.
#[derive(Debug, Clone, Args)]
pub(crate) struct DatabaseArgs {
    /// Database URL: `sqlite:PATH` (the file is created if missing) or
    /// `postgres://USER:PASSWORD@HOST:PORT/DB`.
    #[arg(
        long = "database",
        env = "CAIRN_DATABASE_URL",
        default_value = "sqlite:cairn.db"
    )]
    pub(crate) url: String,
}

impl DatabaseArgs {
    /// Opens the store and applies migrations.
    pub(crate) async fn open(&self) -> anyhow::Result<Store> {
        let shown = cairn_store::redact_url(&self.url);
        let store = Store::open(&self.url)
            .await
            .with_context(|| format!("cannot open database {shown}"))?;
        store
            .migrate()
            .await
            .with_context(|| format!("cannot migrate database {shown}"))?;
        Ok(store)
    }
}

/// How the web server runs.
#[derive(Debug, Clone, Args)]
pub(crate) struct WebArgs {
    /// Address to listen on (`127.0.0.1:0` picks a free port).
    #[arg(long, env = "CAIRN_ADDR", default_value = "127.0.0.1:8080")]
    pub(crate) addr: SocketAddr,
    /// Mark cookies Secure; set this when Cairn is served over HTTPS.
    #[arg(long, env = "CAIRN_SECURE_COOKIES")]
    pub(crate) secure_cookies: bool,
    /// Hours a sign-in lasts.
    #[arg(long, env = "CAIRN_SESSION_HOURS", default_value_t = 12)]
    pub(crate) session_hours: u32,
    /// Failed sign-ins allowed per account in 15 minutes before sign-in is refused.
    #[arg(long, env = "CAIRN_LOGIN_MAX_FAILURES", default_value_t = 5)]
    pub(crate) login_max_failures: u32,
}

impl WebArgs {
    pub(crate) fn settings(&self) -> cairn_web::WebSettings {
        cairn_web::WebSettings {
            secure_cookies: self.secure_cookies,
            session_ttl: chrono::Duration::hours(i64::from(self.session_hours)),
            login_max_failures: i64::from(self.login_max_failures),
            ..cairn_web::WebSettings::default()
        }
    }
}

pub(crate) fn init_tracing(verbose: u8) {
    let default = match verbose {
        0 => "info,sqlx=warn,tower_http=warn",
        1 => "debug,sqlx=info,hyper=info",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

pub(crate) async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Demo(args) => demo::run(args).await,
        Command::Serve(args) => serve::run(args).await,
        Command::Migrate(database) => {
            database.open().await?;
            println!(
                "Database {} is up to date.",
                cairn_store::redact_url(&database.url)
            );
            Ok(())
        }
        Command::Refresh(args) => refresh::run(&args).await,
        Command::User(command) => users::run(command).await,
        Command::Check(args) => check::run(&args),
        Command::Import(args) => import::run(args).await,
        Command::Compute(command) => compute::run(command),
    }
}
