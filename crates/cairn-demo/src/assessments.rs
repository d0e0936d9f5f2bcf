//! Stage 4: statutory assessments. EYFS profile at the end of reception, the phonics
//! screening check in Y1 (re-check in Y2), the multiplication tables check in Y4, KS2 at
//! the end of Y6, GCSEs at the end of Y11 (in [`ks4`]), and the KS2 results
//! those Y11 pupils got five years earlier.
//!
//! Every result comes from the pupil's latent `ability`, the school's effect in
//! [`stories`], a little school-year noise, the pupil's disadvantage and SEN
//! in that year (from the characteristics), and noise for the day. The constants are tuned
//! so the demo's figures sit near England's; the tests in `tests.rs` hold them there.
//!
//! A result belongs to the school the pupil is on roll at on the day of the assessment,
//! and pupils who leave before it, or join after it, have none for that year.

use std::collections::HashMap;

use cairn_domain::{
    AcademicYear, Characteristics, EARLY_LEARNING_GOALS, EyfsJudgement, EyfsResult, Ks2Result,
    Ks2TestOutcome, Ks4ResultRow, MtcOutcome, MtcResult, PhonicsOutcome, PhonicsResult,
    SenProvision, Upn, Urn, WritingTa,
};
use chrono::{Datelike, NaiveDate};

use crate::calendar;
use crate::cohort::{Cohort, CohortPupil, Spell};
use crate::draw::{self, DemoRng};
use crate::ks4;
use crate::schools::SchoolSpec;
use crate::stories;

/// KS2 scaled score for a latent value of 0, and points per standard deviation: 73 to 74%
/// reach 100 in reading and maths, about a quarter 110 (DfE KS2 attainment 2023/24).
const KS2_CENTRE: f64 = 107.6;
const KS2_SPREAD: f64 = 6.6;
/// Noise per KS2 subject around the pupil's latent value; it sets how closely reading,
/// writing and maths agree.
const KS2_SUBJECT_NOISE: f64 = 0.55;
/// Writing: expected standard or above from this latent value, greater depth from the next.
const WRITING_EXPECTED: f64 = -1.1;
const WRITING_GREATER_DEPTH: f64 = 1.4;
/// Phonics mark for a latent value of 0, and marks per standard deviation (about 79% reach
/// the threshold of 32 in Y1).
const PHONICS_CENTRE: f64 = 40.0;
const PHONICS_SPREAD: f64 = 6.0;
/// The phonics screening check threshold mark, 32 every year since 2012 (measures.md §5).
pub(crate) const PHONICS_THRESHOLD: u8 = 32;
/// MTC score for a latent value of 0 and per standard deviation (average about 20.5, about
/// 30% full marks; measures.md §5).
const MTC_CENTRE: f64 = 22.7;
const MTC_SPREAD: f64 = 4.4;

/// KS2 tests were cancelled in 2019/20 and 2020/21 (COVID-19), so pupils whose Y6 fell in
/// those years have no KS2 results, and Progress 8 is not published for the 2024/25 and
/// 2025/26 KS4 cohorts. Source: `../shared/reference/measures.md` §2.1 ("these cohorts had
/// no KS2 tests in 2020/2021") and §2.2 (pupils with no KS2 prior attainment are excluded
/// from P8 but included in A8).
pub(crate) const KS2_CANCELLED_START_YEARS: [u16; 2] = [2019, 2020];

/// Everything this stage produces.
#[derive(Debug, Default)]
pub(crate) struct Assessments {
    pub(crate) ks2: Vec<Ks2Result>,
    pub(crate) ks4: Vec<Ks4ResultRow>,
    pub(crate) phonics: Vec<PhonicsResult>,
    pub(crate) mtc: Vec<MtcResult>,
    pub(crate) eyfs: Vec<EyfsResult>,
}

/// A pupil's disadvantage and SEN in one year: the last census of the year they were in.
#[derive(Debug, Clone, Copy)]
struct YearState {
    disadvantaged: bool,
    sen: SenProvision,
}

