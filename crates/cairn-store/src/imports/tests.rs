//! Import tests: every one runs on SQLite and on PostgreSQL.

use cairn_domain::{
    AcademicYear, AttendanceCode, AttendanceMark, AttendanceSummary, Characteristics,
    EyfsJudgement, EyfsResult, FormerUpn, Ks2Result, Ks2TestOutcome, Ks4Grade, Ks4ResultRow,
    Laestab, MtcOutcome, MtcResult, Partnership, Phase, PhonicsOutcome, PhonicsResult, Pupil,
    School, SchoolType, SenProvision, Session, Sex, TeacherAssessment, Term, Upn, Urn, WritingTa,
};
use chrono::{NaiveDate, TimeZone, Utc};

use super::{ImportCounts, ImportFile, ImportKind};
use crate::{Store, StoreError, backend_test};

fn urn(n: u32) -> Urn {
    Urn::from_u32(n).unwrap()
}

fn upn(serial: u32) -> Upn {
    Upn::with_check_letter(&format!("82210112{serial:04}")).unwrap()
}

fn year() -> AcademicYear {
    AcademicYear::parse("2024/25").unwrap()
}

fn file(kind: ImportKind, name: &str, data: Partnership) -> ImportFile {
    ImportFile {
        kind,
        file_name: name.to_owned(),
        sha256: "0".repeat(64),
        user_id: None,
        at: Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).single().unwrap(),
        urn: None,
        rejected: 0,
        data,
    }
}

fn counts(added: u64, updated: u64, unchanged: u64) -> ImportCounts {
    ImportCounts {
        added,
        updated,
        unchanged,
    }
}

fn school(n: u32) -> School {
    School {
        urn: urn(n),
        laestab: Laestab::parse(&format!("850{:04}", n % 10_000)).unwrap(),
        name: format!("School {n}"),
        phase: Phase::Secondary,
        school_type: SchoolType::AcademyConverter,
        religious_character: None,
        age_low: 11,
        age_high: 16,
    }
}

/// One school and `n` pupils.
fn roll(n: u32) -> Partnership {
    Partnership {
        schools: vec![school(136_000)],
        pupils: (0..n)
            .map(|i| Pupil {
                upn: upn(i),
                forename: format!("Pupil{i}"),
                surname: "Test".to_owned(),
                date_of_birth: NaiveDate::from_ymd_opt(2009, 1 + i % 12, 1).unwrap(),
                sex: if i % 2 == 0 { Sex::Female } else { Sex::Male },
            })
            .collect(),
        ..Partnership::default()
    }
}

fn ks4(pupils: u32, subjects: &[&str], year: Option<AcademicYear>) -> Partnership {
    let mut results = Vec::new();
    for i in 0..pupils {
        for (s, subject) in subjects.iter().enumerate() {
            results.push(Ks4ResultRow {
                upn: upn(i),
                urn: urn(136_000),
                subject: (*subject).to_owned(),
                grade: Ks4Grade::parse(&format!("{}", 1 + (i as usize + s) % 9)).unwrap(),
                academic_year: year,
            });
        }
    }
    Partnership {
        ks4_results: results,
        ..Partnership::default()
    }
}

async fn import_one(store: &Store, kind: ImportKind, data: Partnership) -> ImportCounts {
    let outcomes = store
        .import(&[file(kind, "f.csv", data)], false)
        .await
        .unwrap();
    outcomes[0].record.counts
}

/// Records `former` as a former UPN of the pupil whose UPN is `current`.
async fn give_former_upn(store: &Store, former: &Upn, current: &Upn) {
    crate::on_pool!(store, pool => {
        sqlx::query("INSERT INTO pupil_former_upns (upn, pupil_id) SELECT $1, id FROM pupils WHERE upn = $2")
            .bind(former.as_str())
            .bind(current.as_str())
            .execute(pool)
            .await
            .unwrap();
    });
}

async fn count(store: &Store, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    crate::on_pool!(store, pool => sqlx::query_scalar(&sql).fetch_one(pool).await.unwrap())
}

