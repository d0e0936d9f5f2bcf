//! Tidy checks: the dependency graph is the architecture (ARCHITECTURE.md), so each crate's
//! `Cargo.toml` is checked against the dependencies it must never have.

use std::path::PathBuf;

/// Crate → dependencies it must not list (normal dependencies; tests may use more).
const FORBIDDEN: &[(&str, &[&str])] = &[
    (
        "cairn-domain",
        &[
            "tokio",
            "sqlx",
            "axum",
            "askama",
            "tracing-subscriber",
            "csv",
            "quick-xml",
            "cairn-measures",
            "cairn-ingest",
            "cairn-store",
            "cairn-web",
            "anyhow",
        ],
    ),
    (
        "cairn-measures",
        &[
            "tokio",
            "sqlx",
            "axum",
            "askama",
            "tracing-subscriber",
            "cairn-ingest",
            "cairn-store",
            "cairn-web",
            "anyhow",
        ],
    ),
    (
        "cairn-ingest",
        &[
            "tokio",
            "sqlx",
            "axum",
            "askama",
            "tracing-subscriber",
            "cairn-store",
            "cairn-web",
            "anyhow",
        ],
    ),
    (
        "cairn-demo",
        &[
            "tokio",
            "sqlx",
            "axum",
            "askama",
            "tracing-subscriber",
            "cairn-store",
            "cairn-web",
            "anyhow",
        ],
    ),
    (
        "cairn-store",
        &["axum", "askama", "tower-http", "cairn-web", "anyhow"],
    ),
    ("cairn-web", &["sqlx"]),
];

fn crates_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn manifest(name: &str) -> toml::Table {
    let path = crates_dir().join(name).join("Cargo.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.parse()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn dependencies(manifest: &toml::Table) -> Vec<String> {
    manifest
        .get("dependencies")
        .and_then(|d| d.as_table())
        .map(|d| d.keys().cloned().collect())
        .unwrap_or_default()
}

#[test]
fn no_crate_depends_on_what_its_layer_forbids() {
    let mut failures = Vec::new();
    for (krate, forbidden) in FORBIDDEN {
        let deps = dependencies(&manifest(krate));
        for dep in deps.iter().filter(|d| forbidden.contains(&d.as_str())) {
            failures.push(format!(
                "{krate} must not depend on {dep} (see ARCHITECTURE.md)"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_crate_is_a_private_workspace_member_with_workspace_lints() {
    let mut n_crates = 0;
    for entry in std::fs::read_dir(crates_dir()).expect("crates/") {
        let path = entry.expect("entry").path();
        if !path.join("Cargo.toml").exists() {
            continue;
        }
        n_crates += 1;
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        let manifest = manifest(&name);
        let package = manifest
            .get("package")
            .and_then(|p| p.as_table())
            .expect("[package]");
        assert_eq!(
            package.get("name").and_then(|n| n.as_str()),
            Some(name.as_str()),
            "folder name is crate name"
        );
        assert!(
            name == "cairn" || name.starts_with("cairn-"),
            "{name}: crates keep the cairn- prefix"
        );
        assert_eq!(
            package.get("version").and_then(|v| v.as_str()),
            Some("0.0.0"),
            "{name}"
        );
        assert_eq!(
            package.get("publish").and_then(toml::Value::as_bool),
            Some(false),
            "{name}"
        );
        let lints = manifest
            .get("lints")
            .and_then(|l| l.get("workspace"))
            .and_then(toml::Value::as_bool);
        assert_eq!(lints, Some(true), "{name}: [lints] workspace = true");
    }
    assert!(n_crates >= 7, "found only {n_crates} crates");
}

#[test]
fn only_the_binary_reads_the_environment() {
    let mut failures = Vec::new();
    for krate in [
        "cairn-domain",
        "cairn-measures",
        "cairn-ingest",
        "cairn-demo",
        "cairn-web",
    ] {
        let src = crates_dir().join(krate).join("src");
        for file in walk(&src) {
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            if text.contains("std::env::var") || text.contains("env::var(") {
                failures.push(file.display().to_string());
            }
        }
    }
    assert!(
        failures.is_empty(),
        "environment read outside crates/cairn: {failures:?}"
    );
}

fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}
