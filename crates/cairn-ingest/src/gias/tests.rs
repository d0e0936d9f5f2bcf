#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "tests may panic: a panic is a failed test"
)]

use cairn_domain::{GroupKind, Phase, SchoolType, SharingLevel, Urn};
use chrono::NaiveDate;
use rstest::rstest;

use super::*;
use crate::test_support::public_data;

const GIAS_850_936: &str = "hampshire-surrey-perf-tables/gias/20220420_gias_850_936.csv";

fn establishments() -> Parsed<Establishment> {
    parse_gias_establishments("20220420_gias_850_936.csv", &public_data(GIAS_850_936))
}

fn find(parsed: &Parsed<Establishment>, urn: u32) -> &Establishment {
    parsed
        .records
        .iter()
        .find(|e| e.school.urn.get() == urn)
        .unwrap_or_else(|| panic!("URN {urn} not imported"))
}

#[test]
fn real_hampshire_surrey_extract_imports_with_no_errors() {
    let parsed = establishments();
    assert_eq!(parsed.error_messages(), Vec::<String>::new());
    // 1,096 rows, of which 28 are closed schools from the 1980s and 90s with no age range;
    // the first is URN 124962 on line 470.
    assert_eq!(parsed.records.len(), 1096 - 28);
    assert_eq!(
        parsed.warning_messages(),
        vec![
            "20220420_gias_850_936.csv line 470: 28 rows skipped (first here): closed establishment with no age range or establishment number on GIAS"
        ]
    );
}

#[test]
fn real_extract_gives_known_schools_their_fields() {
    let parsed = establishments();
    let alton = find(&parsed, 115850);
    assert_eq!(alton.school.name, "Alton Infant School");
    assert_eq!(alton.school.laestab.la_code(), 850);
    assert_eq!(alton.school.phase, Phase::Primary);
    assert_eq!(alton.school.religious_character, None);
    assert_eq!(alton.trust, None);
}

#[rstest]
#[case::community("Community school", SchoolType::Community)]
#[case::academy_converter("Academy converter", SchoolType::AcademyConverter)]
#[case::sponsor_led("Academy sponsor led", SchoolType::AcademySponsorLed)]
#[case::free_school("Free schools", SchoolType::FreeSchool)]
#[case::voluntary_aided("Voluntary aided school", SchoolType::VoluntaryAided)]
#[case::voluntary_controlled("Voluntary controlled school", SchoolType::VoluntaryControlled)]
#[case::foundation("Foundation school", SchoolType::Foundation)]
fn every_establishment_type_in_the_real_extract_maps_to_a_school_type(
    #[case] gias_name: &str,
    #[case] expected: SchoolType,
) {
    assert_eq!(type_rule(gias_name), Some(TypeRule::School(expected, None)));
    let parsed = establishments();
    assert!(
        parsed
            .records
            .iter()
            .any(|e| e.school.school_type == expected)
    );
}

#[test]
fn real_extract_reads_trusts_and_dates() {
    let parsed = establishments();
    let in_trusts: Vec<_> = parsed
        .records
        .iter()
        .filter(|e| e.trust.is_some())
        .collect();
    assert_eq!(in_trusts.len(), 176);
    let glf = trusts_of(&parsed.records)
        .into_iter()
        .find(|g| g.name == "GLF SCHOOLS")
        .unwrap();
    assert_eq!(glf.code, "glf-schools");
    assert_eq!(glf.kind, GroupKind::Trust);
    assert!(
        parsed
            .records
            .iter()
            .any(|e| e.opened_on == Some(NaiveDate::from_ymd_opt(2013, 9, 1).unwrap()))
    );
    // `01-01-1900` is GIAS for "not recorded".
    assert!(parsed.records.iter().all(|e| {
        e.opened_on
            .is_none_or(|d| d.format("%Y").to_string() != "1900")
    }));
}