/// One pupil sitting one assessment at one school.
pub(crate) struct Sitting<'a> {
    pub(crate) pupil: &'a CohortPupil,
    pub(crate) urn: Urn,
    pub(crate) school: &'a SchoolSpec,
    pub(crate) academic_year: AcademicYear,
    pub(crate) disadvantaged: bool,
    pub(crate) sen: SenProvision,
    /// The pupil's latent attainment on the day: ability, school and SEN effects.
    pub(crate) latent: f64,
    /// Joined the school in the last few weeks before the assessment.
    pub(crate) just_arrived: bool,
}

impl Sitting<'_> {
    fn upn(&self) -> Upn {
        self.pupil.pupil.upn.clone()
    }

    pub(crate) fn special(&self) -> bool {
        self.school.is_special()
    }
}

/// Builds every assessment record, in the order of the cohort's spells (year, school, NC
/// year, start date, pupil).
pub(crate) fn build(
    rng: &mut DemoRng,
    cohort: &Cohort,
    characteristics: &[Characteristics],
    schools: &[SchoolSpec],
    years: &[AcademicYear],
) -> Assessments {
    let states = year_states(cohort, characteristics, years);
    // A small random wobble per school and year, so figures move a little between years.
    let school_year_noise: Vec<Vec<f64>> = schools
        .iter()
        .map(|_| {
            years
                .iter()
                .map(|_| 0.07 * draw::standard_normal(rng))
                .collect()
        })
        .collect();

    let mut out = Assessments::default();
    let mut phonics_in_y1: HashMap<usize, PhonicsY1> = HashMap::new();
    for spell in &cohort.spells {
        let (Some(pupil), Some(school), Some(&academic_year)) = (
            cohort.pupils.get(spell.pupil_idx),
            schools.get(spell.school_idx),
            years.get(spell.year_idx),
        ) else {
            continue;
        };
        let Some(day) = assessment_day(spell.nc, academic_year) else {
            continue;
        };
        if !on_roll(spell, day) {
            continue;
        }
        let Ok(urn) = Urn::from_u32(school.urn) else {
            continue;
        };
        let state = states
            .get(&(spell.pupil_idx, spell.year_idx))
            .copied()
            .unwrap_or(YearState {
                disadvantaged: pupil.profile.disadvantaged,
                sen: pupil.profile.sen,
            });
        let noise = school_year_noise
            .get(spell.school_idx)
            .and_then(|by_year| by_year.get(spell.year_idx))
            .copied()
            .unwrap_or(0.0);
        let latent = pupil.profile.ability
            + stories::attainment_effect(school.table_urn(), spell.year_idx)
            + noise
            + sen_effect(state.sen);
        let sitting = Sitting {
            pupil,
            urn,
            school,
            academic_year,
            disadvantaged: state.disadvantaged,
            sen: state.sen,
            latent,
            just_arrived: (day - spell.started_on).num_days() < 28
                && spell.started_on > academic_year.first_day(),
        };
        match spell.nc {
            0 => out.eyfs.push(eyfs(rng, &sitting)),
            1 => {
                let y1 = phonics_y1(rng, &sitting);
                phonics_in_y1.insert(spell.pupil_idx, y1);
                out.phonics.push(PhonicsResult {
                    upn: sitting.upn(),
                    academic_year,
                    outcome: y1.outcome,
                });
            }
            2 => {
                // Pupils who were in Y1 before the demo years, or outside the partnership,
                // get the Y1 check they would have taken, drawn now.
                let y1 = match phonics_in_y1.get(&spell.pupil_idx) {
                    Some(y1) => *y1,
                    None => phonics_y1(rng, &sitting),
                };
                if let Some(outcome) = phonics_recheck(rng, &sitting, y1) {
                    out.phonics.push(PhonicsResult {
                        upn: sitting.upn(),
                        academic_year,
                        outcome,
                    });
                }
            }
            4 => out.mtc.push(MtcResult {
                upn: sitting.upn(),
                academic_year,
                outcome: mtc(rng, &sitting),
            }),
            6 => out.ks2.push(ks2(rng, &sitting, Some(academic_year))),
            11 => {
                if let Some(prior) = ks2_five_years_earlier(rng, &sitting) {
                    out.ks2.push(prior);
                }
                out.ks4.extend(ks4::results(rng, &sitting));
            }
            _ => {}
        }
    }
    out
}