backend_test! {
    async fn reimporting_the_same_file_changes_nothing(db) {
        let store = db.store();
        assert_eq!(import_one(store, ImportKind::Pupils, roll(30)).await, counts(31, 0, 0));
        let results = ks4(30, &["Mathematics", "English Language", "History"], Some(year()));
        assert_eq!(import_one(store, ImportKind::Ks4, results.clone()).await, counts(90, 0, 0));
        assert_eq!(import_one(store, ImportKind::Ks4, results).await, counts(0, 0, 90));
        assert_eq!(import_one(store, ImportKind::Pupils, roll(30)).await, counts(0, 0, 31));
        assert_eq!(count(store, "ks4_results").await, 90);
        let log = store.imports().await.unwrap();
        assert_eq!(log.len(), 4);
        assert_eq!(log[0].kind, ImportKind::Pupils);
        assert_eq!(log[1].counts, counts(0, 0, 90));
        assert!(!log[1].dry_run);
    }
}

backend_test! {
    async fn a_corrected_file_updates_exactly_the_changed_rows(db) {
        let store = db.store();
        import_one(store, ImportKind::Pupils, roll(10)).await;
        // No academic year: the key matches on the unknown year too.
        let mut results = ks4(10, &["Mathematics", "History"], None);
        import_one(store, ImportKind::Ks4, results.clone()).await;
        results.ks4_results[3].grade = Ks4Grade::U;
        results.ks4_results[7].grade = Ks4Grade::Single(9);
        results.ks4_results.push(Ks4ResultRow {
            upn: upn(0),
            urn: urn(136_000),
            subject: "Geography".to_owned(),
            grade: Ks4Grade::Single(4),
            academic_year: None,
        });
        assert_eq!(import_one(store, ImportKind::Ks4, results.clone()).await, counts(1, 2, 18));
        assert_eq!(import_one(store, ImportKind::Ks4, results).await, counts(0, 0, 21));
        let grades: Vec<String> = crate::on_pool!(store, pool => {
            sqlx::query_scalar("SELECT grade FROM ks4_results WHERE grade IN ('U', '9') ORDER BY grade")
                .fetch_all(pool).await.unwrap()
        });
        assert!(grades.contains(&"U".to_owned()));
        let mut renamed = roll(10);
        renamed.pupils[4].surname = "Corrected".to_owned();
        assert_eq!(import_one(store, ImportKind::Pupils, renamed).await, counts(0, 1, 10));
    }
}

backend_test! {
    async fn a_failure_part_way_writes_nothing(db) {
        let store = db.store();
        import_one(store, ImportKind::Pupils, roll(5)).await;
        let mut bad = ks4(5, &["Mathematics"], Some(year()));
        bad.ks4_results[2].urn = urn(999_999);
        // The first file is fine; the second names a school that does not exist.
        let files = [
            file(ImportKind::Pupils, "more.csv", roll(8)),
            file(ImportKind::Ks4, "ks4.csv", bad),
        ];
        let error = store.import(&files, false).await.unwrap_err();
        assert!(
            matches!(&error, StoreError::NotFound { what: "school", key } if key == "999999"),
            "{error:?}"
        );
        assert_eq!(count(store, "pupils").await, 5);
        assert_eq!(count(store, "ks4_results").await, 0);
        assert_eq!(store.imports().await.unwrap().len(), 1);
        // A result for a pupil nobody has imported fails the same way.
        let mut stranger = ks4(5, &["Mathematics"], Some(year()));
        stranger.ks4_results[4].upn = upn(4444);
        let error = store
            .import(&[file(ImportKind::Ks4, "ks4.csv", stranger)], false)
            .await
            .unwrap_err();
        assert!(matches!(error, StoreError::UnknownPupils(_)), "{error:?}");
        assert_eq!(count(store, "ks4_results").await, 0);
    }
}

