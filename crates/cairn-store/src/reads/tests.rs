//! Pupil lists, timelines and gaps, on both backends.

use cairn_domain::{AcademicYear, Urn};
use cairn_measures::PupilGroup;

use super::{AttendanceBand, PupilFilter, gap_comparator, gaps_within};
use crate::{Measure, ResultScope, StoredResult, StoredValue, backend_test};

fn demo() -> cairn_domain::Partnership {
    crate::tests::demo()
}

fn year(start: u16) -> AcademicYear {
    AcademicYear::starting(start).expect("valid year")
}

fn shown(value: f64) -> StoredValue {
    StoredValue::Shown {
        value,
        n_pupils: 40,
        ci_low: None,
        ci_high: None,
    }
}

fn result(group: PupilGroup, value: StoredValue) -> StoredResult {
    StoredResult {
        academic_year: year(2024),
        scope: ResultScope::School(Urn::parse("100001").expect("urn")),
        measure: Measure::Ks4Progress8,
        pupil_group: group,
        value,
        banding: None,
    }
}

#[test]
fn a_gap_is_the_group_minus_its_comparator_and_never_shown_beside_a_suppressed_figure() {
    let results = [
        result(PupilGroup::All, shown(0.10)),
        result(PupilGroup::Disadvantaged, shown(-0.40)),
        result(PupilGroup::NonDisadvantaged, shown(0.25)),
        result(PupilGroup::Eal, StoredValue::Suppressed),
        result(PupilGroup::NonEal, shown(0.12)),
        result(PupilGroup::PriorHigh, shown(0.30)),
    ];
    let gaps = gaps_within(&results);
    let gap = |group| gaps.iter().find(|g| g.group == group).expect("a gap");
    let disadvantaged = gap(PupilGroup::Disadvantaged);
    assert_eq!(disadvantaged.comparator, PupilGroup::NonDisadvantaged);
    assert!((disadvantaged.gap.expect("shown") - -0.65).abs() < 1e-9);
    assert!((gap(PupilGroup::NonDisadvantaged).gap.expect("shown") - 0.65).abs() < 1e-9);
    // Both directions are hidden when one side is suppressed: 0.12 and a gap would give the
    // suppressed EAL figure away.
    assert_eq!(gap(PupilGroup::Eal).gap, None);
    assert_eq!(gap(PupilGroup::NonEal).gap, None);
    assert_eq!(gap(PupilGroup::PriorHigh).comparator, PupilGroup::All);
    assert!((gap(PupilGroup::PriorHigh).gap.expect("shown") - 0.20).abs() < 1e-9);
    assert!(gaps.iter().all(|g| g.group != PupilGroup::All));
    assert_eq!(
        gap_comparator(PupilGroup::SenEhcp),
        Some(PupilGroup::SenNone)
    );
}

#[test]
fn attendance_bands_follow_the_dfe_thresholds() {
    use cairn_measures::attendance::SessionCounts;
    let band = |possible, absent| {
        AttendanceBand::of(Some(&SessionCounts {
            possible,
            attended: possible - absent,
            authorised: absent,
            unauthorised: 0,
        }))
    };
    // measures.md §6: persistent at 10 % of possible sessions or more, severe at 50 %.
    assert_eq!(band(300, 29), AttendanceBand::Regular);
    assert_eq!(band(300, 30), AttendanceBand::Persistent);
    assert_eq!(band(300, 149), AttendanceBand::Persistent);
    assert_eq!(band(300, 150), AttendanceBand::Severe);
    assert_eq!(AttendanceBand::of(None), AttendanceBand::NotRecorded);
    for b in AttendanceBand::ALL {
        assert_eq!(AttendanceBand::parse(b.code()), Some(b));
    }
}

