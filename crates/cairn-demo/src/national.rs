//! A synthetic national set of schools for the demo's comparisons: about 2,400 primary and
//! 600 secondary schools (England has about 16,800 and 3,400, so roughly one in seven), each
//! with its context and headline figures for every demo year, and England figures computed
//! from them.
//!
//! Nothing here is real data. The shape follows England's:
//! - each school has a lasting context (% disadvantaged, % SEN, % EAL, size and, for
//!   secondaries, KS2 prior attainment) that drifts a little from year to year, with
//!   disadvantage raising SEN and lowering prior attainment, as in the census;
//! - each school has a lasting effect (its teaching) plus a yearly wobble, and a cohort of a
//!   size that follows the school's, so small schools scatter more (a funnel);
//! - Progress 8 is centred near 0 with disadvantage pulling it down (the national
//!   disadvantage gap is about half a grade per subject), and its 95 % interval uses the
//!   DfE's national pupil-level SD of about 1.26 (measures.md §2.5); Attainment 8 follows
//!   prior attainment and progress; English and maths grade 5+ follows Attainment 8; KS2
//!   reading, writing and maths follows disadvantage and the school's effect;
//! - absence rises with disadvantage, higher in secondary than primary and falling a little
//!   each year after the pandemic, as it did.
//!
//! England's figures are the pupil-weighted means over the set, so they land near England's
//! published ones for those years (Attainment 8 about 46, Progress 8 about 0, 45 % grade 5+
//! in English and maths, 60 % reaching the expected standard at KS2), and the disadvantaged
//! and other-pupil figures apply England's gaps (KS2 about 22 points; Progress 8 about 0.6).

use cairn_domain::{
    AcademicYear, BenchmarkGroup, BenchmarkMeasure, BenchmarkValue, ContextFeature, EnglandFigure,
    NationalBenchmarks, NationalContextValue, NationalSchool, NationalSchoolFigure, Phase, Urn,
};

use crate::draw::{DemoRng, standard_normal, uniform};

/// Primary and secondary schools in the national set.
pub(crate) const N_PRIMARY: u32 = 2400;
pub(crate) const N_SECONDARY: u32 = 600;
/// Synthetic URNs start here, far from the demo partnership's (which are below 160,000).
const FIRST_URN: u32 = 700_001;

/// The DfE's national pupil-level standard deviation of Progress 8, about 1.26 in recent
/// years (measures.md §2.5), for the demo's intervals.
const P8_SD: f64 = 1.26;

const STEMS: [&str; 20] = [
    "Ash", "Oak", "Elm", "Birch", "Willow", "Hazel", "Rowan", "Beech", "Cedar", "Holly", "Maple",
    "Alder", "Thorn", "Larch", "Heath", "Moor", "Stone", "Brook", "Kings", "Church",
];
const ENDINGS: [&str; 15] = [
    "field", "brook", "wood", "ley", "ford", "bury", "ton", "stead", "well", "mere", "dale",
    "combe", "hurst", "wick", "by",
];
const PRIMARY_KINDS: [&str; 5] = [
    "Primary School",
    "Community Primary School",
    "CofE Primary School",
    "Catholic Primary School",
    "Primary Academy",
];
const SECONDARY_KINDS: [&str; 4] = ["Academy", "High School", "School", "Community College"];

/// England's absence by year (primary overall, secondary overall, primary persistent,
/// secondary persistent), in percent, near the published 2022/23 to 2024/25 levels: the
/// schools' rates are drawn around these.
const ABSENCE: [(f64, f64, f64, f64); 3] = [
    (5.9, 9.0, 16.0, 26.5),
    (5.5, 8.8, 14.5, 25.5),
    (5.2, 8.4, 13.5, 24.0),
];

struct Profile {
    urn: Urn,
    name: String,
    la_code: u16,
    phase: Phase,
    disadvantaged: f64,
    sen: f64,
    eal: f64,
    n_pupils: f64,
    prior: f64,
    effect: f64,
}

fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