backend_test! {
    async fn a_dry_run_counts_and_logs_but_writes_no_data(db) {
        let store = db.store();
        let outcomes = store
            .import(&[file(ImportKind::Pupils, "roll.csv", roll(12))], true)
            .await
            .unwrap();
        assert_eq!(outcomes[0].record.counts, counts(13, 0, 0));
        assert_eq!(outcomes[0].by_table, vec![("schools", counts(1, 0, 0)), ("pupils", counts(12, 0, 0))]);
        assert_eq!(count(store, "pupils").await, 0);
        let log = store.imports().await.unwrap();
        assert_eq!(log.len(), 1);
        assert!(log[0].dry_run);
        assert_eq!(log[0].file_name, "roll.csv");
    }
}

backend_test! {
    async fn results_reach_a_pupil_by_a_former_upn(db) {
        let store = db.store();
        import_one(store, ImportKind::Pupils, roll(3)).await;
        give_former_upn(store, &upn(900), &upn(1)).await;
        let mut results = ks4(1, &["Mathematics"], Some(year()));
        results.ks4_results[0].upn = upn(900);
        assert_eq!(import_one(store, ImportKind::Ks4, results).await, counts(1, 0, 0));
        let owner: String = crate::on_pool!(store, pool => {
            sqlx::query_scalar("SELECT p.upn FROM ks4_results r JOIN pupils p ON p.id = r.pupil_id")
                .fetch_one(pool).await.unwrap()
        });
        assert_eq!(owner, upn(1).as_str());
    }
}

backend_test! {
    async fn unknown_pupils_are_the_upns_no_pupil_has_now_or_had_before(db) {
        let store = db.store();
        import_one(store, ImportKind::Pupils, roll(3)).await;
        give_former_upn(store, &upn(900), &upn(1)).await;
        let asked = std::collections::BTreeSet::from([upn(0), upn(2), upn(900), upn(901), upn(7)]);
        assert_eq!(
            store.unknown_pupils(&asked).await.unwrap(),
            std::collections::BTreeSet::from([upn(7), upn(901)])
        );
        assert!(store.unknown_pupils(&Default::default()).await.unwrap().is_empty());
        // What the check finds is what the import would refuse: the store still refuses it.
        let mut results = ks4(1, &["Mathematics"], Some(year()));
        results.ks4_results[0].upn = upn(901);
        results.ks4_results.push(results.ks4_results[0].clone());
        results.ks4_results[1].upn = upn(7);
        let error = store.import(&[file(ImportKind::Ks4, "f.csv", results)], false).await.unwrap_err();
        // The import names every such UPN, so each record can be reported at its line.
        assert!(
            matches!(&error, StoreError::UnknownPupils(upns) if *upns == std::collections::BTreeSet::from([upn(7), upn(901)])),
            "{error:?}"
        );
        assert_eq!(count(store, "ks4_results").await, 0);
    }
}

backend_test! {
    async fn a_pupil_arriving_under_a_new_upn_with_its_former_upn_stays_one_pupil(db) {
        // A first-school pupil stored under their old UPN, with a result under it.
        let store = db.store();
        import_one(store, ImportKind::Pupils, roll(2)).await;
        let mut results = ks4(1, &["Mathematics"], Some(year()));
        results.ks4_results[0].upn = upn(1);
        import_one(store, ImportKind::Ks4, results).await;

        // The middle school's file: the same pupil under a new UPN, naming the old one.
        let mut moved = roll(2);
        moved.pupils.remove(0);
        moved.pupils[0].upn = upn(500);
        moved.former_upns = vec![FormerUpn { upn: upn(500), former: upn(1) }];
        let outcomes = store.import(&[file(ImportKind::Ctf, "move.xml", moved.clone())], false).await.unwrap();
        let tables: Vec<(&str, ImportCounts)> = outcomes[0].by_table.clone();
        assert!(tables.contains(&("pupil_former_upns", counts(1, 0, 0))), "{tables:?}");
        assert!(tables.contains(&("pupils", counts(0, 0, 1))), "{tables:?}");
        assert_eq!(count(store, "pupils").await, 2, "one pupil, not two");
        let (current, former): (String, String) = crate::on_pool!(store, pool => {
            sqlx::query_as("SELECT p.upn, f.upn FROM pupils p JOIN pupil_former_upns f ON f.pupil_id = p.id")
                .fetch_one(pool).await.unwrap()
        });
        assert_eq!((current.as_str(), former.as_str()), (upn(500).as_str(), upn(1).as_str()));
        // The old result is the pupil's, and a record under either UPN reaches them.
        let owner: String = crate::on_pool!(store, pool => {
            sqlx::query_scalar("SELECT p.upn FROM ks4_results r JOIN pupils p ON p.id = r.pupil_id")
                .fetch_one(pool).await.unwrap()
        });
        assert_eq!(owner, upn(500).as_str());
        let mut late = ks4(1, &["History"], Some(year()));
        late.ks4_results[0].upn = upn(1);
        assert_eq!(import_one(store, ImportKind::Ks4, late).await, counts(1, 0, 0));

        // The same file again changes nothing.
        let again = store.import(&[file(ImportKind::Ctf, "move.xml", moved)], false).await.unwrap();
        assert_eq!(again[0].record.counts, counts(0, 0, 3));
        assert_eq!(count(store, "pupils").await, 2);
    }
}

