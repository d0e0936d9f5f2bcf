//! The risk register's store suite, on SQLite and PostgreSQL.

use cairn_domain::{Partnership, Username};
use cairn_measures::SuppressionPolicy;
use chrono::TimeZone;

use cairn_measures::risk::GradeScheme;

use super::*;
use crate::backend_test;

fn at(hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, hour, 0, 0)
        .single()
        .unwrap()
}

fn urn_named(partnership: &Partnership, name: &str) -> Urn {
    partnership
        .schools
        .iter()
        .find(|s| s.name == name)
        .unwrap()
        .urn
}

/// The demo partnership with England's figures, refreshed at 09:00.
async fn demo_refreshed(store: &Store) -> Partnership {
    let partnership = crate::tests::demo();
    store.load_partnership(&partnership).await.unwrap();
    store
        .load_national_benchmarks(&cairn_demo::national_benchmarks(cairn_demo::DEFAULT_SEED))
        .await
        .unwrap();
    store
        .refresh_measures("test", at(9), SuppressionPolicy::default())
        .await
        .unwrap();
    partnership
}

fn everything(partnership: &Partnership) -> RiskFilter {
    let all: Vec<Urn> = partnership.schools.iter().map(|s| s.urn).collect();
    RiskFilter {
        schools: all.clone(),
        pupil_schools: all,
        ..RiskFilter::default()
    }
}

fn find(entries: &[RiskEntry], rule: RiskRule, urn: Urn, measure: Measure) -> &RiskEntry {
    entries
        .iter()
        .find(|e| e.rule == rule && e.urn == urn && e.measure == measure && e.pupil.is_none())
        .unwrap_or_else(|| panic!("no {rule:?} entry for {measure:?} at {urn}"))
}

backend_test! {
    async fn the_register_is_filled_at_each_refresh_and_updated_not_duplicated(db) {
        let store = db.store();
        let p = demo_refreshed(store).await;
        let high = urn_named(&p, "Northvale High School");
        let entries = store.risk_entries(&everything(&p)).await.unwrap();
        // The planted story: Northvale High's absence rises year on year.
        let rising = find(&entries, RiskRule::YearOnYearFall, high, Measure::AttendanceOverallAbsence);
        assert!(rising.firing && rising.status == RiskStatus::New);
        assert!(rising.finding.finding.difference > rising.finding.finding.margin);
        assert_eq!(rising.finding.academic_year, AcademicYear::starting(2024).unwrap());
        assert_eq!((rising.first_fired_at, rising.last_fired_at), (at(9), at(9)));
        let pupils: Vec<&RiskEntry> = entries.iter().filter(|e| e.pupil.is_some()).collect();
        assert!(!pupils.is_empty());
        assert!(pupils.iter().any(|e| e.rule == RiskRule::SevereAbsence));
        assert!(pupils.iter().any(|e| e.rule == RiskRule::AbsenceRising));
        for e in &pupils {
            let f = e.finding.finding;
            match e.rule {
                RiskRule::SevereAbsence => assert!(f.value >= 0.5),
                RiskRule::AbsenceRising => assert!(f.difference >= 0.1 && f.difference > f.margin),
                RiskRule::AttainmentTrajectory => {
                    assert_eq!(f.value as usize, e.finding.trajectory.len());
                    assert!(!e.finding.trajectory.is_empty());
                }
                other => panic!("{other:?} is off by default"),
            }
        }

        store.refresh_measures("again", at(10), SuppressionPolicy::default()).await.unwrap();
        let again = store.risk_entries(&everything(&p)).await.unwrap();
        assert_eq!(again.len(), entries.len(), "updated, not duplicated");
        let updated = find(&again, RiskRule::YearOnYearFall, high, Measure::AttendanceOverallAbsence);
        assert_eq!(updated.id, rising.id);
        assert_eq!((updated.first_fired_at, updated.last_fired_at), (at(9), at(10)));

        // The demo's decisions land on entries that fired, once.
        let planned = cairn_demo::risk_decisions();
        let n_steps: usize = planned.iter().map(|d| d.decisions.len()).sum();
        assert_eq!(store.load_risk_decisions(&planned).await.unwrap(), n_steps);
        assert_eq!(store.load_risk_decisions(&planned).await.unwrap(), 0, "a second load changes nothing");
        let history = store.risk_decisions(rising.id).await.unwrap();
        let kinds: Vec<RiskDecisionKind> = history.iter().map(|d| d.kind).collect();
        assert_eq!(kinds, [RiskDecisionKind::Monitor, RiskDecisionKind::Intervene], "oldest first");
        assert_eq!(history[1].decided_by.as_str(), "trust.leader");
        let entry = store.risk_entry(rising.id).await.unwrap().unwrap();
        assert_eq!(entry.status, RiskStatus::Intervene);
        let willow = urn_named(&p, "Willow Bank School");
        let closed = store.risk_entries(&RiskFilter {
            schools: vec![willow],
            status: Some(RiskStatus::Closed),
            ..RiskFilter::default()
        }).await.unwrap();
        assert_eq!(closed.len(), 1, "{closed:?}");
        assert_eq!(closed[0].measure, Measure::Ks2RwmExpected);
    }
}

