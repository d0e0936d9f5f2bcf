//! `cairn compute ks4`: Attainment 8 and Progress 8 from canonical CSVs.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use cairn_domain::AcademicYear;
use cairn_ingest::RowError;
use cairn_measures::ks4::slots::SlotStructure;
use cairn_measures::ks4::tables::{
    Estimates, GradeScale, Ks2Average, Ks4Grade, NationalSds, PointScores, Release,
    SubjectCatalogue, SubjectId,
};
use cairn_measures::ks4::{
    Ks4Config, Ks4Entry, Ks4Output, Ks4Pupil, Ks4PupilResult, Ks4Summary, ProgressFigure,
    compute_ks4, summarise_ks4_by_school,
};
use cairn_measures::{MeasureError, P8Banding, PupilGroup};
use clap::{Args, ValueEnum};

use super::CommonArgs;
use super::input::{self, CsvFile, FxMap, Problems, UpnKey};
use super::output::{self, CsvOut};
use super::pupils::{self, BlockPupils, Cohort};

pub(super) const LONG_ABOUT: &str = "\
KS4: Attainment 8, Progress 8 and the other headline measures, per pupil and per school.

Inputs (CSV with a header line; columns matched by name, ignoring case; extra columns ignored):
  --results   upn,urn,subject,grade[,exam_date]
              subject: a name in the KS4 subject catalogue (ks4_subjects.csv, or --subjects);
              grade: 9 to 1 or U; combined science 9-9 to 1-1 or U; technical awards L2D* to L1P.
              exam_date (optional, YYYY-MM-DD or DD/MM/YYYY): only a pupil's first entry in a
              subject counts (the DfE's first-entry rule), the best result of that sitting;
              without the column a pupil's best result in each subject counts.
  --prior     upn,ks2_reading,ks2_maths
              KS2 scaled scores (80 to 120, or the DfE scaled-score equivalents, 59 or more, for
              pupils below the standard of the tests); blank when missing. A pupil without
              both scores has no prior attainment: counted in Attainment 8, not in Progress 8.
  --pupils    upn,urn,disadvantaged,sen,eal,sex
              disadvantaged, eal: Y/N; sen: N, K or E; sex: F or M. Optional: when given it lists
              the cohort (pupils without results count with Attainment 8 of 0) and enables the
              breakdowns by pupil group; otherwise the cohort is every UPN in --results.

Outputs:
  --out-pupils   upn,urn,ks2_average,prior_group,attainment8,progress8, element points and
                 Progress 8 elements (english, maths, ebacc, open), ebacc_entered, ebacc_aps,
                 english_maths_4, english_maths_5 (blank when not computable)
  --out-schools  urn,group,n_pupils,attainment8,n_progress8,progress8,progress8_ci_low,
                 progress8_ci_high,progress8_banding, coverage, EBacc and English and maths
                 percentages; groups are all, disadvantaged, non_disadvantaged, sen_none,
                 sen_support, sen_ehcp, eal, non_eal, female, male, prior_low, prior_middle,
                 prior_high. Figures over fewer than --min-pupils pupils are SUPP (and so is a
                 group that would give a small group away by subtraction); NA means no pupils.

Bad rows are listed with file, line, column and value; unless --skip-invalid is given,
nothing is written and the exit code is non-zero. See docs/compute.md.";

/// Which DfE release of a year's tables to use.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum ReleaseArg {
    Provisional,
    Revised,
}

#[derive(Debug, Args)]
pub(crate) struct Ks4Args {
    /// KS4 results: `upn,urn,subject,grade`, optionally `exam_date`.
    #[arg(long, value_name = "CSV")]
    results: PathBuf,
    /// KS2 prior attainment: `upn,ks2_reading,ks2_maths` (blank when missing).
    #[arg(long, value_name = "CSV")]
    prior: Option<PathBuf>,
    /// KS4 year (summer exams) whose DfE Attainment 8 estimates give Progress 8, e.g. 2024.
    /// Without it only Attainment 8 and the other attainment measures are computed.
    #[arg(long, value_name = "YEAR")]
    estimates: Option<u16>,
    /// Release of the estimates and standard deviations; default the latest for the year.
    #[arg(long, value_enum, requires = "estimates")]
    release: Option<ReleaseArg>,
    /// A custom estimates table, laid out like `p8_attainment8_estimates_by_ks2_group.csv`.
    #[arg(long, value_name = "CSV", requires = "estimates")]
    estimates_file: Option<PathBuf>,
    /// A custom national standard deviations table, laid out like
    /// `p8_national_standard_deviations.csv`.
    #[arg(long, value_name = "CSV", requires = "estimates")]
    sds_file: Option<PathBuf>,
    /// A custom subject catalogue, laid out like `ks4_subjects.csv`.
    #[arg(long, value_name = "CSV")]
    subjects: Option<PathBuf>,
    /// Where to write one row per pupil.
    #[arg(long, value_name = "CSV")]
    out_pupils: PathBuf,
    /// Where to write one row per school and pupil group.
    #[arg(long, value_name = "CSV")]
    out_schools: PathBuf,
    #[command(flatten)]
    common: CommonArgs,
}

