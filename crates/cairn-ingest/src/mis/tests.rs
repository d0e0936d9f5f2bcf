#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "tests may panic: a panic is a failed test"
)]

use cairn_domain::{AcademicYear, NcYear, SenProvision, Sex, Term, Urn};
use chrono::NaiveDate;
use rstest::rstest;

use super::*;
use crate::assessments::{EyfsJudgement, Ks4Grade, StatisticalTreatment, parse_subject_catalogue};
use crate::test_support::public_data;

fn mtc_pupils(name: &str) -> Parsed<PupilImport> {
    let bytes = public_data(&format!("mtc-pupil-csv/{name}"));
    parse_pupils(name, &bytes, &MisOptions::default())
}

fn context() -> ImportContext {
    ImportContext {
        urn: Some(Urn::parse("115850").unwrap()),
        academic_year: Some(AcademicYear::parse("2023/24").unwrap()),
        term: Some(Term::Autumn),
    }
}

fn with_context() -> MisOptions<'static> {
    MisOptions {
        laestabs: None,
        mapping: None,
        progress: None,
        context: context(),
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

// --- Real DfE MTC pupil files (../shared/reference/public-data/mtc-pupil-csv/README.md) ---

#[test]
fn real_clean_mtc_upload_imports_all_five_pupils() {
    let parsed = mtc_pupils("dfe_mtc_add_pupils_5_pupils_lf.csv");
    assert_eq!(parsed.error_messages(), Vec::<String>::new());
    assert_eq!(parsed.records.len(), 5);
    let first = &parsed.records[0].pupil;
    assert_eq!(first.upn.as_str(), "T822101101202");
    assert_eq!(first.surname, "VZTRYMLK");
    assert_eq!(first.date_of_birth, date(2014, 4, 20));
    assert_eq!(first.sex, Sex::Female);
}

#[test]
fn real_mtc_upload_with_a_digit_first_upn_names_the_line() {
    let parsed = mtc_pupils("dfe_mtc_add_pupils_bad_upn.csv");
    assert_eq!(
        parsed.error_messages(),
        vec![
            "dfe_mtc_add_pupils_bad_upn.csv line 3, column UPN: \"0381021010022\" is not a UPN: a UPN is a check letter, 11 digits, then a digit or letter (13 characters)"
        ]
    );
    // Rows 1 and 3 pass the check letter despite the source file's name; lower-case `f` is F.
    assert_eq!(parsed.records.len(), 2);
    assert_eq!(parsed.records[0].pupil.sex, Sex::Female);
}

#[test]
fn real_mtc_upload_with_a_repeated_upn_names_both_lines() {
    let parsed = mtc_pupils("dfe_mtc_add_pupils_duplicate_upn.csv");
    assert_eq!(
        parsed.error_messages(),
        vec![
            "dfe_mtc_add_pupils_duplicate_upn.csv line 3, column UPN: \"R662332011222\" appears twice: lines 2 and 3"
        ]
    );
    assert_eq!(parsed.records.len(), 1);
}

#[test]
fn real_mtc_upload_with_columns_swapped_is_read_by_header() {
    let parsed = mtc_pupils("dfe_mtc_add_pupils_forename_first.csv");
    assert!(parsed.is_clean());
    assert_eq!(parsed.records[0].pupil.forename, "FYFSURJU");
    assert_eq!(parsed.records[0].pupil.surname, "FYSFSURJU");
}

#[test]
fn real_mtc_upload_with_an_empty_surname_reports_it_and_reads_the_sex_word() {
    let parsed = mtc_pupils("dfe_mtc_add_pupils_missing_surname_sex_word.csv");
    assert_eq!(
        parsed.error_messages(),
        vec!["dfe_mtc_add_pupils_missing_surname_sex_word.csv line 2, column Surname: is required"]
    );
    assert_eq!(parsed.records.len(), 1);
}

#[rstest]
#[case::census_header("dfe_mtc_census_header_only.csv")]
#[case::template_header("dfe_mtc_add_pupils_template_header_only.csv")]
fn real_header_only_files_import_nothing_without_error(#[case] name: &str) {
    let parsed = mtc_pupils(name);
    assert_eq!(parsed.error_messages(), Vec::<String>::new());
    assert!(parsed.records.is_empty());
}

#[test]
fn real_300_row_upload_reports_every_bad_check_letter_and_every_repeat() {
    let parsed = mtc_pupils("dfe_mtc_add_pupils_300_rows.csv");
    let messages = parsed.error_messages();
    let n_check_letter = messages
        .iter()
        .filter(|m| m.contains("has check letter"))
        .count();
    let n_repeats = messages
        .iter()
        .filter(|m| m.contains("appears twice"))
        .count();
    // README: 298 of 300 fail the check letter; only 34 distinct UPNs, so 266 rows repeat one.
    assert_eq!(n_check_letter, 298);
    assert_eq!(n_repeats, 266);
    // The two UPNs that pass appear once each.
    assert_eq!(parsed.records.len(), 2);
    assert_eq!(
        messages[0],
        "dfe_mtc_add_pupils_300_rows.csv line 3, column UPN: \"Q314332301221\" has check letter Q, expected E"
    );
}

#[test]
fn real_census_extract_rejects_us_dates_and_bad_check_letters() {
    let parsed = mtc_pupils("dfe_mtc_census_79_pupils.csv");
    let messages = parsed.error_messages();
    assert_eq!(
        messages[0],
        "dfe_mtc_census_79_pupils.csv line 1, column DOB: dates are in US month/day/year order (line 14 has \"1/13/05\"), so no date in this column can be trusted; export dates as DD/MM/YYYY"
    );
    assert_eq!(
        messages[1],
        "dfe_mtc_census_79_pupils.csv line 2, column UPN: \"A999999609170\" has check letter A, expected T"
    );
    // README: 15 UPNs fail the check letter (data rows 1-13, 38 and 77).
    let bad_upn_lines: Vec<u64> = parsed
        .errors
        .iter()
        .filter(|e| e.rule.starts_with("has check letter"))
        .map(|e| e.line)
        .collect();
    let mut expected: Vec<u64> = (2..=14).collect();
    expected.extend([39, 78]);
    assert_eq!(bad_upn_lines, expected);
    assert!(messages.contains(
        &"dfe_mtc_census_79_pupils.csv line 14, column DOB: \"1/13/05\" has a two-digit year: write dates as DD/MM/YYYY".to_owned()
    ));
    // The temporary UPN A30535001104A (data row 51, line 52) passes: its final letter counts
    // as A = 0. Only its US-style date is wrong.
    let line_52: Vec<&str> = parsed
        .errors
        .iter()
        .filter(|e| e.line == 52)
        .map(|e| e.column.as_str())
        .collect();
    assert_eq!(line_52, vec!["DOB"]);
}

#[rstest]
#[case::duplicate_upn(
    "dfe_mtc_census_79_pupils_duplicate_upn.csv",
    "dfe_mtc_census_79_pupils_duplicate_upn.csv line 3, column UPN: \"A999999609170\" appears twice: lines 2 and 3"
)]
#[case::empty_forename(
    "dfe_mtc_census_79_pupils_empty_forename.csv",
    "dfe_mtc_census_79_pupils_empty_forename.csv line 2, column Forename: is required"
)]
#[case::empty_sex(
    "dfe_mtc_census_79_pupils_empty_sex.csv",
    "dfe_mtc_census_79_pupils_empty_sex.csv line 2, column Sex: is required"
)]
#[case::empty_surname(
    "dfe_mtc_census_79_pupils_empty_surname_and_duplicate_upn.csv",
    "dfe_mtc_census_79_pupils_empty_surname_and_duplicate_upn.csv line 2, column Surname: is required"
)]
#[case::and_its_duplicate(
    "dfe_mtc_census_79_pupils_empty_surname_and_duplicate_upn.csv",
    "dfe_mtc_census_79_pupils_empty_surname_and_duplicate_upn.csv line 3, column UPN: \"A999999609170\" appears twice: lines 2 and 3"
)]
#[case::us_short_dates(
    "dfe_mtc_census_5_pupils_us_short_dates.csv",
    "dfe_mtc_census_5_pupils_us_short_dates.csv line 1, column DOB: dates are in US month/day/year order (line 6 has \"3/20/05\"), so no date in this column can be trusted; export dates as DD/MM/YYYY"
)]
fn real_census_variants_report_their_fault(#[case] name: &str, #[case] expected: &str) {
    let parsed = mtc_pupils(name);
    assert!(
        parsed.error_messages().contains(&expected.to_owned()),
        "{:#?}",
        parsed.error_messages()
    );
}

