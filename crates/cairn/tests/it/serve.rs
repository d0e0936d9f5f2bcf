//! Real `cairn serve` processes: two of them on one database share sign-ins, because sessions
//! live in the database.

use std::process::Stdio;

use cairn_store::backend_test;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::http;

/// A running `cairn serve` and the URL it printed.
struct Server {
    child: Child,
    url: String,
}

async fn start(database: &str) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(["serve", "--addr", "127.0.0.1:0", "--database", database])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("start cairn serve");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = BufReader::new(stdout).lines();
    let url = loop {
        let line = lines
            .next_line()
            .await
            .expect("read stdout")
            .expect("cairn serve exited early");
        if let Some(url) = line.strip_prefix("Cairn is serving at ") {
            break url.to_owned();
        }
    };
    Server { child, url }
}

fn cairn(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run cairn")
}

async fn sign_in(base: &str, username: &str) -> String {
    let form = http::send(base, "GET", "/login", "", None).await;
    let csrf = form.cookie("cairn_login_csrf").expect("CSRF cookie");
    let token = form.hidden("csrf_token").expect("CSRF field");
    let body = format!(
        "username={username}&password={}&csrf_token={token}",
        cairn_demo::DEMO_PASSWORD
    );
    let reply = http::send(
        base,
        "POST",
        "/login",
        &format!("cairn_login_csrf={csrf}"),
        Some(&body),
    )
    .await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    format!(
        "cairn_session={}",
        reply.cookie("cairn_session").expect("session cookie")
    )
}

backend_test! {
    async fn two_server_processes_on_one_database_share_sign_ins(db) {
        let loaded = cairn(&["demo", "--load-only", "--database", db.url()]);
        assert!(loaded.status.success(), "{}", String::from_utf8_lossy(&loaded.stderr));

        let mut a = start(db.url()).await;
        let mut b = start(db.url()).await;
        assert_ne!(a.url, b.url);

        let session = sign_in(&a.url, "trust.leader").await;
        let on_b = http::send(&b.url, "GET", "/", &session, None).await;
        assert_eq!(on_b.status, 200, "process B accepts process A's session");
        assert!(on_b.body.contains("Partnership overview"));
        assert!(on_b.body.contains("Priya Shah"));

        // Signing out on B ends the session on A too.
        let token = on_b.hidden("csrf_token").expect("sign-out form");
        let out = http::send(&b.url, "POST", "/logout", &session, Some(&format!("csrf_token={token}"))).await;
        assert_eq!(out.status, 303);
        let on_a = http::send(&a.url, "GET", "/", &session, None).await;
        assert_eq!(on_a.status, 303, "signed out everywhere");

        a.child.kill().await.ok();
        b.child.kill().await.ok();
    }
}
