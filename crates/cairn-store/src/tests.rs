//! The store suite: every test runs on SQLite and on PostgreSQL (see `testing`).

use cairn_domain::{AcademicYear, GroupKind, Role, RoleKind, Scope, SharingLevel, Urn, Username};
use chrono::{Duration, NaiveDate, TimeZone, Utc};

use crate::backend_test;
use crate::{AuditEntry, NewSession, StoreError};

/// The demo partnership without its register marks, generated once for the whole suite.
/// The marks (millions of rows) only matter to the attendance-by-month test, which generates
/// the demo itself; without them the latest year has termly summaries only, as for a school
/// that sends no marks, and every other test loads in a fraction of the time.
pub(crate) fn demo() -> cairn_domain::Partnership {
    static DEMO: std::sync::OnceLock<cairn_domain::Partnership> = std::sync::OnceLock::new();
    DEMO.get_or_init(|| cairn_domain::Partnership {
        attendance_marks: Vec::new(),
        ..cairn_demo::generate(cairn_demo::DEFAULT_SEED)
    })
    .clone()
}

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0)
        .single()
        .expect("valid time")
}

backend_test! {
    async fn demo_partnership_loads_and_reloading_changes_nothing(db) {
        let store = db.store();
        let partnership = crate::tests::demo();
        let first = store.load_partnership(&partnership).await.unwrap();
        assert_eq!(first.pupils, partnership.pupils.len());
        let schools = store.schools().await.unwrap();
        assert_eq!(schools.len(), partnership.schools.len());
        let n_pupils = store.count_pupils().await.unwrap();
        store.load_partnership(&partnership).await.unwrap();
        assert_eq!(store.count_pupils().await.unwrap(), n_pupils);
        assert_eq!(store.schools().await.unwrap(), schools);
        let mut memberships = store.memberships().await.unwrap();
        let mut expected = partnership.memberships.clone();
        memberships.sort_by(|a, b| (&a.group_code, a.urn, a.joined_on).cmp(&(&b.group_code, b.urn, b.joined_on)));
        expected.sort_by(|a, b| (&a.group_code, a.urn, a.joined_on).cmp(&(&b.group_code, b.urn, b.joined_on)));
        assert_eq!(memberships, expected);
    }
}

backend_test! {
    async fn school_rolls_count_pupils_on_roll_by_year_group(db) {
        let store = db.store();
        let partnership = crate::tests::demo();
        store.load_partnership(&partnership).await.unwrap();
        let year = store.latest_academic_year().await.unwrap().expect("a year of data");
        let census_day = NaiveDate::from_ymd_opt(i32::from(year.start_year()) + 1, 1, 16).unwrap();
        let rolls = store.school_rolls(census_day).await.unwrap();
        let expected = partnership
            .enrolments
            .iter()
            .filter(|e| e.academic_year == year)
            .filter(|e| e.started_on <= census_day && e.left_on.is_none_or(|left| left >= census_day))
            .count();
        let total: i64 = rolls.iter().map(|r| r.n_pupils).sum();
        assert_eq!(usize::try_from(total).unwrap(), expected);
        assert!(total > 2000, "a partnership of about 12 schools has thousands on roll, got {total}");
    }
}

backend_test! {
    async fn pupils_on_roll_come_with_their_latest_characteristics(db) {
        let store = db.store();
        let partnership = crate::tests::demo();
        store.load_partnership(&partnership).await.unwrap();
        let year: AcademicYear = store.latest_academic_year().await.unwrap().unwrap();
        let school = partnership.schools.first().unwrap();
        let pupils = store.pupils_on_roll(school.urn, year).await.unwrap();
        let expected = partnership
            .enrolments
            .iter()
            .filter(|e| e.urn == school.urn && e.academic_year == year)
            .count();
        assert_eq!(pupils.len(), expected);
        assert!(pupils.iter().all(|p| p.sen.is_some() && p.disadvantaged.is_some()));
    }
}

