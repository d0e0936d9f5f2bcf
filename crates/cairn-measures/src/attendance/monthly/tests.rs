#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "tests fail loudly on purpose"
)]

use cairn_domain::{SenProvision, Sex, Urn};
use rstest::rstest;

use super::*;
use crate::SuppressionReason;
use crate::attendance::AttendanceCodes;
use crate::groups::PupilGroup;

const SEP: CalendarMonth = CalendarMonth {
    year: 2024,
    month: 9,
};
const OCT: CalendarMonth = CalendarMonth {
    year: 2024,
    month: 10,
};

fn context(disadvantaged: bool, sex: Sex) -> PupilContext {
    PupilContext {
        disadvantaged,
        sen: SenProvision::None,
        eal: false,
        sex,
        prior: None,
    }
}

/// A month's counts from its register marks, as the refresh tallies them.
fn marks(text: &str) -> SessionCounts {
    let (counts, issues) = AttendanceCodes::dfe_2024().unwrap().tally_marks(text);
    assert!(issues.is_empty(), "{issues:?}");
    counts
}

fn pupil(
    urn: u32,
    context: PupilContext,
    months: &[(CalendarMonth, &str)],
) -> MonthlyAttendancePupil {
    MonthlyAttendancePupil {
        urn: Urn::from_u32(urn).unwrap(),
        context,
        months: months.iter().map(|(m, text)| (*m, marks(text))).collect(),
    }
}

/// Repeats a register pattern `n` times.
fn days(pattern: &str, n: usize) -> String {
    pattern.repeat(n)
}

// Worked example (measures.md §6 with a month as the period). School 100001, two pupils, no
// suppression (policy 1):
// * Ann: September 20 days, two sessions of illness (I) and one X in a phased start that
//   is not a possible session: 39 possible, 2 absent. October 21 days with 4 sessions of
//   unauthorised holiday (G) and 2 of illness: 42 possible, 6 absent.
// * Ben: September 20 days, all present, but the school was closed by snow (Y4) for one day:
//   38 possible, 0 absent. October: 42 possible, 2 absent (N, O).
// September rate = 2 / 77 = 2.597 %; October = 8 / 84 = 9.524 %.
// Persistent to date: September Ann 2/39 = 5.1 %, Ben 0 → 0 of 2. October Ann 8/81 =
// 9.88 % (not ≥ 10 %) → 0 of 2; a third session of illness would make Ann 9/81 = 11.1 %.
#[rstest]
#[case::below_ten_percent_to_date("/\\", 0)]
#[case::one_more_session_crosses_ten_percent("I\\", 1)]
fn monthly_rates_pool_sessions_and_persistence_counts_the_year_to_date(
    #[case] ann_extra_october_day: &str,
    #[case] persistent_in_october: u32,
) {
    let ann_sep = format!("I I {}/X{}", days("/\\", 17), "/\\");
    let ann_oct = format!("GGGGII{}{}", days("/\\", 17), ann_extra_october_day);
    let ben_sep = format!("Y4Y4{}", days("/\\", 19));
    let ben_oct = format!("NO{}", days("/\\", 20));
    assert_eq!(marks(&ann_sep).possible, 39);
    assert_eq!(marks(&ann_sep).absent(), 2);
    assert_eq!(marks(&ann_oct).possible, 42);
    assert_eq!(marks(&ben_sep).possible, 38);
    let pupils = [
        pupil(
            100_001,
            context(true, Sex::Female),
            &[(OCT, &ann_oct), (SEP, &ann_sep)],
        ),
        pupil(
            100_001,
            context(false, Sex::Male),
            &[(SEP, &ben_sep), (OCT, &ben_oct)],
        ),
    ];
    let by_school = summarise_monthly_attendance_by_school(SuppressionPolicy::new(1), &pupils);
    assert_eq!(by_school.len(), 1);
    let months = &by_school[0].1;
    assert_eq!(
        months.iter().map(|m| m.month).collect::<Vec<_>>(),
        [SEP, OCT]
    );
    let sep = months[0]
        .overall_absence
        .get(PupilGroup::All)
        .value()
        .unwrap();
    assert!((sep.rate - 2.0 / 77.0).abs() < 1e-12);
    assert_eq!(sep.possible_sessions, 77);
    assert!(sep.ci.lower <= sep.rate && sep.rate <= sep.ci.upper);
    let oct_absent = 8 + u32::from(persistent_in_october == 1);
    let oct = months[1]
        .overall_absence
        .get(PupilGroup::All)
        .value()
        .unwrap();
    assert!((oct.rate - f64::from(oct_absent) / 84.0).abs() < 1e-12);
    let pa_sep = months[0]
        .persistent_absence_to_date
        .get(PupilGroup::All)
        .value()
        .unwrap();
    assert_eq!((pa_sep.hits, pa_sep.rate), (0, 0.0));
    let pa_oct = months[1]
        .persistent_absence_to_date
        .get(PupilGroup::All)
        .value()
        .unwrap();
    assert_eq!(pa_oct.hits, persistent_in_october);
    // By group: Ann is the only disadvantaged pupil and the only girl.
    let disadvantaged = months[1]
        .overall_absence
        .get(PupilGroup::Disadvantaged)
        .value()
        .unwrap();
    assert!((disadvantaged.rate - f64::from(oct_absent - 2) / 42.0).abs() < 1e-12);
    assert_eq!(
        months[1]
            .overall_absence
            .get(PupilGroup::Female)
            .value()
            .unwrap()
            .rate,
        disadvantaged.rate
    );
}

