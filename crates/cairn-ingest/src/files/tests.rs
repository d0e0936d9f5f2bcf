#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "tests fail loudly on purpose"
)]

use cairn_domain::{AcademicYear, Urn};

use super::*;
use crate::mis::ImportContext;
use crate::test_support::public_data;

fn options() -> MisOptions<'static> {
    MisOptions {
        mapping: None,
        progress: None,
        context: ImportContext {
            urn: Urn::parse("136000").ok(),
            academic_year: AcademicYear::parse("2024/25").ok(),
            term: None,
        },
    }
}

#[test]
fn every_kind_has_a_code_that_parses_back() {
    for kind in FileKind::ALL {
        assert_eq!(FileKind::parse(kind.code()), Some(*kind));
        assert!(!kind.label().is_empty());
    }
    assert_eq!(FileKind::parse("ks5"), None);
}

#[test]
fn a_results_file_becomes_one_partnership_slice() {
    let csv =
        "UPN,Subject,Grade\nT822101101202,Mathematics,7\nT822101101202,Combined Science,6-5\n";
    let parsed = parse_file(
        FileKind::Ks4,
        "ks4.csv",
        csv.as_bytes(),
        &options(),
        &SubjectCatalogue::standard(),
    );
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    assert_eq!(parsed.records.len(), 1);
    assert_eq!(parsed.records[0].ks4_results.len(), 2);
    assert!(parsed.records[0].pupils.is_empty());
}

#[test]
fn problems_come_back_with_the_records() {
    let csv = "UPN,Subject,Grade\nA801200005001,Mathematics,7\nT822101101202,Mathematics,X\n";
    let parsed = parse_file(
        FileKind::Ks4,
        "ks4.csv",
        csv.as_bytes(),
        &options(),
        &SubjectCatalogue::standard(),
    );
    assert_eq!(parsed.errors.len(), 2, "{:?}", parsed.errors);
    assert_eq!(parsed.errors[0].line, 2);
    assert_eq!(parsed.errors[1].line, 3);
}

#[test]
fn a_real_gias_extract_gives_schools_and_their_trusts() {
    let bytes = public_data("hampshire-surrey-perf-tables/gias/20220420_gias_850_936.csv");
    let parsed = parse_file(
        FileKind::Gias,
        "gias.csv",
        &bytes,
        &options(),
        &SubjectCatalogue::standard(),
    );
    assert!(
        parsed.errors.is_empty(),
        "{:?}",
        &parsed.errors[..3.min(parsed.errors.len())]
    );
    let slice = &parsed.records[0];
    assert!(slice.schools.len() > 500, "{}", slice.schools.len());
    assert!(!slice.groups.is_empty());
    let laestabs: HashSet<_> = slice.schools.iter().map(|s| s.laestab).collect();
    assert_eq!(
        laestabs.len(),
        slice.schools.len(),
        "one school per LAESTAB"
    );
}

#[test]
fn a_ctf_gives_pupils_with_their_attendance() {
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/ctf/sample_ctf25.xml"
    ))
    .unwrap();
    let parsed = parse_file(
        FileKind::Ctf,
        "sample_ctf25.xml",
        &bytes,
        &options(),
        &SubjectCatalogue::standard(),
    );
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    let slice = &parsed.records[0];
    assert!(!slice.pupils.is_empty());
    assert!(!slice.attendance_summaries.is_empty());
}