#[test]
fn census_extract_with_context_gives_enrolments_and_characteristics() {
    let csv = "LEA,Estab,UPN,Surname,Forename,Middlenames,Sex,DOB,NCyearActual,EnrolStatus,FSMeligible,Language,SENProvision\r\n\
               999,1001,A30535001104A,Surname,Pupil, ,M,01/03/2005,6,C,1,OTH,S\r\n\
               999,1001,T822101101202,Surname,Other, ,F,2005-03-02,6,C,0,ENG,N\r\n";
    let parsed = parse_pupils("census.csv", csv.as_bytes(), &with_context());
    assert_eq!(parsed.error_messages(), Vec::<String>::new());
    let first = &parsed.records[0];
    let enrolment = first.enrolment.as_ref().unwrap();
    assert_eq!(enrolment.nc_year, NcYear::parse("6").unwrap());
    assert_eq!(enrolment.started_on, date(2023, 9, 1));
    let characteristics = first.characteristics.as_ref().unwrap();
    assert!(characteristics.fsm);
    assert!(characteristics.eal);
    // S (statement) is the pre-2014 code for what is now an EHC plan.
    assert_eq!(characteristics.sen, SenProvision::Ehcp);
    assert!(!parsed.records[1].characteristics.as_ref().unwrap().eal);
    assert_eq!(
        parsed.warning_messages(),
        vec![
            "census.csv line 1: no disadvantaged (FSM6) column: disadvantaged is set from current FSM and looked-after status, which undercounts pupils eligible in the last six years"
        ]
    );
}

