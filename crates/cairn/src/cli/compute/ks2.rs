//! `cairn compute ks2`: KS2 expected and higher standards and average scaled scores.

use std::path::{Path, PathBuf};

use cairn_ingest::RowError;
use cairn_measures::PupilGroup;
use cairn_measures::ks2::{
    Ks2Pupil, Ks2Summary, TestOutcome, WritingAssessment, summarise_ks2_by_school,
};
use clap::Args;

use super::CommonArgs;
use super::input::{self, CsvFile, Problems, UpnKey};
use super::output;
use super::pupils::{self, Cohort};

pub(super) const LONG_ABOUT: &str = "\
KS2: reading, writing and maths (RWM) expected and higher standards, per-subject percentages
and average scaled scores, per school and pupil group (measures.md section 4).

Inputs (CSV with a header line; columns matched by name, ignoring case; extra columns ignored):
  --results  upn,urn,reading,writing,maths[,gps]   one row per pupil at the end of KS2
             reading, maths, gps: a scaled score 80 to 120, or a result code (A absent,
             B working below, N no scaled score, and T, H, P, U, X, Q, S), or gps blank;
             writing: GDS, EXS, WTS, or PK1 to PK6, PKF, PKE, PKG, BLW, HNM, A, D, L, EM.
  --pupils   upn,urn,disadvantaged,sen,eal,sex   (optional; enables group breakdowns)

Output:
  --out-schools  urn,group,n_pupils,rwm_expected_pct,rwm_high_pct,reading_expected_pct,
                 reading_high_pct,writing_expected_pct,writing_greater_depth_pct,
                 maths_expected_pct,maths_high_pct,gps_expected_pct,gps_high_pct,
                 reading_average,maths_average,gps_average
                 Percentages are of all pupils counted; averages over pupils with a scaled
                 score. SUPP marks suppressed figures, NA figures with no pupils.

Bad rows are listed with file, line, column and value; unless --skip-invalid is given,
nothing is written and the exit code is non-zero. See docs/compute.md.";

#[derive(Debug, Args)]
pub(crate) struct Ks2Args {
    /// KS2 results: `upn,urn,reading,writing,maths[,gps]`, one row per pupil.
    #[arg(long, value_name = "CSV")]
    results: PathBuf,
    /// Where to write one row per school and pupil group.
    #[arg(long, value_name = "CSV")]
    out_schools: PathBuf,
    #[command(flatten)]
    common: CommonArgs,
}

/// A checked KS2 row, before its pupil is looked up.
#[derive(Debug, Clone, Copy)]
struct Ks2Row {
    upn: UpnKey,
    urn: cairn_domain::Urn,
    reading: TestOutcome,
    writing: WritingAssessment,
    maths: TestOutcome,
    gps: Option<TestOutcome>,
    line: u64,
}

pub(super) fn run(args: &Ks2Args) -> anyhow::Result<()> {
    let mut problems = Problems::default();
    let mut cohort = match &args.common.pupils {
        Some(path) => Cohort::from_pupils_file(path, &mut problems)?,
        None => Cohort::open(),
    };
    let pupils = read_results(&args.results, &mut cohort, &mut problems)?;
    problems.finish(args.common.skip_invalid)?;
    let schools = summarise_ks2_by_school(args.common.policy(), &pupils);
    let groups = output::groups(cohort.has_characteristics(), false);
    write_schools(&args.out_schools, &schools, &groups)?.publish()?;
    tracing::info!(
        pupils = pupils.len(),
        schools = schools.len(),
        "wrote {}",
        args.out_schools.display()
    );
    Ok(())
}