/// The day of the statutory assessment taken in NC year `nc`, if there is one.
fn assessment_day(nc: i8, academic_year: AcademicYear) -> Option<NaiveDate> {
    match nc {
        0 => Some(calendar::eyfs_day(academic_year)),
        1 | 2 => Some(calendar::phonics_day(academic_year)),
        4 => Some(calendar::mtc_day(academic_year)),
        6 | 11 => Some(calendar::may_tests_day(academic_year)),
        _ => None,
    }
}

fn on_roll(spell: &Spell, day: NaiveDate) -> bool {
    spell.started_on <= day && spell.left_on.is_none_or(|left_on| day <= left_on)
}

/// Each pupil's disadvantage and SEN in each demo year, from their last census that year.
fn year_states(
    cohort: &Cohort,
    characteristics: &[Characteristics],
    years: &[AcademicYear],
) -> HashMap<(usize, usize), YearState> {
    let index: HashMap<&Upn, usize> = cohort
        .pupils
        .iter()
        .enumerate()
        .map(|(idx, pupil)| (&pupil.pupil.upn, idx))
        .collect();
    let mut states = HashMap::new();
    // Rows are ordered by year and term, so a later census overwrites an earlier one.
    for row in characteristics {
        let (Some(&pupil_idx), Some(year_idx)) = (
            index.get(&row.upn),
            years.iter().position(|year| *year == row.academic_year),
        ) else {
            continue;
        };
        states.insert(
            (pupil_idx, year_idx),
            YearState {
                disadvantaged: row.disadvantaged,
                sen: row.sen,
            },
        );
    }
    states
}

/// Beyond what `ability` already holds: pupils currently receiving SEN provision attain
/// less again (KS2 2023/24: 24% of pupils on SEN support and 9% with a plan reach the
/// expected standard in reading, writing and maths, against 70% without SEN).
fn sen_effect(sen: SenProvision) -> f64 {
    match sen {
        SenProvision::None => 0.0,
        SenProvision::Support => -0.5,
        SenProvision::Ehcp => -0.55,
    }
}

/// Working below the standard of the tests: most pupils in the special school and a few
/// with EHC plans or very low attainment elsewhere.
fn working_below(sitting: &Sitting<'_>, latent: f64) -> bool {
    if sitting.special() {
        latent < -1.6
    } else {
        latent < -3.3 || (sitting.sen == SenProvision::Ehcp && latent < -2.4)
    }
}