backend_test! {
    async fn a_former_upn_that_is_already_another_pupil_is_a_conflict_and_writes_nothing(db) {
        let store = db.store();
        import_one(store, ImportKind::Pupils, roll(2)).await;
        let mut both = roll(2);
        both.schools.clear();
        both.former_upns = vec![FormerUpn { upn: upn(1), former: upn(0) }];
        let error = store.import(&[file(ImportKind::Ctf, "both.xml", both)], false).await.unwrap_err();
        assert!(
            matches!(&error, StoreError::Conflict { constraint } if constraint.contains(upn(0).as_str()) && constraint.contains(upn(1).as_str())),
            "{error:?}"
        );
        assert_eq!(count(store, "pupil_former_upns").await, 0);
        assert_eq!(count(store, "pupils").await, 2);
    }
}

/// One record of every assessment and attendance kind, for pupils 0 and 1.
fn everything() -> Partnership {
    let day = NaiveDate::from_ymd_opt(2024, 9, 2).unwrap();
    let mut data = Partnership::default();
    for i in 0..2 {
        let upn = upn(i);
        data.ks2_results.push(Ks2Result {
            upn: upn.clone(),
            academic_year: Some(year()),
            reading: Ks2TestOutcome::Scaled(104),
            maths: Ks2TestOutcome::Absent,
            gps: None,
            writing: WritingTa::PreKeyStage(4),
        });
        data.characteristics.push(Characteristics {
            upn: upn.clone(),
            academic_year: year(),
            term: Term::Spring,
            disadvantaged: i == 0,
            fsm: i == 0,
            looked_after: false,
            sen: SenProvision::Support,
            sen_need: (i == 1).then(|| "SLCN".to_owned()),
            eal: true,
            ethnicity: None,
        });
        data.phonics_results.push(PhonicsResult {
            upn: upn.clone(),
            academic_year: year(),
            outcome: PhonicsOutcome::Mark(33),
        });
        data.mtc_results.push(MtcResult {
            upn: upn.clone(),
            academic_year: year(),
            outcome: MtcOutcome::NotAbleToAdminister,
        });
        data.eyfs_results.push(EyfsResult {
            upn: upn.clone(),
            academic_year: year(),
            goals: vec![
                ("speaking", EyfsJudgement::Expected),
                ("number", EyfsJudgement::Emerging),
            ],
        });
        for session in [Session::Am, Session::Pm] {
            data.attendance_marks.push(AttendanceMark {
                upn: upn.clone(),
                date: day,
                session,
                code: AttendanceCode::parse("\\", day).unwrap(),
            });
        }
        for term in [None, Some(Term::Autumn)] {
            data.attendance_summaries.push(AttendanceSummary {
                upn: upn.clone(),
                academic_year: year(),
                term,
                sessions_possible: 150,
                sessions_attended: 140,
                sessions_authorised: 6,
                sessions_unauthorised: 4,
            });
        }
        data.teacher_assessments.push(TeacherAssessment {
            upn,
            academic_year: None,
            assessment: "Y10 Spring predicted".to_owned(),
            subject: "Maths\tset 2 \\ \"top\"".to_owned(),
            result: "6+".to_owned(),
            assessed_on: None,
        });
    }
    data
}