// --- Mapping ---

#[test]
fn show_mapping_names_the_header_for_each_field_and_what_is_missing() {
    let mapping = show_mapping(
        ImportKind::Pupils,
        b"Legal Forename,Legal Surname,Unique Pupil Number,Gender,Reg Group\n",
        &MisOptions::default(),
    );
    assert_eq!(mapping.header("upn"), Some("Unique Pupil Number"));
    assert_eq!(mapping.header("surname"), Some("Legal Surname"));
    assert_eq!(mapping.header("sex"), Some("Gender"));
    assert_eq!(mapping.missing_required, vec!["date_of_birth"]);
    assert_eq!(mapping.unused_headers, vec!["Reg Group"]);
    assert_eq!(
        mapping.to_string().lines().next(),
        Some("upn                      <- \"Unique Pupil Number\" (preset)")
    );
}

#[test]
fn a_user_mapping_file_maps_unusual_headers() {
    let mapping = UserMapping::parse(
        "sims-ks4.toml",
        "[columns]\nupn = \"Pupil Ref\"\nsubject = \"Qualification Title\"\ngrade = \"Outcome\"\n",
    )
    .unwrap();
    let csv = "Pupil Ref,Qualification Title,Outcome\nT822101101202,Maths,7\n";
    let options = MisOptions {
        laestabs: None,
        mapping: Some(&mapping),
        progress: None,
        context: context(),
    };
    let shown = show_mapping(ImportKind::Ks4Results, csv.as_bytes(), &options);
    assert_eq!(shown.matches[0].matched_by, MatchedBy::UserMapping);
    assert!(shown.is_complete());
    let parsed = parse_ks4_results(
        "ks4.csv",
        csv.as_bytes(),
        &options,
        &SubjectCatalogue::standard(),
    );
    assert_eq!(parsed.error_messages(), Vec::<String>::new());
    assert_eq!(parsed.records[0].subject, "Mathematics");
    assert_eq!(parsed.records[0].grade, Ks4Grade::Single(7));
}