backend_test! {
    async fn pupil_filters_each_narrow_the_list_and_agree_with_the_roll(db) {
        let store = db.store();
        let partnership = demo();
        store.load_partnership(&partnership).await.expect("load");
        let latest = store.latest_academic_year().await.expect("year").expect("some year");
        let urn = partnership.schools.iter().map(|s| s.urn).next().expect("a school");
        let all = PupilFilter { schools: vec![urn], ..PupilFilter::default() };
        let listed = store.pupils_matching(latest, &all).await.expect("list");
        let roll = store.pupils_on_roll(urn, latest).await.expect("roll");
        assert_eq!(listed.len(), roll.len());
        assert!(!listed.is_empty());

        let count = |filter: PupilFilter| async move {
            store.pupils_matching(latest, &filter).await.expect("list")
        };
        let disadvantaged = count(PupilFilter { disadvantaged: Some(true), ..all.clone() }).await;
        let others = count(PupilFilter { disadvantaged: Some(false), ..all.clone() }).await;
        assert_eq!(disadvantaged.len() + others.len(), listed.len());
        assert!(disadvantaged.iter().all(|p| p.disadvantaged == Some(true)));

        let mut by_band = 0;
        for band in AttendanceBand::ALL {
            let pupils = count(PupilFilter { attendance: Some(band), ..all.clone() }).await;
            assert!(pupils.iter().all(|p| p.attendance == band));
            by_band += pupils.len();
        }
        assert_eq!(by_band, listed.len());
        assert!(
            listed.iter().any(|p| p.absence_rate.is_some()),
            "the demo records attendance"
        );

        let nc_year = listed[0].nc_year;
        let year_group = count(PupilFilter { nc_year: Some(nc_year), ..all.clone() }).await;
        assert!(year_group.iter().all(|p| p.nc_year == nc_year));
        assert!(!year_group.is_empty());

        let nobody = count(PupilFilter::default()).await;
        assert!(nobody.is_empty(), "no schools, no pupils");
    }
}

backend_test! {
    async fn a_timeline_follows_a_pupil_across_schools_and_can_be_cut_to_the_viewers_schools(db) {
        let store = db.store();
        let partnership = demo();
        store.load_partnership(&partnership).await.expect("load");
        // A pupil who moved school: enrolled at two different URNs.
        let mover = partnership
            .enrolments
            .iter()
            .find(|e| {
                partnership
                    .enrolments
                    .iter()
                    .any(|o| o.upn == e.upn && o.urn != e.urn)
            })
            .expect("the demo has pupils who move between schools");
        let latest = store.latest_academic_year().await.expect("year").expect("some year");
        let mut pupil_id = None;
        for school in &partnership.schools {
            let roll = store
                .pupils_matching(latest, &PupilFilter { schools: vec![school.urn], ..PupilFilter::default() })
                .await
                .expect("list");
            if let Some(p) = roll.iter().find(|p| p.upn == mover.upn) {
                pupil_id = Some(p.pupil_id);
            }
        }
        let pupil_id = pupil_id.expect("the mover is on a roll in the latest year");
        let mut timeline = store.pupil_timeline(pupil_id).await.expect("read").expect("found");
        assert_eq!(timeline.upn, mover.upn);
        let schools = timeline.schools();
        assert!(schools.len() >= 2, "{schools:?}");
        assert!(!timeline.characteristics.is_empty());
        let n_enrolments = timeline.enrolments.len();
        let hidden = timeline.keep_years_at(&schools[1..]);
        assert!(hidden >= 1);
        assert_eq!(timeline.enrolments.len() + hidden, n_enrolments);
        assert!(timeline.enrolments.iter().all(|e| e.urn != schools[0]));
        let kept_years: Vec<_> = timeline.enrolments.iter().map(|e| e.academic_year).collect();
        assert!(timeline.characteristics.iter().all(|c| kept_years.contains(&c.academic_year)));
        assert!(timeline.attendance.iter().all(|a| kept_years.contains(&a.academic_year)));

        assert!(store.pupil_timeline(-1).await.expect("read").is_none());
    }
}
