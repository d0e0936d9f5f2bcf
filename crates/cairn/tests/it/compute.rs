//! `cairn compute`: the real binary on small CSVs in a temporary directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use cairn_domain::Upn;

/// A valid UPN built from a number.
fn upn(n: u64) -> String {
    Upn::with_check_letter(&format!("{:012}", 801_200_000_000 + n))
        .map(|u| u.to_string())
        .unwrap_or_default()
}

struct Run {
    dir: tempfile::TempDir,
}

impl Run {
    fn new() -> Self {
        Run {
            dir: tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}")),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("write {name}: {e}"));
        path
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap_or_else(|e| panic!("read {name}: {e}"))
    }

    fn exists(&self, name: &str) -> bool {
        self.path(name).exists()
    }

    fn cairn(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_cairn"))
            .current_dir(self.dir.path())
            .args(args)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap_or_else(|e| panic!("run cairn: {e}"))
    }

    fn ks4(&self, extra: &[&str]) -> Output {
        let mut args = vec![
            "compute",
            "ks4",
            "--results",
            "results.csv",
            "--prior",
            "prior.csv",
            "--estimates",
            "2024",
            "--out-pupils",
            "out_pupils.csv",
            "--out-schools",
            "out_schools.csv",
        ];
        args.extend_from_slice(extra);
        self.cairn(&args)
    }
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The rows of a CSV as maps from header to value.
fn rows(text: &str) -> Vec<Vec<(String, String)>> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    lines
        .map(|line| {
            header
                .iter()
                .zip(line.split(','))
                .map(|(h, v)| ((*h).to_owned(), v.to_owned()))
                .collect()
        })
        .collect()
}

fn field<'a>(row: &'a [(String, String)], name: &str) -> &'a str {
    row.iter()
        .find(|(h, _)| h == name)
        .map_or_else(|| panic!("no column {name}"), |(_, v)| v.as_str())
}

/// The measures.md §2.4 worked example (2024 provisional table): KS2 reading 104 and maths 106
/// average 105.0, prior attainment group 19, estimate 45.12. The grades below fill the slots
/// to 50 points: English language 6 (double, 12) with literature 5 taken; maths 5 (double, 10);
/// EBacc combined science 5-5 in two slots plus history 4 (14); open English literature 5, art
/// 5, religious studies 4 (14). So A8 = 50 and P8 = (50 − 45.12) / 10 = +0.488; the English
/// element P8 = (12 − 9.85) / 2 = +1.075.
fn worked_example_results(upn: &str) -> String {
    [
        ("English Language", "6"),
        ("English Literature", "5"),
        ("Mathematics", "5"),
        ("Combined Science", "5-5"),
        ("History", "4"),
        ("Art and Design", "5"),
        ("Religious Studies", "4"),
    ]
    .iter()
    .map(|(subject, grade)| format!("{upn},100001,{subject},{grade}\n"))
    .collect()
}

#[test]
fn ks4_reproduces_the_measures_worked_example() {
    let run = Run::new();
    let pupil = upn(1);
    run.write(
        "results.csv",
        &format!("upn,urn,subject,grade\n{}", worked_example_results(&pupil)),
    );
    run.write(
        "prior.csv",
        &format!("upn,ks2_reading,ks2_maths\n{pupil},104,106\n"),
    );
    let output = run.ks4(&[]);
    assert!(output.status.success(), "{}", stderr(&output));

    let pupils = rows(&run.read("out_pupils.csv"));
    assert_eq!(pupils.len(), 1);
    let p = &pupils[0];
    assert_eq!(field(p, "upn"), pupil);
    assert_eq!(field(p, "urn"), "100001");
    assert_eq!(field(p, "ks2_average"), "105.0");
    assert_eq!(field(p, "prior_group"), "19");
    assert_eq!(field(p, "attainment8"), "50.00");
    assert_eq!(field(p, "progress8"), "0.488");
    assert_eq!(field(p, "english_points"), "12.00");
    assert_eq!(field(p, "progress8_english"), "1.075");
    assert_eq!(field(p, "ebacc_points"), "14.00");
    assert_eq!(field(p, "open_points"), "14.00");

    // One pupil: the school's figures are suppressed.
    let schools = rows(&run.read("out_schools.csv"));
    let all = schools
        .iter()
        .find(|r| field(r, "group") == "all")
        .unwrap_or_else(|| panic!("no all row"));
    assert_eq!(field(all, "urn"), "100001");
    for column in ["n_pupils", "attainment8", "progress8", "progress8_ci_low"] {
        assert_eq!(field(all, column), "SUPP", "{column}");
    }
}

