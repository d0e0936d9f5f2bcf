//! Test support shared by this crate's tests and the web crate's: a fresh database per test,
//! on SQLite and on PostgreSQL, and a macro that runs one test body on both.
//!
//! PostgreSQL tests read `CAIRN_TEST_POSTGRES_URL` (a server URL whose user may create
//! databases); each test creates its own database and drops it at the end.
//! When `CAIRN_TEST_REQUIRE_POSTGRES` is set (CI sets it), a missing URL fails the test rather
//! than skipping it, so a PostgreSQL run can never be skipped silently.
//! Environment variables are read here, outside the binary, only because this is test support.

use std::sync::atomic::{AtomicU32, Ordering};

use crate::Store;

/// A throwaway database with a migrated [`Store`] on it.
#[derive(Debug)]
pub struct TestDb {
    store: Store,
    url: String,
    cleanup: Cleanup,
}

#[derive(Debug)]
enum Cleanup {
    Sqlite(tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique_name() -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("cairn_test_{}_{n}_{nanos}", std::process::id())
}

/// `postgres://user@host:port/db?x=y` with its database name replaced.
fn with_database(url: &str, name: &str) -> String {
    let (before_query, query) = match url.split_once('?') {
        Some((a, q)) => (a, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = before_query.find("://").map_or(0, |i| i + 3);
    let base = match before_query[scheme_end..].find('/') {
        Some(slash) => &before_query[..scheme_end + slash],
        None => before_query,
    };
    format!("{base}/{name}{query}")
}

impl TestDb {
    /// A migrated SQLite database in a temporary directory.
    pub async fn sqlite() -> TestDb {
        TestDb::sqlite_before(None).await
    }

    /// A SQLite database migrated up to, not including, migration `version` (all of them when
    /// `None`), so a test can write data as it was before a migration, then run the rest with
    /// [`Store::migrate`].
    pub async fn sqlite_before(version: Option<i64>) -> TestDb {
        let dir = tempfile::tempdir().expect("create a temporary directory");
        let url = format!("sqlite:{}", dir.path().join("cairn-test.db").display());
        let store = Store::open(&url).await.expect("open SQLite test database");
        migrate_before(&store, version).await;
        TestDb {
            store,
            url,
            cleanup: Cleanup::Sqlite(dir),
        }
    }

    /// A fresh, migrated PostgreSQL database, or `None` when no server is configured and
    /// PostgreSQL is not required.
    pub async fn postgres() -> Option<TestDb> {
        TestDb::postgres_before(None).await
    }

    /// [`TestDb::sqlite_before`] on PostgreSQL; `None` as for [`TestDb::postgres`].
    pub async fn postgres_before(version: Option<i64>) -> Option<TestDb> {
        let Ok(admin_url) = std::env::var("CAIRN_TEST_POSTGRES_URL") else {
            assert!(
                std::env::var_os("CAIRN_TEST_REQUIRE_POSTGRES").is_none(),
                "CAIRN_TEST_REQUIRE_POSTGRES is set but CAIRN_TEST_POSTGRES_URL is not"
            );
            eprintln!("PostgreSQL test skipped: CAIRN_TEST_POSTGRES_URL is not set");
            return None;
        };
        let name = unique_name();
        let admin = Store::open(&admin_url)
            .await
            .expect("connect to the PostgreSQL test server");
        admin
            .execute_admin(&format!("CREATE DATABASE {name}"))
            .await;
        admin.close().await;
        let url = with_database(&admin_url, &name);
        let store = Store::open(&url)
            .await
            .expect("open PostgreSQL test database");
        migrate_before(&store, version).await;
        Some(TestDb {
            store,
            url,
            cleanup: Cleanup::Postgres { admin_url, name },
        })
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The URL of this database, for starting a server process on it.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Whether another connection holds an open transaction that has written to this
    /// database, so a test can stop a writer part-way: on PostgreSQL, a backend with a
    /// transaction id; on SQLite, a write-ahead log holding more than `wal_baseline` bytes
    /// (uncommitted pages spill into the log once the page cache is full).
    pub async fn write_in_progress(&self, wal_baseline: u64) -> bool {
        match &self.cleanup {
            Cleanup::Sqlite(dir) => std::fs::metadata(dir.path().join("cairn-test.db-wal"))
                .is_ok_and(|m| m.len() > wal_baseline),
            Cleanup::Postgres { .. } => {
                crate::on_pool!(&self.store, pool => {
                    let writers: i64 = sqlx::query_scalar(
                        "SELECT count(*) FROM pg_stat_activity \
                         WHERE datname = current_database() AND pid <> pg_backend_pid() \
                         AND backend_xid IS NOT NULL",
                    )
                    .fetch_one(pool)
                    .await
                    .unwrap_or(0);
                    writers > 0
                })
            }
        }
    }

    /// The size of the SQLite write-ahead log now (0 on PostgreSQL or when there is none),
    /// the baseline for [`TestDb::write_in_progress`].
    pub fn wal_size(&self) -> u64 {
        match &self.cleanup {
            Cleanup::Sqlite(dir) => {
                std::fs::metadata(dir.path().join("cairn-test.db-wal")).map_or(0, |m| m.len())
            }
            Cleanup::Postgres { .. } => 0,
        }
    }

    /// Closes the store and deletes the database.
    pub async fn finish(self) {
        self.store.close().await;
        match self.cleanup {
            Cleanup::Sqlite(dir) => drop(dir),
            Cleanup::Postgres { admin_url, name } => {
                let admin = Store::open(&admin_url)
                    .await
                    .expect("reconnect to PostgreSQL");
                admin
                    .execute_admin(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await;
                admin.close().await;
            }
        }
    }
}

/// Runs the migrations before `version` (every one when `None`). The embedded migrator runs
/// them all, so the earlier ones are copied to a temporary directory and run from there: the
/// same files, so the same checksums, and a later [`Store::migrate`] runs only the rest.
async fn migrate_before(store: &Store, version: Option<i64>) {
    let Some(version) = version else {
        store.migrate().await.expect("migrate the test database");
        return;
    };
    let backend = match store.backend() {
        crate::Backend::Sqlite => "sqlite",
        crate::Backend::Postgres => "postgres",
    };
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    let earlier = tempfile::tempdir().expect("create a temporary directory");
    for file in std::fs::read_dir(&source).expect("read the migrations") {
        let path = file.expect("a migration").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let file_version: Option<i64> = name.split('_').next().and_then(|v| v.parse().ok());
        if file_version.is_some_and(|v| v < version) {
            std::fs::copy(&path, earlier.path().join(name)).expect("copy a migration");
        }
    }
    let migrator = sqlx::migrate::Migrator::new(earlier.path())
        .await
        .expect("read the earlier migrations");
    crate::on_pool!(store, pool => {
        migrator.run(pool).await.expect("run the earlier migrations");
    });
}

impl Store {
    /// Runs a statement that cannot take parameters (CREATE/DROP DATABASE), for test support.
    async fn execute_admin(&self, sql: &str) {
        crate::on_pool!(self, pool => {
            sqlx::raw_sql(sql).execute(pool).await.expect("administrative statement");
        });
    }
}

/// Runs one async test body on SQLite and on PostgreSQL, as `NAME::sqlite` and
/// `NAME::postgres`. The body gets `&TestDb`.
#[macro_export]
macro_rules! backend_test {
    ($(#[$meta:meta])* async fn $name:ident($db:ident) $body:block) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($db: &$crate::testing::TestDb) $body

            #[tokio::test]
            async fn sqlite() {
                let db = $crate::testing::TestDb::sqlite().await;
                run(&db).await;
                db.finish().await;
            }

            #[tokio::test]
            async fn postgres() {
                if let Some(db) = $crate::testing::TestDb::postgres().await {
                    run(&db).await;
                    db.finish().await;
                }
            }
        }
    };
}

#[cfg(test)]
mod tests {
    #[test]
    fn with_database_replaces_only_the_path() {
        assert_eq!(
            super::with_database(
                "postgres://postgres@127.0.0.1:5433/postgres?sslmode=disable",
                "x"
            ),
            "postgres://postgres@127.0.0.1:5433/x?sslmode=disable"
        );
        assert_eq!(
            super::with_database("postgres://u@h:1", "x"),
            "postgres://u@h:1/x"
        );
    }
}