fn logit(p: f64) -> f64 {
    (p / (1.0 - p)).ln()
}

/// A proportion `p` observed over `n` pupils: the count drawn from its normal approximation.
fn observed(rng: &mut DemoRng, p: f64, n: u32) -> f64 {
    let n_f = f64::from(n.max(1));
    let sd = (p * (1.0 - p) / n_f).sqrt();
    ((p + sd * standard_normal(rng)).clamp(0.0, 1.0) * n_f).round() / n_f
}

fn profiles(rng: &mut DemoRng) -> Vec<Profile> {
    let mut out = Vec::new();
    for (idx, urn) in (0..N_PRIMARY + N_SECONDARY).zip(FIRST_URN..) {
        let phase = if idx < N_PRIMARY {
            Phase::Primary
        } else {
            Phase::Secondary
        };
        let Ok(urn) = Urn::from_u32(urn) else {
            continue;
        };
        let stem = STEMS.get((idx as usize) % STEMS.len()).unwrap_or(&"Oak");
        let ending = ENDINGS
            .get((idx as usize / STEMS.len()) % ENDINGS.len())
            .unwrap_or(&"field");
        let kinds: &[&str] = if phase == Phase::Primary {
            &PRIMARY_KINDS
        } else {
            &SECONDARY_KINDS
        };
        let kind = kinds
            .get((idx as usize / (STEMS.len() * ENDINGS.len())) % kinds.len())
            .unwrap_or(&"School");
        let disadvantaged = (24.0 + 13.0 * standard_normal(rng)).clamp(2.0, 80.0);
        let sen =
            (13.0 + 0.12 * (disadvantaged - 24.0) + 4.0 * standard_normal(rng)).clamp(1.0, 45.0);
        let eal = (12.0 * (0.9 * standard_normal(rng)).exp() * (disadvantaged / 24.0).sqrt())
            .clamp(0.0, 90.0);
        let n_pupils = if phase == Phase::Primary {
            (280.0 * (0.45 * standard_normal(rng)).exp()).clamp(40.0, 900.0)
        } else {
            (1000.0 * (0.35 * standard_normal(rng)).exp()).clamp(300.0, 2200.0)
        };
        let prior = 104.6 - 0.07 * (disadvantaged - 24.0) + 1.1 * standard_normal(rng);
        let effect = if phase == Phase::Primary {
            0.45 * standard_normal(rng)
        } else {
            0.3 * standard_normal(rng)
        };
        let la_code = 201 + (uniform(rng, 0.0, 150.0).floor() as u16) * 5;
        out.push(Profile {
            urn,
            name: format!("{stem}{ending} {kind}"),
            la_code,
            phase,
            disadvantaged,
            sen,
            eal,
            n_pupils,
            prior,
            effect,
        });
    }
    out
}

/// Weighted sums for England: (Σ n·value, Σ n) per measure.
#[derive(Default)]
struct Tally([(f64, f64); 6]);

impl Tally {
    fn add(&mut self, measure: BenchmarkMeasure, value: f64, n: u32) {
        if let Some(slot) = BenchmarkMeasure::ALL
            .iter()
            .position(|m| *m == measure)
            .and_then(|i| self.0.get_mut(i))
        {
            slot.0 += value * f64::from(n);
            slot.1 += f64::from(n);
        }
    }

    fn mean(&self, measure: BenchmarkMeasure) -> Option<f64> {
        let i = BenchmarkMeasure::ALL.iter().position(|m| *m == measure)?;
        let (sum, n) = self.0.get(i)?;
        (*n > 0.0).then(|| sum / n)
    }
}