backend_test! {
    async fn an_entry_that_stops_firing_stays_listed_and_a_closed_one_reopens_when_it_fires_again(db) {
        let store = db.store();
        let p = demo_refreshed(store).await;
        let high = urn_named(&p, "Northvale High School");
        let leader = Username::parse("trust.leader").unwrap();
        let before = store.risk_entries(&everything(&p)).await.unwrap();
        let rising = find(&before, RiskRule::YearOnYearFall, high, Measure::AttendanceOverallAbsence).id;

        let mut config = store.risk_settings(cairn_demo::TRUST_CODE).await.unwrap();
        assert_eq!(config, RiskConfig::default());
        config.year_on_year_fall = false;
        let summary = store.set_risk_settings(cairn_demo::TRUST_CODE, &config, &leader, at(10)).await.unwrap();
        assert!(summary.stopped > 0 && summary.added == 0, "{summary:?}");
        assert_eq!(store.risk_settings(cairn_demo::TRUST_CODE).await.unwrap(), config);
        let after = store.risk_entries(&everything(&p)).await.unwrap();
        assert_eq!(after.len(), before.len(), "never silently dropped");
        let stopped = store.risk_entry(rising).await.unwrap().unwrap();
        assert!(!stopped.firing);
        assert_eq!(stopped.stopped_at, Some(at(9)), "not firing on the 09:00 figures");
        assert_eq!(stopped.finding, find(&before, RiskRule::YearOnYearFall, high, Measure::AttendanceOverallAbsence).finding, "the numbers it last fired with are kept");

        store.record_risk_decision(rising, RiskDecisionKind::Close, "Judged with the rule off", &leader, at(10)).await.unwrap();
        assert_eq!(store.risk_entry(rising).await.unwrap().unwrap().status, RiskStatus::Closed);
        config.year_on_year_fall = true;
        store.set_risk_settings(cairn_demo::TRUST_CODE, &config, &leader, at(11)).await.unwrap();
        assert_eq!(store.risk_entry(rising).await.unwrap().unwrap().status, RiskStatus::Closed, "the same figures: still closed");
        store.refresh_measures("later", at(12), SuppressionPolicy::default()).await.unwrap();
        let reopened = store.risk_entry(rising).await.unwrap().unwrap();
        assert!(reopened.firing);
        assert_eq!(reopened.status, RiskStatus::Reopened);
        assert_eq!(store.risk_decisions(rising).await.unwrap().len(), 1, "decisions are never rewritten");
    }
}

backend_test! {
    async fn pupil_entries_are_read_only_for_the_schools_the_caller_names(db) {
        let store = db.store();
        let p = demo_refreshed(store).await;
        let high = urn_named(&p, "Northvale High School");
        let all: Vec<Urn> = p.schools.iter().map(|s| s.urn).collect();
        let aggregate_only = store.risk_entries(&RiskFilter {
            schools: all.clone(),
            ..RiskFilter::default()
        }).await.unwrap();
        assert!(!aggregate_only.is_empty());
        assert!(aggregate_only.iter().all(|e| e.pupil.is_none()));
        let one_school = store.risk_entries(&RiskFilter {
            schools: all,
            pupil_schools: vec![high],
            rule: Some(RiskRule::SevereAbsence),
            ..RiskFilter::default()
        }).await.unwrap();
        assert!(!one_school.is_empty());
        assert!(one_school.iter().all(|e| e.pupil.is_some() && e.urn == high && e.rule == RiskRule::SevereAbsence));
    }
}