// The month's pupils are those with a possible session in it: a pupil who joined in October
// is not in September, and one who left in September is not in October.
#[test]
fn a_month_counts_only_the_pupils_with_possible_sessions_in_it() {
    let full = days("/\\", 20);
    let pupils = [
        pupil(
            100_001,
            context(false, Sex::Male),
            &[(SEP, &full), (OCT, &full)],
        ),
        pupil(
            100_001,
            context(false, Sex::Male),
            &[(OCT, &days("I\\", 20))],
        ),
        pupil(
            100_001,
            context(false, Sex::Male),
            &[(SEP, &full), (OCT, &days("XX", 20))],
        ),
    ];
    let months = summarise_monthly_attendance_pooled(
        SuppressionPolicy::new(1),
        &pupils,
        &[Urn::from_u32(100_001).unwrap()],
    );
    assert_eq!(months[0].n_pupils.value(), Some(&2));
    assert_eq!(months[1].n_pupils.value(), Some(&2));
    let oct = months[1]
        .overall_absence
        .get(PupilGroup::All)
        .value()
        .unwrap();
    assert!((oct.rate - 20.0 / 80.0).abs() < 1e-12);
    let pa = months[1]
        .persistent_absence_to_date
        .get(PupilGroup::All)
        .value()
        .unwrap();
    assert_eq!((pa.hits, pa.rate), (1, 0.5));
}

// Suppression is the engine's (measures.md §9): with the default policy a month's small group
// is hidden, and a school with fewer pupils than the threshold shows nothing for the month.
#[test]
fn small_groups_in_a_month_are_suppressed() {
    let full = days("/\\", 20);
    let mut pupils: Vec<MonthlyAttendancePupil> = (0..12)
        .map(|_| pupil(100_001, context(false, Sex::Male), &[(SEP, &full)]))
        .collect();
    pupils.push(pupil(
        100_001,
        context(true, Sex::Male),
        &[(SEP, &days("I\\", 20))],
    ));
    pupils.push(pupil(100_002, context(false, Sex::Male), &[(SEP, &full)]));
    let by_school = summarise_monthly_attendance_by_school(SuppressionPolicy::default(), &pupils);
    let big = &by_school[0].1[0];
    assert!(big.overall_absence.get(PupilGroup::All).value().is_some());
    assert!(matches!(
        big.overall_absence
            .get(PupilGroup::Disadvantaged)
            .shown_or_reason(),
        Err(SuppressionReason::SmallGroup)
    ));
    // Its complement would give the disadvantaged pupil's figure back by subtraction.
    assert!(
        big.overall_absence
            .get(PupilGroup::NonDisadvantaged)
            .value()
            .is_none()
    );
    let small = &by_school[1].1[0];
    assert!(small.n_pupils.value().is_none());
    assert!(small.overall_absence.get(PupilGroup::All).value().is_none());
}

#[rstest]
#[case(2024, 9, Some("September 2024"))]
#[case(2025, 2, Some("February 2025"))]
#[case(2025, 13, None)]
#[case(2025, 0, None)]
fn calendar_months_are_named(#[case] year: i32, #[case] month: u8, #[case] label: Option<&str>) {
    assert_eq!(
        CalendarMonth::new(year, month)
            .map(CalendarMonth::label)
            .as_deref(),
        label
    );
}
