//! Stored measure results, on both backends.

use std::collections::{BTreeSet, HashMap};
use std::time::Instant;

use cairn_domain::{AcademicYear, Partnership, Upn, Urn};
use cairn_measures::attendance::{AttendancePupil, SessionCounts, summarise_attendance};
use cairn_measures::{PupilContext, PupilGroup, SuppressionPolicy};
use chrono::{DateTime, TimeZone, Utc};

use super::{LatestResults, Measure, ResultScope, ScopeFilter, ScopeKind, StoredValue};
use crate::{Store, backend_test, on_pool};

fn at(hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 4, 1, hour, 0, 0)
        .single()
        .expect("valid time")
}

fn year(start: u16) -> AcademicYear {
    AcademicYear::starting(start).expect("valid year")
}

/// Each pupil's school in a year: on roll on the spring census day, else their last start.
fn schools_by_pupil(partnership: &Partnership) -> HashMap<(&Upn, AcademicYear), Urn> {
    let mut chosen: HashMap<(&Upn, AcademicYear), (bool, chrono::NaiveDate, Urn)> = HashMap::new();
    for e in &partnership.enrolments {
        let day = e.academic_year.spring_census_day();
        let key = (
            e.started_on <= day && e.left_on.is_none_or(|l| l >= day),
            e.started_on,
            e.urn,
        );
        let slot = chosen.entry((&e.upn, e.academic_year)).or_insert(key);
        if key > *slot {
            *slot = key;
        }
    }
    chosen
        .into_iter()
        .map(|(k, (_, _, urn))| (k, urn))
        .collect()
}

fn all_pupils(
    latest: &LatestResults,
    measure: Measure,
    academic_year: AcademicYear,
) -> impl Iterator<Item = (&ResultScope, &StoredValue)> {
    latest
        .results
        .iter()
        .filter(move |r| {
            r.measure == measure
                && r.academic_year == academic_year
                && r.pupil_group == PupilGroup::All
        })
        .map(|r| (&r.scope, &r.value))
}

/// Each pupil's enrolments.
fn enrolments_by_pupil(partnership: &Partnership) -> HashMap<&Upn, Vec<&cairn_domain::Enrolment>> {
    let mut out: HashMap<&Upn, Vec<&cairn_domain::Enrolment>> = HashMap::new();
    for e in &partnership.enrolments {
        out.entry(&e.upn).or_default().push(e);
    }
    out
}

/// The school whose enrolment covers `date`, as the refresh decides it: on roll from
/// `started_on` to `left_on` inclusive within the enrolment's academic year, the latest start
/// (then the higher URN) where enrolments overlap.
fn enrolled_at(enrolments: &[&cairn_domain::Enrolment], date: chrono::NaiveDate) -> Option<Urn> {
    enrolments
        .iter()
        .filter(|e| {
            e.academic_year == AcademicYear::containing(date)
                && e.started_on <= date
                && e.left_on.is_none_or(|l| date <= l)
        })
        .max_by_key(|e| (e.started_on, e.urn))
        .map(|e| e.urn)
}

/// Marks tallied one by one, as the refresh did before it summed them in SQL: by academic
/// year, pupil id, the school enrolling the pupil on the mark's date and month, each mark
/// added by its code's treatment in the engine's 2024 code set; marks with a code it does not
/// know, or on a date with no enrolment, counted as issues.
fn tally_by_hand(
    partnership: &Partnership,
    ids: &HashMap<String, i64>,
) -> (super::monthly::MarksByYear, usize) {
    use chrono::Datelike;
    let codes = cairn_measures::attendance::AttendanceCodes::dfe_2024().unwrap();
    let mut out = super::monthly::MarksByYear::new();
    let mut issues = 0;
    let enrolments = enrolments_by_pupil(partnership);
    for mark in &partnership.attendance_marks {
        let of_pupil = enrolments.get(&mark.upn).map_or(&[][..], Vec::as_slice);
        let Some(urn) = enrolled_at(of_pupil, mark.date) else {
            issues += 1;
            continue;
        };
        let month = u8::try_from(mark.date.month()).unwrap();
        let month =
            cairn_measures::attendance::monthly::CalendarMonth::new(mark.date.year(), month)
                .unwrap();
        let counts = out
            .entry(crate::rows::year_to_db(AcademicYear::containing(mark.date)))
            .or_default()
            .entry((ids[mark.upn.as_str()], urn))
            .or_default()
            .entry(month)
            .or_default();
        match codes.treatment(mark.code.as_str()) {
            Some(treatment) => counts.add(treatment),
            None => issues += 1,
        }
    }
    (out, issues)
}

async fn pupil_ids(store: &Store) -> HashMap<String, i64> {
    let rows: Vec<(String, i64)> = on_pool!(store, pool => {
        sqlx::query_as("SELECT upn, id FROM pupils").fetch_all(pool).await.unwrap()
    });
    rows.into_iter().collect()
}

async fn count_refreshes(store: &Store) -> i64 {
    on_pool!(store, pool => {
        sqlx::query_scalar("SELECT COUNT(*) FROM measure_refreshes")
            .fetch_one(pool)
            .await
            .unwrap()
    })
}