pub(super) fn run(args: &Ks4Args) -> anyhow::Result<()> {
    let started = Instant::now();
    let config = config(args)?;
    let mut problems = Problems::default();
    let mut cohort = match &args.common.pupils {
        Some(path) => Cohort::from_pupils_file(path, &mut problems)?,
        // Canonical result rows are about 36 bytes, and a KS4 pupil has eight to ten results.
        None => Cohort::open_for(file_len(&args.results) / (36 * 8)),
    };
    let entries = read_results(&args.results, &config.catalogue, &mut cohort, &mut problems)?;
    let ks2 = match &args.prior {
        Some(path) => read_prior(path, &cohort, &mut problems)?,
        None => vec![None; cohort.len()],
    };
    tracing::debug!(elapsed = ?started.elapsed(), "inputs read");
    problems.finish(args.common.skip_invalid)?;

    let pupils: Vec<Ks4Pupil> = cohort
        .urns
        .iter()
        .zip(&cohort.contexts)
        .zip(&ks2)
        .map(|((&urn, &context), &ks2_average)| Ks4Pupil {
            urn,
            context,
            ks2_average,
        })
        .collect();
    let n_results = entries.len();
    let output = compute_in_parallel(&config, &pupils, entries)?;
    if let Some(issue) = output.issues.first() {
        // Every row was checked on reading, so this is a fault, not the user's data.
        anyhow::bail!(
            "internal error: the measures engine rejected {} checked results (first: {})",
            output.issues.len(),
            issue.error
        );
    }
    let policy = args.common.policy();
    let schools = summarise_ks4_by_school(&config, policy, &pupils, &output.pupils);
    tracing::debug!(elapsed = ?started.elapsed(), "measures computed");

    let pupil_file = write_pupils(&args.out_pupils, &cohort, &ks2, &config, &output.pupils)?;
    let groups = output::groups(cohort.has_characteristics(), args.prior.is_some());
    let with_p8 = config.estimates.is_some();
    let school_file = write_schools(&args.out_schools, &schools, &groups, with_p8)?;
    pupil_file.publish()?;
    school_file.publish()?;
    tracing::info!(
        pupils = pupils.len(),
        results = n_results,
        schools = schools.len(),
        elapsed = ?started.elapsed(),
        "wrote {} and {}",
        args.out_pupils.display(),
        args.out_schools.display()
    );
    Ok(())
}

