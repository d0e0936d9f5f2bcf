//! `cairn import` on a real SQLite database: a real GIAS extract, a malformed file, re-import.

use std::path::{Path, PathBuf};

use cairn_store::ImportKind;
use cairn_store::testing::TestDb;

fn cairn(args: &[&str]) -> (bool, String, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run cairn");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The GIAS extract of Hampshire and Surrey schools in the shared reference data. The test
/// fails, never skips, when it is missing.
pub(crate) fn gias_extract() -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(
        "../../../shared/reference/public-data/hampshire-surrey-perf-tables/gias/20220420_gias_850_936.csv",
    );
    assert!(path.is_file(), "reference file missing: {}", path.display());
    path
}

pub(crate) fn path_str(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}

#[tokio::test]
async fn a_real_gias_extract_imports_and_reimports_unchanged() {
    let db = TestDb::sqlite().await;
    let url = db.url().to_owned();
    let gias = gias_extract();
    let (ok, stdout, stderr) = cairn(&["import", "gias", path_str(&gias), "--database", &url]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("Imported 1 file"), "{stdout}");
    let schools = db.store().schools().await.unwrap();
    assert!(
        schools.len() > 500,
        "Hampshire and Surrey have hundreds of schools, got {}",
        schools.len()
    );
    let first = db.store().imports().await.unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].kind, ImportKind::Gias);
    assert_eq!(first[0].counts.updated + first[0].counts.unchanged, 0);
    assert_eq!(first[0].sha256.len(), 64);

    let (ok, stdout, stderr) = cairn(&["import", "gias", path_str(&gias), "--database", &url]);
    assert!(ok, "{stderr}");
    let log = db.store().imports().await.unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].counts.added, 0, "{stdout}");
    assert_eq!(log[0].counts.updated, 0, "{stdout}");
    assert_eq!(log[0].counts.unchanged, first[0].counts.added);
    assert!(stdout.contains("added 0, updated 0"), "{stdout}");
    assert_eq!(db.store().schools().await.unwrap(), schools);
    db.finish().await;
}

#[tokio::test]
async fn a_malformed_file_writes_nothing_and_names_line_and_column() {
    let db = TestDb::sqlite().await;
    let url = db.url().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let pupils = dir.path().join("pupils.csv");
    std::fs::write(
        &pupils,
        "UPN,Surname,Forename,DOB,Sex\n\
         T822101101202,Able,Ann,01/09/2013,F\n\
         A801200005001,Baker,Ben,02/09/2013,M\n\
         Q928032110101,Cole,Cat,31/02/2013,F\n",
    )
    .unwrap();
    let (ok, _, stderr) = cairn(&["import", "pupils", path_str(&pupils), "--database", &url]);
    assert!(!ok, "a malformed file must fail");
    assert!(
        stderr.contains("pupils.csv line 3, column UPN: \"A801200005001\""),
        "{stderr}"
    );
    assert!(stderr.contains("pupils.csv line 4, column DOB"), "{stderr}");
    assert!(
        stderr.contains("2 problems found; nothing was imported"),
        "{stderr}"
    );
    assert_eq!(db.store().count_pupils().await.unwrap(), 0);
    assert!(db.store().imports().await.unwrap().is_empty());

    // Fixed, it imports; a dry run first writes no data.
    std::fs::write(
        &pupils,
        "UPN,Surname,Forename,DOB,Sex\n\
         T822101101202,Able,Ann,01/09/2013,F\n\
         Q928032110101,Cole,Cat,28/02/2013,F\n",
    )
    .unwrap();
    let (ok, stdout, stderr) = cairn(&[
        "import",
        "pupils",
        path_str(&pupils),
        "--dry-run",
        "--database",
        &url,
    ]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("added 2"), "{stdout}");
    assert_eq!(db.store().count_pupils().await.unwrap(), 0);
    let (ok, _, stderr) = cairn(&["import", "pupils", path_str(&pupils), "--database", &url]);
    assert!(ok, "{stderr}");
    assert_eq!(db.store().count_pupils().await.unwrap(), 2);
    let (ok, stdout, stderr) = cairn(&["import", "pupils", path_str(&pupils), "--database", &url]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("added 0, updated 0, unchanged 2"),
        "{stdout}"
    );
    db.finish().await;
}