/// The synthetic national benchmarks for `years` (the demo's three).
pub(crate) fn build(rng: &mut DemoRng, years: &[AcademicYear]) -> NationalBenchmarks {
    let profiles = profiles(rng);
    let mut out = NationalBenchmarks::default();
    for (year_idx, &academic_year) in years.iter().enumerate() {
        let (abs_pri, abs_sec, pa_pri, pa_sec) = ABSENCE
            .get(year_idx)
            .or(ABSENCE.last())
            .copied()
            .unwrap_or((5.5, 8.8, 14.5, 25.5));
        let mut tally = Tally::default();
        let mut absence_tally: [(f64, f64, f64); 2] = [(0.0, 0.0, 0.0); 2];
        for school in &profiles {
            let drift = |rng: &mut DemoRng, value: f64, sd: f64| value + sd * standard_normal(rng);
            let disadvantaged = drift(rng, school.disadvantaged, 1.0).clamp(1.0, 85.0);
            let sen = drift(rng, school.sen, 0.6).clamp(0.5, 50.0);
            let eal = drift(rng, school.eal, 0.6).clamp(0.0, 95.0);
            let n_pupils = (school.n_pupils * (1.0 + 0.03 * standard_normal(rng))).round();
            out.schools.push(NationalSchool {
                academic_year,
                urn: school.urn,
                name: school.name.clone(),
                la_code: Some(school.la_code),
                phase: school.phase,
            });
            let mut context = |feature, value| {
                out.context.push(NationalContextValue {
                    academic_year,
                    urn: school.urn,
                    feature,
                    value,
                });
            };
            context(ContextFeature::NPupils, n_pupils);
            context(
                ContextFeature::PercentDisadvantaged,
                (disadvantaged * 10.0).round() / 10.0,
            );
            context(ContextFeature::PercentSen, (sen * 10.0).round() / 10.0);
            context(ContextFeature::PercentEal, (eal * 10.0).round() / 10.0);
            let wobble = 0.12 * standard_normal(rng);
            let mut figure = |measure, value| {
                out.figures.push(NationalSchoolFigure {
                    academic_year,
                    urn: school.urn,
                    measure,
                    value,
                });
            };
            let shown = |value: f64, n: u32, ci: Option<(f64, f64)>| BenchmarkValue::Shown {
                value,
                n_pupils: Some(n),
                ci,
            };
            let absence_base;
            let pa_base;
            if school.phase == Phase::Secondary {
                let cohort = (n_pupils / 5.0 * uniform(rng, 0.9, 1.1)).round().max(1.0);
                #[expect(
                    clippy::cast_possible_truncation,
                    clippy::cast_sign_loss,
                    reason = "a positive pupil count"
                )]
                let n = cohort as u32;
                let prior = drift(rng, school.prior, 0.3);
                let true_p8 = school.effect + wobble - 0.011 * (disadvantaged - 24.0) + 0.04;
                let se = P8_SD / f64::from(n).sqrt();
                let p8 = ((true_p8 + se * standard_normal(rng)) * 100.0).round() / 100.0;
                let half = 1.96 * se;
                let a8 = (46.0 + 2.4 * (prior - 104.6) + 10.0 * p8).clamp(10.0, 80.0);
                let a8 = (a8 * 10.0).round() / 10.0;
                let em5 = observed(rng, logistic(-0.2 + 0.11 * (a8 - 46.0)), n);
                figure(BenchmarkMeasure::Ks4Attainment8, shown(a8, n, None));
                figure(
                    BenchmarkMeasure::Ks4Progress8,
                    shown(
                        p8,
                        n,
                        Some((
                            ((p8 - half) * 100.0).round() / 100.0,
                            ((p8 + half) * 100.0).round() / 100.0,
                        )),
                    ),
                );
                figure(BenchmarkMeasure::Ks4EnglishMaths5Plus, shown(em5, n, None));
                tally.add(BenchmarkMeasure::Ks4Attainment8, a8, n);
                tally.add(BenchmarkMeasure::Ks4Progress8, p8, n);
                tally.add(BenchmarkMeasure::Ks4EnglishMaths5Plus, em5, n);
                out.context.push(NationalContextValue {
                    academic_year,
                    urn: school.urn,
                    feature: ContextFeature::PriorAttainment,
                    value: (prior * 10.0).round() / 10.0,
                });
                absence_base = abs_sec;
                pa_base = pa_sec;
            } else {
                let cohort = (n_pupils / 7.0 * uniform(rng, 0.85, 1.15)).round().max(1.0);
                #[expect(
                    clippy::cast_possible_truncation,
                    clippy::cast_sign_loss,
                    reason = "a positive pupil count"
                )]
                let n = cohort as u32;
                let p = logistic(
                    logit(0.61) + school.effect + 2.0 * wobble - 0.022 * (disadvantaged - 24.0),
                );
                let rwm = observed(rng, p, n);
                if n < 6 {
                    figure(BenchmarkMeasure::Ks2RwmExpected, BenchmarkValue::Suppressed);
                } else {
                    figure(BenchmarkMeasure::Ks2RwmExpected, shown(rwm, n, None));
                    tally.add(BenchmarkMeasure::Ks2RwmExpected, rwm, n);
                }
                absence_base = abs_pri;
                pa_base = pa_pri;
            }
            // Absence: the phase's level, higher with disadvantage, and the school's own.
            let factor = (0.018 * (disadvantaged - 24.0) - 0.25 * school.effect
                + 0.12 * standard_normal(rng))
            .exp();
            let overall = (absence_base * factor).clamp(1.0, 30.0);
            let persistent = (pa_base * factor.powf(1.6)).clamp(1.0, 80.0);
            let overall_fraction = (overall * 10.0).round() / 1000.0;
            let persistent_fraction = (persistent * 10.0).round() / 1000.0;
            #[expect(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "a positive pupil count"
            )]
            let n_roll = n_pupils.max(1.0) as u32;
            figure(
                BenchmarkMeasure::AttendanceOverallAbsence,
                shown(overall_fraction, n_roll, None),
            );
            figure(
                BenchmarkMeasure::AttendancePersistentAbsence,
                shown(persistent_fraction, n_roll, None),
            );
            let slot = usize::from(school.phase == Phase::Secondary);
            if let Some(t) = absence_tally.get_mut(slot) {
                t.0 += overall_fraction * n_pupils;
                t.1 += persistent_fraction * n_pupils;
                t.2 += n_pupils;
            }
        }
        let mut england = |measure, pupil_group, phase, value: f64| {
            out.england.push(EnglandFigure {
                academic_year,
                measure,
                pupil_group,
                phase,
                value,
            });
        };
        // England's disadvantage gaps, and the share of disadvantaged pupils (about a quarter).
        let gaps = [
            (BenchmarkMeasure::Ks4Attainment8, 15.0, 1),
            (BenchmarkMeasure::Ks4Progress8, 0.6, 2),
            (BenchmarkMeasure::Ks4EnglishMaths5Plus, 0.27, 3),
            (BenchmarkMeasure::Ks2RwmExpected, 0.22, 3),
        ];
        for (measure, gap, decimals) in gaps {
            let Some(all) = tally.mean(measure) else {
                continue;
            };
            let scale = 10f64.powi(decimals);
            let round = |v: f64| (v * scale).round() / scale;
            let other = all + 0.25 * gap;
            england(measure, BenchmarkGroup::All, None, round(all));
            england(
                measure,
                BenchmarkGroup::NotDisadvantaged,
                None,
                round(other),
            );
            england(
                measure,
                BenchmarkGroup::Disadvantaged,
                None,
                round(other - gap),
            );
        }
        for (slot, phase) in [(0, Phase::Primary), (1, Phase::Secondary)] {
            let Some((overall, persistent, n)) = absence_tally.get(slot).copied() else {
                continue;
            };
            if n > 0.0 {
                let round = |v: f64| (v * 1000.0).round() / 1000.0;
                england(
                    BenchmarkMeasure::AttendanceOverallAbsence,
                    BenchmarkGroup::All,
                    Some(phase),
                    round(overall / n),
                );
                england(
                    BenchmarkMeasure::AttendancePersistentAbsence,
                    BenchmarkGroup::All,
                    Some(phase),
                    round(persistent / n),
                );
            }
        }
    }
    out
}