backend_test! {
    async fn every_kind_of_record_round_trips_unchanged(db) {
        let store = db.store();
        import_one(store, ImportKind::Pupils, roll(2)).await;
        // 2 pupils: characteristics, KS2, phonics, MTC 1 each; EYFS 2 goals; 2 marks; 2
        // summaries (one with no term); 1 TA (no year, a tab and a backslash in its subject).
        let first = store.import(&[file(ImportKind::Ctf, "all.xml", everything())], false).await.unwrap();
        assert_eq!(first[0].record.counts, counts(22, 0, 0));
        assert_eq!(first[0].by_table.len(), 8);
        let again = store.import(&[file(ImportKind::Ctf, "all.xml", everything())], false).await.unwrap();
        assert_eq!(again[0].record.counts, counts(0, 0, 22));
        let mut changed = everything();
        changed.attendance_summaries[1].sessions_attended = 139;
        changed.teacher_assessments[0].result = "7".to_owned();
        changed.eyfs_results[1].goals[1].1 = EyfsJudgement::Expected;
        changed.characteristics[1].looked_after = true;
        changed.characteristics[0].sen_need = Some("ASD".to_owned());
        let third = store.import(&[file(ImportKind::Ctf, "all.xml", changed)], false).await.unwrap();
        assert_eq!(third[0].record.counts, counts(0, 5, 17));
    }
}

backend_test! {
    async fn a_large_corrected_file_counts_added_updated_and_unchanged_exactly(db) {
        // 12,000 results: more than one statement's worth of rows on SQLite, and enough for
        // PostgreSQL to analyse the stage, so the counts come from the bulk path.
        let store = db.store();
        let subjects = [
            "Mathematics",
            "English Language",
            "English Literature",
            "History",
            "French",
            "Computer Science",
        ];
        assert_eq!(import_one(store, ImportKind::Pupils, roll(2000)).await, counts(2001, 0, 0));
        let results = ks4(2000, &subjects, Some(year()));
        assert_eq!(
            import_one(store, ImportKind::Ks4, results.clone()).await,
            counts(12_000, 0, 0)
        );
        assert_eq!(
            import_one(store, ImportKind::Ks4, results.clone()).await,
            counts(0, 0, 12_000)
        );

        // Every seventh grade corrected (1,715 rows), 500 new results, and one row given
        // twice with the later copy changed: the last copy wins and counts once.
        let mut corrected = results;
        for row in corrected.ks4_results.iter_mut().step_by(7) {
            row.grade = Ks4Grade::U;
        }
        for i in 0..500 {
            corrected.ks4_results.push(Ks4ResultRow {
                upn: upn(i),
                urn: urn(136_000),
                subject: "Geography".to_owned(),
                grade: Ks4Grade::Single(5),
                academic_year: Some(year()),
            });
        }
        let mut again = corrected.ks4_results[1].clone();
        again.grade = Ks4Grade::U;
        corrected.ks4_results.push(again);
        assert_eq!(
            import_one(store, ImportKind::Ks4, corrected.clone()).await,
            counts(500, 1716, 10_284)
        );
        assert_eq!(count(store, "ks4_results").await, 12_500);
        let n_u: i64 = crate::on_pool!(store, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM ks4_results WHERE grade = 'U'")
                .fetch_one(pool).await.unwrap()
        });
        assert_eq!(n_u, 1716);
        assert_eq!(
            import_one(store, ImportKind::Ks4, corrected).await,
            counts(0, 0, 12_500)
        );
        let log = store.imports().await.unwrap();
        assert_eq!(log[1].counts, counts(500, 1716, 10_284));
    }
}

