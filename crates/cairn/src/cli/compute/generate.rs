//! `cairn compute generate` (hidden): a synthetic national KS4 cohort in the canonical CSVs,
//! for benchmarks and load tests. Nothing in it is real data.
//!
//! Pupils are spread over schools of varied size. Each pupil gets KS2 reading and maths
//! scores around a latent attainment (a few below the standard of the tests, given DfE
//! scaled-score equivalents; about 5 % with no KS2 results at all, 1 % with one missing).
//! GCSE grades centre on the DfE 2024 Attainment 8 estimate for the pupil's prior attainment
//! group, shifted by a school effect, a pupil effect and disadvantage, so grades correlate
//! with prior attainment as they do nationally. Entries follow common patterns: English
//! language and literature, maths, combined or triple science, humanities, languages and
//! open subjects, about 7.5 results per pupil.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use cairn_domain::{AcademicYear, Upn};
use cairn_measures::ks4::tables::{Estimates, Ks2Average, Release};
use clap::Args;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

#[derive(Debug, Args)]
pub(crate) struct GenerateArgs {
    /// Number of pupils.
    #[arg(long, default_value_t = 600_000)]
    pupils: u32,
    /// Number of schools.
    #[arg(long, default_value_t = 3_500)]
    schools: u32,
    /// Directory for `results.csv`, `prior.csv` and `pupils.csv` (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Seed for the random generator; the same seed gives the same files.
    #[arg(long, default_value_t = 2024)]
    seed: u64,
}

const HUMANITIES: [&str; 2] = ["History", "Geography"];
const LANGUAGES: [(&str, u32); 5] = [
    ("French", 40),
    ("Spanish", 40),
    ("German", 12),
    ("Latin", 4),
    ("Chinese (Mandarin)", 4),
];
const OPEN: [&str; 16] = [
    "Art and Design",
    "Religious Studies",
    "Music",
    "Drama",
    "Design and Technology",
    "Physical Education",
    "Business",
    "Statistics",
    "Food Preparation and Nutrition",
    "Media Studies",
    "Citizenship Studies",
    "Economics",
    "Sociology",
    "Psychology",
    "Dance",
    "Film Studies",
];

pub(super) fn run(args: &GenerateArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.schools > 0 && args.pupils >= args.schools,
        "need at least one school and at least as many pupils as schools"
    );
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let academic_year = AcademicYear::starting(2023)?;
    let estimates = Estimates::dfe(academic_year, Release::Provisional)?;
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed);
    let sizes = school_sizes(&mut rng, args.pupils, args.schools);

    let mut results = writer(&args.out, "results.csv", "upn,urn,subject,grade")?;
    let mut prior = writer(&args.out, "prior.csv", "upn,ks2_reading,ks2_maths")?;
    let mut pupils = writer(&args.out, "pupils.csv", "upn,urn,disadvantaged,sen,eal,sex")?;
    let mut n_results = 0u64;
    let mut pupil_no = 0u64;
    let mut subjects: Vec<(&str, String)> = Vec::with_capacity(16);
    for (school, &size) in sizes.iter().enumerate() {
        let urn = 100_000 + 37 * school as u32;
        let school_effect = normal(&mut rng) * 0.45;
        let disadvantaged_rate = rng.gen_range(0.05..0.55);
        for _ in 0..size {
            pupil_no += 1;
            // 11 digits then a digit: a permanent UPN, unique per pupil.
            let upn = Upn::with_check_letter(&format!("{:012}", 800_000_000_000 + pupil_no))?;
            let disadvantaged = rng.gen_bool(disadvantaged_rate);
            let latent = normal(&mut rng);
            let ks2_mean = 104.5 - if disadvantaged { 3.0 } else { 0.0 } + 6.5 * latent;
            let reading = ks2_score(&mut rng, ks2_mean);
            let maths = ks2_score(&mut rng, ks2_mean);
            let sen = if rng.gen_bool(0.025 + 0.02 * (-latent).max(0.0)) {
                "E"
            } else if rng.gen_bool(0.12 + 0.05 * (-latent).max(0.0)) {
                "K"
            } else {
                "N"
            };
            let eal = rng.gen_bool(0.17);
            let sex = if rng.gen_bool(0.5) { "F" } else { "M" };
            writeln!(
                pupils,
                "{upn},{urn},{},{sen},{},{sex}",
                yes_no(disadvantaged),
                yes_no(eal)
            )?;
            match rng.gen_range(0..100) {
                0..5 => writeln!(prior, "{upn},,")?,
                5 => writeln!(prior, "{upn},{reading},")?,
                _ => writeln!(prior, "{upn},{reading},{maths}")?,
            }
            // Mean grade: the estimate's average slot points for this prior attainment.
            let average = Ks2Average::from_scaled_scores(reading, maths).ok();
            let estimate = average
                .and_then(|a| estimates.group_for(a))
                .map_or(4.6, |g| g.attainment8 / 10.0);
            let mean = estimate + 0.15 + school_effect + normal(&mut rng) * 0.8
                - if disadvantaged { 0.3 } else { 0.0 };
            choose_subjects(&mut rng, mean, &mut subjects);
            for (subject, grade) in &subjects {
                writeln!(results, "{upn},{urn},{subject},{grade}")?;
            }
            n_results += subjects.len() as u64;
        }
    }
    for (name, mut file) in [
        ("results.csv", results),
        ("prior.csv", prior),
        ("pupils.csv", pupils),
    ] {
        file.flush()
            .with_context(|| format!("cannot write {name}"))?;
    }
    tracing::info!(
        pupils = args.pupils,
        schools = args.schools,
        results = n_results,
        "wrote results.csv, prior.csv and pupils.csv in {}",
        args.out.display()
    );
    Ok(())
}