backend_test! {
    /// The first-entry rule (measures.md §1.3; DfE KS4 performance tables metadata 2018/19,
    /// ks4_meta_methodology.csv, "_PTQ_EE suffix"): every pupil of one school's 2023/24 cohort
    /// also sat each of their subjects a year early, ungraded. The early entries count in the
    /// 2023/24 cohort, where the pupils are in year 11, and they count first, so the school's
    /// Attainment 8 is 0; they make no 2022/23 cohort of their own.
    async fn early_entries_count_first_in_the_year_11_cohort(db) {
        let store = db.store();
        let mut partnership = crate::tests::demo();
        let y = year(2023);
        let before: BTreeSet<(AcademicYear, Urn)> = partnership
            .ks4_results
            .iter()
            .filter_map(|r| Some((r.academic_year?, r.urn)))
            .collect();
        let urn = partnership
            .ks4_results
            .iter()
            .find(|r| r.academic_year == Some(y))
            .map(|r| r.urn)
            .unwrap();
        let early: Vec<cairn_domain::Ks4ResultRow> = partnership
            .ks4_results
            .iter()
            .filter(|r| r.academic_year == Some(y) && r.urn == urn)
            .map(|r| cairn_domain::Ks4ResultRow {
                grade: cairn_domain::Ks4Grade::U,
                academic_year: Some(year(2022)),
                ..r.clone()
            })
            .collect();
        let cohort: BTreeSet<Upn> = early.iter().map(|r| r.upn.clone()).collect();
        let n_cohort = u32::try_from(cohort.len()).unwrap();
        assert!(n_cohort >= 6, "{n_cohort}");
        // Each pupil is in year 11 at the school that year.
        for upn in &cohort {
            assert!(partnership.enrolments.iter().any(|e| e.upn == *upn
                && e.academic_year == y
                && e.nc_year.number() == 11), "{upn}");
        }
        // The 2022/23 cohort placed at the school, as before the early entries.
        let school_of = schools_by_pupil(&partnership);
        let before_previous: BTreeSet<&Upn> = partnership
            .ks4_results
            .iter()
            .filter(|r| r.academic_year == Some(year(2022)))
            .filter(|r| school_of.get(&(&r.upn, year(2022))).unwrap_or(&r.urn) == &urn)
            .map(|r| &r.upn)
            .collect();
        let n_previous = u32::try_from(before_previous.len()).unwrap();
        drop(school_of);
        partnership.ks4_results.extend(early);
        store.load_partnership(&partnership).await.unwrap();
        store.refresh_measures("test", at(9), SuppressionPolicy::default()).await.unwrap();
        let latest = store.latest_results(None, &ScopeFilter::All, &[]).await.unwrap();
        let school = |y: AcademicYear| {
            all_pupils(&latest, Measure::Ks4Attainment8, y)
                .find(|(scope, _)| **scope == ResultScope::School(urn))
                .map(|(_, v)| *v)
        };
        let a8 = school(y).unwrap();
        assert_eq!(a8.n_pupils(), Some(n_cohort));
        assert_eq!(a8.value(), Some(0.0));
        let stored: BTreeSet<(AcademicYear, Urn)> = latest
            .results
            .iter()
            .filter(|r| r.measure == Measure::Ks4Attainment8 && r.pupil_group == PupilGroup::All)
            .filter_map(|r| match r.scope {
                ResultScope::School(urn) => Some((r.academic_year, urn)),
                _ => None,
            })
            .collect();
        assert_eq!(stored, before);
        if let Some(previous) = school(year(2022)) {
            assert_eq!(previous.n_pupils(), Some(n_previous));
        }

        // A pupil's timeline shows both entries and marks the later one.
        let upn = cohort.first().unwrap().as_str();
        let timeline = store.pupil_timeline(pupil_ids(store).await[upn]).await.unwrap().unwrap();
        let ks4: Vec<(&str, &str)> = timeline
            .results
            .iter()
            .filter(|r| r.assessment == "KS4" && r.academic_year == Some(y))
            .map(|r| (r.subject.as_str(), r.result.as_str()))
            .collect();
        assert!(!ks4.is_empty());
        for (subject, result) in ks4 {
            assert!(
                result.ends_with(&format!("(a later entry: the first entry in {subject} counts)")),
                "{result}"
            );
        }
    }
}

