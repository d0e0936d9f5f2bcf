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
    assert!(
        !stdout.contains("Measures refreshed"),
        "a dry run refreshes nothing: {stdout}"
    );
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

fn public_data(relative: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/reference/public-data")
        .join(relative);
    assert!(path.is_file(), "reference file missing: {}", path.display());
    path
}

/// The real 2018/19 provisional KS4 file for England and the absence file: imported as
/// national benchmarks, re-imported unchanged, and read back with published figures
/// (Haverstock School's Progress 8 −0.09 over 178 pupils; England −0.03).
#[tokio::test]
async fn real_performance_tables_import_as_national_benchmarks_and_reimport_unchanged() {
    let db = TestDb::sqlite().await;
    let url = db.url().to_owned();
    let ks4 = public_data("england-2018-19-perf-tables/england_ks4provisional.csv");
    let absence = public_data("england-2018-19-perf-tables/england_abs.csv");

    let (ok, _, stderr) = cairn(&["import", "perf-ks4", path_str(&ks4), "--database", &url]);
    assert!(!ok, "no year given");
    assert!(stderr.contains("--year"), "{stderr}");

    let args = |kind: &'static str, file: &Path| -> Vec<String> {
        [
            kind,
            path_str(file),
            "--year",
            "2018/19",
            "--database",
            &url,
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect()
    };
    let run = |kind: &'static str, file: &Path| {
        let mut full = vec!["import".to_owned()];
        full.extend(args(kind, file));
        let refs: Vec<&str> = full.iter().map(String::as_str).collect();
        cairn(&refs)
    };
    let (ok, stdout, stderr) = run("perf-ks4", &ks4);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("Imported 1 file"), "{stdout}");
    let (ok, _, stderr) = run("perf-absence", &absence);
    assert!(ok, "{stderr}");
    let (ok, _, stderr) = run("perf-ks4", &ks4);
    assert!(ok, "{stderr}");
    let log = db.store().imports().await.unwrap();
    assert_eq!(log.len(), 3);
    assert_eq!(log[0].kind, ImportKind::PerfKs4);
    assert_eq!(log[0].counts.added + log[0].counts.updated, 0);
    assert!(log[0].counts.unchanged > 8_000, "{:?}", log[0].counts);

    let year = cairn_domain::AcademicYear::starting(2018).unwrap();
    let points = db
        .store()
        .funnel_points(cairn_store::Measure::Ks4Progress8, year)
        .await
        .unwrap();
    let haverstock = points.iter().find(|p| p.urn.get() == 100_049).unwrap();
    assert!((haverstock.value - -0.09).abs() < 1e-12);
    assert_eq!(haverstock.n_pupils, 178);
    let england = db.store().national_figures(year).await.unwrap();
    assert!(england.iter().any(|e| {
        e.measure == cairn_domain::BenchmarkMeasure::Ks4Progress8 && (e.value - -0.03).abs() < 1e-12
    }));

    // The wrong kind of file: every problem named, nothing written.
    let (ok, _, stderr) = run("perf-census", &absence);
    assert!(!ok);
    assert!(
        stderr.contains("england_abs.csv") && stderr.contains("PNUMFSMEVER"),
        "{stderr}"
    );
    assert_eq!(db.store().imports().await.unwrap().len(), 3);
}