/// Runs the engine on slices of the cohort, one per core. Entries are in pupil order when
/// pupils were numbered from the results file (the usual case); otherwise one call does it.
fn compute_in_parallel(
    config: &Ks4Config,
    pupils: &[Ks4Pupil],
    mut entries: Vec<Ks4Entry>,
) -> anyhow::Result<Ks4Output> {
    let workers = std::thread::available_parallelism().map_or(1, usize::from);
    let sorted = entries.is_sorted_by_key(|e| e.pupil_idx);
    if workers < 2 || !sorted || pupils.len() < 20_000 {
        return Ok(compute_ks4(config, pupils, &entries));
    }
    let chunk = pupils.len().div_ceil(workers);
    let mut parts = Vec::with_capacity(workers);
    let mut rest_pupils = pupils;
    let mut rest_entries = entries.as_mut_slice();
    let mut offset = 0usize;
    while !rest_pupils.is_empty() {
        let (these_pupils, later_pupils) = rest_pupils.split_at(chunk.min(rest_pupils.len()));
        let end = offset + these_pupils.len();
        let split = rest_entries.partition_point(|e| (e.pupil_idx as usize) < end);
        let (these_entries, later_entries) = rest_entries.split_at_mut(split);
        for entry in these_entries.iter_mut() {
            entry.pupil_idx -= offset as u32;
        }
        parts.push((these_pupils, these_entries));
        rest_pupils = later_pupils;
        rest_entries = later_entries;
        offset = end;
    }
    let outputs = std::thread::scope(|scope| {
        let handles: Vec<_> = parts
            .into_iter()
            .map(|(p, e)| scope.spawn(move || compute_ks4(config, p, e)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join())
            .collect::<Result<Vec<Ks4Output>, _>>()
    })
    .map_err(|_| anyhow::anyhow!("internal error: the measures engine stopped unexpectedly"))?;
    let mut all = Ks4Output {
        pupils: Vec::with_capacity(pupils.len()),
        issues: Vec::new(),
    };
    for output in outputs {
        all.pupils.extend(output.pupils);
        all.issues.extend(output.issues);
    }
    Ok(all)
}

/// The year's tables: shipped, or replaced by the caller's files.
fn config(args: &Ks4Args) -> anyhow::Result<Ks4Config> {
    let catalogue = match &args.subjects {
        Some(path) => SubjectCatalogue::parse(&read_text(path)?)
            .with_context(|| format!("cannot use {}", path.display()))?,
        None => SubjectCatalogue::dfe_default()?,
    };
    let (estimates, sds) = match args.estimates {
        Some(year) => {
            let (estimates, sds) = progress8_tables(args, year)?;
            (Some(estimates), Some(sds))
        }
        None => (None, None),
    };
    Ok(Ks4Config {
        catalogue,
        points: PointScores::dfe_default()?,
        slots: SlotStructure::default(),
        estimates,
        sds,
        unadjusted_sd: None,
        extreme_minimums: None,
    })
}

fn progress8_tables(args: &Ks4Args, year: u16) -> anyhow::Result<(Estimates, NationalSds)> {
    let academic_year = year
        .checked_sub(1)
        .and_then(|start| AcademicYear::starting(start).ok())
        .with_context(|| format!("--estimates {year} is not a KS4 year"))?;
    let estimates_text = args.estimates_file.as_deref().map(read_text).transpose()?;
    let sds_text = args.sds_file.as_deref().map(read_text).transpose()?;
    let load_estimates = |release| match &estimates_text {
        Some(text) => Estimates::parse(text, academic_year, release),
        None => Estimates::dfe(academic_year, release),
    };
    let load_sds = |release| match &sds_text {
        Some(text) => NationalSds::parse(text, academic_year, release),
        None => NationalSds::dfe(academic_year, release),
    };
    let releases = match args.release {
        Some(ReleaseArg::Provisional) => vec![Release::Provisional],
        Some(ReleaseArg::Revised) => vec![Release::Revised],
        // The latest release first.
        None => vec![Release::Revised, Release::Provisional],
    };
    let mut found = None;
    for &release in &releases {
        match load_estimates(release) {
            Ok(estimates) => {
                found = Some((release, estimates));
                break;
            }
            Err(MeasureError::MissingEstimates { .. }) => {}
            Err(other) => {
                return Err(other).context(match &args.estimates_file {
                    Some(path) => format!("cannot use {}", path.display()),
                    None => "cannot read the shipped estimates table".to_owned(),
                });
            }
        }
    }
    let Some((release, estimates)) = found else {
        let source = args.estimates_file.as_ref().map_or_else(
            || "the shipped DfE table".to_owned(),
            |p| p.display().to_string(),
        );
        let years: Vec<String> = (2016..=2040)
            .filter(|&y| {
                AcademicYear::starting(y - 1).is_ok_and(|ay| {
                    [Release::Provisional, Release::Revised].iter().any(
                        |&r| match &estimates_text {
                            Some(text) => Estimates::parse(text, ay, r).is_ok(),
                            None => Estimates::dfe(ay, r).is_ok(),
                        },
                    )
                })
            })
            .map(|y| y.to_string())
            .collect();
        anyhow::bail!(
            "no Attainment 8 estimates for {year}{} in {source} (it has {}); Progress 8 is not \
             published for 2025 and 2026 (measures.md 2.1): leave out --estimates to compute \
             Attainment 8 only, or pass --estimates-file",
            args.release
                .map_or(String::new(), |r| format!(" ({})", release_code(r))),
            if years.is_empty() {
                "none".to_owned()
            } else {
                years.join(", ")
            },
        );
    };
    let sds = load_sds(release).with_context(|| {
        format!(
            "Progress 8 needs the national standard deviation for {year} ({}); pass --sds-file",
            release.code()
        )
    })?;
    tracing::info!(year, release = release.code(), "Attainment 8 estimates");
    Ok((estimates, sds))
}

fn release_code(release: ReleaseArg) -> &'static str {
    match release {
        ReleaseArg::Provisional => "provisional",
        ReleaseArg::Revised => "revised",
    }
}