#[test]
fn real_extract_refines_middle_and_first_schools() {
    let parsed = establishments();
    let n_middle = parsed
        .records
        .iter()
        .filter(|e| e.school.phase == Phase::Middle)
        .count();
    assert!(n_middle > 0);
    assert!(
        parsed
            .records
            .iter()
            .all(|e| e.school.phase != Phase::First || matches!(e.school.age_high, 8 | 9))
    );
    assert!(
        parsed
            .records
            .iter()
            .any(|e| e.school.phase == Phase::First)
    );
}

#[test]
fn religious_character_does_not_apply_and_none_mean_no_character() {
    let parsed = establishments();
    let characters: std::collections::BTreeSet<_> = parsed
        .records
        .iter()
        .filter_map(|e| e.school.religious_character.clone())
        .collect();
    assert_eq!(
        characters.into_iter().collect::<Vec<_>>(),
        vec![
            "Church of England",
            "Church of England/Methodist",
            "Roman Catholic"
        ]
    );
}

#[test]
fn establishment_rows_report_every_bad_cell() {
    let csv = "URN,LA (code),EstablishmentNumber,EstablishmentName,TypeOfEstablishment (name),PhaseOfEducation (name),StatutoryLowAge,StatutoryHighAge\n\
               12345,850,2000,Short URN School,Community school,Primary,4,11\n\
               115851,85,2000,,Nonsense type,Primary,4,11\n\
               115852,850,2001,No Ages School,Community school,Primary,,eleven\n\
               115850,850,2002,Good School,Academy converter,Secondary,11,16\n\
               115850,850,2003,Twice School,Academy converter,Secondary,11,16\n";
    let parsed = parse_gias_establishments("gias.csv", csv.as_bytes());
    assert_eq!(
        parsed.error_messages(),
        vec![
            "gias.csv line 2, column URN: \"12345\" is not a URN: a URN is 6 digits",
            "gias.csv line 3, column TypeOfEstablishment (name): \"Nonsense type\" is not a GIAS type of establishment",
            "gias.csv line 4, column StatutoryLowAge: is required",
            "gias.csv line 4, column StatutoryHighAge: \"eleven\" is not a whole number from 0 to 25",
            "gias.csv line 6, column URN: \"115850\" appears twice: lines 5 and 6",
        ]
    );
    assert_eq!(parsed.records.len(), 1);
}

#[test]
fn missing_gias_columns_are_each_reported_on_line_one() {
    let parsed = parse_gias_establishments("gias.csv", b"URN,EstablishmentName\n100000,A\n");
    assert_eq!(parsed.errors.len(), 6);
    assert_eq!(
        parsed.error_messages()[0],
        "gias.csv line 1, column LA (code): required column is missing from the header"
    );
}

#[test]
fn real_groups_file_reads_every_group() {
    let parsed = parse_gias_groups("groups.csv", &public_data("gias-groups-2022/groups.csv"));
    assert_eq!(parsed.error_messages(), Vec::<String>::new());
    assert_eq!(parsed.records.len(), 6883);
    let n_mats = parsed
        .records
        .iter()
        .filter(|g| g.group_type == GiasGroupType::MultiAcademyTrust)
        .count();
    assert_eq!(n_mats, 1682);
    let first = &parsed.records[0];
    assert_eq!(first.uid, 1000);
    assert_eq!(first.group_type.kind(), Some(GroupKind::Cluster));
    assert!(!first.open);
    assert_eq!(first.closed_on, NaiveDate::from_ymd_opt(2010, 8, 31));
}