backend_test! {
    async fn refresh_over_the_demo_stores_school_and_pooled_figures(db) {
        let store = db.store();
        let partnership = crate::tests::demo();
        let loaded = store.load_partnership(&partnership).await.unwrap();
        assert!(loaded.assessments > 0 && loaded.attendance > 0, "{loaded:?}");
        let policy = SuppressionPolicy::default();

        let started = Instant::now();
        let first = store.refresh_measures("test", at(9), policy).await.unwrap();
        eprintln!(
            "refresh of the demo on {:?}: {:.3} s, {} results",
            store.backend(),
            started.elapsed().as_secs_f64(),
            first.results
        );
        assert_eq!(first.academic_years, cairn_demo::demo_years().to_vec());
        assert!(first.suppressed > 0 && first.suppressed < first.results, "{first:?}");
        assert_eq!(first.groups, partnership.groups.len());

        let latest = store.latest_results(None, &ScopeFilter::All, &[]).await.unwrap();
        assert_eq!(latest.refresh.as_ref(), Some(&first.refresh));
        assert_eq!(latest.results.len(), first.results);
        for r in &latest.results {
            match r.value {
                StoredValue::Shown { value, n_pupils, .. } => {
                    assert!(value.is_finite() && n_pupils >= 6, "{r:?}");
                }
                StoredValue::Suppressed => assert!(r.banding.is_none(), "{r:?}"),
            }
            assert_eq!(r.banding.is_some(), r.measure == Measure::Ks4Progress8 && !r.value.is_suppressed());
        }

        // Every school with KS4, KS2 or attendance records in a year has its figures.
        let school_of = schools_by_pupil(&partnership);
        let stored = |measure: Measure| -> BTreeSet<(AcademicYear, Urn)> {
            latest
                .results
                .iter()
                .filter(|r| r.measure == measure && r.pupil_group == PupilGroup::All)
                .filter_map(|r| match r.scope {
                    ResultScope::School(urn) => Some((r.academic_year, urn)),
                    _ => None,
                })
                .collect()
        };
        let expected_ks4: BTreeSet<(AcademicYear, Urn)> = partnership
            .ks4_results
            .iter()
            .filter_map(|r| Some((r.academic_year?, r.urn)))
            .collect();
        assert!(!expected_ks4.is_empty());
        assert_eq!(stored(Measure::Ks4Attainment8), expected_ks4);
        let expected_ks2: BTreeSet<(AcademicYear, Urn)> = partnership
            .ks2_results
            .iter()
            .filter_map(|r| {
                let y = r.academic_year?;
                school_of.get(&(&r.upn, y)).map(|urn| (y, *urn))
            })
            .collect();
        assert!(!expected_ks2.is_empty());
        assert_eq!(stored(Measure::Ks2RwmExpected), expected_ks2);
        let expected_attendance: BTreeSet<(AcademicYear, Urn)> = partnership
            .attendance_summaries
            .iter()
            .filter_map(|s| school_of.get(&(&s.upn, s.academic_year)).map(|urn| (s.academic_year, *urn)))
            .collect();
        assert_eq!(stored(Measure::AttendanceOverallAbsence), expected_attendance);

        // Progress 8: shown where KS2 prior attainment exists (2022/23, 2023/24), absent for
        // the 2024/25 cohort, whose KS2 tests were cancelled.
        assert!(all_pupils(&latest, Measure::Ks4Progress8, year(2023)).any(|(_, v)| !v.is_suppressed()));
        assert_eq!(all_pupils(&latest, Measure::Ks4Progress8, year(2024)).count(), 0);
        assert!(all_pupils(&latest, Measure::Ks4Attainment8, year(2024)).count() > 0);

        // The trust's figure pools its member schools' pupils.
        let trust = ResultScope::Group(cairn_demo::TRUST_CODE.to_owned());
        let y = year(2024);
        let day = y.spring_census_day();
        let members: BTreeSet<Urn> = partnership
            .memberships
            .iter()
            .filter(|m| m.group_code == cairn_demo::TRUST_CODE && m.is_active_on(day))
            .map(|m| m.urn)
            .collect();
        let mut sessions: HashMap<&Upn, SessionCounts> = HashMap::new();
        for s in partnership.attendance_summaries.iter().filter(|s| s.academic_year == y) {
            let counts = SessionCounts {
                possible: s.sessions_possible,
                attended: s.sessions_attended,
                authorised: s.sessions_authorised,
                unauthorised: s.sessions_unauthorised,
            };
            let total = sessions.entry(&s.upn).or_default();
            *total = total.plus(counts);
        }
        let context = PupilContext {
            disadvantaged: false,
            sen: cairn_domain::SenProvision::None,
            eal: false,
            sex: cairn_domain::Sex::Female,
            prior: None,
        };
        let union: Vec<AttendancePupil> = sessions
            .into_iter()
            .filter_map(|(upn, sessions)| {
                let urn = *school_of.get(&(upn, y))?;
                members.contains(&urn).then_some(AttendancePupil { urn, context, sessions })
            })
            .collect();
        let recomputed = summarise_attendance(policy, &union);
        let (expected, expected_n) = recomputed.overall_absence.all().shown().unwrap();
        let pooled = all_pupils(&latest, Measure::AttendanceOverallAbsence, y)
            .find(|(scope, _)| **scope == trust)
            .map(|(_, v)| *v)
            .unwrap();
        assert_eq!(pooled.n_pupils(), Some(expected_n));
        assert!((pooled.value().unwrap() - expected.rate).abs() < 1e-12, "{pooled:?} vs {expected:?}");

        // ... which is not the mean of its schools' figures: weighted by pupils, it is.
        let schools: Vec<(f64, u32)> = all_pupils(&latest, Measure::Ks4Attainment8, y)
            .filter(|(scope, _)| matches!(scope, ResultScope::School(urn) if members.contains(urn)))
            .map(|(_, v)| (v.value().unwrap(), v.n_pupils().unwrap()))
            .collect();
        assert!(schools.len() >= 2, "{schools:?}");
        let pooled_a8 = all_pupils(&latest, Measure::Ks4Attainment8, y)
            .find(|(scope, _)| **scope == trust)
            .map(|(_, v)| *v)
            .unwrap();
        let n: u32 = schools.iter().map(|(_, n)| n).sum();
        let weighted = schools.iter().map(|(v, n)| v * f64::from(*n)).sum::<f64>() / f64::from(n);
        let mean = schools.iter().map(|(v, _)| v).sum::<f64>() / schools.len() as f64;
        assert_eq!(pooled_a8.n_pupils(), Some(n));
        assert!((pooled_a8.value().unwrap() - weighted).abs() < 1e-9);
        assert!((weighted - mean).abs() > 1e-6, "school sizes differ, so the plain mean differs");

        // Dated memberships: Brookside joined the trust on 1 January 2024, so the trust's
        // 2022/23 figures leave its pupils out and its 2023/24 figures count them.
        let brookside = partnership.schools.iter().find(|s| s.name == "Brookside First School").unwrap().urn;
        for (start, counted) in [(2022, false), (2023, true)] {
            let y = year(start);
            let day = y.spring_census_day();
            let members: BTreeSet<Urn> = partnership
                .memberships
                .iter()
                .filter(|m| m.group_code == cairn_demo::TRUST_CODE && m.is_active_on(day))
                .map(|m| m.urn)
                .collect();
            assert_eq!(members.contains(&brookside), counted);
            let school_total: u32 = all_pupils(&latest, Measure::AttendanceOverallAbsence, y)
                .filter(|(scope, _)| matches!(scope, ResultScope::School(urn) if members.contains(urn)))
                .map(|(_, v)| v.n_pupils().unwrap())
                .sum();
            let pooled = all_pupils(&latest, Measure::AttendanceOverallAbsence, y)
                .find(|(scope, _)| **scope == trust)
                .and_then(|(_, v)| v.n_pupils());
            assert_eq!(pooled, Some(school_total), "{y}");
        }

        // Filters.
        let one = store
            .latest_results(
                Some(y),
                &ScopeFilter::Only(vec![trust.clone()]),
                &[Measure::Ks4Attainment8, Measure::AttendanceOverallAbsence],
            )
            .await
            .unwrap();
        assert!(!one.results.is_empty());
        assert!(one.results.iter().all(|r| r.scope == trust && r.academic_year == y));
        let groups = store.latest_results(None, &ScopeFilter::Kind(ScopeKind::Group), &[]).await.unwrap();
        assert!(groups.results.iter().all(|r| r.scope.kind() == ScopeKind::Group));

        // A second refresh adds a refresh; readers get the newest.
        let second = store.refresh_measures("again", at(10), policy).await.unwrap();
        assert!(second.refresh.id > first.refresh.id);
        assert_eq!(second.results, first.results);
        assert_eq!(count_refreshes(store).await, 2);
        let newest = store.latest_results(None, &ScopeFilter::All, &[]).await.unwrap();
        assert_eq!(newest.refresh, Some(second.refresh.clone()));
        assert_eq!(newest.refresh.as_ref().map(|r| r.computed_at), Some(at(10)));
        assert_eq!(newest.results, latest.results);

        // Loading the same partnership again changes no record.
        store.load_partnership(&partnership).await.unwrap();
        let third = store.refresh_measures("reload", at(11), policy).await.unwrap();
        assert_eq!(third.results, first.results);
    }
}

