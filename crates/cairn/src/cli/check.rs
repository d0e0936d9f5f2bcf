//! `cairn check`: validate identifiers the way every import will.

use cairn_domain::{Laestab, Upn, Urn};
use clap::{Args, ValueEnum};

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Kind {
    /// Unique Pupil Number (with its check letter).
    Upn,
    /// Unique Reference Number of a school.
    Urn,
    /// LA code and establishment number, 7 digits.
    Laestab,
}

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// What the values are.
    #[arg(value_enum)]
    kind: Kind,
    /// The values to check.
    #[arg(required = true)]
    values: Vec<String>,
}

/// Prints each valid value; the first invalid one is the error.
pub(crate) fn run(args: &CheckArgs) -> anyhow::Result<()> {
    for value in &args.values {
        let valid = match args.kind {
            Kind::Upn => Upn::parse(value).map(|v| v.to_string())?,
            Kind::Urn => Urn::parse(value).map(|v| v.to_string())?,
            Kind::Laestab => Laestab::parse(value).map(|v| v.to_string())?,
        };
        println!("{valid} is valid");
    }
    Ok(())
}
