#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "tests fail loudly on purpose"
)]

use cairn_domain::{SenProvision, Sex, Urn};
use rstest::rstest;

use super::*;
use crate::groups::PupilGroup;

fn codes() -> AttendanceCodes {
    AttendanceCodes::dfe_2024().unwrap()
}

fn check(marks: &str, expected: (u32, u32, u32, u32)) {
    let (counts, issues) = codes().tally_marks(marks);
    assert!(issues.is_empty(), "{issues:?}");
    let (possible, attended, authorised, unauthorised) = expected;
    assert_eq!(
        counts,
        SessionCounts {
            possible,
            attended,
            authorised,
            unauthorised
        },
        "{marks}"
    );
}

// measures.md §6 and attendance_codes_2024.csv: present / \ L; approved activity K V P W B
// count as attendance; C C1 C2 E I J1 M R S T authorised; G N O U unauthorised; X Q Y1–Y7 Z #
// are not possible sessions.
#[rstest]
#[case("/\\/\\L", (5, 5, 0, 0))]
#[case("KVPWB", (5, 5, 0, 0))]
#[case("ICMRSTE", (7, 0, 7, 0))]
#[case("C1C2J1", (3, 0, 3, 0))]
#[case("GNOU", (4, 0, 0, 4))]
#[case("XQY1Y7Z#", (0, 0, 0, 0))]
#[case("/\\ - /I", (4, 3, 1, 0))]
fn register_codes_count_as_the_2024_code_set_says(
    #[case] marks: &str,
    #[case] expected: (u32, u32, u32, u32),
) {
    check(marks, expected);
}

// A tally that sums each code's one-session counts (the store's, in SQL) agrees with adding
// the sessions one by one, code by code over the whole set.
#[test]
fn one_sessions_counts_summed_agree_with_adding_sessions() {
    let codes = codes();
    assert_eq!(codes.codes().count(), 34);
    let mut added = SessionCounts::default();
    let mut summed = SessionCounts::default();
    for (code, treatment) in codes.codes() {
        assert_eq!(codes.treatment(code), Some(treatment));
        added.add(treatment);
        summed = summed.plus(SessionCounts::of(treatment));
    }
    assert_eq!(summed, added);
    // The set's 34 codes: 8 attending, 10 authorised, 4 unauthorised and 12 not possible.
    assert_eq!(
        added,
        SessionCounts {
            possible: 22,
            attended: 8,
            authorised: 10,
            unauthorised: 4
        }
    );
}

// measures.md §6: codes H, Y and J were withdrawn in August 2024.
#[rstest]
#[case("H")]
#[case("J")]
#[case("F")]
fn withdrawn_codes_are_reported_as_unknown(#[case] code: &str) {
    let (counts, issues) = codes().tally([code]);
    assert_eq!(counts.possible, 0);
    assert_eq!(
        issues[0].error,
        MeasureError::UnknownAttendanceCode {
            code: code.to_owned()
        }
    );
}

// measures.md §6: persistent absence is 10 % or more, severe 50 % or more, exactly.
#[rstest]
#[case(380, 38, true, false)]
#[case(380, 37, false, false)]
#[case(380, 190, true, true)]
#[case(380, 189, true, false)]
#[case(0, 0, false, false)]
fn persistent_and_severe_absence_thresholds_are_inclusive(
    #[case] possible: u32,
    #[case] absent: u32,
    #[case] persistent: bool,
    #[case] severe: bool,
) {
    let counts = SessionCounts::from_summary(possible, absent, 0).unwrap();
    assert_eq!(counts.is_persistently_absent(), persistent);
    assert_eq!(counts.is_severely_absent(), severe);
}

#[test]
fn summaries_reject_more_absence_than_possible_sessions() {
    assert_eq!(SessionCounts::from_summary(10, 8, 3), None);
}

fn pupil(
    urn: u32,
    disadvantaged: bool,
    possible: u32,
    authorised: u32,
    unauthorised: u32,
) -> AttendancePupil {
    AttendancePupil {
        urn: Urn::from_u32(urn).unwrap(),
        context: PupilContext {
            disadvantaged,
            sen: SenProvision::None,
            eal: false,
            sex: Sex::Male,
            prior: None,
        },
        sessions: SessionCounts::from_summary(possible, authorised, unauthorised).unwrap(),
    }
}

#[test]
fn school_rates_pool_sessions_and_count_persistent_absentees() {
    // 10 pupils: 8 with 19 absences (5 %), 2 with 76 (20 %), all with 380 possible.
    let mut pupils: Vec<AttendancePupil> =
        (0..8).map(|_| pupil(100_001, false, 380, 10, 9)).collect();
    pupils.push(pupil(100_001, true, 380, 40, 36));
    pupils.push(pupil(100_001, true, 380, 40, 36));
    let summary = summarise_attendance(SuppressionPolicy::default(), &pupils);
    let overall = summary.overall_absence.all().value().unwrap();
    assert!((overall.rate - (8.0 * 19.0 + 2.0 * 76.0) / 3800.0).abs() < 1e-12);
    assert!(overall.ci.contains(overall.rate));
    assert_eq!(overall.possible_sessions, 3800);
    let authorised = summary.authorised_absence.all().value().unwrap();
    assert!((authorised.rate - (8.0 * 10.0 + 80.0) / 3800.0).abs() < 1e-12);
    let persistent = summary.persistent_absence.all().value().unwrap();
    assert_eq!((persistent.hits, persistent.rate), (2, 0.2));
    // Two disadvantaged pupils: suppressed, and so is the complementary group.
    assert!(
        summary
            .persistent_absence
            .get(PupilGroup::Disadvantaged)
            .is_suppressed()
    );
    assert!(
        summary
            .persistent_absence
            .get(PupilGroup::NonDisadvantaged)
            .is_suppressed()
    );
}

#[test]
fn pupils_without_possible_sessions_are_left_out() {
    let mut pupils: Vec<AttendancePupil> =
        (0..6).map(|_| pupil(100_001, false, 100, 5, 0)).collect();
    pupils.push(pupil(100_001, false, 0, 0, 0));
    let summary = summarise_attendance(SuppressionPolicy::default(), &pupils);
    assert_eq!(summary.n_pupils.value(), Some(&6));
}

#[test]
fn trust_attendance_pools_pupils_across_schools() {
    let mut pupils: Vec<AttendancePupil> =
        (0..6).map(|_| pupil(100_001, false, 100, 10, 0)).collect();
    pupils.extend((0..14).map(|_| pupil(100_002, false, 300, 0, 3)));
    let schools = summarise_attendance_by_school(SuppressionPolicy::default(), &pupils);
    assert_eq!(schools.len(), 2);
    let trust = summarise_attendance_pooled(
        SuppressionPolicy::default(),
        &pupils,
        &[
            Urn::from_u32(100_001).unwrap(),
            Urn::from_u32(100_002).unwrap(),
        ],
    );
    let rate = trust.overall_absence.all().value().unwrap().rate;
    assert!((rate - (60.0 + 42.0) / (600.0 + 4200.0)).abs() < 1e-12);
}