backend_test! {
    async fn a_group_under_six_pupils_is_stored_suppressed_with_nothing_inside(db) {
        let store = db.store();
        let demo = crate::tests::demo();
        let y = year(2024);
        let summary = demo
            .attendance_summaries
            .iter()
            .find(|s| s.academic_year == y)
            .unwrap();
        let urn = demo
            .enrolments
            .iter()
            .find(|e| e.upn == summary.upn && e.academic_year == y)
            .unwrap()
            .urn;
        // Four pupils of one school, in a group of their own.
        let upns: BTreeSet<&Upn> = demo
            .enrolments
            .iter()
            .filter(|e| e.urn == urn && e.academic_year == y)
            .map(|e| &e.upn)
            .filter(|upn| demo.attendance_summaries.iter().any(|s| &s.upn == *upn && s.academic_year == y))
            .take(4)
            .collect();
        assert_eq!(upns.len(), 4);
        let group = cairn_domain::Group {
            code: "tiny".to_owned(),
            name: "Tiny group".to_owned(),
            kind: cairn_domain::GroupKind::Cluster,
        };
        let small = Partnership {
            schools: demo.schools.iter().filter(|s| s.urn == urn).cloned().collect(),
            groups: vec![group],
            memberships: vec![cairn_domain::Membership {
                group_code: "tiny".to_owned(),
                urn,
                joined_on: y.first_day(),
                left_on: None,
                sharing: cairn_domain::SharingLevel::Aggregate,
            }],
            pupils: demo.pupils.iter().filter(|p| upns.contains(&p.upn)).cloned().collect(),
            enrolments: demo.enrolments.iter().filter(|e| upns.contains(&e.upn) && e.urn == urn && e.academic_year == y).cloned().collect(),
            characteristics: demo.characteristics.iter().filter(|c| upns.contains(&c.upn) && c.academic_year == y).cloned().collect(),
            attendance_summaries: demo.attendance_summaries.iter().filter(|s| upns.contains(&s.upn) && s.academic_year == y).cloned().collect(),
            ..Partnership::default()
        };
        store.load_partnership(&small).await.unwrap();
        let refresh = store.refresh_measures("small", at(9), SuppressionPolicy::default()).await.unwrap();
        assert!(refresh.results > 0);
        assert_eq!(refresh.suppressed, refresh.results);

        let latest = store.latest_results(Some(y), &ScopeFilter::All, &[Measure::AttendanceOverallAbsence]).await.unwrap();
        let scopes: BTreeSet<&ResultScope> = latest.results.iter().map(|r| &r.scope).collect();
        assert_eq!(scopes, BTreeSet::from([&ResultScope::School(urn), &ResultScope::Group("tiny".to_owned())]));
        assert!(latest.results.iter().all(|r| r.value == StoredValue::Suppressed && r.banding.is_none()));

        // Nothing of a suppressed figure is in the table, and the table refuses it.
        let leaked: i64 = on_pool!(store, pool => {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM measure_results WHERE suppressed AND (value IS NOT NULL \
                 OR n_pupils IS NOT NULL OR ci_low IS NOT NULL OR ci_high IS NOT NULL)",
            )
            .fetch_one(pool)
            .await
            .unwrap()
        });
        assert_eq!(leaked, 0);
        let refused = on_pool!(store, pool => {
            sqlx::query(
                "INSERT INTO measure_results (refresh_id, academic_year, scope_kind, scope_code, \
                 measure, pupil_group, n_pupils, value, suppressed) \
                 VALUES ($1, 2024, 'school', 'x', 'eyfs_gld', 'all', 4, 0.5, TRUE)",
            )
            .bind(refresh.refresh.id)
            .execute(pool)
            .await
            .map(drop)
        });
        assert!(refused.is_err());
    }
}