/// The first-entry rule (DfE KS4 performance tables metadata 2018/19, ks4_meta_methodology.csv,
/// "_PTQ_EE suffix"): the worked example's pupil also took history early, in November 2022, at
/// grade 2, and again in June 2024 at grade 8. Only the first entry counts, so the EBacc element
/// keeps history at 2 rather than the 4 of the worked example: 12 points, A8 48. Results listed
/// out of date order change nothing; a blank or impossible date is a bad row.
#[test]
fn ks4_counts_only_the_first_entry_when_exam_dates_are_given() {
    let run = Run::new();
    let pupil = upn(1);
    let mut results = String::from("upn,urn,subject,grade,exam_date\n");
    for line in worked_example_results(&pupil).lines() {
        if !line.contains("History") {
            results.push_str(&format!("{line},2024-06-10\n"));
        }
    }
    results.push_str(&format!("{pupil},100001,History,8,10/06/2024\n"));
    results.push_str(&format!("{pupil},100001,History,2,2022-11-07\n"));
    run.write("results.csv", &results);
    run.write(
        "prior.csv",
        &format!("upn,ks2_reading,ks2_maths\n{pupil},104,106\n"),
    );
    let output = run.ks4(&[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let pupils = rows(&run.read("out_pupils.csv"));
    assert_eq!(field(&pupils[0], "ebacc_points"), "12.00");
    assert_eq!(field(&pupils[0], "attainment8"), "48.00");

    // Without the dates the best history result (8) counts.
    run.write(
        "results.csv",
        &results
            .replace(",exam_date", "")
            .replace(",2024-06-10", "")
            .replace(",10/06/2024", "")
            .replace(",2022-11-07", ""),
    );
    let output = run.ks4(&[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let pupils = rows(&run.read("out_pupils.csv"));
    assert_eq!(field(&pupils[0], "ebacc_points"), "18.00");

    run.write(
        "results.csv",
        &results
            .replace(",2022-11-07", ",")
            .replace(",10/06/2024", ",31/02/2024"),
    );
    let output = run.ks4(&[]);
    assert!(!output.status.success());
    let err = stderr(&output);
    assert!(
        err.contains("results.csv line 8, column exam_date: \"31/02/2024\" is not a valid date"),
        "{err}"
    );
    assert!(
        err.contains("results.csv line 9, column exam_date: is missing: with an exam_date column"),
        "{err}"
    );
}

/// Eight pupils at one school, three of them disadvantaged: the whole school is shown, the
/// disadvantaged group is suppressed (3 < 6), and so is the non-disadvantaged group, which
/// would give the small group away by subtraction.
#[test]
fn ks4_suppresses_small_groups_and_their_complements() {
    let run = Run::new();
    let mut results = String::from("upn,urn,subject,grade\n");
    let mut prior = String::from("upn,ks2_reading,ks2_maths\n");
    let mut pupils = String::from("upn,urn,disadvantaged,sen,eal,sex\n");
    for n in 0..8u64 {
        let u = upn(n);
        for (subject, grade) in [
            ("English Language", "5"),
            ("Mathematics", "4"),
            ("History", "6"),
        ] {
            results.push_str(&format!("{u},100002,{subject},{grade}\n"));
        }
        prior.push_str(&format!("{u},{},{}\n", 100 + n, 102 + n));
        let disadvantaged = if n < 3 { "Y" } else { "N" };
        let sex = if n % 2 == 0 { "F" } else { "M" };
        pupils.push_str(&format!("{u},100002,{disadvantaged},N,N,{sex}\n"));
    }
    run.write("results.csv", &results);
    run.write("prior.csv", &prior);
    run.write("pupils.csv", &pupils);
    let output = run.ks4(&["--pupils", "pupils.csv"]);
    assert!(output.status.success(), "{}", stderr(&output));

    let schools = rows(&run.read("out_schools.csv"));
    let group = |code: &str| {
        schools
            .iter()
            .find(|r| field(r, "group") == code)
            .unwrap_or_else(|| panic!("no {code} row"))
    };
    let all = group("all");
    assert_eq!(field(all, "n_pupils"), "8");
    assert_eq!(field(all, "n_progress8"), "8");
    // Each pupil: English 5 single (5), maths 4 double (8), history 6 (6) = 19.
    assert_eq!(field(all, "attainment8"), "19.00");
    assert_ne!(field(all, "progress8"), "SUPP");
    for code in ["disadvantaged", "non_disadvantaged"] {
        let row = group(code);
        for column in ["n_pupils", "attainment8", "progress8"] {
            assert_eq!(field(row, column), "SUPP", "{code} {column}");
        }
    }
    // Four girls and four boys: both below 6, both suppressed.
    assert_eq!(field(group("female"), "attainment8"), "SUPP");
    // All eight pupils have no SEN: as on the DfE tables, a family with an empty group hides
    // its other group too (measures.md §9), so `sen_none` is SUPP although it has 8 pupils.
    assert_eq!(field(group("sen_none"), "attainment8"), "SUPP");
    assert!(!schools.iter().any(|r| field(r, "group") == "sen_ehcp"));
}

fn bad_results(pupil: &str) -> String {
    let mut text = String::from("upn,urn,subject,grade\n");
    text.push_str(&worked_example_results(pupil));
    // Line 9: wrong check letter; line 10: unknown subject; line 11: single grade for a
    // double award.
    let wrong_letter = format!("A{}", &pupil[1..]);
    text.push_str(&format!("{wrong_letter},100001,History,4\n"));
    text.push_str(&format!("{pupil},100001,Astrology,4\n"));
    text.push_str(&format!("{pupil},100001,Combined Science,5\n"));
    text
}

#[test]
fn ks4_lists_bad_rows_and_writes_nothing() {
    let run = Run::new();
    let pupil = upn(1);
    assert!(
        !pupil.starts_with('A'),
        "test UPN must not already use check letter A"
    );
    run.write("results.csv", &bad_results(&pupil));
    run.write(
        "prior.csv",
        &format!("upn,ks2_reading,ks2_maths\n{pupil},104,106\n"),
    );
    let output = run.ks4(&[]);
    assert!(!output.status.success());
    let err = stderr(&output);
    let expected_letter = &pupil[..1];
    let wrong = format!("A{}", &pupil[1..]);
    assert!(
        err.contains(&format!(
            "results.csv line 9, column upn: \"{wrong}\" has check letter A, expected {expected_letter}"
        )),
        "{err}"
    );
    assert!(
        err.contains(
            "results.csv line 10, column subject: \"Astrology\" is not in the KS4 subject catalogue"
        ),
        "{err}"
    );
    assert!(
        err.contains("results.csv line 11, column grade: \"5\" is a single grade, but Combined Science is a double award"),
        "{err}"
    );
    assert!(
        err.contains("3 bad rows in the input; nothing was written"),
        "{err}"
    );
    assert!(!run.exists("out_pupils.csv"));
    assert!(!run.exists("out_schools.csv"));
    // No temporary files left behind either.
    let leftovers: Vec<_> = std::fs::read_dir(run.dir.path())
        .map(|d| d.filter_map(Result::ok).map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert_eq!(leftovers.len(), 2, "{leftovers:?}");
}

#[test]
fn ks4_skip_invalid_reports_and_carries_on() {
    let run = Run::new();
    let pupil = upn(1);
    run.write("results.csv", &bad_results(&pupil));
    run.write(
        "prior.csv",
        &format!("upn,ks2_reading,ks2_maths\n{pupil},104,106\n"),
    );
    let output = run.ks4(&["--skip-invalid"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(err.contains("results.csv line 9, column upn"), "{err}");
    assert!(err.contains("left out 3 bad rows"), "{err}");
    let pupils = rows(&run.read("out_pupils.csv"));
    // The bad UPN's row is not a second pupil; the good rows give the worked example.
    assert_eq!(pupils.len(), 1);
    assert_eq!(field(&pupils[0], "attainment8"), "50.00");
    assert_eq!(field(&pupils[0], "progress8"), "0.488");
}

#[test]
fn ks4_caps_the_listed_bad_rows() {
    let run = Run::new();
    let mut text = String::from("upn,urn,subject,grade\n");
    for n in 0..60 {
        text.push_str(&format!("{},100001,History,Z\n", upn(n)));
    }
    run.write("results.csv", &text);
    run.write("prior.csv", "upn,ks2_reading,ks2_maths\n");
    let output = run.ks4(&[]);
    assert!(!output.status.success());
    let err = stderr(&output);
    assert_eq!(err.matches("is not a GCSE grade").count(), 50, "{err}");
    assert!(err.contains("... and 10 more bad rows"), "{err}");
    assert!(err.contains("60 bad rows"), "{err}");
}

#[test]
fn ks4_checks_prior_and_pupil_files() {
    let run = Run::new();
    let (a, b) = (upn(1), upn(2));
    run.write(
        "results.csv",
        &format!(
            "upn,urn,subject,grade\n{}{b},100001,History,5\n",
            worked_example_results(&a)
        ),
    );
    run.write(
        "prior.csv",
        &format!("upn,ks2_reading,ks2_maths\n{a},104,106\n{a},100,100\n{b},130,\n"),
    );
    run.write(
        "pupils.csv",
        &format!("upn,urn,disadvantaged,sen,eal,sex\n{a},100001,Y,N,N,X\n"),
    );
    let output = run.ks4(&["--pupils", "pupils.csv"]);
    assert!(!output.status.success());
    let err = stderr(&output);
    assert!(
        err.contains("pupils.csv line 2, column sex: \"X\" is not a recognised sex"),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "results.csv line 2, column upn: \"{a}\" belongs to a pupil whose row in pupils.csv (line 2) was rejected"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "results.csv line 9, column upn: \"{b}\" is not in pupils.csv"
        )),
        "{err}"
    );
    assert!(
        err.contains("prior.csv line 4, column ks2_reading: \"130\" is not a KS2 scaled score"),
        "{err}"
    );
}

#[test]
fn ks4_without_estimates_computes_attainment_only() {
    let run = Run::new();
    let pupil = upn(1);
    run.write(
        "results.csv",
        &format!("upn,urn,subject,grade\n{}", worked_example_results(&pupil)),
    );
    let output = run.cairn(&[
        "compute",
        "ks4",
        "--results",
        "results.csv",
        "--out-pupils",
        "p.csv",
        "--out-schools",
        "s.csv",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let pupils = rows(&run.read("p.csv"));
    assert_eq!(field(&pupils[0], "attainment8"), "50.00");
    assert_eq!(field(&pupils[0], "progress8"), "");

    // A year with no published estimates is a clear error.
    let output = run.cairn(&[
        "compute",
        "ks4",
        "--results",
        "results.csv",
        "--estimates",
        "2025",
        "--out-pupils",
        "p.csv",
        "--out-schools",
        "s.csv",
    ]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("no Attainment 8 estimates for 2025"),
        "{}",
        stderr(&output)
    );
}

/// A generated cohort big enough for several read blocks: every pupil comes out once, and a
/// bad row appended at the end is reported on its physical line.
#[test]
fn ks4_reads_multi_block_files_in_order() {
    let run = Run::new();
    let output = run.cairn(&[
        "compute",
        "generate",
        "--pupils",
        "30000",
        "--schools",
        "40",
        "--out",
        ".",
        "--seed",
        "7",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let output = run.ks4(&["--pupils", "pupils.csv"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let pupils = run.read("out_pupils.csv");
    assert_eq!(pupils.lines().count(), 30_001);
    let schools = rows(&run.read("out_schools.csv"));
    assert_eq!(
        schools
            .iter()
            .filter(|r| field(r, "group") == "all")
            .count(),
        40
    );

    let results = run.read("results.csv");
    let n_lines = results.lines().count();
    assert!(results.len() > 5 << 20, "want several 2 MiB blocks");
    std::fs::write(
        run.path("results.csv"),
        format!("{results}{},100000,History,4\n", upn(999_999)),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let output = run.ks4(&["--pupils", "pupils.csv"]);
    assert!(!output.status.success());
    let err = stderr(&output);
    assert!(
        err.contains(&format!("results.csv line {}, column upn", n_lines + 1)),
        "{err}"
    );
}

#[test]
fn ks2_and_attendance_run_on_canonical_files() {
    let run = Run::new();
    let mut ks2 = String::from("upn,urn,reading,writing,maths,gps\n");
    let mut sessions = String::from("upn,urn,possible,authorised,unauthorised\n");
    for n in 0..10u64 {
        let u = upn(n);
        let (reading, writing) = if n < 7 { ("105", "EXS") } else { ("B", "WTS") };
        ks2.push_str(&format!("{u},100003,{reading},{writing},110,\n"));
        // Two terms each; pupils 0 and 1 are persistently absent.
        let absent = if n < 2 { 20 } else { 2 };
        sessions.push_str(&format!("{u},100003,100,{absent},0\n{u},100003,100,0,1\n"));
    }
    run.write("ks2.csv", &ks2);
    run.write("sessions.csv", &sessions);
    let output = run.cairn(&[
        "compute",
        "ks2",
        "--results",
        "ks2.csv",
        "--out-schools",
        "ks2_out.csv",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let rows_ks2 = rows(&run.read("ks2_out.csv"));
    assert_eq!(field(&rows_ks2[0], "n_pupils"), "10");
    assert_eq!(field(&rows_ks2[0], "rwm_expected_pct"), "70.0");
    assert_eq!(field(&rows_ks2[0], "reading_average"), "105.0");

    let output = run.cairn(&[
        "compute",
        "attendance",
        "--sessions",
        "sessions.csv",
        "--out-schools",
        "att_out.csv",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let rows_att = rows(&run.read("att_out.csv"));
    assert_eq!(field(&rows_att[0], "n_pupils"), "10");
    // (2×20 + 8×2 + 10×1) / 2000 sessions = 3.3 %.
    assert_eq!(field(&rows_att[0], "overall_absence_pct"), "3.30");
    assert_eq!(field(&rows_att[0], "persistent_absence_pct"), "20.0");

    // A bad count names the file, line and column.
    run.write(
        "sessions.csv",
        &format!(
            "upn,urn,possible,authorised,unauthorised\n{},100003,10,8,5\n",
            upn(1)
        ),
    );
    let output = run.cairn(&[
        "compute",
        "attendance",
        "--sessions",
        "sessions.csv",
        "--out-schools",
        "att_out2.csv",
    ]);
    assert!(!output.status.success());
    assert!(
        stderr(&output)
            .contains("sessions.csv line 2, column possible: \"10\" is fewer than the absences"),
        "{}",
        stderr(&output)
    );
    assert!(!Path::new(&run.path("att_out2.csv")).exists());
}