backend_test! {
    async fn the_planted_gap_widens_and_y6_pupils_below_expected_and_not_rising_are_listed(db) {
        let store = db.store();
        let p = demo_refreshed(store).await;
        let entries = store.risk_entries(&everything(&p)).await.unwrap();
        // The planted story: Kingsmere's disadvantaged pupils' absence gap widens.
        let kingsmere = urn_named(&p, "Kingsmere School");
        let gap = entries
            .iter()
            .find(|e| {
                e.rule == RiskRule::GapWidened
                    && e.urn == kingsmere
                    && e.measure == Measure::AttendanceOverallAbsence
                    && e.pupil_group == PupilGroup::Disadvantaged
            })
            .expect("Kingsmere's widening absence gap fires");
        let f = gap.finding.finding;
        assert!(f.difference > f.margin && f.value > f.reference, "{f:?}");

        // Y6: every trajectory entry is below expected on the KS2 scale and not rising.
        let trajectory: Vec<&RiskEntry> = entries
            .iter()
            .filter(|e| e.rule == RiskRule::AttainmentTrajectory)
            .collect();
        assert!(trajectory.len() > 20, "{}", trajectory.len());
        let scale = GradeScheme::default();
        for e in &trajectory {
            assert!(e.pupil.is_some());
            assert_eq!(e.measure, Measure::Ks2RwmExpected, "the 2024/25 Y11 have no KS2");
            for t in &e.finding.trajectory {
                let rank = |r: &str| scale.levels.iter().position(|l| l.result == r).unwrap();
                assert!(rank(&t.latest.result) <= rank(&t.previous.result), "{t:?}");
                assert!(rank(&t.latest.result) < rank("EXS"), "{t:?}");
                assert_eq!(t.expected, Expectation::Level { at: "EXS".to_owned() });
            }
        }
        // The 2024/25 Y11's predictions cannot be judged: they had no KS2 tests.
        let summary = store.update_risk_register().await.unwrap();
        assert!(summary.no_prior_attainment > 300, "{summary:?}");
        assert_eq!(summary.unread_results, 0, "{summary:?}");
        assert_eq!(summary.added, 0);

        // Turning the rule off stops every trajectory entry.
        let leader = Username::parse("trust.leader").unwrap();
        let mut config = store.risk_settings(cairn_demo::TRUST_CODE).await.unwrap();
        config.attainment_trajectory = false;
        store.set_risk_settings(cairn_demo::TRUST_CODE, &config, &leader, at(10)).await.unwrap();
        let trust_schools: Vec<Urn> = store
            .memberships()
            .await
            .unwrap()
            .iter()
            .filter(|m| m.group_code == cairn_demo::TRUST_CODE)
            .map(|m| m.urn)
            .collect();
        let after = store.risk_entries(&everything(&p)).await.unwrap();
        assert!(after
            .iter()
            .filter(|e| e.rule == RiskRule::AttainmentTrajectory && trust_schools.contains(&e.urn))
            .all(|e| !e.firing));
    }
}