#[test]
fn real_group_links_give_trust_memberships_with_joined_dates() {
    let parsed = parse_gias_group_links(
        "group_links.csv",
        &public_data("gias-groups-2022/group_links.csv"),
    );
    assert_eq!(parsed.error_messages(), Vec::<String>::new());
    assert_eq!(parsed.records.len(), 20395 - 1471 - 152);
    assert_eq!(parsed.warnings.len(), 1);
    let mat_links: Vec<_> = parsed
        .records
        .iter()
        .filter(|l| l.group_type == GiasGroupType::MultiAcademyTrust)
        .collect();
    assert_eq!(mat_links.len(), 8737);
    let memberships: Vec<_> = mat_links
        .iter()
        .filter_map(|l| l.membership(SharingLevel::Aggregate))
        .collect();
    assert_eq!(memberships.len(), 8737);
    assert!(
        memberships
            .iter()
            .all(|m| m.group_code.starts_with("gias-"))
    );
}

#[test]
fn real_links_file_in_windows_1252_reads_accented_names() {
    let bytes = public_data("gias-links-2025/links_edubasealldata20250422.csv");
    assert!(std::str::from_utf8(&bytes).is_err(), "the file is cp1252");
    let parsed = parse_gias_links("links.csv", &bytes);
    assert_eq!(parsed.error_messages(), Vec::<String>::new());
    assert_eq!(parsed.records.len(), 33801);
    assert!(
        parsed
            .records
            .iter()
            .any(|l| l.link_name.contains("à Becket"))
    );
    let first = &parsed.records[0];
    assert_eq!(first.urn, Urn::parse("100006").unwrap());
    assert_eq!(first.direction, LinkDirection::Predecessor);
    assert_eq!(first.established_on, NaiveDate::from_ymd_opt(2022, 1, 1));
}

#[test]
fn current_extracts_give_the_trust_uid_as_the_group_code() {
    let csv = "URN,LA (code),EstablishmentNumber,EstablishmentName,TypeOfEstablishment (name),PhaseOfEducation (name),StatutoryLowAge,StatutoryHighAge,Trusts (code),Trusts (name),ReligiousCharacter (name)\n\
               140001,850,4001,Test Academy,Academy special converter,Not applicable,11,19,4061,TEST TRUST,Roman Catholic\n\
               140002,850,1100,Test PRU,Pupil referral unit,Not applicable,11,16,,,Does not apply\n\
               140003,850,2001,Test First School,Community school,Primary,5,9,,,\n";
    let parsed = parse_gias_establishments("edubasealldata.csv", csv.as_bytes());
    assert_eq!(parsed.error_messages(), Vec::<String>::new());
    let academy = &parsed.records[0];
    assert_eq!(academy.school.phase, Phase::Special);
    assert_eq!(academy.school.school_type, SchoolType::AcademySpecial);
    assert_eq!(academy.trust.as_ref().unwrap().code(), "gias-4061");
    assert_eq!(
        academy.school.religious_character.as_deref(),
        Some("Roman Catholic")
    );
    assert_eq!(parsed.records[1].school.phase, Phase::AlternativeProvision);
    assert_eq!(parsed.records[2].school.phase, Phase::First);
}

#[rstest]
#[case::mat("Multi-academy trust", Some(GroupKind::Trust))]
#[case::sat("Single-academy trust", Some(GroupKind::Trust))]
#[case::federation("Federation", Some(GroupKind::Cluster))]
#[case::sponsor("School sponsor", None)]
fn group_links_become_memberships_only_for_partnerships(
    #[case] group_type: &str,
    #[case] kind: Option<GroupKind>,
) {
    let csv = format!(
        "URN,Group UID,Group ID,Group Name,Group Type,Joined date\n140001,4061,TR01234,TEST,{group_type},2019-09-01\n"
    );
    let parsed = parse_gias_group_links("group_links.csv", csv.as_bytes());
    assert!(parsed.is_clean());
    let link = &parsed.records[0];
    assert_eq!(link.group_type.kind(), kind);
    let membership = link.membership(SharingLevel::PupilLevel);
    assert_eq!(membership.is_some(), kind.is_some());
    if let Some(m) = membership {
        assert_eq!(m.joined_on, NaiveDate::from_ymd_opt(2019, 9, 1).unwrap());
        assert_eq!(m.group_code, "gias-4061");
    }
}