backend_test! {
    async fn with_no_refresh_there_are_no_results(db) {
        let latest = db.store().latest_results(None, &ScopeFilter::All, &[]).await.unwrap();
        assert_eq!(latest, LatestResults { refresh: None, results: Vec::new() });
    }
}

#[test]
fn measure_codes_are_stable_and_round_trip() {
    for &measure in Measure::ALL {
        assert_eq!(Measure::parse(measure.code()), Some(measure));
        assert!(
            measure
                .code()
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        );
    }
    assert_eq!(Measure::Ks4Progress8.code(), "ks4_progress8");
    assert_eq!(Measure::EyfsGld.code(), "eyfs_gld");
    for banding in super::BANDINGS {
        assert_eq!(
            super::banding_from_code(super::banding_code(banding)),
            Some(banding)
        );
    }
}

backend_test! {
    async fn a_refresh_stores_each_years_roll_as_the_census_day_count(db) {
        let store = db.store();
        let partnership = crate::tests::demo();
        store.load_partnership(&partnership).await.unwrap();
        let latest = store.latest_academic_year().await.unwrap().unwrap();
        assert_eq!(store.stored_rolls(latest).await.unwrap(), None, "no refresh yet");
        store
            .refresh_measures("test", at(9), SuppressionPolicy::default())
            .await
            .unwrap();
        for year in cairn_demo::demo_years() {
            let day = year.spring_census_day();
            let (on_date, rolls) = store.stored_rolls(year).await.unwrap().unwrap();
            assert_eq!(on_date, day);
            assert_eq!(rolls, store.school_rolls(day).await.unwrap());
            assert!(rolls.iter().map(|r| r.n_pupils).sum::<i64>() > 5_000);
        }
    }
}

