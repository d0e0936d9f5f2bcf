//! `cairn import`: read files of one kind, check every row, then write them all in one
//! transaction, or nothing.
//!
//! Every file is parsed and validated in full before anything is written. Any problem in any
//! file is printed (file, line, column, value and the rule broken) and nothing is written.
//! Otherwise the store writes the records, comparing with what it holds, and the counts of
//! rows added, updated and unchanged are printed.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, bail};
use cairn_domain::{AcademicYear, NationalBenchmarks, Partnership, Term, Upn, Urn};
use cairn_ingest::assessments::SubjectCatalogue;
use cairn_ingest::files::{FileKind, parse_file, schools_by_laestab};
use cairn_ingest::mis::{self, ImportContext, MisOptions, UserMapping};
use cairn_ingest::perf::benchmarks::{PerfKind, parse_national_benchmarks};
use cairn_ingest::places::{place_records, unknown_pupil_errors};
use cairn_ingest::{Parsed, RowError, RowWarning};
use cairn_store::{BenchmarkFile, ImportFile, ImportKind, ImportProgress, Store, StoreError};
use clap::{Args, ValueEnum};
use sha2::{Digest, Sha256};

use crate::cli::DatabaseArgs;

mod progress;

/// Problems printed before the rest are only counted.
const MAX_PRINTED: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Kind {
    /// GIAS extracts: establishments (schools and their trusts), groups.csv, group_links.csv.
    Gias,
    /// MIS pupil lists (with enrolments and characteristics when the file has them).
    Pupils,
    /// Census characteristics: FSM, SEN, EAL, disadvantaged.
    Characteristics,
    /// KS2 test results and writing teacher assessment.
    Ks2,
    /// KS4 qualification results (`upn,urn,subject,grade`).
    Ks4,
    /// Phonics screening check marks.
    Phonics,
    /// Multiplication tables check scores.
    Mtc,
    /// EYFS profile: early learning goal judgements.
    Eyfs,
    /// Attendance register marks, one session per row.
    AttendanceMarks,
    /// Attendance session counts per term or year.
    AttendanceSummaries,
    /// In-year teacher assessments and predicted grades.
    TeacherAssessments,
    /// Common Transfer Files (XML).
    Ctf,
    /// DfE performance tables, KS4 (national benchmarks; needs --year).
    PerfKs4,
    /// DfE performance tables, KS2 (national benchmarks; needs --year).
    PerfKs2,
    /// DfE performance tables, school census (national schools' context; needs --year).
    PerfCensus,
    /// DfE performance tables, absence (national benchmarks; needs --year).
    PerfAbsence,
}

impl Kind {
    fn store_kind(self) -> ImportKind {
        match self {
            Kind::Gias => ImportKind::Gias,
            Kind::Pupils => ImportKind::Pupils,
            Kind::Characteristics => ImportKind::Characteristics,
            Kind::Ks2 => ImportKind::Ks2,
            Kind::Ks4 => ImportKind::Ks4,
            Kind::Phonics => ImportKind::Phonics,
            Kind::Mtc => ImportKind::Mtc,
            Kind::Eyfs => ImportKind::Eyfs,
            Kind::AttendanceMarks => ImportKind::AttendanceMarks,
            Kind::AttendanceSummaries => ImportKind::AttendanceSummaries,
            Kind::TeacherAssessments => ImportKind::TeacherAssessments,
            Kind::Ctf => ImportKind::Ctf,
            Kind::PerfKs4 => ImportKind::PerfKs4,
            Kind::PerfKs2 => ImportKind::PerfKs2,
            Kind::PerfCensus => ImportKind::PerfCensus,
            Kind::PerfAbsence => ImportKind::PerfAbsence,
        }
    }

    /// The performance-tables file kind, for national benchmarks.
    fn perf_kind(self) -> Option<PerfKind> {
        Some(match self {
            Kind::PerfKs4 => PerfKind::Ks4,
            Kind::PerfKs2 => PerfKind::Ks2,
            Kind::PerfCensus => PerfKind::Census,
            Kind::PerfAbsence => PerfKind::Absence,
            _ => return None,
        })
    }

    /// The kind of pupil-data file `cairn_ingest::files` reads; `None` for national
    /// benchmark files, which `run_benchmarks` reads.
    fn file_kind(self) -> Option<FileKind> {
        FileKind::parse(self.store_kind().code())
    }

    /// The MIS file kind, for kinds read through a column mapping.
    fn mis_kind(self) -> Option<mis::ImportKind> {
        self.file_kind()?.mis_kind()
    }
}

