use chrono::NaiveDate;
use proptest::prelude::*;
use rstest::rstest;

use super::*;

// Test vector from the DfE UPN guide v1.2 as quoted by python-stdnum (measures.md §7):
// B801200005001 is valid (sum 93, 93 mod 23 = 1 -> B), A801200005001 is not.
#[test]
fn upn_accepts_the_published_valid_example() {
    let upn = Upn::parse("B801200005001").unwrap();
    assert_eq!(upn.as_str(), "B801200005001");
    assert_eq!(upn.kind(), UpnKind::Permanent);
}

#[test]
fn upn_rejects_a_wrong_check_letter_and_names_the_expected_one() {
    let err = Upn::parse("A801200005001").unwrap_err();
    assert_eq!(
        err,
        IdError::UpnCheckLetter {
            value: "A801200005001".into(),
            found: 'A',
            expected: 'B'
        }
    );
    assert_eq!(
        err.to_string(),
        "UPN \"A801200005001\" has check letter A, expected B"
    );
}

#[rstest]
#[case("")]
#[case("B80120000500")]
#[case("B8012000050011")]
#[case("18012000050011")]
#[case("B80120X005001")]
fn upn_rejects_bad_shapes(#[case] value: &str) {
    assert!(matches!(Upn::parse(value), Err(IdError::UpnShape(_))));
}

#[test]
fn upn_rejects_letters_never_used() {
    let err = Upn::parse("I801200005001").unwrap_err();
    assert!(matches!(err, IdError::UpnLetter { letter: 'I', .. }));
}

#[test]
fn temporary_upn_uses_the_letter_value_in_position_13() {
    // Position 13 letter 'A' has value 0, so the sum is 93 - 13 = 80, 80 mod 23 = 11 -> M.
    let upn = Upn::parse("M80120000500A").unwrap();
    assert_eq!(upn.kind(), UpnKind::Temporary);
}

#[test]
fn upn_is_case_and_space_tolerant() {
    assert_eq!(
        Upn::parse(" b801200005001 ").unwrap().as_str(),
        "B801200005001"
    );
}

proptest! {
    #[test]
    fn upn_with_computed_letter_round_trips(digits in "[0-9]{11}", last in "[0-9A-HJ-NP-RT-Z]") {
        let upn = Upn::with_check_letter(&format!("{digits}{last}")).unwrap();
        prop_assert_eq!(Upn::parse(&format!("{upn}")).unwrap(), upn);
    }

    #[test]
    fn urn_round_trips(n in 100_000u32..=999_999) {
        let urn = Urn::from_u32(n).unwrap();
        prop_assert_eq!(Urn::parse(&urn.to_string()).unwrap(), urn);
    }

    #[test]
    fn academic_year_round_trips(start in 1990u16..2100) {
        let year = AcademicYear::starting(start).unwrap();
        prop_assert_eq!(AcademicYear::parse(&year.to_string()).unwrap(), year);
    }
}

#[rstest]
#[case("115850", true)]
#[case("12345", false)]
#[case("1234567", false)]
#[case("12a456", false)]
fn urn_is_six_digits(#[case] value: &str, #[case] ok: bool) {
    assert_eq!(Urn::parse(value).is_ok(), ok);
}

#[test]
fn laestab_splits_into_la_code_and_establishment_number() {
    // measures.md §7: 850 + 2000 -> 8502000.
    let laestab = Laestab::parse("8502000").unwrap();
    assert_eq!(laestab.la_code(), 850);
    assert_eq!(laestab.establishment_number(), 2000);
    assert_eq!(Laestab::parse("850/2000").unwrap(), laestab);
    assert_eq!(Laestab::from_parts(850, 2000).unwrap(), laestab);
    assert!(Laestab::parse("85020001").is_err());
}

#[rstest]
#[case("2023/24", 2023)]
#[case("2023-24", 2023)]
#[case("202324", 2023)]
#[case("2023/2024", 2023)]
fn academic_year_parses_common_spellings(#[case] value: &str, #[case] start: u16) {
    assert_eq!(AcademicYear::parse(value).unwrap().start_year(), start);
}

#[rstest]
#[case("2023/25")]
#[case("2023")]
#[case("23/24")]
fn academic_year_rejects_nonsense(#[case] value: &str) {
    assert!(AcademicYear::parse(value).is_err());
}

#[test]
fn academic_year_runs_september_to_august() {
    let year = AcademicYear::parse("2023/24").unwrap();
    assert!(year.contains(NaiveDate::from_ymd_opt(2023, 9, 1).unwrap()));
    assert!(year.contains(NaiveDate::from_ymd_opt(2024, 8, 31).unwrap()));
    assert!(!year.contains(NaiveDate::from_ymd_opt(2024, 9, 1).unwrap()));
    assert_eq!(
        AcademicYear::containing(NaiveDate::from_ymd_opt(2024, 3, 1).unwrap()),
        year
    );
}

#[rstest]
#[case("R", 0)]
#[case("N1", -2)]
#[case("Y7", 7)]
#[case("11", 11)]
fn nc_year_parses(#[case] value: &str, #[case] n: i8) {
    assert_eq!(NcYear::parse(value).unwrap().number(), n);
}