fn read_results(
    path: &Path,
    cohort: &mut Cohort,
    problems: &mut Problems,
) -> anyhow::Result<Vec<Ks2Pupil>> {
    let file = CsvFile::open(path)?;
    let columns = file.columns(["upn", "urn", "reading", "writing", "maths"])?;
    let c_gps = file.column("gps");
    let (name, headers) = (file.name.clone(), file.headers.clone());
    let mut pupils = Vec::new();
    let mut seen_on: Vec<u64> = Vec::new();
    file.for_each_parsed_block(
        problems,
        |row, problems| parse_row(row, columns, c_gps, problems),
        |rows, problems| {
            for row in rows {
                let idx = match cohort.pupil_for(&row.upn, row.urn, row.line) {
                    Ok(idx) => idx as usize,
                    Err(refusal) => {
                        problems.push(pupils::cohort_error(
                            &name,
                            &headers,
                            [columns[0], columns[1]],
                            (&row.upn, row.urn, row.line),
                            refusal,
                        ));
                        continue;
                    }
                };
                if seen_on.len() <= idx {
                    seen_on.resize(idx + 1, 0);
                }
                match seen_on.get_mut(idx) {
                    Some(first) if *first != 0 => {
                        problems.push(RowError {
                            file: name.clone(),
                            line: row.line,
                            column: pupils::header(&headers, columns[0]),
                            value: input::text(&row.upn).into_owned(),
                            rule: format!("appears again (first on line {first})"),
                        });
                        continue;
                    }
                    Some(first) => *first = row.line,
                    None => {}
                }
                let Some(&context) = cohort.contexts.get(idx) else {
                    continue;
                };
                pupils.push(Ks2Pupil {
                    urn: row.urn,
                    context,
                    reading: row.reading,
                    writing: row.writing,
                    maths: row.maths,
                    gps: row.gps,
                });
            }
        },
    )?;
    Ok(pupils)
}

fn parse_row(
    row: input::Row<'_>,
    [c_upn, c_urn, c_reading, c_writing, c_maths]: [usize; 5],
    c_gps: Option<usize>,
    problems: &mut Problems,
) -> Option<Ks2Row> {
    let test = |column: usize| {
        TestOutcome::parse(&input::text(row.get(column))).map_err(|_| {
            "is not a KS2 test outcome: expected a scaled score 80 to 120, or a code A, B, N, \
             T, H, P, U, X, Q or S"
                .to_owned()
        })
    };
    let upn = input::upn_key(row.get(c_upn));
    let urn = input::urn(row.get(c_urn));
    let reading = test(c_reading);
    let maths = test(c_maths);
    let writing = WritingAssessment::parse(&input::text(row.get(c_writing))).map_err(|_| {
        "is not a KS2 writing assessment: expected GDS, EXS, WTS, or PK1 to PK6, PKF, PKE, \
         PKG, BLW, HNM, A, D, L or EM"
            .to_owned()
    });
    let gps = match c_gps {
        Some(c) if !row.get(c).is_empty() => test(c).map(Some),
        _ => Ok(None),
    };
    let mut ok = true;
    for (column, error) in [
        (c_upn, upn.as_ref().err()),
        (c_urn, urn.as_ref().err()),
        (c_reading, reading.as_ref().err()),
        (c_writing, writing.as_ref().err()),
        (c_maths, maths.as_ref().err()),
        (c_gps.unwrap_or(usize::MAX), gps.as_ref().err()),
    ] {
        if let Some(rule) = error {
            problems.push(row.error(column, rule.clone()));
            ok = false;
        }
    }
    match (ok, upn, urn, reading, writing, maths, gps) {
        (true, Ok(upn), Ok(urn), Ok(reading), Ok(writing), Ok(maths), Ok(gps)) => Some(Ks2Row {
            upn,
            urn,
            reading,
            writing,
            maths,
            gps,
            line: row.line,
        }),
        _ => None,
    }
}

const SCHOOLS_HEADER: &str = "urn,group,n_pupils,rwm_expected_pct,rwm_high_pct,\
reading_expected_pct,reading_high_pct,writing_expected_pct,writing_greater_depth_pct,\
maths_expected_pct,maths_high_pct,gps_expected_pct,gps_high_pct,\
reading_average,maths_average,gps_average";

fn write_schools(
    path: &Path,
    schools: &[(cairn_domain::Urn, Ks2Summary)],
    groups: &[PupilGroup],
) -> anyhow::Result<output::Finished> {
    output::school_lines(
        path,
        SCHOOLS_HEADER,
        schools,
        groups,
        |s| &s.n_pupils,
        |s, group| s.rwm_expected.get(group),
        |line, s, group| {
            for figures in [
                &s.rwm_expected,
                &s.rwm_high,
                &s.reading_expected,
                &s.reading_high,
                &s.writing_expected,
                &s.writing_greater_depth,
                &s.maths_expected,
                &s.maths_high,
                &s.gps_expected,
                &s.gps_high,
            ] {
                line.figure(figures.get(group), |l, f| {
                    l.fixed(f.percent(), 1);
                });
            }
            for figures in [&s.reading_average, &s.maths_average, &s.gps_average] {
                line.figure(figures.get(group), |l, f| {
                    l.fixed(f.mean, 1);
                });
            }
        },
    )
}