#[derive(Debug, Args)]
pub(crate) struct ImportArgs {
    /// What the files hold.
    #[arg(value_enum)]
    kind: Kind,
    /// The files to import, all of the same kind.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// URN of the school the files are for, when they have no URN column.
    #[arg(long, value_name = "URN", value_parser = |s: &str| Urn::parse(s))]
    school: Option<Urn>,
    /// Academic year of the data (e.g. 2024/25), when the files have no year column.
    #[arg(long, value_name = "YEAR", value_parser = |s: &str| AcademicYear::parse(s))]
    year: Option<AcademicYear>,
    /// Census term (autumn, spring or summer), for characteristics without a term column.
    #[arg(long, value_parser = |s: &str| Term::parse(s))]
    term: Option<Term>,
    /// Check the files and count what would change, without writing any data.
    #[arg(long)]
    dry_run: bool,
    /// Do not recompute the stored measures after the import (when loading several files in
    /// a row: run `cairn refresh` after the last).
    #[arg(long)]
    no_refresh: bool,
    /// Print which column each field would be read from, and stop.
    #[arg(long)]
    show_mapping: bool,
    /// A TOML file naming the column for fields the presets do not find (`[columns]`).
    #[arg(long, value_name = "FILE.toml")]
    mapping: Option<PathBuf>,
    #[command(flatten)]
    database: DatabaseArgs,
}

/// One file, read and parsed.
struct Checked {
    name: String,
    sha256: String,
    n_records: usize,
    data: Partnership,
}

pub(crate) async fn run(args: ImportArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    if let Some(perf) = args.kind.perf_kind() {
        return run_benchmarks(&args, perf, started).await;
    }
    let parse_progress = cairn_ingest::progress::Progress::new();
    let mut bar: Option<indicatif::ProgressBar> = None;
    let mapping = match &args.mapping {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read mapping file {}", path.display()))?;
            let name = path.display().to_string();
            Some(UserMapping::parse(&name, &text)?)
        }
        None => None,
    };
    // A CTF may name its school by LAESTAB alone: the register places it.
    let (store, laestabs) = if args.kind == Kind::Ctf && !args.show_mapping {
        let store = args.database.open().await?;
        let laestabs = schools_by_laestab(&store.schools().await?);
        (Some(store), Some(laestabs))
    } else {
        (None, None)
    };
    let options = MisOptions {
        laestabs: laestabs.as_ref(),
        mapping: mapping.as_ref(),
        progress: Some(&parse_progress),
        context: ImportContext {
            urn: args.school,
            academic_year: args.year,
            term: args.term,
        },
    };

    let mut checked = Vec::with_capacity(args.files.len());
    let mut errors: Vec<RowError> = Vec::new();
    let mut warnings: Vec<RowWarning> = Vec::new();
    for path in &args.files {
        let read = Instant::now();
        let (name, bytes) = cairn_ingest::read_input(path)?;
        if args.show_mapping {
            show_mapping(args.kind, &name, &bytes, &options);
            continue;
        }
        let read_ms = read.elapsed().as_millis();
        let hashed = Instant::now();
        let sha256 = hex::encode(Sha256::digest(&bytes));
        tracing::debug!(
            file = name,
            read_ms,
            sha256_ms = hashed.elapsed().as_millis(),
            "file read"
        );
        let parsed_at = Instant::now();
        parse_progress.reset();
        let file_bar = progress::bar_for(bytes.len());
        let parsed = progress::while_parsing(file_bar.as_ref(), &name, &parse_progress, || {
            parse(args.kind, &name, &bytes, &options)
        });
        if let Some(file_bar) = file_bar {
            file_bar.finish_and_clear();
            bar = Some(file_bar);
        }
        errors.extend(parsed.errors);
        warnings.extend(parsed.warnings);
        let data = parsed.records.into_iter().next().unwrap_or_default();
        let n_records = rows_read(&data);
        tracing::debug!(
            file = name,
            records = n_records,
            ms = parsed_at.elapsed().as_millis(),
            "file parsed and checked"
        );
        checked.push(Checked {
            name,
            sha256,
            n_records,
            data,
        });
    }
    if args.show_mapping {
        return Ok(());
    }

    report_problems(&errors, &warnings)?;
    let parse_secs = started.elapsed().as_secs_f64();

    let store = match store {
        Some(store) => store,
        None => args.database.open().await?,
    };
    // Records naming a school that is not in the register (placed at its successor, or
    // reported at their line), before anything is written.
    let (mut errors, mut warnings) = (Vec::new(), Vec::new());
    for (c, path) in checked.iter_mut().zip(&args.files) {
        let placements = store.place_schools(&c.data.placed_at()).await?;
        if !placements.is_empty() {
            let (_, bytes) = cairn_ingest::read_input(path)?;
            let (e, w) = place_records(&c.name, &bytes, &mut c.data, &placements);
            errors.extend(e);
            warnings.extend(w);
        }
    }
    if !errors.is_empty() {
        // Every problem in one report: records naming a pupil Cairn does not have too.
        errors.extend(unknown_pupil_problems(&store, &checked, &args.files).await?);
    }
    report_problems(&errors, &warnings)?;
    let now = chrono::Utc::now();
    let files: Vec<ImportFile> = checked
        .iter_mut()
        .map(|c| ImportFile {
            kind: args.kind.store_kind(),
            file_name: c.name.clone(),
            sha256: c.sha256.clone(),
            user_id: None,
            at: now,
            urn: args.school,
            rejected: 0,
            data: std::mem::take(&mut c.data),
        })
        .collect();
    let write_progress = Arc::new(ImportProgress::new());
    let rows: usize = checked.iter().map(|c| c.n_records).sum();
    let watch = bar.map(|bar| {
        let rows = u64::try_from(rows).unwrap_or(u64::MAX);
        (
            bar.clone(),
            progress::while_writing(bar, rows, Arc::clone(&write_progress)),
        )
    });
    let outcomes = store
        .import_with_progress(&files, args.dry_run, Some(&write_progress))
        .await;
    if let Some((bar, watch)) = watch {
        drop(watch);
        bar.finish_and_clear();
    }
    // A record naming a pupil Cairn does not have (current or former UPN; pupils listed by
    // any of the files are written first) fails the import inside its transaction, which
    // looks every UPN up once. Nothing was written; each such record is reported at its line.
    if let Err(StoreError::UnknownPupils(_)) = &outcomes {
        for (c, file) in checked.iter_mut().zip(files) {
            c.data = file.data;
        }
        let errors = unknown_pupil_problems(&store, &checked, &args.files).await?;
        report_problems(&errors, &[])?;
    }
    let outcomes = outcomes.context("the import was not written; nothing changed")?;
    for (outcome, file) in outcomes.iter().zip(&checked) {
        let counts = outcome.record.counts;
        let tables = outcome
            .by_table
            .iter()
            .map(|(table, c)| format!("{table} {}/{}/{}", c.added, c.updated, c.unchanged))
            .collect::<Vec<_>>()
            .join(", ");
        println!(
            "{}: {} records; rows added {}, updated {}, unchanged {} [{}]",
            file.name, file.n_records, counts.added, counts.updated, counts.unchanged, tables
        );
    }
    let total = outcomes
        .iter()
        .map(|o| o.record.counts.total())
        .sum::<u64>();
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "{} {} file(s), {total} rows in {elapsed:.2} s (checked in {parse_secs:.2} s){}",
        if args.dry_run { "Checked" } else { "Imported" },
        outcomes.len(),
        if args.dry_run {
            "; dry run: no data was written"
        } else {
            ""
        }
    );
    // The pages show stored measures: recompute them from what is now stored, as the upload
    // page does after an import.
    if !args.dry_run && !args.no_refresh {
        let started = Instant::now();
        let names: Vec<&str> = checked.iter().map(|c| c.name.as_str()).collect();
        let summary = store
            .refresh_measures(
                &format!("import of {}", names.join(", ")),
                chrono::Utc::now(),
                cairn_measures::SuppressionPolicy::default(),
            )
            .await
            .context(
                "the import was written, but the measures were not refreshed; run `cairn refresh`",
            )?;
        crate::cli::refresh::print_summary(&summary, started.elapsed());
    }
    Ok(())
}