backend_test! {
    async fn no_stored_trust_or_cluster_figure_gives_back_a_suppressed_school_by_subtraction(db) {
        let store = db.store();
        let partnership = crate::tests::demo();
        store.load_partnership(&partnership).await.unwrap();
        let summary = store
            .refresh_measures("test", at(9), SuppressionPolicy::default())
            .await
            .unwrap();
        // The demo's small schools and groups make the rule bite; a test that never saw it
        // hide anything would prove nothing.
        assert!(summary.hidden_across_levels > 0, "{summary:?}");
        let latest = store
            .latest_results(None, &ScopeFilter::All, &[])
            .await
            .unwrap();
        let stored: HashMap<(&ResultScope, AcademicYear, Measure, PupilGroup), &StoredValue> =
            latest
                .results
                .iter()
                .map(|r| ((&r.scope, r.academic_year, r.measure, r.pupil_group), &r.value))
                .collect();
        // The block of measures a figure is computed with (one engine summary), by code prefix.
        let block = |measure: Measure| measure.code().split('_').next().unwrap_or_default();
        // A school is left out of its groups' figures for a block when its own all-pupils
        // figure for a measure of the block is suppressed, whether for too few pupils or none.
        let left_out: BTreeSet<(&ResultScope, AcademicYear, &str)> = latest
            .results
            .iter()
            .filter(|r| {
                r.scope.kind() == ScopeKind::School
                    && r.pupil_group == PupilGroup::All
                    && r.value.is_suppressed()
            })
            .map(|r| (&r.scope, r.academic_year, block(r.measure)))
            .collect();
        let mut n_checked = 0;
        for result in &latest.results {
            let ResultScope::Group(code) = &result.scope else {
                continue;
            };
            let Some(n_group) = result.value.n_pupils() else {
                continue;
            };
            let day = result.academic_year.spring_census_day();
            let (mut n_shown, mut n_hidden_members) = (0, 0);
            for membership in partnership
                .memberships
                .iter()
                .filter(|m| &m.group_code == code && m.is_active_on(day))
            {
                let scope = ResultScope::School(membership.urn);
                if left_out.contains(&(&scope, result.academic_year, block(result.measure))) {
                    continue;
                }
                let key = (&scope, result.academic_year, result.measure, result.pupil_group);
                match stored.get(&key).map(|v| v.n_pupils()) {
                    Some(Some(n)) => n_shown += n,
                    Some(None) => n_hidden_members += 1,
                    None => {}
                }
            }
            // What a reader can work out: the pupils of the suppressed members, together.
            let remainder = n_group.checked_sub(n_shown).unwrap_or_else(|| {
                panic!(
                    "{code} {} {}: {n_group} pupils pooled but {n_shown} in pooled schools",
                    result.measure.code(),
                    result.pupil_group.code()
                )
            });
            assert!(
                remainder == 0 || (n_hidden_members >= 2 && remainder >= 6),
                "{code} {} {} {}: {n_group} pupils, {n_shown} shown in member schools, \
                 {n_hidden_members} suppressed members",
                result.academic_year,
                result.measure.code(),
                result.pupil_group.code(),
            );
            n_checked += 1;
        }
        assert!(n_checked > 100, "only {n_checked} group figures checked");
        // The trust's and clusters' headline figures survive: a special school's handful of
        // pupils is left out of them rather than hiding them.
        let hidden_headlines: Vec<String> = latest
            .results
            .iter()
            .filter(|r| {
                r.scope.kind() == ScopeKind::Group
                    && r.pupil_group == PupilGroup::All
                    && r.value.is_suppressed()
            })
            .map(|r| format!("{:?} {} {}", r.scope, r.academic_year, r.measure.code()))
            .collect();
        assert!(hidden_headlines.is_empty(), "{hidden_headlines:?}");
    }
}

backend_test! {
    async fn refresh_stores_attendance_by_month_from_the_demo_marks(db) {
        use cairn_domain::StatisticalTreatment as T;
        use chrono::Datelike;
        let store = db.store();
        let partnership = cairn_demo::generate(cairn_demo::DEFAULT_SEED);
        store.load_partnership(&partnership).await.unwrap();
        let summary = store
            .refresh_measures("test", at(9), SuppressionPolicy::default())
            .await
            .unwrap();
        assert!(summary.monthly_results > 0, "{summary:?}");

        // The refresh sums the marks in SQL; the sums are the marks counted one by one.
        let ids = pupil_ids(store).await;
        let (by_hand, issues) = tally_by_hand(&partnership, &ids);
        let (_, marks) = store.load_records().await.unwrap();
        assert_eq!((marks.issues, issues), (0, 0));
        assert_eq!(marks.by_year.len(), 1);
        assert!(marks.by_year == by_hand);

        // Stored rows match a hand tally of the marks: October 2024 at one school, all pupils
        // enrolled there on the mark's date.
        let latest_year = year(2024);
        let enrolments = enrolments_by_pupil(&partnership);
        let urn = partnership.schools[0].urn;
        let (mut possible, mut absent) = (0_u64, 0_u64);
        for mark in &partnership.attendance_marks {
            if mark.date.year() != 2024 || mark.date.month() != 10 {
                continue;
            }
            if enrolled_at(&enrolments[&mark.upn], mark.date) != Some(urn) {
                continue;
            }
            match mark.code.treatment() {
                T::NotCounted => {}
                T::Authorised | T::Unauthorised => {
                    possible += 1;
                    absent += 1;
                }
                T::Present | T::ApprovedActivity => possible += 1,
            }
        }
        assert!(possible > 1000, "{possible}");
        let mut scopes = vec![ResultScope::School(urn)];
        scopes.extend(partnership.groups.iter().map(|g| ResultScope::Group(g.code.clone())));
        let monthly = store.latest_monthly_attendance(latest_year, &scopes).await.unwrap();
        let october = cairn_measures::attendance::monthly::CalendarMonth::new(2024, 10).unwrap();
        let row = monthly
            .iter()
            .find(|r| {
                r.scope == ResultScope::School(urn)
                    && r.month == october
                    && r.measure == Measure::AttendanceOverallAbsence
                    && r.pupil_group == PupilGroup::All
            })
            .unwrap();
        assert_eq!(row.possible_sessions, Some(possible));
        let rate = absent as f64 / possible as f64;
        assert!((row.value.value().unwrap() - rate).abs() < 1e-9, "{row:?} {rate}");

        // Eleven months, September to July, for the school and for every group; each shown
        // figure has an interval, and small groups are stored suppressed.
        let months: BTreeSet<_> = monthly
            .iter()
            .filter(|r| r.scope == ResultScope::School(urn))
            .map(|r| r.month)
            .collect();
        assert_eq!(months.len(), 11, "{months:?}");
        for group in &partnership.groups {
            assert!(monthly.iter().any(|r| r.scope == ResultScope::Group(group.code.clone())));
        }
        assert!(monthly.iter().any(|r| r.value.is_suppressed()));
        for r in &monthly {
            if let StoredValue::Shown { ci_low, ci_high, value, .. } = r.value {
                let (low, high) = (ci_low.unwrap(), ci_high.unwrap());
                assert!(low <= value && value <= high, "{r:?}");
            }
        }
        // Persistent absence to date is stored beside each month's rate.
        assert!(monthly.iter().any(|r| r.measure == Measure::AttendancePersistentAbsence));
        // Earlier years came as termly summaries only: no monthly figures.
        let earlier = store.latest_monthly_attendance(year(2023), &scopes).await.unwrap();
        assert!(earlier.is_empty());
    }
}