#[test]
fn a_mapping_entry_for_an_unknown_field_or_absent_header_is_reported() {
    let mapping = UserMapping::from_pairs([("upn", "Pupil Ref"), ("shoe_size", "Shoes")]);
    let options = MisOptions {
        laestabs: None,
        mapping: Some(&mapping),
        progress: None,
        context: context(),
    };
    let parsed = parse_mtc("mtc.csv", b"UPN,Score\nT822101101202,25\n", &options);
    assert_eq!(
        parsed.error_messages(),
        vec![
            "mtc.csv line 1: the mapping file says \"shoe_size\" is not a field of this import; expected one of: upn, academic_year, score",
            "mtc.csv line 1: the mapping file says upn = \"Pupil Ref\", but the file has no column \"Pupil Ref\"",
        ]
    );
}

#[test]
fn a_mapping_file_that_is_not_toml_cannot_be_read() {
    let err = UserMapping::parse("m.toml", "[columns\nupn=").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("mapping file m.toml line 1, column 9: "),
        "{err}"
    );
    let err = UserMapping::parse(
        "m.toml",
        "[columns]\nupn = \"UPN\"\n\n[colums]\nscore = 1\n",
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("mapping file m.toml line 4, column 2: unknown field `colums`"),
        "{err}"
    );
}

#[test]
fn mapping_entries_from_a_file_are_reported_at_their_line_and_column() {
    let mapping = UserMapping::parse(
        "m.toml",
        "# MTC export from our MIS\n[columns]\nupn = \"Pupil Ref\"\n  shoe_size = \"Shoes\"\n",
    )
    .unwrap();
    let options = MisOptions {
        laestabs: None,
        mapping: Some(&mapping),
        progress: None,
        context: context(),
    };
    let parsed = parse_mtc("mtc.csv", b"UPN,Score\nT822101101202,25\n", &options);
    assert_eq!(
        parsed.error_messages(),
        vec![
            "mtc.csv line 1: the mapping file m.toml line 4, column 3 says \"shoe_size\" is not a field of this import; expected one of: upn, academic_year, score",
            "mtc.csv line 1: the mapping file m.toml line 3, column 1 says upn = \"Pupil Ref\", but the file has no column \"Pupil Ref\"",
        ]
    );
}

#[test]
fn a_missing_required_column_lists_the_names_looked_for() {
    let parsed = parse_pupils(
        "p.csv",
        b"UPN,Surname,Forename,Sex\n",
        &MisOptions::default(),
    );
    assert_eq!(
        parsed.error_messages(),
        vec![
            "p.csv line 1, column date_of_birth: required column is missing from the header (looked for: date_of_birth, DOB, Date of Birth, Birth Date, Birthdate); map it in a mapping file"
        ]
    );
}

// --- Each kind ---

#[test]
fn ks2_results_read_scores_codes_and_writing_ta() {
    let csv = "UPN,Reading Scaled Score,Maths Scaled Score,Writing TA\n\
               T822101101202,105,A,EXS\n\
               Q928032110101,79,121,XYZ\n";
    let parsed = parse_ks2_results("ks2.csv", csv.as_bytes(), &with_context());
    assert_eq!(
        parsed.error_messages(),
        vec![
            "ks2.csv line 3, column Reading Scaled Score: \"79\" is out of range: KS2 scaled scores run from 80 to 120",
            "ks2.csv line 3, column Maths Scaled Score: \"121\" is out of range: KS2 scaled scores run from 80 to 120",
            "ks2.csv line 3, column Writing TA: \"XYZ\" is not a KS2 writing teacher assessment: expected GDS, EXS, WTS, HNM, PK1 to PK6, BLW, A, D or L",
        ]
    );
    assert_eq!(parsed.records.len(), 1);
    assert_eq!(parsed.records[0].reading, Ks2TestOutcome::Scaled(105));
    assert_eq!(parsed.records[0].maths, Ks2TestOutcome::Absent);
    assert_eq!(parsed.records[0].writing, WritingTa::Expected);
}