/// Awbridge Primary School became an academy in 2020: the GIAS extract keeps the academy (URN
/// 148213) and the links file records that it replaced the community school (URN 115856). A
/// file still naming the old URN is placed at the academy once the links are imported, with a
/// warning at its line; before that, it is an error at its line, and nothing is written.
#[tokio::test]
async fn records_naming_a_converted_schools_old_urn_are_placed_at_its_academy() {
    let db = TestDb::sqlite().await;
    let url = db.url().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let (ok, _, stderr) = cairn(&[
        "import",
        "gias",
        path_str(&gias_extract()),
        "--database",
        &url,
    ]);
    assert!(ok, "{stderr}");
    let pupils = dir.path().join("pupils.csv");
    std::fs::write(
        &pupils,
        "UPN,Surname,Forename,DOB,Sex\nT822101101202,Able,Ann,01/09/2013,F\n",
    )
    .unwrap();
    let (ok, _, stderr) = cairn(&["import", "pupils", path_str(&pupils), "--database", &url]);
    assert!(ok, "{stderr}");
    let results = dir.path().join("results.csv");
    std::fs::write(
        &results,
        "upn,urn,subject,grade\n\
         T822101101202,148213,Mathematics,5\n\
         T822101101202,115856,English language,6\n\
         T822101101202,100001,History,4\n",
    )
    .unwrap();
    let import_results = || {
        cairn(&[
            "import",
            "ks4",
            path_str(&results),
            "--year",
            "2023/24",
            "--database",
            &url,
        ])
    };
    let (ok, _, stderr) = import_results();
    assert!(!ok, "unknown schools must fail");
    assert!(
        stderr
            .contains("results.csv line 3, column urn: \"115856\" is not a school in the register"),
        "{stderr}"
    );
    assert!(
        stderr
            .contains("results.csv line 4, column urn: \"100001\" is not a school in the register"),
        "{stderr}"
    );
    assert!(
        stderr.contains("2 problems found; nothing was imported"),
        "{stderr}"
    );

    let links = public_data("gias-links-2025/links_edubasealldata20250422.csv");
    let (ok, stdout, stderr) = cairn(&["import", "gias", path_str(&links), "--database", &url]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("school_successions"), "{stdout}");

    // URN 100001 (City of London School for Girls, independent) has no successor: still an error.
    let (ok, _, stderr) = import_results();
    assert!(!ok, "{stderr}");
    assert!(
        stderr.contains("results.csv line 3, column urn: \"115856\" is not a school in the register; GIAS records that URN 148213 replaced URN 115856 (Successor, 31 October 2020), so its 1 record is placed at URN 148213, Awbridge Primary School"),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 problem found; nothing was imported"),
        "{stderr}"
    );

    std::fs::write(
        &results,
        "upn,urn,subject,grade\n\
         T822101101202,148213,Mathematics,5\n\
         T822101101202,115856,English language,6\n",
    )
    .unwrap();
    let (ok, stdout, stderr) = import_results();
    assert!(ok, "{stderr}");
    assert!(stdout.contains("added 2"), "{stdout}");
    // The store refuses a result at a school not in the register, so both rows are at 148213.
    let log = db.store().imports().await.unwrap();
    assert_eq!(log[0].counts.added, 2);
    db.finish().await;
}

