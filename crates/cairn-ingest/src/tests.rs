//! Tests of the shared input handling: decoding, line numbers, and that no parser panics.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "tests may panic: a panic is a failed test"
)]

use proptest::prelude::*;
use rstest::rstest;

use crate::report::Problems;
use crate::table::read_table;
use crate::{Encoding, decode};

#[rstest]
#[case::plain_utf8(b"URN,Name\n".as_slice(), "URN,Name\n", Encoding::Utf8)]
#[case::utf8_with_bom(b"\xEF\xBB\xBFURN\n".as_slice(), "URN\n", Encoding::Utf8Bom)]
#[case::excel_1252(b"Aret\xE9\n".as_slice(), "Aret\u{e9}\n", Encoding::Windows1252)]
#[case::excel_1252_pound_and_quotes(b"\xA3\x93x\x94".as_slice(), "\u{a3}\u{201c}x\u{201d}", Encoding::Windows1252)]
#[case::utf16le_unicode_text(b"\xFF\xFEU\x00P\x00N\x00".as_slice(), "UPN", Encoding::Utf16Le)]
#[case::empty(b"".as_slice(), "", Encoding::Utf8)]
fn decode_detects_the_encoding(
    #[case] bytes: &[u8],
    #[case] text: &str,
    #[case] encoding: Encoding,
) {
    assert_eq!(decode(bytes), (text.to_owned(), encoding));
}

/// The physical line of each data row, for a check table.
fn row_lines(bytes: &[u8]) -> Vec<u64> {
    let mut problems = Problems::new("t.csv");
    let table = read_table(bytes, &mut problems).unwrap();
    table.rows.iter().map(|r| r.line).collect()
}

#[rstest]
#[case::lf(b"a,b\n1,2\n3,4\n".as_slice(), vec![2, 3])]
#[case::crlf(b"a,b\r\n1,2\r\n3,4\r\n".as_slice(), vec![2, 3])]
#[case::blank_lines_between_and_after(b"a,b\n\n1,2\r\n\r\n\r\n3,4\n\n\n".as_slice(), vec![3, 6])]
#[case::quoted_newlines(b"a,b\n\"x\ny\",1\n\"p\r\nq\r\nr\",2\n3,4".as_slice(), vec![2, 4, 7])]
#[case::excel_trailing_comma_rows(b"a,b\n1,2\n,\n,,\n".as_slice(), vec![2])]
#[case::bom_and_crlf(b"\xEF\xBB\xBFa,b\r\n1,2\r\n".as_slice(), vec![2])]
fn rows_know_their_physical_line(#[case] bytes: &[u8], #[case] expected: Vec<u64>) {
    assert_eq!(row_lines(bytes), expected);
}

#[test]
fn an_academic_year_with_a_multibyte_character_is_an_error_not_a_panic() {
    assert!(crate::cells::academic_year("202\u{e9}/202").is_err());
}

#[test]
fn tab_separated_unicode_text_is_read_like_csv() {
    let mut problems = Problems::new("t.txt");
    let table = read_table(
        b"\xFF\xFEU\x00P\x00N\x00\t\x00Y\x00\n\x00X\x00\t\x001\x00",
        &mut problems,
    )
    .unwrap();
    assert_eq!(table.headers, vec!["UPN", "Y"]);
    assert_eq!(table.rows[0].get(1), "1");
}

#[test]
fn a_file_with_thousands_of_columns_is_read() {
    let header: Vec<String> = (0..5000).map(|i| format!("C{i}")).collect();
    let row: Vec<String> = (0..5000).map(|i| i.to_string()).collect();
    let text = format!("{}\n{}\n", header.join(","), row.join(","));
    let mut problems = Problems::new("wide.csv");
    let table = read_table(text.as_bytes(), &mut problems).unwrap();
    assert_eq!(table.find(&["C4999"]), Some(4999));
    assert_eq!(table.rows[0].get(4999), "4999");
}