#[test]
fn ks4_results_check_subjects_grades_and_repeats() {
    let csv = "upn,urn,subject,grade\n\
               T822101101202,115850,Combined Science,9-8\n\
               T822101101202,115850,Combined Science,7-7\n\
               T822101101202,115850,Klingon,7\n\
               T822101101202,115850,History,6-6\n\
               T822101101202,115850,Physics,10\n\
               Q928032110101,115850,Combined Science,5\n\
               Q928032110101,115850,Combined Science,6-8\n\
               Q928032110101,115850,English Language,U\n";
    let parsed = parse_ks4_results(
        "results.csv",
        csv.as_bytes(),
        &MisOptions::default(),
        &SubjectCatalogue::standard(),
    );
    assert_eq!(
        parsed.error_messages(),
        vec![
            "results.csv line 3, column subject: \"Combined Science\" is repeated for UPN T822101101202: lines 2 and 3",
            "results.csv line 4, column subject: \"Klingon\" is not in the KS4 subject catalogue; check the spelling, or add it to an extended catalogue",
            "results.csv line 5, column grade: \"6-6\" is a double-award grade, but History takes a single grade 9 to 1",
            "results.csv line 6, column grade: \"10\" is not a GCSE grade: expected 9 to 1, U, or a combined science grade 9-9 to 1-1",
            "results.csv line 7, column grade: \"5\" is a single grade, but Combined Science is a double award graded 9-9 to 1-1",
            "results.csv line 8, column grade: \"6-8\" is not a combined science grade: the two halves must be equal or the first one higher (9-9, 9-8, 8-8 … 1-1)",
        ]
    );
    assert_eq!(parsed.records.len(), 1);
    assert_eq!(parsed.records[0].grade, Ks4Grade::U);
}

/// An exam date or series puts each result in the year it was achieved, so a pupil's early
/// entry and their year 11 result in the same subject are two results (the refresh counts the
/// first, measures.md §1.3), not a repeat. A year column that disagrees with the date is an
/// error, never a guess.
#[test]
fn ks4_results_take_their_year_from_the_exam_date() {
    let csv = "UPN,URN,Subject,Grade,Exam Series\n\
               T822101101202,115850,French,3,November 2022\n\
               T822101101202,115850,French,7,Summer 2024\n\
               T822101101202,115850,History,6,12/06/2024\n\
               T822101101202,115850,Geography,6,Junk 2024\n";
    let options = MisOptions {
        laestabs: None,
        context: ImportContext {
            academic_year: Some(AcademicYear::parse("2023/24").unwrap()),
            ..ImportContext::default()
        },
        ..MisOptions::default()
    };
    let parsed = parse_ks4_results(
        "ks4.csv",
        csv.as_bytes(),
        &options,
        &SubjectCatalogue::standard(),
    );
    assert_eq!(
        parsed.error_messages(),
        vec![
            "ks4.csv line 5, column Exam Series: \"Junk 2024\" is not an exam date or series: expected a date (DD/MM/YYYY) or a series such as June 2024",
        ]
    );
    let years: Vec<(String, String)> = parsed
        .records
        .iter()
        .map(|r| (r.subject.clone(), r.academic_year.unwrap().to_string()))
        .collect();
    assert_eq!(
        years,
        [
            ("French".to_owned(), "2022/23".to_owned()),
            ("French".to_owned(), "2023/24".to_owned()),
            ("History".to_owned(), "2023/24".to_owned()),
        ]
    );

    let csv = "UPN,URN,Subject,Grade,Academic Year,Exam Date\n\
               T822101101202,115850,French,3,2023/24,2022-11-07\n\
               T822101101202,115850,History,6,2023/24,2024-06-12\n";
    let parsed = parse_ks4_results(
        "ks4.csv",
        csv.as_bytes(),
        &MisOptions::default(),
        &SubjectCatalogue::standard(),
    );
    assert_eq!(
        parsed.error_messages(),
        vec![
            "ks4.csv line 2, column Academic Year: \"2023/24\" disagrees with the exam date \"2022-11-07\", which falls in 2022/23; give the year the result was achieved, or leave it blank",
        ]
    );
}