backend_test! {
    async fn predicted_grades_are_judged_against_ks2_prior_attainment_and_unknown_results_reported(db) {
        use cairn_domain::{Ks2Result, Ks2TestOutcome, TeacherAssessment, WritingTa};
        let store = db.store();
        let mut p = crate::tests::demo();
        let [.., latest] = cairn_demo::demo_years();
        // Two Y11 pupils of 2024/25 given the KS2 results they would have had in 2019/20:
        // reading and maths 105, group 19 in the DfE's 2024 estimates (expected English 5).
        let y11: Vec<cairn_domain::Upn> = p
            .enrolments
            .iter()
            .filter(|e| e.academic_year == latest && e.nc_year.number() == 11)
            .map(|e| e.upn.clone())
            .take(3)
            .collect();
        for upn in &y11[..2] {
            p.ks2_results.push(Ks2Result {
                upn: upn.clone(),
                academic_year: Some(AcademicYear::starting(2019).unwrap()),
                reading: Ks2TestOutcome::Scaled(105),
                maths: Ks2TestOutcome::Scaled(105),
                gps: None,
                writing: WritingTa::Expected,
            });
        }
        p.teacher_assessments.retain(|t| !y11.contains(&t.upn));
        let ta = |upn: &cairn_domain::Upn, point: &str, month: u32, result: &str| TeacherAssessment {
            upn: upn.clone(),
            academic_year: Some(latest),
            assessment: point.to_owned(),
            subject: "English".to_owned(),
            result: result.to_owned(),
            assessed_on: chrono::NaiveDate::from_ymd_opt(2025, month, 1),
        };
        // Fell from 5 to 4+ against an expected 5; rose from 3 to 4 (below but rising);
        // a result no scheme reads.
        p.teacher_assessments.extend([
            ta(&y11[0], "Mock 1", 1, "5"),
            ta(&y11[0], "Mock 2", 3, "4+"),
            ta(&y11[1], "Mock 1", 1, "3"),
            ta(&y11[1], "Mock 2", 3, "4"),
            ta(&y11[2], "Mock 1", 1, "B+"),
            ta(&y11[2], "Mock 2", 3, "4"),
        ]);
        store.load_partnership(&p).await.unwrap();
        store
            .refresh_measures("test", at(9), SuppressionPolicy::default())
            .await
            .unwrap();
        let entries = store.risk_entries(&everything(&p)).await.unwrap();
        let ks4: Vec<&RiskEntry> = entries
            .iter()
            .filter(|e| e.rule == RiskRule::AttainmentTrajectory && e.measure == Measure::Ks4Attainment8)
            .collect();
        assert_eq!(ks4.len(), 1, "only the pupil who fell: {ks4:?}");
        let [t] = &ks4[0].finding.trajectory[..] else { panic!("one subject") };
        assert_eq!((t.previous.result.as_str(), t.latest.result.as_str()), ("5", "4+"));
        assert!(t.fell);
        let Expectation::Grade { ks2_average, prior_attainment_group, expected_grade, estimate } = t.expected else {
            panic!("{t:?}")
        };
        assert_eq!((ks2_average, prior_attainment_group, expected_grade), (105.0, 19, 5));
        assert!((estimate - 4.925).abs() < 1e-9, "English element 9.85 / 2");
        let summary = store.update_risk_register().await.unwrap();
        assert_eq!(summary.unread_results, 1, "B+ is reported, not guessed: {summary:?}");
    }
}

backend_test! {
    async fn each_school_counts_the_teacher_assessments_its_scheme_cannot_read(db) {
        let store = db.store();
        let p = demo_refreshed(store).await;
        let today = at(12).date_naive();
        let (year, counts) = store.unread_teacher_assessments(today).await.unwrap().unwrap();
        assert_eq!(year, store.latest_academic_year().await.unwrap().unwrap());
        assert!(counts.len() > 3, "{counts:?}");
        assert!(counts.iter().all(|c| c.assessments > 0 && c.unread == 0), "the defaults read every demo result: {counts:?}");
        let kingsmere = urn_named(&p, "Kingsmere School");
        let before = counts.iter().find(|c| c.urn == kingsmere).unwrap().clone();
        assert_eq!(before.rules_group.as_deref(), Some(cairn_demo::TRUST_CODE), "its trust's rules");

        // The trust stops reading GCSE grades: its secondaries' predictions are unread.
        let leader = Username::parse("trust.leader").unwrap();
        let mut config = store.risk_settings(cairn_demo::TRUST_CODE).await.unwrap();
        config.grade_scheme.gcse_grades = false;
        store.set_risk_settings(cairn_demo::TRUST_CODE, &config, &leader, at(10)).await.unwrap();
        let (_, counts) = store.unread_teacher_assessments(today).await.unwrap().unwrap();
        let after = counts.iter().find(|c| c.urn == kingsmere).unwrap();
        assert_eq!(after.assessments, before.assessments);
        assert!(after.unread > 0 && after.unread <= after.assessments, "{after:?}");
        assert_eq!(after.unread, after.unread_results.iter().map(|(_, n)| n).sum::<usize>());
        assert!(after.unread_results.windows(2).all(|w| w[0].1 >= w[1].1), "most frequent first");
        assert!(after.unread_results.iter().any(|(r, _)| r.ends_with('+')), "Kingsmere writes 5+: {after:?}");
        // The register's count of unread subjects agrees that something is now unread.
        let summary = store.update_risk_register().await.unwrap();
        assert!(summary.unread_results > 0, "{summary:?}");
        // Schools judged by another group's rules are untouched.
        for c in counts.iter().filter(|c| c.rules_group.as_deref() != Some(cairn_demo::TRUST_CODE)) {
            assert_eq!(c.unread, 0, "{c:?}");
        }
        // A primary's KS2 codes are still read.
        let millbrook = urn_named(&p, "Millbrook Community Primary School");
        assert_eq!(counts.iter().find(|c| c.urn == millbrook).unwrap().unread, 0);
    }
}
