//! An import killed part-way through writing leaves the database as it was: the write is one
//! transaction, so a crash, a power cut or a `kill -9` between its statements loses nothing
//! and half-writes nothing.

use std::time::{Duration, Instant};

use cairn_domain::Upn;
use cairn_store::backend_test;
use cairn_store::testing::TestDb;

use crate::import::{gias_extract, path_str};

/// Alton Infant School, open in the Hampshire and Surrey GIAS extract.
const URN: &str = "115850";
/// Enough pupils that writing them takes seconds on either database, so the process is
/// stopped with its transaction open.
const PUPILS: u32 = 150_000;

fn cairn(args: &[&str]) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run cairn");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A pupil list with `n` valid, distinct UPNs.
fn pupils_csv(n: u32) -> String {
    let mut csv = String::from("UPN,Surname,Forename,DOB,Sex\n");
    for i in 0..n {
        // LA 850, then a distinct seven-digit serial and a final digit.
        let serial = format!("{:02}{:05}", 10 + i / 100_000, i % 100_000);
        let upn = Upn::with_check_letter(&format!("850{serial}0{}", i % 10)).expect("valid UPN");
        let sex = if i % 2 == 0 { "F" } else { "M" };
        csv.push_str(&format!(
            "{},Surname{i},Forename{i},01/09/2015,{sex}\n",
            upn.as_str()
        ));
    }
    csv
}

async fn wait_for_write(db: &TestDb, wal_baseline: u64, child: &mut std::process::Child) {
    let started = Instant::now();
    loop {
        if db.write_in_progress(wal_baseline).await {
            return;
        }
        if let Some(status) = child.try_wait().expect("poll cairn import") {
            panic!(
                "the import finished ({status}) before any write was seen; make the file bigger"
            );
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "no write seen within 5 minutes"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

backend_test! {
    async fn an_import_killed_while_writing_leaves_the_database_unchanged(db) {
        let url = db.url().to_owned();
        cairn(&["import", "gias", path_str(&gias_extract()), "--database", &url]);
        let schools = db.store().schools().await.unwrap();
        let imports = db.store().imports().await.unwrap();
        assert_eq!(db.store().count_pupils().await.unwrap(), 0);

        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pupils.csv");
        std::fs::write(&file, pupils_csv(PUPILS)).unwrap();
        let wal_baseline = db.wal_size();
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_cairn"))
            .args(["import", "pupils", path_str(&file), "--school", URN, "--database", &url])
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start cairn import");
        wait_for_write(db, wal_baseline, &mut child).await;
        child.kill().expect("kill cairn import");
        let status = child.wait().expect("reap cairn import");
        assert!(!status.success(), "the import was stopped, not finished");

        // Nothing of the half-done import is visible: no pupils, no new import record, the
        // schools as they were; and the database still takes a write.
        assert_eq!(db.store().count_pupils().await.unwrap(), 0);
        assert_eq!(db.store().imports().await.unwrap(), imports);
        assert_eq!(db.store().schools().await.unwrap(), schools);
        std::fs::write(&file, pupils_csv(3)).unwrap();
        cairn(&["import", "pupils", path_str(&file), "--school", URN, "--database", &url]);
        assert_eq!(db.store().count_pupils().await.unwrap(), 3);
    }
}
