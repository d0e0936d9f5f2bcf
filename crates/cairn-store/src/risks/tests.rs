//! The risk register's store suite, on SQLite and PostgreSQL.

use cairn_domain::{Partnership, Username};
use cairn_measures::SuppressionPolicy;
use chrono::TimeZone;

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
    let partnership = cairn_demo::generate(cairn_demo::DEFAULT_SEED);
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