fn show_mapping(kind: Kind, name: &str, bytes: &[u8], options: &MisOptions<'_>) {
    match kind.mis_kind() {
        Some(mis_kind) => {
            println!("{name}:");
            print!("{}", mis::show_mapping(mis_kind, bytes, options));
        }
        None => println!(
            "{name}: {} files are read by their own column names; there is no mapping to show",
            kind.store_kind().code()
        ),
    }
}

/// A parsed file: one slice of a partnership, read as the upload page reads it.
fn parse(kind: Kind, name: &str, bytes: &[u8], options: &MisOptions<'_>) -> Parsed<Partnership> {
    match kind.file_kind() {
        Some(file_kind) => parse_file(
            file_kind,
            name,
            bytes,
            options,
            &SubjectCatalogue::standard(),
        ),
        // Read by `run_benchmarks`, never here.
        None => Parsed::default(),
    }
}

/// The rows a file gave: its largest kind of record (pupils, results, marks ...).
fn rows_read(data: &Partnership) -> usize {
    [
        data.schools.len(),
        data.pupils.len(),
        data.characteristics.len(),
        data.ks2_results.len(),
        data.ks4_results.len(),
        data.phonics_results.len(),
        data.mtc_results.len(),
        data.eyfs_results.len(),
        data.attendance_marks.len(),
        data.attendance_summaries.len(),
        data.teacher_assessments.len(),
        data.memberships.len(),
        data.groups.len(),
        data.successions.len(),
    ]
    .into_iter()
    .max()
    .unwrap_or(0)
}

