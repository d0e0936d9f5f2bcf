//! GCSE entries and grades for a Y11 pupil, part of the assessments stage.
//!
//! Most pupils take English language and literature, maths, combined science (or, for about
//! a fifth, biology, chemistry and physics), history or geography, often a language, and
//! options up to eight to ten subjects, as in England's KS4 entry statistics. Subject names
//! are the catalogue's (`../shared/reference/ks4_subjects.csv`, which `cairn-ingest` checks
//! imports against). Grades follow the pupil's latent attainment with noise per subject.
//! Pupils at the special school take a few GCSEs, if any.

use cairn_domain::{Ks4Grade, Ks4ResultRow, SenProvision};

use crate::assessments::Sitting;
use crate::draw::{self, DemoRng};
use crate::stories;

/// Grade for a latent value of 0, and grades per standard deviation: the mean GCSE grade in
/// England is a little under 5, and Attainment 8 averages about 46 (measures.md §3).
const GRADE_CENTRE: f64 = 5.4;
const GRADE_SPREAD: f64 = 1.75;
/// How much less progress disadvantaged pupils make from KS2 to KS4 nationally, on the latent
/// scale (disadvantaged pupils' Progress 8 is about -0.55, others' about +0.15).
const DISADVANTAGED_KS4_EFFECT: f64 = -0.4;

pub(crate) const ENGLISH_LANGUAGE: &str = "English Language";
pub(crate) const ENGLISH_LITERATURE: &str = "English Literature";
pub(crate) const MATHEMATICS: &str = "Mathematics";
pub(crate) const COMBINED_SCIENCE: &str = "Combined Science";
const SEPARATE_SCIENCES: [&str; 3] = ["Biology", "Chemistry", "Physics"];
const HUMANITIES: [&str; 2] = ["History", "Geography"];
const LANGUAGES: [(&str, f64); 3] = [("French", 0.4), ("Spanish", 0.45), ("German", 0.15)];

/// Option subjects with their popularity, and each subject's grade offset (some subjects
/// are graded a little more generously than others).
const OPTIONS: [(&str, f64, f64); 16] = [
    ("Religious Studies", 1.0, 0.1),
    ("Art and Design", 0.8, 0.4),
    ("Computer Science", 0.5, -0.3),
    ("Physical Education", 0.55, -0.2),
    ("Design and Technology", 0.5, -0.2),
    ("Business", 0.55, -0.2),
    ("Food Preparation and Nutrition", 0.45, -0.1),
    ("Music", 0.3, 0.4),
    ("Drama", 0.35, 0.3),
    ("Media Studies", 0.3, -0.2),
    ("Sociology", 0.3, 0.0),
    ("Psychology", 0.2, -0.2),
    ("Statistics", 0.15, 0.3),
    ("Citizenship Studies", 0.1, 0.0),
    ("Film Studies", 0.1, 0.0),
    ("Dance", 0.1, 0.2),
];

/// A pupil's GCSE results at the school they are on roll at in May of Y11.
pub(crate) fn results(rng: &mut DemoRng, sitting: &Sitting<'_>) -> Vec<Ks4ResultRow> {
    let mut latent = sitting.latent + 0.35 * draw::standard_normal(rng);
    if sitting.disadvantaged {
        latent += DISADVANTAGED_KS4_EFFECT
            + stories::ks4_disadvantaged_effect(sitting.school.table_urn());
    }
    latent += match sitting.sen {
        SenProvision::None => 0.0,
        SenProvision::Support => -0.2,
        SenProvision::Ehcp => -0.35,
    };
    let entries = if sitting.special() {
        special_school_entries(rng)
    } else {
        mainstream_entries(rng, sitting, latent)
    };
    entries
        .into_iter()
        .map(|(subject, offset)| {
            let grade_latent = latent + 0.55 * draw::standard_normal(rng);
            let points = GRADE_CENTRE + offset + GRADE_SPREAD * grade_latent;
            let grade = if subject == COMBINED_SCIENCE {
                double_grade(points)
            } else {
                single_grade(points)
            };
            Ks4ResultRow {
                upn: sitting.pupil.pupil.upn.clone(),
                urn: sitting.urn,
                subject: subject.to_owned(),
                grade,
                academic_year: Some(sitting.academic_year),
            }
        })
        .collect()
}

