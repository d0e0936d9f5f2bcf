//! `cairn compute`: headline measures from canonical CSV files, without a database.
//!
//! Each subcommand reads plain CSVs (column layouts in `--help` and `docs/compute.md`),
//! validates every row, hands typed records to `cairn-measures`, and writes per-pupil and
//! per-school CSVs. A bad row is reported with its file, line, column and value; unless
//! `--skip-invalid` is given, nothing is written when any row is bad.
//!
//! The KS4 path is built for national files (600,000 pupils, 4.5 million results): files are
//! read in blocks parsed on every core, fields are borrowed bytes rather than `String`s,
//! subjects are interned once per spelling, UPNs are kept as 13-byte keys, and pupils are
//! numbered in file order so the engine needs no sort (each worker numbers its block's pupils;
//! the merge maps them to cohort numbers once per pupil and block). The engine, the school
//! summaries and the per-pupil output also run on every core. `generate` (hidden) writes a synthetic
//! national cohort for the benchmark in `bench/compute-ks4.sh`.

mod attendance;
mod generate;
mod input;
mod ks2;
mod ks4;
mod output;
mod pupils;

use std::path::PathBuf;

use clap::{Args, Subcommand};

#[derive(Debug, Subcommand)]
pub(crate) enum ComputeCommand {
    /// KS4: Attainment 8, Progress 8 and the other headline measures, per pupil and per school.
    #[command(long_about = ks4::LONG_ABOUT)]
    Ks4(ks4::Ks4Args),
    /// KS2: reading, writing and maths expected and higher standards, per school.
    #[command(long_about = ks2::LONG_ABOUT)]
    Ks2(ks2::Ks2Args),
    /// Attendance: absence rates and persistent absence, per school.
    #[command(long_about = attendance::LONG_ABOUT)]
    Attendance(attendance::AttendanceArgs),
    /// Write a synthetic national KS4 cohort in the canonical CSVs (for benchmarks).
    #[command(hide = true)]
    Generate(generate::GenerateArgs),
}

/// Options shared by every compute subcommand.
#[derive(Debug, Clone, Args)]
pub(crate) struct CommonArgs {
    /// Pupil characteristics, columns `upn,urn,disadvantaged,sen,eal,sex`; enables the
    /// breakdowns by pupil group.
    #[arg(long, value_name = "CSV")]
    pupils: Option<PathBuf>,
    /// Report bad rows, leave them out, and carry on (by default nothing is written).
    #[arg(long)]
    skip_invalid: bool,
    /// Figures over fewer pupils than this are written as `SUPP`.
    #[arg(long, default_value_t = cairn_measures::figure::DEFAULT_MIN_PUPILS, value_name = "N")]
    min_pupils: u32,
}

impl CommonArgs {
    fn policy(&self) -> cairn_measures::SuppressionPolicy {
        cairn_measures::SuppressionPolicy::new(self.min_pupils)
    }
}

pub(crate) fn run(command: ComputeCommand) -> anyhow::Result<()> {
    match command {
        ComputeCommand::Ks4(args) => ks4::run(&args),
        ComputeCommand::Ks2(args) => ks2::run(&args),
        ComputeCommand::Attendance(args) => attendance::run(&args),
        ComputeCommand::Generate(args) => generate::run(&args),
    }
}