#[rstest]
#[case::nothing(b"".as_slice())]
#[case::only_blank_lines(b"\r\n\n  \n".as_slice())]
#[case::only_a_bom(b"\xEF\xBB\xBF".as_slice())]
fn an_empty_file_is_an_error_on_line_one(#[case] bytes: &[u8]) {
    let mut problems = Problems::new("empty.csv");
    assert!(read_table(bytes, &mut problems).is_none());
    let parsed = problems.finish::<()>(Vec::new());
    assert_eq!(
        parsed.error_messages(),
        vec!["empty.csv line 1: the file is empty; expected a header row"]
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn no_parser_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        crate::fuzz_all_parsers(&bytes);
    }

    #[test]
    fn no_cell_parser_panics_on_any_text(text in any::<String>()) {
        let _ = crate::cells::upn(&text);
        let _ = crate::cells::urn(&text);
        let _ = crate::cells::sex(&text);
        let _ = crate::cells::sen(&text);
        let _ = crate::cells::nc_year(&text);
        let _ = crate::cells::academic_year(&text);
        let _ = crate::cells::flag(&text);
        let _ = crate::cells::int_in(&text, 0, 40);
        let _ = crate::cells::date(&text);
        let _ = crate::cells::looks_us_ordered(&text);
        let _ = crate::cells::gias_date(&text);
        let _ = crate::assessments::Ks4Grade::parse(&text);
        let _ = crate::assessments::Ks2TestOutcome::parse(&text);
        let _ = crate::assessments::WritingTa::parse(&text);
        let _ = crate::assessments::PhonicsOutcome::parse(&text);
        let _ = crate::assessments::MtcOutcome::parse(&text);
        let _ = crate::assessments::EyfsJudgement::parse(&text);
        let _ = crate::assessments::Session::parse(&text);
        let _ = crate::perf::Cell::parse(&text);
        let _ = crate::assessments::SubjectCatalogue::standard().find(&text);
    }

    #[test]
    fn the_ctf_parser_does_not_panic_on_xml_like_text(
        body in "(<[A-Za-z]{1,12}>|</[A-Za-z]{1,12}>|[A-Z0-9 &;<>/-]{0,8}){0,60}",
    ) {
        let xml = format!("<CTfile><Header><CTFversion>25.0</CTFversion></Header><CTFpupilData><Pupil>{body}</Pupil></CTFpupilData></CTfile>");
        let _ = crate::ctf::parse_ctf("f.xml", xml.as_bytes());
    }

    #[test]
    fn no_parser_panics_on_arbitrary_text_under_a_real_header(
        header_idx in 0usize..crate::KNOWN_HEADERS.len(),
        body in "[A-Z0-9,/\"\\r\\n -]{0,300}",
    ) {
        let text = format!("{}\n{body}", crate::KNOWN_HEADERS[header_idx]);
        crate::fuzz_all_parsers(text.as_bytes());
    }
}

/// Runs the parser for a corpus folder and renders its report: one `error:` or `warning:`
/// line per problem, then the number of records.
fn report_for(kind: &str, file: &str, bytes: &[u8]) -> String {
    use crate::mis::{MisOptions, parse_attendance_marks, parse_ks4_results, parse_pupils};
    fn render<T>(parsed: &crate::Parsed<T>) -> String {
        let mut out = String::new();
        for e in parsed.error_messages() {
            out.push_str(&format!("error: {e}\n"));
        }
        for w in parsed.warning_messages() {
            out.push_str(&format!("warning: {w}\n"));
        }
        out.push_str(&format!("records: {}\n", parsed.records.len()));
        out
    }
    let options = MisOptions::default();
    match kind {
        "pupils" => render(&parse_pupils(file, bytes, &options)),
        "ks4" => render(&parse_ks4_results(
            file,
            bytes,
            &options,
            &crate::assessments::SubjectCatalogue::standard(),
        )),
        "attendance_marks" => render(&parse_attendance_marks(file, bytes, &options)),
        "gias" => render(&crate::gias::parse_gias_establishments(file, bytes)),
        "ctf" => render(&crate::ctf::parse_ctf(file, bytes)),
        "perf" => render(&crate::perf::parse_perf_table(file, bytes)),
        other => panic!("no parser for corpus folder {other}"),
    }
}

/// Every file in `tests/data/malformed/<parser>/` has a `<file>.expected` beside it holding
/// the exact report. Data-driven, so adding a case means adding two files.
#[test]
fn malformed_corpus_gives_the_expected_messages() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/malformed");
    let mut n_cases = 0;
    let mut failures = Vec::new();
    for kind_dir in std::fs::read_dir(root).unwrap() {
        let kind_dir = kind_dir.unwrap().path();
        let kind = kind_dir.file_name().unwrap().to_string_lossy().into_owned();
        for entry in std::fs::read_dir(&kind_dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "expected") {
                continue;
            }
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let actual = report_for(&kind, &name, &std::fs::read(&path).unwrap());
            let expected_path = format!("{}.expected", path.display());
            let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
            n_cases += 1;
            if actual != expected {
                failures.push(format!(
                    "--- {kind}/{name}: expected\n{expected}--- actual\n{actual}"
                ));
            }
        }
    }
    assert!(n_cases >= 10, "the corpus has only {n_cases} files");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