backend_test! {
    async fn a_bulk_first_load_keeps_its_foreign_keys_and_refuses_a_row_with_no_parent(db) {
        // 100,000 results into an empty table: on PostgreSQL the bulk path, which drops the
        // table's foreign keys, copies and adds them again.
        let store = db.store();
        let subjects = [
            "Mathematics", "English Language", "English Literature", "Combined Science",
            "History", "Geography", "French", "Computer Science", "Religious Studies", "Art",
        ];
        let keys_sql = "SELECT conname::text || ' ' || pg_get_constraintdef(oid) FROM pg_constraint \
                        WHERE conrelid = 'ks4_results'::regclass AND contype = 'f' \
                        UNION ALL SELECT indexdef FROM pg_indexes WHERE tablename = 'ks4_results' ORDER BY 1";
        let postgres = matches!(store.pool, crate::Pool::Postgres(_));
        let keys = |store: &Store| {
            let store = store.clone();
            async move {
                match &store.pool {
                    crate::Pool::Postgres(pool) => sqlx::query_scalar::<_, String>(keys_sql)
                        .fetch_all(pool).await.unwrap(),
                    crate::Pool::Sqlite(_) => Vec::new(),
                }
            }
        };
        let before = keys(store).await;
        // Two foreign keys and two indexes, the first unique.
        assert_eq!(before.len(), usize::from(postgres) * 4, "{before:?}");
        import_one(store, ImportKind::Pupils, roll(10_000)).await;
        let results = ks4(10_000, &subjects, Some(year()));
        assert_eq!(import_one(store, ImportKind::Ks4, results).await, counts(100_000, 0, 0));
        assert_eq!(keys(store).await, before);

        // The keys still cascade: a pupil's deletion takes their ten results.
        crate::on_pool!(store, pool => {
            sqlx::query("DELETE FROM pupils WHERE upn = $1").bind(upn(0).as_str()).execute(pool).await.unwrap();
        });
        assert_eq!(count(store, "ks4_results").await, 99_990);

        // A row with no pupil fails the load, and the transaction leaves the table as it was.
        crate::on_pool!(store, pool => {
            sqlx::query("DELETE FROM ks4_results").execute(pool).await.unwrap();
        });
        let mut orphans: Vec<crate::imports::Row> = ks4(10_000, &subjects, Some(year()))
            .ks4_results
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let i = i64::try_from(i).unwrap();
                (
                    vec![crate::imports::Val::Int(1 + i / 10), crate::imports::Val::opt(r.academic_year, crate::imports::year_val), crate::imports::Val::text(r.subject.as_str())],
                    vec![crate::imports::urn_val(r.urn), crate::imports::Val::Text(r.grade.to_string())],
                )
            })
            .collect();
        orphans.push((
            vec![crate::imports::Val::Int(999_999_999), crate::imports::Val::opt(Some(year()), crate::imports::year_val), crate::imports::Val::text("Mathematics")],
            vec![crate::imports::urn_val(urn(136_000)), crate::imports::Val::text("5")],
        ));
        let rows: Vec<&crate::imports::Row> = orphans.iter().collect();
        let error = crate::on_pool!(store, pool => {
            let mut tx = pool.begin().await.unwrap();
            let error = crate::imports::Conn::insert_rows(&mut *tx, &crate::imports::KS4, &rows, None).await.unwrap_err();
            tx.rollback().await.unwrap();
            error
        });
        assert!(matches!(&error, StoreError::Conflict { .. }), "{error:?}");
        assert_eq!(count(store, "ks4_results").await, 0);
        assert_eq!(keys(store).await, before);

        // So does a key given twice.
        let last = orphans.len() - 1;
        orphans[last] = orphans[13].clone();
        let rows: Vec<&crate::imports::Row> = orphans.iter().skip(10).collect();
        let error = crate::on_pool!(store, pool => {
            let mut tx = pool.begin().await.unwrap();
            let error = crate::imports::Conn::insert_rows(&mut *tx, &crate::imports::KS4, &rows, None).await.unwrap_err();
            tx.rollback().await.unwrap();
            error
        });
        assert!(matches!(&error, StoreError::Conflict { .. }), "{error:?}");
        assert_eq!(count(store, "ks4_results").await, 0);
        assert_eq!(keys(store).await, before);
    }
}