backend_test! {
    async fn users_roles_and_sessions_round_trip(db) {
        let store = db.store();
        let partnership = crate::tests::demo();
        store.load_partnership(&partnership).await.unwrap();
        let username = Username::parse("head.demo").unwrap();
        let id = store.create_user(&username, "Head Teacher", "$argon2id$fake", now()).await.unwrap();
        let again = store.create_user(&username, "Someone Else", "$argon2id$fake", now()).await;
        assert!(matches!(again, Err(StoreError::Conflict { .. })), "{again:?}");

        let urn = partnership.schools.first().unwrap().urn;
        let role = Role { kind: RoleKind::SchoolLeader, scope: Scope::School(urn) };
        store.grant_role(id, &role).await.unwrap();
        store.grant_role(id, &role).await.unwrap();
        assert_eq!(store.roles_of(id).await.unwrap(), vec![role]);

        let unknown = Role { kind: RoleKind::Governor, scope: Scope::Group("no-such-group".into()) };
        assert!(matches!(store.grant_role(id, &unknown).await, Err(StoreError::NotFound { .. })));
        let missing_school = Role {
            kind: RoleKind::Governor,
            scope: Scope::School(Urn::parse("999999").unwrap()),
        };
        assert!(matches!(store.grant_role(id, &missing_school).await, Err(StoreError::NotFound { .. })));

        store
            .create_session(&NewSession {
                token_hash: "hash-1".into(),
                user_id: id,
                csrf_token: "csrf".into(),
                created_at: now(),
                expires_at: now() + Duration::hours(1),
            })
            .await
            .unwrap();
        let session = store.session("hash-1", now()).await.unwrap().expect("live session");
        assert_eq!(session.username, username);
        assert!(store.session("hash-1", now() + Duration::hours(2)).await.unwrap().is_none());
        store.set_password_hash(&username, "$argon2id$new").await.unwrap();
        assert!(store.session("hash-1", now()).await.unwrap().is_none(), "password change ends sessions");
        let user = store.user_by_username(&username).await.unwrap().unwrap();
        assert_eq!(user.password_hash, "$argon2id$new");
        assert!(!format!("{user:?}").contains("argon2"), "Debug must not print the hash");
    }
}

backend_test! {
    async fn login_failures_are_counted_per_username_within_a_window(db) {
        let store = db.store();
        for minutes in [1, 2, 30] {
            store.record_login_failure("alice", now() - Duration::minutes(minutes)).await.unwrap();
        }
        store.record_login_failure("bob", now()).await.unwrap();
        let since = now() - Duration::minutes(15);
        assert_eq!(store.login_failures_since("alice", since).await.unwrap(), 2);
        store.clear_login_failures("alice").await.unwrap();
        assert_eq!(store.login_failures_since("alice", since).await.unwrap(), 0);
        assert_eq!(store.login_failures_since("bob", since).await.unwrap(), 1);
    }
}

backend_test! {
    async fn audit_log_lists_a_schools_entries_newest_first(db) {
        let store = db.store();
        let partnership = crate::tests::demo();
        store.load_partnership(&partnership).await.unwrap();
        let urn = partnership.schools.first().unwrap().urn;
        let username = Username::parse("viewer").unwrap();
        let id = store.create_user(&username, "Viewer", "x", now()).await.unwrap();
        for (minutes, action) in [(2, "pupils.index"), (1, "pupils.export")] {
            store
                .record_audit(&AuditEntry {
                    at: now() - Duration::minutes(minutes),
                    user_id: Some(id),
                    action: action.into(),
                    urn: Some(urn),
                    pupil_id: None,
                    detail: "year 2024/25".into(),
                })
                .await
                .unwrap();
        }
        let log = store.audit_for_school(urn, 10).await.unwrap();
        let actions: Vec<_> = log.iter().map(|r| r.action.as_str()).collect();
        assert_eq!(actions, ["pupils.export", "pupils.index"]);
        assert_eq!(log.first().unwrap().username.as_deref(), Some("viewer"));
    }
}

backend_test! {
    async fn groups_keep_their_kind(db) {
        let store = db.store();
        let partnership = crate::tests::demo();
        store.load_partnership(&partnership).await.unwrap();
        let trust = store.group(cairn_demo::TRUST_CODE).await.unwrap().expect("the demo trust");
        assert_eq!(trust.kind, GroupKind::Trust);
        assert!(store.memberships().await.unwrap().iter().any(|m| m.sharing == SharingLevel::PupilLevel));
    }
}

#[tokio::test]
async fn an_unknown_url_scheme_is_a_clear_error() {
    let err = crate::Store::open("mysql://root:secret@localhost/cairn")
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(message.contains("unsupported database URL"), "{message}");
    assert!(
        !message.contains("secret"),
        "the password must be redacted: {message}"
    );
}

#[tokio::test]
async fn the_same_seed_builds_identical_databases() {
    let partnership = crate::tests::demo();
    let mut snapshots = Vec::new();
    for _ in 0..2 {
        let db = crate::testing::TestDb::sqlite().await;
        let store = db.store();
        store.load_partnership(&partnership).await.unwrap();
        let year = store.latest_academic_year().await.unwrap().unwrap();
        let mut pupils = Vec::new();
        for school in store.schools().await.unwrap() {
            pupils.push(store.pupils_on_roll(school.urn, year).await.unwrap());
        }
        snapshots.push((
            store.schools().await.unwrap(),
            store.groups().await.unwrap(),
            store.memberships().await.unwrap(),
            store.school_rolls(year.spring_census_day()).await.unwrap(),
            pupils,
        ));
        db.finish().await;
    }
    assert!(
        snapshots.first() == snapshots.last(),
        "two loads of one seed differ"
    );
}