backend_test! {
    async fn marks_summed_in_sql_count_every_code_as_the_engine_does(db) {
        use cairn_domain::{AttendanceCode, AttendanceMark, Session};
        let store = db.store();
        let demo = crate::tests::demo();
        let upn = demo.pupils[0].upn.clone();
        let mut partnership = Partnership {
            schools: demo.schools.clone(),
            groups: demo.groups.clone(),
            memberships: demo.memberships.clone(),
            pupils: vec![demo.pupils[0].clone()],
            enrolments: demo.enrolments.iter().filter(|e| e.upn == upn).cloned().collect(),
            ..Partnership::default()
        };
        // Every code of the 2024 set, a day each from 30 August 2024 (so across two months),
        // with a present PM; and H, withdrawn in August 2024, on a day in 2023, which the
        // engine's 2024 set does not know.
        let start = chrono::NaiveDate::from_ymd_opt(2024, 8, 30).unwrap();
        let codes = cairn_measures::attendance::AttendanceCodes::dfe_2024().unwrap();
        for (i, (code, _)) in codes.codes().enumerate() {
            let date = start + chrono::Days::new(u64::try_from(i).unwrap());
            for (session, code) in [(Session::Am, code), (Session::Pm, "\\")] {
                partnership.attendance_marks.push(AttendanceMark {
                    upn: upn.clone(),
                    date,
                    session,
                    code: AttendanceCode::parse(code, date).unwrap(),
                });
            }
        }
        let old = chrono::NaiveDate::from_ymd_opt(2023, 10, 2).unwrap();
        partnership.attendance_marks.push(AttendanceMark {
            upn: upn.clone(),
            date: old,
            session: Session::Am,
            code: AttendanceCode::parse("H", old).unwrap(),
        });
        store.load_partnership(&partnership).await.unwrap();

        let ids = pupil_ids(store).await;
        let (by_hand, issues) = tally_by_hand(&partnership, &ids);
        assert_eq!(issues, 1);
        let (_, marks) = store.load_records().await.unwrap();
        assert_eq!(marks.issues, 1);
        assert!(marks.by_year == by_hand, "{:?}\n{by_hand:?}", marks.by_year);
        // August 2024 is in 2023/24 with the withdrawn code's month; September 2024 in 2024/25.
        assert_eq!(marks.by_year.keys().copied().collect::<Vec<_>>(), [2023, 2024]);
        let sessions: u32 = marks.by_year[&2024]
            .values()
            .flat_map(|months| months.values())
            .map(|c| c.possible)
            .sum();
        assert!(sessions > 20, "{sessions}");
    }
}