cairn_store::backend_test! {
    /// A result for a pupil Cairn does not have is an error at its line and UPN column, like
    /// an unknown school, found before anything is written; a pupil listed in the same import
    /// (a pupils file with enrolments) needs no earlier import.
    async fn records_naming_an_unknown_pupil_are_errors_at_their_line(db) {
        let url = db.url().to_owned();
        let dir = tempfile::tempdir().unwrap();
        let (ok, _, stderr) = cairn(&["import", "gias", path_str(&gias_extract()), "--database", &url]);
        assert!(ok, "{stderr}");
        let pupils = dir.path().join("pupils.csv");
        std::fs::write(&pupils, "UPN,Surname,Forename,DOB,Sex\nT822101101202,Able,Ann,01/09/2013,F\n").unwrap();
        let (ok, _, stderr) = cairn(&["import", "pupils", path_str(&pupils), "--school", "115850", "--database", &url]);
        assert!(ok, "{stderr}");
        let results = dir.path().join("results.csv");
        std::fs::write(
            &results,
            "urn,subject,UPN,grade\n\
             115850,Mathematics,T822101101202,5\n\
             115850,History,q801200005002,6\n\
             115850,English language,Q801200005002,4\n\
             115850,English language,T822101101202,4\n",
        )
        .unwrap();
        let (ok, _, stderr) = cairn(&[
            "import", "ks4", path_str(&results), "--year", "2023/24", "--database", &url,
        ]);
        assert!(!ok, "an unknown pupil must fail");
        assert!(
            stderr.contains("results.csv line 3, column UPN: \"Q801200005002\" is not a pupil in Cairn (under this or a former UPN)"),
            "{stderr}"
        );
        assert!(stderr.contains("1 problem found; nothing was imported"), "{stderr}");
        assert!(!stderr.contains("does not exist"), "{stderr}");
        assert_eq!(db.store().imports().await.unwrap().len(), 2);
        // A file with an unknown school too lists both problems in one report.
        std::fs::write(
            &results,
            "urn,subject,UPN,grade\n\
             100001,Mathematics,T822101101202,5\n\
             115850,English language,Q801200005002,4\n",
        )
        .unwrap();
        let (ok, _, stderr) = cairn(&[
            "import", "ks4", path_str(&results), "--year", "2023/24", "--database", &url,
        ]);
        assert!(!ok, "an unknown school and pupil must fail");
        assert!(stderr.contains("results.csv line 2, column urn: \"100001\" is not a school in the register"), "{stderr}");
        assert!(stderr.contains("results.csv line 3, column UPN: \"Q801200005002\" is not a pupil in Cairn"), "{stderr}");
        assert!(stderr.contains("2 problems found; nothing was imported"), "{stderr}");
        assert_eq!(db.store().imports().await.unwrap().len(), 2);
    }
}

cairn_store::backend_test! {
    /// A CTF whose source school gives only its LA and establishment numbers (no URN) is
    /// placed at the register's school with that LAESTAB: 850/2006 is Awbridge Primary,
    /// which converted (URN 115856, closed) and is open as URN 148213 under the same LAESTAB.
    /// A LAESTAB no school has is an error at its line, and nothing is written.
    async fn a_ctf_naming_its_school_by_laestab_alone_lands_at_the_open_school(db) {
        let url = db.url().to_owned();
        let dir = tempfile::tempdir().unwrap();
        let (ok, _, stderr) = cairn(&["import", "gias", path_str(&gias_extract()), "--database", &url]);
        assert!(ok, "{stderr}");
        let sample = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../cairn-ingest/tests/data/ctf/sample_ctf25.xml"),
        )
        .unwrap()
        .replacen("      <URN>999001</URN>\n", "", 1)
        .replacen("<LEA>999</LEA>\n      <Estab>1001</Estab>", "<LEA>850</LEA>\n      <Estab>2006</Estab>", 1);
        let ctf = dir.path().join("old.xml");
        std::fs::write(&ctf, &sample).unwrap();
        let (ok, stdout, stderr) = cairn(&["import", "ctf", path_str(&ctf), "--database", &url]);
        assert!(ok, "{stderr}");
        assert!(stdout.contains("enrolments 3/0/0"), "{stdout}");
        // The pages' measures are recomputed after an import, as after an upload.
        assert!(stdout.contains("Measures refreshed (refresh 2)"), "{stdout}");
        let year = cairn_domain::AcademicYear::parse("2024/25").unwrap();
        let rolls = db.store().school_rolls(year.first_day()).await.unwrap();
        let urns: std::collections::BTreeSet<String> = rolls.iter().map(|r| r.urn.to_string()).collect();
        assert_eq!(urns, ["148213".to_owned()].into(), "{rolls:?}");

        let unknown = dir.path().join("unknown.xml");
        std::fs::write(&unknown, sample.replacen("<Estab>2006</Estab>", "<Estab>9999</Estab>", 1)).unwrap();
        let (ok, _, stderr) = cairn(&["import", "ctf", path_str(&unknown), "--database", &url]);
        assert!(!ok, "an unknown LAESTAB must fail");
        assert!(
            stderr.contains("unknown.xml line 10, column SourceSchool/LEA: \"850/9999\" is not a school in the register"),
            "{stderr}"
        );
        assert_eq!(db.store().imports().await.unwrap().len(), 2);
    }
}