/// The file's size in bytes, or 0 when it cannot be read (opening it will say why).
fn file_len(path: &Path) -> usize {
    std::fs::metadata(path).map_or(0, |m| usize::try_from(m.len()).unwrap_or(usize::MAX))
}

fn read_text(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

/// A block of checked result rows, their pupils numbered within the block.
#[derive(Debug, Default)]
struct ResultBlock {
    pupils: BlockPupils,
    /// Rows in file order, `pupil_idx` being the block number in `pupils`.
    rows: Vec<Ks4Entry>,
    /// Each row's line.
    lines: Vec<u64>,
    problems: Problems,
}

fn read_results(
    path: &Path,
    catalogue: &SubjectCatalogue,
    cohort: &mut Cohort,
    problems: &mut Problems,
) -> anyhow::Result<Vec<Ks4Entry>> {
    let file = CsvFile::open(path)?;
    let columns = file.columns(["upn", "urn", "subject", "grade"])?;
    let exam_date = file.column("exam_date");
    let (name, headers) = (file.name.clone(), file.headers.clone());
    // About 36 bytes a row in canonical files.
    let mut entries = Vec::with_capacity(file_len(path) / 36);
    file.for_each_block(
        |block, first_line| {
            let columns = ResultColumns { columns, exam_date };
            parse_results(&name, &headers, columns, catalogue, block, first_line)
        },
        |block| {
            problems.extend(block.problems);
            let numbers = cohort.number_block(&block.pupils);
            let mut other_schools = block.pupils.other_schools.iter().peekable();
            for (position, (row, &line)) in block.rows.iter().zip(&block.lines).enumerate() {
                let Some(&(upn, first_urn, _)) = block.pupils.first.get(row.pupil_idx as usize)
                else {
                    continue; // every row's pupil was numbered; defensive
                };
                let (numbered, urn) = match other_schools.next_if(|(p, _)| *p == position) {
                    Some(&(_, urn)) => (cohort.pupil_for(&upn, urn, line), urn),
                    None => match numbers.get(row.pupil_idx as usize) {
                        Some(Ok(pupil_idx)) => {
                            entries.push(Ks4Entry {
                                pupil_idx: *pupil_idx,
                                ..*row
                            });
                            continue;
                        }
                        Some(Err(refusal)) => (Err(refusal.clone()), first_urn),
                        None => continue, // one number per pupil; defensive
                    },
                };
                match numbered {
                    Ok(pupil_idx) => entries.push(Ks4Entry { pupil_idx, ..*row }),
                    Err(refusal) => problems.push(pupils::cohort_error(
                        &name,
                        &headers,
                        [columns[0], columns[1]],
                        (&upn, urn, line),
                        refusal,
                    )),
                }
            }
        },
    )?;
    Ok(entries)
}

/// The results file's columns: `upn,urn,subject,grade`, and `exam_date` when given.
#[derive(Debug, Clone, Copy)]
struct ResultColumns {
    columns: [usize; 4],
    exam_date: Option<usize>,
}

/// The first day `exam_date` can be; a result's sitting counts days from it, so every date
/// to 2149 fits the engine's 16 bits.
const FIRST_SITTING_DAY: chrono::NaiveDate =
    chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("1 January 1970 is a date");

/// An `exam_date` cell as the engine's sitting: days since [`FIRST_SITTING_DAY`].
fn sitting(value: &[u8]) -> Result<u16, String> {
    let text = std::str::from_utf8(value).map_err(|_| "is not text".to_owned())?;
    if text.trim().is_empty() {
        return Err(
            "is missing: with an exam_date column every result needs the date it was \
                    achieved, because only a pupil's first entry in a subject counts"
                .to_owned(),
        );
    }
    let date = cairn_ingest::parse_date(text)?;
    date.signed_duration_since(FIRST_SITTING_DAY)
        .num_days()
        .try_into()
        .map_err(|_| "is outside 1970 to 2149".to_owned())
}

fn parse_results(
    name: &str,
    headers: &[String],
    ResultColumns {
        columns: [c_upn, c_urn, c_subject, c_grade],
        exam_date: c_date,
    }: ResultColumns,
    catalogue: &SubjectCatalogue,
    block: &[u8],
    first_line: u64,
) -> ResultBlock {
    let mut out = ResultBlock {
        rows: Vec::with_capacity(block.len() / 32),
        lines: Vec::with_capacity(block.len() / 32),
        ..ResultBlock::default()
    };
    // A pupil has about eight results of about 36 bytes.
    out.pupils.reserve(block.len() / 256);
    // Subjects interned once per spelling met in the block.
    let mut subjects: FxMap<Vec<u8>, Option<SubjectId>> = FxMap::default();
    // A pupil's results are usually on consecutive rows: reuse the last checked UPN and URN.
    let mut last_upn: Option<(UpnKey, UpnKey)> = None;
    let mut last_urn: Option<([u8; 6], cairn_domain::Urn)> = None;
    input::for_each_row(
        name,
        headers,
        block,
        first_line,
        &mut out.problems,
        |row, problems| {
            let raw_upn = row.get(c_upn);
            let upn = match last_upn {
                Some((raw, key)) if raw.as_slice() == raw_upn => Ok(key),
                _ => {
                    let upn = input::upn_key(raw_upn);
                    if let (Ok(key), Ok(raw)) = (&upn, UpnKey::try_from(raw_upn)) {
                        last_upn = Some((raw, *key));
                    }
                    upn
                }
            };
            let raw_urn = row.get(c_urn);
            let urn = match last_urn {
                Some((raw, urn)) if raw.as_slice() == raw_urn => Ok(urn),
                _ => {
                    let urn = input::urn(raw_urn);
                    if let (Ok(urn), Ok(raw)) = (&urn, <[u8; 6]>::try_from(raw_urn)) {
                        last_urn = Some((raw, *urn));
                    }
                    urn
                }
            };
            let subject_text = row.get(c_subject);
            let subject = match subjects.get(subject_text) {
                Some(&id) => id,
                None => {
                    let id = catalogue.lookup(&input::text(subject_text)).ok();
                    subjects.insert(subject_text.to_vec(), id);
                    id
                }
            };
            let grade = subject.map(|id| parse_grade(catalogue, id, row.get(c_grade)));
            let mut bad = false;
            let sitting = match c_date.map(|c| (c, sitting(row.get(c)))) {
                None => 0,
                Some((_, Ok(sitting))) => sitting,
                Some((c, Err(rule))) => {
                    problems.push(row.error(c, rule));
                    bad = true;
                    0
                }
            };
            if let Err(rule) = &upn {
                problems.push(row.error(c_upn, rule.clone()));
                bad = true;
            }
            if let Err(rule) = &urn {
                problems.push(row.error(c_urn, rule.clone()));
                bad = true;
            }
            match (&subject, &grade) {
                (None, _) => {
                    problems.push(row.error(
                        c_subject,
                        if subject_text.is_empty() {
                            "is missing: every result needs a subject".to_owned()
                        } else {
                            "is not in the KS4 subject catalogue (ks4_subjects.csv); check the \
                         spelling, or pass --subjects with an extended catalogue"
                                .to_owned()
                        },
                    ));
                    bad = true;
                }
                (Some(_), Some(Err(rule))) => {
                    problems.push(row.error(c_grade, rule.clone()));
                    bad = true;
                }
                _ => {}
            }
            if let (false, Ok(upn), Ok(urn), Some(subject), Some(Ok(grade))) =
                (bad, upn, urn, subject, grade)
            {
                out.rows.push(Ks4Entry {
                    pupil_idx: out.pupils.number(&upn, urn, row.line),
                    subject,
                    grade,
                    sitting,
                });
                out.lines.push(row.line);
            }
        },
    );
    out
}

fn parse_grade(
    catalogue: &SubjectCatalogue,
    subject: SubjectId,
    value: &[u8],
) -> Result<Ks4Grade, String> {
    let text = input::text(value);
    let scale = catalogue.get(subject).map_or(GradeScale::Gcse, |s| s.scale);
    catalogue.parse_grade(subject, &text).map_err(|_| {
        let name = catalogue
            .get(subject)
            .map_or("this subject", |s| s.name.as_str());
        let looks_double =
            matches!(value, [a, b'-', b] | [a, b] if a.is_ascii_digit() && b.is_ascii_digit());
        let looks_single = matches!(value, [d] if d.is_ascii_digit());
        if value.is_empty() {
            "is missing: every result needs a grade".to_owned()
        } else {
            match scale {
                GradeScale::Gcse if looks_double => {
                    format!("is a double-award grade, but {name} takes a single grade 9 to 1 or U")
                }
                GradeScale::Gcse => {
                    "is not a GCSE grade: expected 9 to 1 or U (or A* to G for legacy GCSEs)"
                        .to_owned()
                }
                GradeScale::CombinedScience if looks_single => format!(
                    "is a single grade, but {name} is a double award graded 9-9 to 1-1 or U"
                ),
                GradeScale::CombinedScience => {
                    "is not a combined science grade: expected 9-9 to 1-1 or U".to_owned()
                }
                GradeScale::TechnicalAward => "is not a technical award grade: expected L2D*, \
                                               L2D, L2M, L2P, L1D, L1M, L1P or U"
                    .to_owned(),
            }
        }
    })
}

fn read_prior(
    path: &Path,
    cohort: &Cohort,
    problems: &mut Problems,
) -> anyhow::Result<Vec<Option<Ks2Average>>> {
    let file = CsvFile::open(path)?;
    let columns = file.columns(["upn", "ks2_reading", "ks2_maths"])?;
    let (name, headers) = (file.name.clone(), file.headers.clone());
    let mut ks2 = vec![None; cohort.len()];
    let mut seen_on = vec![0u64; cohort.len()];
    let mut outside_cohort = 0u64;
    file.for_each_parsed_block(
        problems,
        |row, problems| {
            let (upn, average, line) = parse_prior(row, columns, problems)?;
            // The cohort is complete: look pupils up here, on the worker.
            Some((cohort.find(&upn), upn, average, line))
        },
        |rows, problems| {
            for (idx, upn, average, line) in rows {
                let Some(idx) = idx else {
                    outside_cohort += 1;
                    continue;
                };
                let idx = idx as usize;
                match seen_on.get_mut(idx) {
                    Some(first) if *first != 0 => problems.push(RowError {
                        file: name.clone(),
                        line,
                        column: pupils::header(&headers, columns[0]),
                        value: input::text(&upn).into_owned(),
                        rule: format!("appears again (first on line {first})"),
                    }),
                    Some(first) => {
                        *first = line;
                        if let Some(slot) = ks2.get_mut(idx) {
                            *slot = average;
                        }
                    }
                    None => {}
                }
            }
        },
    )?;
    if outside_cohort > 0 {
        tracing::info!(
            "{} in {name} {} not in the cohort and {} ignored",
            input::plural(outside_cohort, "pupil", "pupils"),
            if outside_cohort == 1 { "is" } else { "are" },
            if outside_cohort == 1 { "was" } else { "were" },
        );
    }
    Ok(ks2)
}

fn parse_prior(
    row: input::Row<'_>,
    [c_upn, c_reading, c_maths]: [usize; 3],
    problems: &mut Problems,
) -> Option<(UpnKey, Option<Ks2Average>, u64)> {
    let score = |column: usize| -> Result<Option<u8>, String> {
        let value = row.get(column);
        if value.is_empty() {
            return Ok(None);
        }
        input::whole(value, 59, 120)
            .map(|n| u8::try_from(n).ok())
            .map_err(|_| {
                "is not a KS2 scaled score: expected 80 to 120, a scaled-score equivalent \
                 (59 or more), or blank"
                    .to_owned()
            })
    };
    let upn = input::upn_key(row.get(c_upn));
    let reading = score(c_reading);
    let maths = score(c_maths);
    let mut ok = true;
    for (column, error) in [
        (c_upn, upn.as_ref().err()),
        (c_reading, reading.as_ref().err()),
        (c_maths, maths.as_ref().err()),
    ] {
        if let Some(rule) = error {
            problems.push(row.error(column, rule.clone()));
            ok = false;
        }
    }
    let (Ok(upn), Ok(reading), Ok(maths)) = (upn, reading, maths) else {
        return None;
    };
    let average = match (reading, maths) {
        (Some(r), Some(m)) => Ks2Average::from_scaled_scores(r, m).ok(),
        _ => None,
    };
    ok.then_some((upn, average, row.line))
}

const PUPILS_HEADER: &str = "upn,urn,ks2_average,prior_group,attainment8,progress8,\
english_points,maths_points,ebacc_points,open_points,\
progress8_english,progress8_maths,progress8_ebacc,progress8_open,\
ebacc_entered,ebacc_aps,english_maths_4,english_maths_5";

fn write_pupils(
    path: &Path,
    cohort: &Cohort,
    ks2: &[Option<Ks2Average>],
    config: &Ks4Config,
    results: &[Ks4PupilResult],
) -> anyhow::Result<output::Finished> {
    let mut out = CsvOut::create(path, PUPILS_HEADER)?;
    let dfe_elements = config.slots.is_dfe_2016();
    let n = results.len().min(ks2.len()).min(cohort.len());
    out.lines_in_parallel(n, |i, line| {
        let (Some(upn), Some(urn), Some(ks2), Some(result)) = (
            cohort.upns.get(i),
            cohort.urns.get(i),
            ks2.get(i),
            results.get(i),
        ) else {
            return; // i < n
        };
        line.bytes(upn).int(u64::from(urn.get()));
        line.opt_fixed(ks2.map(Ks2Average::value), 1);
        match &result.progress {
            Some(p) => line.int(u64::from(p.group)),
            None => line.blank(),
        };
        line.fixed(result.attainment8(), 2);
        line.opt_fixed(result.progress.map(|p| p.score), 3);
        let points = result.element_points();
        for i in 0..4 {
            line.opt_fixed(points.get(i).copied().filter(|_| dfe_elements), 2);
        }
        for i in 0..4 {
            line.opt_fixed(
                result
                    .progress
                    .and_then(|p| p.elements.get(i).copied().flatten()),
                3,
            );
        }
        line.flag(result.ebacc_entered)
            .fixed(result.ebacc_aps, 2)
            .flag(result.english_maths_4)
            .flag(result.english_maths_5);
    })?;
    out.finish()
}

const SCHOOLS_HEADER: &str = "urn,group,n_pupils,attainment8,n_progress8,progress8,\
progress8_ci_low,progress8_ci_high,progress8_banding,progress8_coverage_pct,\
ebacc_entry_pct,ebacc_aps,english_maths_4_pct,english_maths_5_pct";

fn write_schools(
    path: &Path,
    schools: &[(cairn_domain::Urn, Ks4Summary)],
    groups: &[PupilGroup],
    with_p8: bool,
) -> anyhow::Result<output::Finished> {
    output::school_lines(
        path,
        SCHOOLS_HEADER,
        schools,
        groups,
        |s| &s.n_pupils,
        |s, group| s.attainment8.get(group),
        |line, summary, group| {
            let a8 = summary.attainment8.get(group);
            line.figure(a8, |l, f| {
                l.fixed(f.mean, 2);
            });
            match summary.progress8.as_ref().filter(|_| with_p8) {
                Some(p8) => {
                    let p8 = p8.get(group);
                    line.count(p8)
                        .figure(p8, |l, f: &ProgressFigure| {
                            l.fixed(f.score, 2);
                        })
                        .figure(p8, |l, f| {
                            l.fixed(f.ci.lower, 2);
                        })
                        .figure(p8, |l, f| {
                            l.fixed(f.ci.upper, 2);
                        })
                        .figure(p8, |l, f| {
                            l.text(banding_code(f.banding));
                        });
                }
                None => {
                    for _ in 0..5 {
                        line.blank();
                    }
                }
            }
            if with_p8 {
                line.figure(summary.progress8_coverage.get(group), |l, f| {
                    l.fixed(f.percent(), 1);
                });
            } else {
                line.blank();
            }
            line.figure(summary.ebacc_entry.get(group), |l, f| {
                l.fixed(f.percent(), 1);
            })
            .figure(summary.ebacc_aps.get(group), |l, f| {
                l.fixed(f.mean, 2);
            })
            .figure(summary.english_maths_4.get(group), |l, f| {
                l.fixed(f.percent(), 1);
            })
            .figure(summary.english_maths_5.get(group), |l, f| {
                l.fixed(f.percent(), 1);
            });
        },
    )
}

fn banding_code(banding: P8Banding) -> &'static str {
    match banding {
        P8Banding::WellAboveAverage => "well_above_average",
        P8Banding::AboveAverage => "above_average",
        P8Banding::Average => "average",
        P8Banding::BelowAverage => "below_average",
        P8Banding::WellBelowAverage => "well_below_average",
    }
}