#[test]
fn an_extended_subject_catalogue_accepts_more_subjects() {
    let extra = parse_subject_catalogue(
        "trust_subjects.csv",
        b"subject,role,ebacc_pillar,double_award\nKlingon,open,,no\n",
    );
    assert!(extra.is_clean());
    let mut catalogue = SubjectCatalogue::standard();
    catalogue.extend(extra.records);
    let csv = "upn,urn,subject,grade\nT822101101202,115850,klingon,7\n";
    let parsed = parse_ks4_results("r.csv", csv.as_bytes(), &MisOptions::default(), &catalogue);
    assert_eq!(parsed.error_messages(), Vec::<String>::new());
    assert_eq!(parsed.records[0].subject, "Klingon");
}

#[rstest]
#[case::nine("9", Ok(Ks4Grade::Single(9)))]
#[case::one("1", Ok(Ks4Grade::Single(1)))]
#[case::u_lower("u", Ok(Ks4Grade::U))]
#[case::double_top("9-9", Ok(Ks4Grade::Double(9, 9)))]
#[case::double_run_together("98", Ok(Ks4Grade::Double(9, 8)))]
#[case::double_bottom("1-1", Ok(Ks4Grade::Double(1, 1)))]
#[case::zero("0", Err(()))]
#[case::letter_grade("A*", Err(()))]
#[case::gap_of_two("9-7", Err(()))]
#[case::empty("", Err(()))]
fn ks4_grades_parse_as_the_dfe_scale_allows(
    #[case] text: &str,
    #[case] expected: Result<Ks4Grade, ()>,
) {
    assert_eq!(Ks4Grade::parse(text).map_err(|_| ()), expected);
}

#[test]
fn phonics_marks_run_from_0_to_40() {
    let csv = "UPN,Phonics Mark\nT822101101202,32\nQ928032110101,41\nL330013201210,A\n";
    let parsed = parse_phonics("phonics.csv", csv.as_bytes(), &with_context());
    assert_eq!(
        parsed.error_messages(),
        vec![
            "phonics.csv line 3, column Phonics Mark: \"41\" is out of range: the phonics check has 40 marks"
        ]
    );
    assert_eq!(parsed.records.len(), 2);
}

#[test]
fn mtc_scores_run_from_0_to_25_and_need_an_academic_year() {
    let csv = "UPN,MTC Score\nT822101101202,25\nQ928032110101,26\nL330013201210,NAA\n";
    let parsed = parse_mtc("mtc.csv", csv.as_bytes(), &with_context());
    assert_eq!(
        parsed.error_messages(),
        vec!["mtc.csv line 3, column MTC Score: \"26\" is out of range: the MTC has 25 questions"]
    );
    assert_eq!(parsed.records[1].outcome, MtcOutcome::NotAbleToAdminister);
    let without_year = parse_mtc("mtc.csv", csv.as_bytes(), &MisOptions::default());
    assert_eq!(
        without_year.error_messages()[0],
        "mtc.csv line 1, column academic_year: required column is missing from the header (looked for: academic_year, Academic Year, Year of Assessment, Assessment Year); map it in a mapping file"
    );
}

#[test]
fn eyfs_goals_are_found_by_their_full_names() {
    let names: Vec<&str> = EARLY_LEARNING_GOALS
        .iter()
        .map(|(_, full, _)| *full)
        .collect();
    let mut csv = format!(
        "UPN,{}\n",
        names
            .iter()
            .map(|n| format!("\"{n}\""))
            .collect::<Vec<_>>()
            .join(",")
    );
    csv.push_str("T822101101202");
    for idx in 0..17 {
        csv.push_str(if idx == 3 { ",Emerging" } else { ",Expected" });
    }
    csv.push_str("\nQ928032110101");
    for idx in 0..17 {
        csv.push_str(if idx == 0 { ",Exceeding" } else { ",EXP" });
    }
    csv.push('\n');
    let parsed = parse_eyfs("eyfs.csv", csv.as_bytes(), &with_context());
    assert_eq!(
        parsed.error_messages(),
        vec![
            "eyfs.csv line 3, column Listening, attention and understanding: \"Exceeding\" is no longer an EYFS judgement: \"exceeding\" was removed from the profile in September 2021"
        ]
    );
    let goals = &parsed.records[0].goals;
    assert_eq!(goals.len(), 17);
    assert_eq!(goals[3], ("managing_self", EyfsJudgement::Emerging));
}