#[test]
fn nc_year_follows_the_september_birth_cohort() {
    let year = AcademicYear::parse("2023/24").unwrap();
    let born_oct = NaiveDate::from_ymd_opt(2018, 10, 1).unwrap();
    let born_aug = NaiveDate::from_ymd_opt(2019, 8, 31).unwrap();
    assert_eq!(
        NcYear::expected_for(born_oct, year),
        Some(NcYear::RECEPTION)
    );
    assert_eq!(
        NcYear::expected_for(born_aug, year),
        Some(NcYear::RECEPTION)
    );
}

#[rstest]
#[case("K", SenProvision::Support)]
#[case("E", SenProvision::Ehcp)]
#[case("N", SenProvision::None)]
fn sen_provision_parses_census_codes(#[case] value: &str, #[case] sen: SenProvision) {
    assert_eq!(SenProvision::parse(value).unwrap(), sen);
}

#[test]
fn unknown_role_lists_the_accepted_codes() {
    let err = RoleKind::parse("janitor").unwrap_err();
    assert!(err.to_string().contains("trust_leader"), "{err}");
}

#[test]
fn codes_round_trip_through_their_code() {
    for role in RoleKind::ALL {
        assert_eq!(RoleKind::parse(role.code()).unwrap(), *role);
    }
    for phase in Phase::ALL {
        assert_eq!(Phase::parse(phase.code()).unwrap(), *phase);
    }
}

#[rstest::rstest]
#[case("alice", true)]
#[case("head.st-marys_2", true)]
#[case("Al", false)]
#[case("Alice", false)]
#[case("a b c", false)]
fn username_accepts_only_lower_case_slugs(#[case] input: &str, #[case] ok: bool) {
    assert_eq!(crate::Username::parse(input).is_ok(), ok, "{input}");
}

// DfE school census guides: spring census days 18 January 2024 and 16 January 2025.
#[rstest::rstest]
#[case("2023/24", (2024, 1, 18))]
#[case("2024/25", (2025, 1, 16))]
fn spring_census_day_is_the_third_thursday_of_january(
    #[case] year: &str,
    #[case] (y, m, d): (i32, u32, u32),
) {
    let year = AcademicYear::parse(year).unwrap();
    assert_eq!(
        year.spring_census_day(),
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    );
}

#[test]
fn academic_year_rejects_non_ascii_text_without_panicking() {
    assert!(AcademicYear::parse("202é/202").is_err());
    assert!(AcademicYear::parse("２０２３/２４").is_err());
}

proptest! {
    #[test]
    fn academic_year_parse_never_panics(s in "\\PC{0,12}") {
        let _ = AcademicYear::parse(&s);
    }
}

#[test]
fn assessment_records_round_trip_through_serde() {
    use crate::{AttendanceCode, AttendanceMark, EyfsJudgement, EyfsResult, Ks4Grade, Session};
    let upn = crate::Upn::parse("T822101101202").unwrap();
    let year = AcademicYear::parse("2023/24").unwrap();
    let day = chrono::NaiveDate::from_ymd_opt(2024, 7, 1).unwrap();
    let partnership = crate::Partnership {
        eyfs_results: vec![EyfsResult {
            upn: upn.clone(),
            academic_year: year,
            goals: vec![("speaking", EyfsJudgement::Expected)],
        }],
        attendance_marks: vec![AttendanceMark {
            upn,
            date: day,
            session: Session::Am,
            code: AttendanceCode::parse("H", day).unwrap(),
        }],
        ..Default::default()
    };
    let json = serde_json::to_string(&partnership).unwrap();
    let back: crate::Partnership = serde_json::from_str(&json).unwrap();
    assert_eq!(back, partnership);
    // Data written before these fields existed still reads.
    let old: crate::Partnership = serde_json::from_str(
        r#"{"schools":[],"groups":[],"memberships":[],"pupils":[],"enrolments":[],"characteristics":[]}"#,
    )
    .unwrap();
    assert_eq!(old, crate::Partnership::default());
    assert_eq!(Ks4Grade::parse("9/8").unwrap().to_string(), "9-8");
    assert!(
        AttendanceCode::parse("H", chrono::NaiveDate::from_ymd_opt(2024, 9, 2).unwrap()).is_err()
    );
}

#[test]
fn outcome_codes_read_back_as_the_same_outcome() {
    use crate::{EyfsJudgement, Ks2TestOutcome, MtcOutcome, PhonicsOutcome, WritingTa};
    for code in ["105", "A", "B", "J", "L", "M", "P", "Q", "T", "U"] {
        let outcome = Ks2TestOutcome::parse(code).unwrap();
        assert_eq!(
            Ks2TestOutcome::parse(&outcome.to_string()).unwrap(),
            outcome
        );
    }
    for code in ["GDS", "EXS", "WTS", "HNM", "PK3", "BLW", "A", "D", "L"] {
        assert_eq!(WritingTa::parse(code).unwrap().to_string(), code);
    }
    for code in ["32", "A", "D", "L", "Q"] {
        assert_eq!(PhonicsOutcome::parse(code).unwrap().to_string(), code);
    }
    for code in ["25", "A", "B", "J", "L", "U", "Z", "X", "NAA", "H", "Q"] {
        assert_eq!(MtcOutcome::parse(code).unwrap().to_string(), code);
    }
    for judgement in [
        EyfsJudgement::Expected,
        EyfsJudgement::Emerging,
        EyfsJudgement::NotAssessed,
    ] {
        assert_eq!(
            EyfsJudgement::parse(&judgement.to_string()).unwrap(),
            judgement
        );
    }
}
