#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "tests fail loudly on purpose"
)]

use std::collections::BTreeMap;

use cairn_domain::{AcademicYear, Laestab, Urn};

use super::*;
use crate::mis::ImportContext;
use crate::test_support::public_data;

fn options() -> MisOptions<'static> {
    MisOptions {
        laestabs: None,
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

#[test]
fn a_ctf_naming_its_school_by_laestab_alone_is_placed_by_the_register() {
    // The sample with the source school's URN taken out, as older CTFs are written.
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/ctf/sample_ctf25.xml"
    ))
    .unwrap()
    .replacen("      <URN>999001</URN>\n", "", 1);
    let catalogue = SubjectCatalogue::standard();
    let parse = |laestabs: Option<&BTreeMap<Laestab, Urn>>| {
        parse_file(
            FileKind::Ctf,
            "old.xml",
            text.as_bytes(),
            &MisOptions {
                laestabs,
                ..options()
            },
            &catalogue,
        )
    };
    // The register's school with LAESTAB 999/1001 (a successor's URN: the LAESTAB stays
    // when a school converts) takes the pupils' enrolments.
    let academy = Urn::parse("149001").unwrap();
    let register = BTreeMap::from([(Laestab::from_parts(999, 1001).unwrap(), academy)]);
    let parsed = parse(Some(&register));
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    let enrolments = &parsed.records[0].enrolments;
    assert!(!enrolments.is_empty());
    assert!(
        enrolments.iter().all(|e| e.urn == academy),
        "{enrolments:?}"
    );

    // No school with that LAESTAB: an error at the LEA element's line.
    let other = BTreeMap::from([(Laestab::from_parts(999, 1002).unwrap(), academy)]);
    let parsed = parse(Some(&other));
    assert_eq!(
        parsed
            .errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        [
            "old.xml line 10, column SourceSchool/LEA: \"999/1001\" is not a school in the register: the CTF gives no URN, and no school has this LA and establishment number; import the GIAS extract that lists it first, or correct the CTF"
        ]
    );

    // With no register to hand the pupils come through without an enrolment.
    let parsed = parse(None);
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    assert!(parsed.records[0].enrolments.is_empty());
    assert!(!parsed.records[0].pupils.is_empty());
}

#[test]
fn former_upns_from_a_ctf_and_a_pupil_list_reach_the_partnership_slice() {
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/ctf/former_upn_ctf25.xml"
    ))
    .unwrap();
    let catalogue = SubjectCatalogue::standard();
    let parsed = parse_file(
        FileKind::Ctf,
        "former_upn_ctf25.xml",
        &bytes,
        &options(),
        &catalogue,
    );
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    let former = &parsed.records[0].former_upns;
    assert_eq!(former.len(), 1);
    assert_eq!(former[0].upn.as_str(), "T999200118008");
    assert_eq!(former[0].former.as_str(), "E99920011800A");

    // An MIS pupil list's "Former UPN" column: checked like any UPN, with line and column;
    // empty or the pupil's own UPN says nothing.
    let csv = "UPN,Former UPN,Surname,Forename,DOB,Sex\n\
               T999200118008,E99920011800A,Mover,Sam,20/05/2016,M\n\
               D999200118007,,Stayer,Kim,02/02/2016,F\n\
               V999100114001,V999100114001,Tester,Alex,11/02/2014,F\n\
               J999100114002,A99920011800A,Example,Jo,01/12/2013,M\n";
    let parsed = parse_file(
        FileKind::Pupils,
        "pupils.csv",
        csv.as_bytes(),
        &options(),
        &catalogue,
    );
    assert_eq!(
        parsed.error_messages(),
        vec![
            "pupils.csv line 5, column Former UPN: \"A99920011800A\" has check letter A, expected E"
        ]
    );
    let slice = &parsed.records[0];
    assert_eq!(slice.pupils.len(), 3);
    assert_eq!(slice.former_upns.len(), 1);
    assert_eq!(slice.former_upns[0].former.as_str(), "E99920011800A");
}