/// A pupil's KS2 results in the year given (`None` only for a year the tests did not run).
fn ks2(rng: &mut DemoRng, sitting: &Sitting<'_>, year: Option<AcademicYear>) -> Ks2Result {
    // A small extra disadvantage effect for the year of the tests themselves.
    let latent = sitting.latent - if sitting.disadvantaged { 0.05 } else { 0.0 };
    let upn = sitting.upn();
    if working_below(sitting, latent) {
        // Pre-key stage standards for writing: PK6 for the nearest to the standard.
        let writing = if sitting.special() && latent < -3.0 {
            if draw::chance(rng, 0.3) {
                WritingTa::Below
            } else {
                WritingTa::PreKeyStage(draw::one_of(rng, &[1, 2, 3, 4]).unwrap_or(1))
            }
        } else {
            WritingTa::PreKeyStage(draw::one_of(rng, &[4, 5, 6, 6, 6]).unwrap_or(6))
        };
        return Ks2Result {
            upn,
            academic_year: year,
            reading: Ks2TestOutcome::WorkingBelow,
            maths: Ks2TestOutcome::WorkingBelow,
            gps: Some(Ks2TestOutcome::WorkingBelow),
            writing,
        };
    }
    let reading = ks2_test(rng, sitting, latent, 0.0);
    let maths = ks2_test(rng, sitting, latent, -0.3);
    let gps = ks2_test(rng, sitting, latent, 0.7);
    let writing_latent = latent + KS2_SUBJECT_NOISE * draw::standard_normal(rng);
    let writing = if draw::chance(rng, 0.003) {
        WritingTa::Absent
    } else if writing_latent >= WRITING_GREATER_DEPTH {
        WritingTa::GreaterDepth
    } else if writing_latent >= WRITING_EXPECTED {
        WritingTa::Expected
    } else if writing_latent < -3.0 && sitting.sen != SenProvision::None {
        WritingTa::PreKeyStage(6)
    } else {
        WritingTa::WorkingTowards
    };
    Ks2Result {
        upn,
        academic_year: year,
        reading,
        maths,
        gps: Some(gps),
        writing,
    }
}

/// One KS2 test: a scaled score from 80 to 120, or a code for absence or no score.
fn ks2_test(rng: &mut DemoRng, sitting: &Sitting<'_>, latent: f64, shift: f64) -> Ks2TestOutcome {
    let latent = latent + KS2_SUBJECT_NOISE * draw::standard_normal(rng);
    if sitting.just_arrived && draw::chance(rng, 0.5) {
        return Ks2TestOutcome::JustArrived;
    }
    if draw::chance(rng, 0.008) {
        return Ks2TestOutcome::Absent;
    }
    let score = (KS2_CENTRE + shift + KS2_SPREAD * latent).round();
    if score < 80.0 {
        // Took the test but scored too few marks for a scaled score.
        return Ks2TestOutcome::NotAwarded;
    }
    // Clamped to 80..=120 first, so the cast is exact.
    Ks2TestOutcome::Scaled(score.min(120.0) as u8)
}

/// The KS2 results a Y11 pupil got in Y6, five years earlier, or `None` if they have none:
/// their tests were cancelled (measures.md §2.1), or they were abroad or at an independent
/// school then (more often for pupils with EAL).
fn ks2_five_years_earlier(rng: &mut DemoRng, sitting: &Sitting<'_>) -> Option<Ks2Result> {
    let mut year_6 = sitting.academic_year;
    for _ in 0..5 {
        year_6 = year_6.previous();
    }
    let missing = if sitting.pupil.profile.eal {
        0.1
    } else {
        0.025
    };
    if KS2_CANCELLED_START_YEARS.contains(&year_6.start_year()) || draw::chance(rng, missing) {
        return None;
    }
    // Their primary school is outside the demo, so no school effect; their SEN and
    // disadvantage then are taken as on entry.
    let profile = &sitting.pupil.profile;
    let then = Sitting {
        latent: profile.ability + sen_effect(profile.sen) + 0.1 * draw::standard_normal(rng),
        disadvantaged: profile.disadvantaged,
        sen: profile.sen,
        just_arrived: false,
        ..*sitting
    };
    Some(ks2(rng, &then, Some(year_6)))
}

/// A pupil's Y1 phonics check: the outcome and the latent value behind it, which the Y2
/// re-check builds on.
#[derive(Debug, Clone, Copy)]
struct PhonicsY1 {
    outcome: PhonicsOutcome,
    latent: f64,
}

impl PhonicsY1 {
    fn met(self) -> bool {
        matches!(self.outcome, PhonicsOutcome::Mark(mark) if mark >= PHONICS_THRESHOLD)
    }
}

fn phonics_y1(rng: &mut DemoRng, sitting: &Sitting<'_>) -> PhonicsY1 {
    let latent = sitting.latent + 0.6 * draw::standard_normal(rng);
    let outcome = if working_below(sitting, sitting.latent) {
        PhonicsOutcome::Disapplied
    } else if draw::chance(rng, 0.01) {
        PhonicsOutcome::Absent
    } else {
        PhonicsOutcome::Mark(phonics_mark(latent))
    };
    PhonicsY1 { outcome, latent }
}

