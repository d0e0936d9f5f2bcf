#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "tests may panic: a panic is a failed test"
)]

use cairn_domain::{AcademicYear, NcYear, SenProvision, Sex};
use chrono::NaiveDate;

use super::*;
use crate::assessments::MtcOutcome;

fn sample(name: &str) -> Parsed<CtfFile> {
    let path = format!("{}/tests/data/ctf/{name}", env!("CARGO_MANIFEST_DIR"));
    parse_ctf(name, &std::fs::read(&path).unwrap())
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[test]
fn sample_ctf25_reads_header_and_all_pupils() {
    let parsed = sample("sample_ctf25.xml");
    assert_eq!(parsed.error_messages(), Vec::<String>::new());
    let ctf = &parsed.records[0];
    assert_eq!(ctf.header.version, "25.0");
    assert_eq!(ctf.header.source.laestab.unwrap().to_string(), "9991001");
    assert_eq!(ctf.header.source.urn.unwrap().to_string(), "999001");
    assert_eq!(
        ctf.header.academic_year,
        Some(AcademicYear::parse("2024/25").unwrap())
    );
    assert_eq!(ctf.header.destination.urn.unwrap().to_string(), "999004");
    assert_eq!(ctf.pupils.len(), 3);
}

#[test]
fn sample_ctf25_warns_once_about_the_unknown_vendor_element() {
    let parsed = sample("sample_ctf25.xml");
    assert_eq!(
        parsed.warning_messages(),
        vec![
            "sample_ctf25.xml line 170, column Pupil/VendorFlags: is not a CTF element Cairn knows; it was ignored"
        ]
    );
}

#[test]
fn sample_ctf25_pupil_has_sen_fsm_attendance_and_results() {
    let parsed = sample("sample_ctf25.xml");
    let alex = &parsed.records[0].pupils[0];
    assert_eq!(alex.line, 23);
    assert_eq!(alex.pupil.upn.as_str(), "V999100114001");
    assert_eq!(alex.pupil.date_of_birth, date(2014, 2, 11));
    assert_eq!(alex.pupil.sex, Sex::Female);
    assert_eq!(alex.nc_year, Some(NcYear::parse("6").unwrap()));
    assert_eq!(alex.ethnicity.as_deref(), Some("WBRI"));
    assert_eq!(alex.looked_after, Some(false));
    assert_eq!(alex.sen_on(date(2021, 1, 1)), SenProvision::None);
    assert_eq!(alex.sen_on(date(2025, 1, 1)), SenProvision::Support);
    assert_eq!(alex.sen_needs[0].need, "SLCN");
    assert!(alex.fsm_on(date(2022, 1, 1)));
    assert!(!alex.fsm_on(date(2024, 1, 1)));
    assert!(alex.fsm_on(date(2025, 3, 1)));
    assert_eq!(alex.attendance.len(), 2);
    assert_eq!(alex.attendance[0].sessions_possible, 372);
    assert_eq!(alex.attendance[0].school.urn.unwrap().to_string(), "999001");
    let mtc: Vec<_> = alex
        .assessments
        .iter()
        .filter_map(StageAssessment::mtc_outcome)
        .collect();
    assert_eq!(mtc, vec![MtcOutcome::Score(23)]);
    assert_eq!(alex.assessments[1].result, "EXS");
    assert_eq!(alex.assessments[1].stage, "KS2");
    assert_eq!(alex.school_history[0].entry_date, Some(date(2019, 9, 4)));
}

#[test]
fn sample_ctf25_reads_temporary_upns_entities_and_accents() {
    let parsed = sample("sample_ctf25.xml");
    let pupils = &parsed.records[0].pupils;
    assert_eq!(pupils[1].pupil.upn.as_str(), "F99910011400A");
    assert_eq!(pupils[1].looked_after, Some(true));
    assert_eq!(pupils[2].pupil.surname, "O'SAMPLE");
    assert_eq!(pupils[2].pupil.forename, "RENÉE");
    assert_eq!(pupils[2].sen_on(date(2025, 1, 1)), SenProvision::Ehcp);
}

#[test]
fn previous_version_with_gender_and_placeholder_destination_is_read() {
    let parsed = sample("sample_ctf24_gender.xml");
    assert_eq!(parsed.error_messages(), Vec::<String>::new());
    assert_eq!(parsed.warning_messages(), Vec::<String>::new());
    let ctf = &parsed.records[0];
    let destination = &ctf.header.destination;
    assert_eq!(
        (destination.laestab, destination.urn, &destination.name),
        (None, None, &None),
        "placeholders mean not known"
    );
    assert_eq!(ctf.header.source.urn, None);
    assert_eq!(ctf.pupils[0].pupil.sex, Sex::Male);
}

#[test]
fn a_ctf_in_windows_1252_is_decoded() {
    let xml = b"<CTfile><Header><CTFversion>25.0</CTFversion><SourceSchool><LEA>999</LEA><Estab>1001</Estab></SourceSchool></Header><CTFpupilData><Pupil><UPN>V999100114001</UPN><Surname>BRONT\xCB</Surname><Forename>A</Forename><DOB>2014-02-11</DOB><Sex>F</Sex></Pupil></CTFpupilData></CTfile>";
    let parsed = parse_ctf("x.xml", xml);
    assert_eq!(parsed.error_messages(), Vec::<String>::new());
    assert_eq!(parsed.records[0].pupils[0].pupil.surname, "BRONTË");
}

#[test]
fn deeply_nested_xml_is_refused_without_overflowing_the_stack() {
    let xml = format!("{}{}", "<a>".repeat(100_000), "</a>".repeat(100_000));
    let parsed = parse_ctf("deep.xml", xml.as_bytes());
    assert_eq!(
        parsed.error_messages(),
        vec!["deep.xml line 1, column a: is nested more than 64 elements deep; this is not a CTF"]
    );
}

#[test]
fn a_former_upn_in_basic_details_is_read_with_its_check_letter() {
    // measures.md section 8: `BasicDetails/FormerUPN`. A temporary UPN (last character a
    // letter) replaced by a permanent one at the first school.
    let parsed = sample("former_upn_ctf25.xml");
    assert_eq!(parsed.error_messages(), Vec::<String>::new());
    assert_eq!(parsed.warning_messages(), Vec::<String>::new());
    let sam = &parsed.records[0].pupils[0];
    assert_eq!(sam.pupil.upn.as_str(), "T999200118008");
    let former: Vec<&str> = sam.former_upns.iter().map(Upn::as_str).collect();
    assert_eq!(former, vec!["E99920011800A"]);

    let sample = sample("sample_ctf25.xml");
    let jordan = &sample.records[0].pupils[1];
    assert_eq!(jordan.former_upns[0].as_str(), "J999100114002");
    assert!(sample.records[0].pupils[0].former_upns.is_empty());
}