/// Awbridge Primary School became an academy on 1 December 2020: the closed community
/// school (URN 115856) and the open academy (URN 148213) share LAESTAB 850/2006 in the GIAS
/// extract of 20 April 2022 (lines 8 and 1083), and the GIAS links file of 22 April 2025
/// records "115856, 148213, Successor, 31-10-2020".
#[test]
fn a_real_academy_conversion_keeps_the_successor_and_a_second_open_school_is_an_error() {
    let extract = public_data("hampshire-surrey-perf-tables/gias/20220420_gias_850_936.csv");
    let name = "20220420_gias_850_936.csv";
    let catalogue = SubjectCatalogue::standard();
    let parsed = parse_file(FileKind::Gias, name, &extract, &options(), &catalogue);
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    let awbridge: Vec<u32> = parsed.records[0]
        .schools
        .iter()
        .filter(|s| s.laestab.to_string() == "8502006")
        .map(|s| s.urn.get())
        .collect();
    assert_eq!(
        awbridge,
        vec![148_213],
        "the open academy, not its predecessor"
    );

    let links = crate::gias::parse_gias_links(
        "links_edubasealldata20250422.csv",
        &public_data("gias-links-2025/links_edubasealldata20250422.csv"),
    );
    let link = links
        .records
        .iter()
        .find(|l| l.urn.get() == 115_856 && l.link_urn.get() == 148_213)
        .expect("the links file names Awbridge's successor");
    assert_eq!(link.link_type, "Successor");
    assert_eq!(
        link.established_on,
        chrono::NaiveDate::from_ymd_opt(2020, 10, 31)
    );

    // The same extract with the predecessor still marked open: two open schools with one
    // LAESTAB, reported on the second one's line, naming both URNs.
    let text = String::from_utf8_lossy(&extract).replacen(
        "\"Awbridge Primary School\",\"Community school\",\"Local authority maintained schools\",\"Closed\"",
        "\"Awbridge Primary School\",\"Community school\",\"Local authority maintained schools\",\"Open\"",
        1,
    );
    let parsed = parse_file(
        FileKind::Gias,
        name,
        text.as_bytes(),
        &options(),
        &catalogue,
    );
    assert_eq!(
        parsed.error_messages(),
        vec![
            "20220420_gias_850_936.csv line 1083, column EstablishmentNumber: \"2006\" gives URN 148213 the LAESTAB 8502006 that open establishment URN 115856 (line 8) already has: two open schools cannot share a LAESTAB, so a CTF naming it could not be placed"
        ]
    );
}

/// The GIAS links file of 22 April 2025 through `cairn import gias`: one succession per
/// predecessor and successor pair, Awbridge's conversion among them, and the links that are
/// neither (sixth-form centres, expansions) counted in a warning.
#[test]
fn the_real_gias_links_file_gives_successions() {
    let name = "links_edubasealldata20250422.csv";
    let bytes = public_data("gias-links-2025/links_edubasealldata20250422.csv");
    let catalogue = SubjectCatalogue::standard();
    let parsed = parse_file(FileKind::Gias, name, &bytes, &options(), &catalogue);
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    let data = &parsed.records[0];
    assert!(data.schools.is_empty() && data.memberships.is_empty());
    let awbridge = data
        .successions
        .iter()
        .find(|s| s.predecessor.get() == 115_856)
        .expect("Awbridge's conversion");
    assert_eq!(awbridge.successor.get(), 148_213);
    assert_eq!(awbridge.link_type, "Successor");
    // Each pair once, though GIAS lists most from both sides.
    let mut pairs: Vec<(u32, u32)> = data
        .successions
        .iter()
        .map(|s| (s.predecessor.get(), s.successor.get()))
        .collect();
    let n = pairs.len();
    pairs.dedup();
    assert_eq!(pairs.len(), n);
    assert!(n > 15_000 && n < 33_800, "{n} successions");
    assert_eq!(
        parsed
            .warnings
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        vec![format!(
            "{name} line 1, column LinkType: 347 links are neither a predecessor nor a successor (sixth-form centres, expansions, other) and were not imported"
        )]
    );
}