/// The Y2 re-check for pupils who did not meet the standard in Y1; `None` for those who did.
fn phonics_recheck(
    rng: &mut DemoRng,
    sitting: &Sitting<'_>,
    y1: PhonicsY1,
) -> Option<PhonicsOutcome> {
    if y1.met() {
        return None;
    }
    if working_below(sitting, sitting.latent) {
        return Some(PhonicsOutcome::Disapplied);
    }
    if draw::chance(rng, 0.01) {
        return Some(PhonicsOutcome::Absent);
    }
    // A year of teaching moves most pupils on; about half of those re-checked meet it.
    let latent = y1.latent + 0.75 + 0.35 * draw::standard_normal(rng);
    Some(PhonicsOutcome::Mark(phonics_mark(latent)))
}

fn phonics_mark(latent: f64) -> u8 {
    // Clamped to 0..=40 first, so the cast is exact.
    (PHONICS_CENTRE + PHONICS_SPREAD * latent)
        .round()
        .clamp(0.0, 40.0) as u8
}

fn mtc(rng: &mut DemoRng, sitting: &Sitting<'_>) -> MtcOutcome {
    if working_below(sitting, sitting.latent) {
        return MtcOutcome::WorkingBelow;
    }
    if sitting.just_arrived && draw::chance(rng, 0.5) {
        return MtcOutcome::JustArrived;
    }
    if draw::chance(rng, 0.015) {
        return MtcOutcome::Absent;
    }
    let latent = sitting.latent + 0.6 * draw::standard_normal(rng);
    // Clamped to 0..=25 first, so the cast is exact.
    MtcOutcome::Score((MTC_CENTRE + MTC_SPREAD * latent).round().clamp(0.0, 25.0) as u8)
}

/// How far below the easiest goal each early learning goal's "expected" bar sits, in the
/// order of `EARLY_LEARNING_GOALS`: writing and the mathematics goals are the hardest, as in
/// the national EYFSP results.
const ELG_BARS: [f64; 17] = [
    -1.55, -1.55, -1.5, -1.6, -1.65, -1.75, -1.45, -1.35, -1.3, -1.1, -1.35, -1.35, -1.5, -1.55,
    -1.6, -1.6, -1.6,
];

/// The EYFS profile: one judgement per early learning goal. Children born in the summer are
/// up to a year younger than their classmates and more often still emerging.
fn eyfs(rng: &mut DemoRng, sitting: &Sitting<'_>) -> EyfsResult {
    let upn = sitting.upn();
    let academic_year = sitting.academic_year;
    let not_assessed = (sitting.just_arrived && draw::chance(rng, 0.5)) || draw::chance(rng, 0.003);
    if not_assessed {
        return EyfsResult {
            upn,
            academic_year,
            goals: EARLY_LEARNING_GOALS
                .iter()
                .map(|(goal, _, _)| (*goal, EyfsJudgement::NotAssessed))
                .collect(),
        };
    }
    // 0 for a September birthday, 1 for August.
    let birth_month = sitting.pupil.pupil.date_of_birth.month();
    let youngness = f64::from((birth_month + 3) % 12) / 11.0;
    let child = sitting.latent + 0.38 - 0.6 * youngness + 0.35 * draw::standard_normal(rng);
    let goals = EARLY_LEARNING_GOALS
        .iter()
        .zip(ELG_BARS)
        .map(|((goal, _, _), bar)| {
            let judgement = if child + 0.45 * draw::standard_normal(rng) >= bar {
                EyfsJudgement::Expected
            } else {
                EyfsJudgement::Emerging
            };
            (*goal, judgement)
        })
        .collect();
    EyfsResult {
        upn,
        academic_year,
        goals,
    }
}