#[test]
fn the_elg_table_matches_the_reference_file() {
    let text = include_str!("../../data/eyfs_early_learning_goals.csv");
    let mut problems = crate::report::Problems::new("eyfs_early_learning_goals.csv");
    let table = crate::table::read_table(text.as_bytes(), &mut problems).unwrap();
    let from_file: Vec<(String, bool)> = table
        .rows
        .iter()
        .map(|r| (r.get(2).to_owned(), r.get(3) == "yes"))
        .collect();
    let in_code: Vec<(String, bool)> = EARLY_LEARNING_GOALS
        .iter()
        .map(|(_, full, gld)| ((*full).to_owned(), *gld))
        .collect();
    assert_eq!(from_file, in_code);
}

#[test]
fn the_domain_attendance_codes_match_the_reference_file() {
    let text = include_str!("../../data/attendance_codes_2024.csv");
    let mut problems = crate::report::Problems::new("attendance_codes_2024.csv");
    let table = crate::table::read_table(text.as_bytes(), &mut problems).unwrap();
    let from_file: Vec<(String, String)> = table
        .rows
        .iter()
        .map(|r| (r.get(0).to_owned(), r.get(3).to_owned()))
        .collect();
    let in_code: Vec<(String, String)> = cairn_domain::ATTENDANCE_CODES_2024
        .iter()
        .map(|(code, treatment)| {
            let name = match treatment {
                StatisticalTreatment::Present => "present",
                StatisticalTreatment::ApprovedActivity => "aea",
                StatisticalTreatment::Authorised => "authorised",
                StatisticalTreatment::Unauthorised => "unauthorised",
                StatisticalTreatment::NotCounted => "not_counted",
            };
            ((*code).to_owned(), name.to_owned())
        })
        .collect();
    assert_eq!(from_file, in_code);
}

#[test]
fn attendance_marks_use_the_code_set_in_force_on_the_day() {
    let csv = "UPN,Date,Session,Code\n\
               T822101101202,02/09/2024,AM,/\n\
               T822101101202,02/09/2024,PM,J1\n\
               T822101101202,03/09/2024,AM,H\n\
               T822101101202,01/07/2024,AM,H\n\
               T822101101202,02/09/2024,AM,L\n\
               T822101101202,04/09/2024,noon,?\n";
    let parsed = parse_attendance_marks("marks.csv", csv.as_bytes(), &MisOptions::default());
    assert_eq!(
        parsed.error_messages(),
        vec![
            "marks.csv line 4, column Code: \"H\" was withdrawn from the attendance code set on 19 August 2024 (School Attendance Regulations 2024); use G or another leave-of-absence code instead",
            "marks.csv line 6, column UPN: \"T822101101202\" has two marks for the AM session of 02/09/2024: lines 2 and 6",
            "marks.csv line 7, column Session: \"noon\" is not a session: expected AM or PM",
            "marks.csv line 7, column Code: \"?\" is not an attendance code in the 2024 code set",
        ]
    );
    assert_eq!(parsed.records.len(), 2);
    assert_eq!(
        parsed.records[0].code.treatment(),
        StatisticalTreatment::Authorised
    );
    assert_eq!(parsed.records[1].code.as_str(), "H");
}

