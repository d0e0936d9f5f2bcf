#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::float_cmp,
    reason = "tests may panic: a panic is a failed test"
)]

use cairn_domain::{
    AcademicYear, BenchmarkGroup, BenchmarkMeasure, BenchmarkValue, ContextFeature,
    NationalBenchmarks, Phase, Urn,
};

use super::*;
use crate::test_support::public_data;

fn year() -> AcademicYear {
    AcademicYear::starting(2018).unwrap()
}

fn read(kind: PerfKind, path: &str) -> NationalBenchmarks {
    let name = path.rsplit('/').next().unwrap();
    let parsed = parse_national_benchmarks(kind, year(), name, &public_data(path));
    assert!(parsed.is_clean(), "{:?}", parsed.error_messages());
    parsed.records.into_iter().next().unwrap()
}

fn figure(b: &NationalBenchmarks, urn: u32, measure: BenchmarkMeasure) -> BenchmarkValue {
    b.figures
        .iter()
        .find(|f| f.urn == Urn::from_u32(urn).unwrap() && f.measure == measure)
        .unwrap_or_else(|| panic!("no {measure:?} for {urn}"))
        .value
}

fn england(
    b: &NationalBenchmarks,
    measure: BenchmarkMeasure,
    group: BenchmarkGroup,
    phase: Option<Phase>,
) -> f64 {
    b.england
        .iter()
        .find(|e| e.measure == measure && e.pupil_group == group && e.phase == phase)
        .unwrap()
        .value
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

/// Published figures from the 2018/19 provisional KS4 file for all of England
/// (`england_ks4provisional.csv`): Haverstock School (URN 100049) has Attainment 8 42.4 over
/// 199 pupils, Progress 8 −0.09 (−0.28 to 0.09) over 178 pupils and 43.2 % grade 5+ in English
/// and maths; the state-funded England row has Attainment 8 46.5 and Progress 8 −0.03.
#[test]
fn ks4_file_gives_a_named_schools_progress8_and_the_england_row() {
    let b = read(
        PerfKind::Ks4,
        "england-2018-19-perf-tables/england_ks4provisional.csv",
    );
    assert_eq!(
        figure(&b, 100_049, BenchmarkMeasure::Ks4Progress8),
        BenchmarkValue::Shown {
            value: -0.09,
            n_pupils: Some(178),
            ci: Some((-0.28, 0.09)),
        }
    );
    assert_eq!(
        figure(&b, 100_049, BenchmarkMeasure::Ks4Attainment8),
        BenchmarkValue::Shown {
            value: 42.4,
            n_pupils: Some(199),
            ci: None
        }
    );
    let BenchmarkValue::Shown { value, .. } =
        figure(&b, 100_049, BenchmarkMeasure::Ks4EnglishMaths5Plus)
    else {
        panic!("shown")
    };
    assert!(close(value, 0.432));
    let haverstock = b.schools.iter().find(|s| s.urn.get() == 100_049).unwrap();
    assert_eq!(haverstock.name, "Haverstock School");
    assert_eq!(haverstock.la_code, Some(202));
    assert_eq!(haverstock.phase, Phase::Secondary);

    let all = BenchmarkGroup::All;
    assert_eq!(
        england(&b, BenchmarkMeasure::Ks4Attainment8, all, None),
        46.5
    );
    assert_eq!(
        england(&b, BenchmarkMeasure::Ks4Progress8, all, None),
        -0.03
    );
    assert!(close(
        england(&b, BenchmarkMeasure::Ks4EnglishMaths5Plus, all, None),
        0.43
    ));
    // SUPP stays suppressed, with nothing inside; independent schools (all NA) are left out.
    assert_eq!(
        figure(&b, 100_381, BenchmarkMeasure::Ks4Progress8),
        BenchmarkValue::Suppressed
    );
    assert!(!b.schools.iter().any(|s| s.urn.get() == 100_003));
    // Schools with at least one of the three figures (counted independently with a script).
    assert_eq!(b.schools.len(), 3670);
}

/// Hampshire's 2018/19 KS2 file: Anstey Junior School (URN 115851) has 63 % reaching the
/// expected standard in reading, writing and maths over 60 pupils; England (state-funded)
/// 65 %, disadvantaged pupils 51 % and other pupils 71 %.
#[test]
fn ks2_file_gives_a_schools_rwm_and_the_england_disadvantage_figures() {
    let b = read(
        PerfKind::Ks2,
        "hampshire-surrey-perf-tables/ks2/2018-2019_850_ks2final.csv",
    );
    let BenchmarkValue::Shown {
        value, n_pupils, ..
    } = figure(&b, 115_851, BenchmarkMeasure::Ks2RwmExpected)
    else {
        panic!("shown")
    };
    assert!(close(value, 0.63));
    assert_eq!(n_pupils, Some(60));
    let m = BenchmarkMeasure::Ks2RwmExpected;
    assert!(close(england(&b, m, BenchmarkGroup::All, None), 0.65));
    assert!(close(
        england(&b, m, BenchmarkGroup::Disadvantaged, None),
        0.51
    ));
    assert!(close(
        england(&b, m, BenchmarkGroup::NotDisadvantaged, None),
        0.71
    ));
    assert!(b.schools.iter().all(|s| s.phase == Phase::Primary));
}

/// England's January 2019 census: URN 100000 has 285 pupils on roll, 16.2 % FSM in the last
/// six years, 17.5 % SEN support + 1.8 % EHC plan and 49.5 % EAL. The absence file gives it
/// 2.6 % overall absence and 3.4 % persistent absentees; England 4.0 % / 8.2 % in primary and
/// 5.5 % / 13.7 % in secondary.
#[test]
fn census_and_absence_files_give_context_and_absence_with_england_by_phase() {
    let census = read(
        PerfKind::Census,
        "england-2018-19-perf-tables/england_census.csv",
    );
    let value = |feature| {
        census
            .context
            .iter()
            .find(|c| c.urn.get() == 100_000 && c.feature == feature)
            .unwrap()
            .value
    };
    assert_eq!(value(ContextFeature::NPupils), 285.0);
    assert!(close(value(ContextFeature::PercentDisadvantaged), 16.2));
    assert!(close(value(ContextFeature::PercentSen), 19.3));
    assert!(close(value(ContextFeature::PercentEal), 49.5));
    // An independent school's NA percentages are simply absent.
    assert!(
        !census
            .context
            .iter()
            .any(|c| c.urn.get() == 100_001 && c.feature == ContextFeature::PercentEal)
    );

    let absence = read(
        PerfKind::Absence,
        "england-2018-19-perf-tables/england_abs.csv",
    );
    let BenchmarkValue::Shown { value, .. } = figure(
        &absence,
        100_000,
        BenchmarkMeasure::AttendanceOverallAbsence,
    ) else {
        panic!("shown")
    };
    assert!(close(value, 0.026));
    let all = BenchmarkGroup::All;
    let overall = BenchmarkMeasure::AttendanceOverallAbsence;
    let persistent = BenchmarkMeasure::AttendancePersistentAbsence;
    assert!(close(
        england(&absence, overall, all, Some(Phase::Primary)),
        0.04
    ));
    assert!(close(
        england(&absence, persistent, all, Some(Phase::Secondary)),
        0.137
    ));
}

#[test]
fn a_word_in_a_figure_column_is_an_error_naming_line_column_and_value() {
    let csv = "RECTYPE,LEA,URN,SCHNAME,TPUP,ATT8SCR,P8PUP,P8MEA,P8CILOW,P8CIUPP,PTL2BASICS_95\n\
               1,202,100049,Haverstock School,199,forty,178,-0.09,-0.28,0.09,43.2%\n\
               1,202,137181,The UCL Academy,171,50,163,0.09,-0.1,0.29,143%\n";
    let parsed = parse_national_benchmarks(PerfKind::Ks4, year(), "ks4.csv", csv.as_bytes());
    let messages = parsed.error_messages();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages[0].contains("ks4.csv"), "{messages:?}");
    assert!(messages[0].contains('2') && messages[0].contains("ATT8SCR"));
    assert!(messages[0].contains("forty"));
    assert!(messages[1].contains("PTL2BASICS_95") && messages[1].contains("outside 0 to 100"));
}

#[test]
fn the_wrong_kind_of_file_names_the_missing_columns() {
    let parsed = parse_national_benchmarks(
        PerfKind::Census,
        year(),
        "england_abs.csv",
        &public_data("england-2018-19-perf-tables/england_abs.csv"),
    );
    assert!(parsed.records.is_empty());
    assert!(
        parsed
            .error_messages()
            .iter()
            .any(|m| m.contains("PNUMFSMEVER") && m.contains("missing")),
        "{:?}",
        parsed.error_messages()
    );
}