/// The records of every file naming a UPN that is no pupil's, current or former, at their
/// lines; a pupil listed by any of the files counts as known.
async fn unknown_pupil_problems(
    store: &Store,
    checked: &[Checked],
    paths: &[PathBuf],
) -> anyhow::Result<Vec<RowError>> {
    let listed: BTreeSet<Upn> = checked
        .iter()
        .flat_map(|c| c.data.pupils_listed())
        .cloned()
        .collect();
    let mut errors = Vec::new();
    for (c, path) in checked.iter().zip(paths) {
        let mut named = c.data.pupils_named();
        named.retain(|upn| !listed.contains(upn));
        let unknown = store.unknown_pupils(&named).await?;
        if !unknown.is_empty() {
            let (_, bytes) = cairn_ingest::read_input(path)?;
            errors.extend(unknown_pupil_errors(&c.name, &bytes, &unknown));
        }
    }
    Ok(errors)
}

/// Prints every problem (the first [`MAX_PRINTED`]) and fails when there is any.
fn report_problems(errors: &[RowError], warnings: &[RowWarning]) -> anyhow::Result<()> {
    for warning in warnings.iter().take(MAX_PRINTED) {
        eprintln!("warning: {warning}");
    }
    if warnings.len() > MAX_PRINTED {
        eprintln!("... and {} more warnings", warnings.len() - MAX_PRINTED);
    }
    if errors.is_empty() {
        return Ok(());
    }
    let mut report = String::new();
    for error in errors.iter().take(MAX_PRINTED) {
        let _ = writeln!(report, "error: {error}");
    }
    if errors.len() > MAX_PRINTED {
        let _ = writeln!(report, "... and {} more errors", errors.len() - MAX_PRINTED);
    }
    eprint!("{report}");
    bail!(
        "{} {} found; nothing was imported",
        errors.len(),
        if errors.len() == 1 {
            "problem"
        } else {
            "problems"
        }
    );
}

/// `cairn import perf-ks4|perf-ks2|perf-census|perf-absence FILE... --year YEAR`: DfE
/// performance-tables files as national benchmarks, checked in full, then written in one
/// transaction with added, updated and unchanged counts, or nothing.
async fn run_benchmarks(args: &ImportArgs, perf: PerfKind, started: Instant) -> anyhow::Result<()> {
    let Some(year) = args.year else {
        bail!(
            "{} files carry no academic year: say which with --year (e.g. --year 2018/19)",
            args.kind.store_kind().code()
        );
    };
    let now = chrono::Utc::now();
    let mut files = Vec::with_capacity(args.files.len());
    let mut errors: Vec<RowError> = Vec::new();
    let mut warnings: Vec<RowWarning> = Vec::new();
    for path in &args.files {
        let (name, bytes) = cairn_ingest::read_input(path)?;
        let parsed = parse_national_benchmarks(perf, year, &name, &bytes);
        errors.extend(parsed.errors);
        warnings.extend(parsed.warnings);
        let mut benchmarks = NationalBenchmarks::default();
        for mut one in parsed.records {
            benchmarks.schools.append(&mut one.schools);
            benchmarks.context.append(&mut one.context);
            benchmarks.figures.append(&mut one.figures);
            benchmarks.england.append(&mut one.england);
        }
        files.push(BenchmarkFile {
            file: ImportFile {
                kind: args.kind.store_kind(),
                sha256: hex::encode(Sha256::digest(&bytes)),
                file_name: name,
                user_id: None,
                at: now,
                urn: None,
                rejected: 0,
                data: Partnership::default(),
            },
            benchmarks,
        });
    }
    report_problems(&errors, &warnings)?;
    let store = args.database.open().await?;
    let outcomes = store
        .import_benchmarks(&files, args.dry_run)
        .await
        .context("the import was not written; nothing changed")?;
    for (outcome, file) in outcomes.iter().zip(&files) {
        let counts = outcome.record.counts;
        let tables = outcome
            .by_table
            .iter()
            .map(|(table, c)| format!("{table} {}/{}/{}", c.added, c.updated, c.unchanged))
            .collect::<Vec<_>>()
            .join(", ");
        println!(
            "{}: {} rows for {year}; rows added {}, updated {}, unchanged {} [{}]",
            file.file.file_name,
            file.benchmarks.len(),
            counts.added,
            counts.updated,
            counts.unchanged,
            tables
        );
    }
    println!(
        "{} {} file(s) in {:.2} s{}",
        if args.dry_run { "Checked" } else { "Imported" },
        outcomes.len(),
        started.elapsed().as_secs_f64(),
        if args.dry_run {
            "; dry run: no data was written"
        } else {
            ". Run `cairn refresh` to compare the partnership's schools with them."
        }
    );
    Ok(())
}