#[test]
fn attendance_summaries_warn_when_sessions_do_not_add_up() {
    let csv = "UPN,Possible Sessions,Sessions Attended,Authorised Absences,Unauthorised Absences\n\
               T822101101202,380,360,15,5\n\
               Q928032110101,380,300,15,5\n";
    let parsed = parse_attendance_summaries("att.csv", csv.as_bytes(), &with_context());
    assert!(parsed.is_clean());
    assert_eq!(parsed.records.len(), 2);
    assert_eq!(parsed.records[0].term, Some(Term::Autumn));
    assert_eq!(
        parsed.warning_messages(),
        vec![
            "att.csv line 3, column Possible Sessions: \"380\" is not attended + authorised + unauthorised (300 + 15 + 5)"
        ]
    );
}

#[test]
fn teacher_assessments_keep_the_schools_own_grades() {
    let csv = "UPN,Result Set,Subject,Predicted Grade,Date\n\
               T822101101202,Y10 Spring,Maths,6+,14/03/2024\n\
               T822101101202,Y10 Spring,Maths,7,14/03/2024\n";
    let parsed = parse_teacher_assessments("ta.csv", csv.as_bytes(), &with_context());
    assert_eq!(
        parsed.error_messages(),
        vec![
            "ta.csv line 3, column Subject: \"Maths\" is repeated for UPN T822101101202 in \"Y10 Spring\": lines 2 and 3"
        ]
    );
    assert!(parsed.records.is_empty());
}

#[test]
fn characteristics_need_fsm_and_sen_and_read_first_language() {
    let csv = "UPN,FSM,SEN Status,Primary Need,First Language,Ethnicity,FSM6,Looked After\n\
               T822101101202,Y,K,slcn,POL,wbri,Y,N\n\
               Q928032110101,,N,,ENG,,N,N\n\
               L330013201210,maybe,Q,,ENG,,N,N\n";
    let parsed = parse_characteristics("chars.csv", csv.as_bytes(), &with_context());
    assert_eq!(
        parsed.error_messages(),
        vec![
            "chars.csv line 3, column FSM: is required",
            "chars.csv line 4, column FSM: \"maybe\" is not a yes/no value: expected Y, N, Yes, No, True, False, 1 or 0",
            "chars.csv line 4, column SEN Status: \"Q\" is not a recognised SEN provision; expected one of: none, support, ehcp",
        ]
    );
    let first = &parsed.records[0];
    assert!(first.fsm && first.disadvantaged && first.eal && !first.looked_after);
    assert_eq!(first.sen, SenProvision::Support);
    assert_eq!(first.sen_need.as_deref(), Some("SLCN"));
    assert_eq!(first.ethnicity.as_deref(), Some("WBRI"));
}

#[rstest]
#[case::uk("14/03/2024", Ok(date(2024, 3, 14)))]
#[case::iso("2024-03-14", Ok(date(2024, 3, 14)))]
#[case::iso_with_time("2024-03-14T00:00:00", Ok(date(2024, 3, 14)))]
#[case::excel_with_time("14/03/2024 00:00:00", Ok(date(2024, 3, 14)))]
#[case::dashes("14-03-2024", Ok(date(2024, 3, 14)))]
#[case::unpadded("1/3/2024", Ok(date(2024, 3, 1)))]
#[case::us_order(
    "03/14/2024",
    Err("is not a valid date: there is no month 14 (is it a US-style month/day/year date?)")
)]
#[case::two_digit_year("14/03/24", Err("has a two-digit year: write dates as DD/MM/YYYY"))]
#[case::thirty_first_of_february("31/02/2024", Err("is not a valid date"))]
#[case::words("March 14th", Err("is not a date: expected DD/MM/YYYY or YYYY-MM-DD"))]
fn dates_are_day_first_or_iso(#[case] text: &str, #[case] expected: Result<NaiveDate, &str>) {
    assert_eq!(cells::date(text), expected.map_err(str::to_owned));
}

#[test]
fn names_from_windows_1252_excel_files_keep_their_accents() {
    let bytes = b"UPN,Surname,Forename,DOB,Sex\r\nT822101101202,Bront\xEB,Zo\xEB,20/04/2014,F\r\n";
    let parsed = parse_pupils("excel.csv", bytes, &MisOptions::default());
    assert_eq!(parsed.records[0].pupil.surname, "Brontë");
    assert_eq!(parsed.records[0].pupil.forename, "Zoë");
}