/// Subjects and grade offsets for a mainstream pupil: the core, then options up to a total
/// that grows with attainment.
fn mainstream_entries(
    rng: &mut DemoRng,
    sitting: &Sitting<'_>,
    latent: f64,
) -> Vec<(&'static str, f64)> {
    let logistic = |x: f64| 1.0 / (1.0 + (-x).exp());
    let mut entries: Vec<(&'static str, f64)> = Vec::with_capacity(11);
    if draw::chance(rng, 0.985) {
        entries.push((ENGLISH_LANGUAGE, 0.0));
    }
    if draw::chance(rng, if latent > -1.5 { 0.96 } else { 0.7 }) {
        entries.push((ENGLISH_LITERATURE, 0.1));
    }
    if draw::chance(rng, 0.985) {
        entries.push((MATHEMATICS, -0.15));
    }
    // Separate sciences for the highest attainers, combined science for nearly everyone else.
    if draw::chance(rng, logistic(2.2 * (latent - 1.0))) {
        for subject in SEPARATE_SCIENCES {
            entries.push((subject, 0.1));
        }
    } else if draw::chance(rng, 0.96) {
        entries.push((COMBINED_SCIENCE, -0.2));
    }
    if draw::chance(rng, if latent > -1.0 { 0.86 } else { 0.65 }) {
        let first = draw::one_of(rng, &HUMANITIES).unwrap_or("History");
        entries.push((first, 0.0));
        if draw::chance(rng, 0.08) {
            let second = if first == "History" {
                "Geography"
            } else {
                "History"
            };
            entries.push((second, 0.0));
        }
    }
    if draw::chance(rng, 0.85 * logistic(1.6 * (latent - 0.05))) {
        let language = draw::weighted(rng, &LANGUAGES).unwrap_or("French");
        entries.push((language, -0.25));
    }
    // Pupils with English as an additional language often take a GCSE in their home
    // language, and do well in it.
    let home = home_language(sitting.pupil.profile.ethnicity);
    if let Some(language) = home.filter(|_| sitting.pupil.profile.eal) {
        if draw::chance(rng, 0.15) {
            entries.push((language, 1.8));
        }
    }
    let target = (9.3 + 0.7 * latent + 0.8 * draw::standard_normal(rng))
        .round()
        .clamp(6.0, 11.0);
    let mut options: Vec<(&'static str, f64, f64)> = OPTIONS.to_vec();
    while (entries.len() as f64) < target {
        let weights: Vec<(usize, f64)> = options
            .iter()
            .enumerate()
            .map(|(idx, (subject, weight, _))| {
                let weight = match *subject {
                    // Computer science and statistics draw the higher attainers.
                    "Computer Science" | "Statistics" => weight * (1.0 + latent).max(0.2),
                    _ => *weight,
                };
                (idx, weight)
            })
            .collect();
        let Some(idx) = draw::weighted(rng, &weights) else {
            break;
        };
        if idx < options.len() {
            let (subject, _, offset) = options.remove(idx);
            entries.push((subject, offset));
        }
    }
    entries
}

/// The GCSE in a pupil's home language, where the catalogue has one.
fn home_language(ethnicity: Option<&str>) -> Option<&'static str> {
    match ethnicity? {
        "WOTH" => Some("Polish"),
        "APKN" => Some("Urdu"),
        "OOTH" => Some("Arabic"),
        "CHNE" => Some("Chinese (Mandarin)"),
        _ => None,
    }
}

/// Pupils at the special school: about half take GCSEs, usually English, maths and one or two
/// more, with their grades pulled down by their very low latent attainment.
fn special_school_entries(rng: &mut DemoRng) -> Vec<(&'static str, f64)> {
    if !draw::chance(rng, 0.5) {
        return Vec::new();
    }
    let mut entries = vec![(ENGLISH_LANGUAGE, 1.5), (MATHEMATICS, 1.5)];
    if draw::chance(rng, 0.6) {
        entries.push(("Art and Design", 2.0));
    }
    if draw::chance(rng, 0.3) {
        entries.push((COMBINED_SCIENCE, 1.5));
    }
    entries
}

/// A 9-1 grade, or U below grade 1.
fn single_grade(points: f64) -> Ks4Grade {
    if points < 0.6 {
        Ks4Grade::U
    } else {
        // Clamped to 1..=9 first, so the cast is exact.
        Ks4Grade::Single(points.round().clamp(1.0, 9.0) as u8)
    }
}

/// A combined science double award on the 17-point scale 9-9, 9-8, 8-8 ... 1-1, or U.
fn double_grade(points: f64) -> Ks4Grade {
    if points < 0.6 {
        return Ks4Grade::U;
    }
    let halves = (points * 2.0).round().clamp(2.0, 18.0);
    // Clamped to 2..=18 first, so the casts are exact.
    let higher = (halves / 2.0).ceil() as u8;
    let lower = (halves / 2.0).floor() as u8;
    Ks4Grade::Double(higher, lower)
}