fn writer(dir: &Path, name: &str, header: &str) -> anyhow::Result<BufWriter<File>> {
    let path = dir.join(name);
    let file = File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    writeln!(w, "{header}")?;
    Ok(w)
}

fn yes_no(b: bool) -> &'static str {
    if b { "Y" } else { "N" }
}

/// A standard normal deviate (Box–Muller).
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u: f64 = rng.gen_range(f64::EPSILON..1.0);
    let v: f64 = rng.r#gen();
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

/// A KS2 scaled score (80–120), or a scaled-score equivalent below the tests' range.
fn ks2_score(rng: &mut ChaCha8Rng, mean: f64) -> u8 {
    let score = (mean + normal(rng) * 3.5).round();
    if score < 80.0 {
        if rng.gen_bool(0.5) { 79 } else { 70 }
    } else {
        score.min(120.0) as u8
    }
}

/// School sizes summing to `pupils`, varied (log-normal weights) but at least one each.
fn school_sizes(rng: &mut ChaCha8Rng, pupils: u32, schools: u32) -> Vec<u32> {
    let weights: Vec<f64> = (0..schools).map(|_| (normal(rng) * 0.5).exp()).collect();
    let total: f64 = weights.iter().sum();
    let spare = f64::from(pupils - schools);
    let mut sizes: Vec<u32> = weights
        .iter()
        .map(|w| 1 + (w / total * spare).floor() as u32)
        .collect();
    let short = pupils - sizes.iter().sum::<u32>();
    let n = sizes.len();
    for i in 0..short as usize {
        if let Some(size) = sizes.get_mut(i % n) {
            *size += 1;
        }
    }
    sizes
}

fn grade(rng: &mut ChaCha8Rng, mean: f64) -> u8 {
    (mean + normal(rng) * 0.9).round().clamp(0.0, 9.0) as u8
}

fn gcse(g: u8) -> String {
    if g == 0 {
        "U".to_owned()
    } else {
        g.to_string()
    }
}

/// One pupil's entries and grades.
fn choose_subjects<'a>(rng: &mut ChaCha8Rng, mean: f64, out: &mut Vec<(&'a str, String)>) {
    out.clear();
    let add =
        |rng: &mut ChaCha8Rng, out: &mut Vec<(&'a str, String)>, subject: &'a str, shift: f64| {
            let g = grade(rng, mean + shift);
            out.push((subject, gcse(g)));
        };
    if rng.gen_bool(0.98) {
        add(rng, out, "English Language", 0.1);
    }
    if rng.gen_bool(0.88) {
        add(rng, out, "English Literature", 0.2);
    }
    if rng.gen_bool(0.98) {
        add(rng, out, "Mathematics", -0.1);
    }
    match rng.gen_range(0..100) {
        0..68 => {
            let a = grade(rng, mean - 0.1);
            let b = if a > 0 && rng.gen_bool(0.5) { a - 1 } else { a };
            let text = if a == 0 {
                "U".to_owned()
            } else {
                format!("{a}-{}", b.max(1))
            };
            out.push(("Combined Science", text));
        }
        68..90 => {
            for subject in ["Biology", "Chemistry", "Physics"] {
                add(rng, out, subject, 0.6);
            }
        }
        _ => {}
    }
    match rng.gen_range(0..100) {
        0..80 => {
            let subject = HUMANITIES
                .get(rng.gen_range(0..2))
                .copied()
                .unwrap_or("History");
            add(rng, out, subject, 0.0);
        }
        80..90 => {
            for subject in HUMANITIES {
                add(rng, out, subject, 0.0);
            }
        }
        _ => {}
    }
    if rng.gen_bool(0.45) {
        let mut pick = rng.gen_range(0..100);
        let language = LANGUAGES
            .iter()
            .find(|(_, weight)| {
                let hit = pick < *weight;
                pick = pick.saturating_sub(*weight);
                hit
            })
            .map_or("French", |(l, _)| *l);
        add(rng, out, language, 0.1);
    }
    if rng.gen_bool(0.10) {
        add(rng, out, "Computer Science", 0.3);
    }
    let target = match rng.gen_range(0..100) {
        0..15 => 6,
        15..50 => 7,
        50..85 => 8,
        85..98 => 9,
        _ => 10,
    };
    let mut open: Vec<&str> = OPEN.to_vec();
    while out.len() < target && !open.is_empty() {
        let subject = open.swap_remove(rng.gen_range(0..open.len()));
        add(rng, out, subject, 0.0);
    }
}