/// PostgreSQL's compare reads stored rows back as `COPY` text: every type, NULL and every
/// escape that `COPY` writes read back as the value that was written.
#[test]
fn copy_text_reads_back_as_the_values_written() {
    use super::{Spec, Ty, Val, col, copy_text, parse_copy_row};
    static SPEC: Spec = Spec {
        table: "t",
        keys: &[col("a", Ty::Int), col("b", Ty::Text)],
        values: &[
            col("c", Ty::Date),
            col("d", Ty::Bool),
            col("e", Ty::Real),
            col("f", Ty::Text),
            col("g", Ty::Int),
        ],
    };
    let written = vec![
        Val::Int(-42),
        Val::text("Maths\tset 2 \\ \"top\"\nline\rend"),
        Val::Date(NaiveDate::from_ymd_opt(2024, 9, 2).unwrap()),
        Val::Bool(false),
        Val::real(-0.1),
        Val::text("\\N"),
        Val::Null,
    ];
    let mut line = String::new();
    for (i, v) in written.iter().enumerate() {
        if i > 0 {
            line.push('\t');
        }
        copy_text(&mut line, v);
    }
    let mut read = Vec::new();
    parse_copy_row(&SPEC, line.as_bytes(), &mut read).unwrap();
    assert_eq!(read, written);
    // PostgreSQL's own escapes for the other control characters.
    parse_copy_row(
        &SPEC,
        b"1\ta\\bb\\fc\\vd\t\\N\tt\t1e+20\t\\\\N\t7",
        &mut read,
    )
    .unwrap();
    assert_eq!(read[1], Val::text("a\u{8}b\u{c}c\u{b}d"));
    assert_eq!(read[4], Val::real(1e20));
    assert_eq!(read[5], Val::text("\\N"));
    assert!(
        parse_copy_row(&SPEC, b"1\ta", &mut read).is_err(),
        "too few fields"
    );
    assert!(
        parse_copy_row(&SPEC, b"x\ta\t\\N\tt\t1\tf\t7", &mut read).is_err(),
        "not an integer"
    );
}

backend_test! {
    async fn the_import_log_is_read_for_chosen_schools_and_for_partnership_wide_files(db) {
        let store = db.store();
        let mut roll_a = file(ImportKind::Pupils, "a.csv", roll(2));
        roll_a.urn = Some(urn(136_000));
        store.import(&[roll_a], false).await.unwrap();
        let mut roll_b = file(ImportKind::Pupils, "b.csv", Partnership::default());
        roll_b.urn = Some(urn(136_001));
        store.import(&[roll_b], false).await.unwrap();
        store.import(&[file(ImportKind::Gias, "register.csv", Partnership::default())], false).await.unwrap();
        let names = |log: Vec<crate::SchoolImport>| {
            log.into_iter().map(|i| i.record.file_name).collect::<Vec<_>>()
        };
        assert_eq!(names(store.imports_into(&[urn(136_000)], false, 10).await.unwrap()), ["a.csv"]);
        assert_eq!(names(store.imports_into(&[], true, 10).await.unwrap()), ["register.csv"]);
        assert_eq!(
            names(store.imports_into(&[urn(136_000), urn(136_001)], true, 10).await.unwrap()),
            ["register.csv", "b.csv", "a.csv"]
        );
        assert_eq!(names(store.imports_into(&[urn(136_000), urn(136_001)], true, 2).await.unwrap()).len(), 2);
        assert!(store.imports_into(&[], false, 10).await.unwrap().is_empty());
        assert_eq!(names(store.imports_for_school(urn(136_001), 10).await.unwrap()), ["b.csv"]);
    }
}