backend_test! {
    async fn marks_count_at_the_school_enrolling_the_pupil_on_their_date(db) {
        use cairn_domain::{AttendanceCode, AttendanceMark, Session};
        use chrono::NaiveDate;
        let store = db.store();
        let demo = crate::tests::demo();
        let day = |m: u32, d: u32| NaiveDate::from_ymd_opt(2024, m, d).unwrap();
        // Two trust schools, A and B, and C outside the trust, on the 2024/25 census day.
        let census = year(2024).spring_census_day();
        let in_trust: BTreeSet<Urn> = demo
            .memberships
            .iter()
            .filter(|m| m.group_code == cairn_demo::TRUST_CODE && m.is_active_on(census))
            .map(|m| m.urn)
            .collect();
        let mut trust = in_trust.iter().copied();
        let (a, b) = (trust.next().unwrap(), trust.next().unwrap());
        let c = demo.schools.iter().map(|s| s.urn).find(|u| !in_trust.contains(u)).unwrap();
        // Two pupils on roll at A until Friday 15 November 2024 (their last day), then from
        // Monday 18 November the first at B, in the trust, the second at C, outside it.
        let movers = [demo.pupils[0].clone(), demo.pupils[1].clone()];
        let mut enrolments = Vec::new();
        for (pupil, to) in movers.iter().zip([b, c]) {
            let template = demo
                .enrolments
                .iter()
                .find(|e| e.upn == pupil.upn && e.academic_year == year(2024))
                .unwrap();
            enrolments.push(cairn_domain::Enrolment {
                urn: a,
                started_on: day(9, 1),
                left_on: Some(day(11, 15)),
                ..template.clone()
            });
            enrolments.push(cairn_domain::Enrolment {
                urn: to,
                started_on: day(11, 18),
                left_on: None,
                ..template.clone()
            });
        }
        let mut partnership = Partnership {
            schools: demo.schools.clone(),
            groups: demo.groups.clone(),
            memberships: demo.memberships.clone(),
            pupils: movers.to_vec(),
            enrolments,
            ..Partnership::default()
        };
        // Every weekday session from 4 to 29 November: present, except that the first pupil
        // is ill (I) on the mornings of 4, 5 and 6 November at A and of 18 November at B, and
        // the second is absent unauthorised (N) all week from 11 November at A.
        let mark = |upn: &Upn, date: NaiveDate, session: Session, code: &str| AttendanceMark {
            upn: upn.clone(),
            date,
            session,
            code: AttendanceCode::parse(code, date).unwrap(),
        };
        for d in (4..=8).chain(11..=15).chain(18..=22).chain(25..=29) {
            let date = day(11, d);
            for session in [Session::Am, Session::Pm] {
                let present = if session == Session::Am { "/" } else { "\\" };
                let first = match (d, session) {
                    (4..=6 | 18, Session::Am) => "I",
                    _ => present,
                };
                let second = if (11..=15).contains(&d) { "N" } else { present };
                partnership.attendance_marks.push(mark(&movers[0].upn, date, session, first));
                partnership.attendance_marks.push(mark(&movers[1].upn, date, session, second));
            }
        }
        // A mark on Saturday 16 November, between the two enrolments: no school enrols the
        // pupil that day, so it counts nowhere and is an issue.
        partnership.attendance_marks.push(mark(&movers[0].upn, day(11, 16), Session::Am, "/"));
        store.load_partnership(&partnership).await.unwrap();

        // The tallies are the marks counted one by one at the school enrolling the pupil.
        let ids = pupil_ids(store).await;
        let (by_hand, issues) = tally_by_hand(&partnership, &ids);
        assert_eq!(issues, 1);
        let (_, marks) = store.load_records().await.unwrap();
        assert_eq!((marks.issues, marks.unenrolled), (1, 1));
        assert!(marks.by_year == by_hand, "{:?}\n{by_hand:?}", marks.by_year);

        // Small figures shown, so the exact sessions can be read back.
        let policy = SuppressionPolicy::new(1).hiding_complement_of_empty(false);
        let summary = store.refresh_measures("test", at(9), policy).await.unwrap();
        assert_eq!(summary.record_issues, 1, "{summary:?}");
        let mut scopes = vec![ResultScope::School(a), ResultScope::School(b), ResultScope::School(c)];
        scopes.extend(demo.groups.iter().map(|g| ResultScope::Group(g.code.clone())));
        let monthly = store.latest_monthly_attendance(year(2024), &scopes).await.unwrap();
        let november = cairn_measures::attendance::monthly::CalendarMonth::new(2024, 11).unwrap();
        let figure = |scope: &ResultScope, measure: Measure| {
            let row = monthly
                .iter()
                .find(|r| {
                    &r.scope == scope
                        && r.month == november
                        && r.measure == measure
                        && r.pupil_group == PupilGroup::All
                })
                .unwrap_or_else(|| panic!("no {measure:?} for {scope:?}"));
            let StoredValue::Shown { value, n_pupils, .. } = row.value else {
                panic!("{row:?}");
            };
            (row.possible_sessions, value, n_pupils)
        };
        let trust = ResultScope::Group(cairn_demo::TRUST_CODE.to_owned());
        // (scope, possible sessions, absent sessions, pupils, persistently absent pupils)
        let expected = [
            // Both pupils' first two weeks: 40 sessions, 3 + 10 absent; both absent for 10 %
            // or more of their sessions at A (3 of 20, 10 of 20).
            (ResultScope::School(a), 40, 13, 2, 2),
            // The first pupil's last two weeks: 1 of 20 absent (5 %), not persistent at B.
            (ResultScope::School(b), 20, 1, 1, 0),
            // The second pupil's last two weeks: all present.
            (ResultScope::School(c), 20, 0, 1, 0),
            // The trust pools A and B: the first pupil once, with both schools' sessions
            // (4 of 40 absent, 10 %: persistent across the trust), and the second only while
            // at A (10 of 20); their sessions at C, outside the trust, do not count.
            (trust, 60, 14, 2, 2),
        ];
        for (scope, possible, absent, pupils, persistent) in expected {
            let (stored_possible, rate, n) = figure(&scope, Measure::AttendanceOverallAbsence);
            assert_eq!((stored_possible, n), (Some(possible), pupils), "{scope:?}");
            assert!((rate - absent as f64 / possible as f64).abs() < 1e-12, "{scope:?} {rate}");
            let (_, share, n) = figure(&scope, Measure::AttendancePersistentAbsence);
            assert_eq!(n, pupils, "{scope:?}");
            assert!((share - f64::from(persistent) / f64::from(pupils)).abs() < 1e-12, "{scope:?}");
        }
    }
}
