//! `cairn serve`.

use std::io::Write;
use std::sync::Arc;

use anyhow::Context;
use cairn_store::Store;
use clap::Args;

use crate::cli::{DatabaseArgs, WebArgs};

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    #[command(flatten)]
    database: DatabaseArgs,
    #[command(flatten)]
    web: WebArgs,
    /// Print the effective configuration (secrets hidden) and exit.
    #[arg(long)]
    print_config: bool,
}

pub(crate) async fn run(args: ServeArgs) -> anyhow::Result<()> {
    if args.print_config {
        let settings = args.web.settings();
        println!(
            "database = {:?}",
            cairn_store::redact_url(&args.database.url)
        );
        println!("addr = {:?}", args.web.addr.to_string());
        println!("secure_cookies = {}", settings.secure_cookies);
        println!("session_hours = {}", settings.session_ttl.num_hours());
        println!("login_max_failures = {}", settings.login_max_failures);
        println!(
            "login_window_minutes = {}",
            settings.login_window.num_minutes()
        );
        return Ok(());
    }
    let store = args.database.open().await?;
    serve(store, &args.web, |_| {}).await
}

/// Binds, prints the address, and serves until Ctrl-C or SIGTERM. `ready` runs once the
/// server is listening, with the URL it serves.
pub(crate) async fn serve(
    store: Store,
    web: &WebArgs,
    ready: impl FnOnce(&str),
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(web.addr)
        .await
        .with_context(|| format!("cannot listen on {}", web.addr))?;
    let addr = listener.local_addr().context("listening address")?;
    let url = format!("http://{addr}");
    let state = cairn_web::AppState::new(store, web.settings(), Arc::new(cairn_web::SystemClock));
    println!("Cairn is serving at {url}");
    ready(&url);
    // Tests and scripts read the line above from a pipe, so it must not sit in a buffer.
    std::io::stdout().flush().ok();
    tracing::info!(%addr, "listening");
    cairn_web::serve(listener, state, shutdown_signal())
        .await
        .context("server failed")?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        tokio::signal::ctrl_c().await.ok();
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
