//! KS4: Attainment 8, Progress 8 and the other headline measures (measures.md §1–§3).
//!
//! * Attainment 8 is the sum of the slot points (0–90) under a [`SlotStructure`]; school A8 is
//!   the mean over **all** pupils at the end of KS4 (measures.md §1.1).
//! * Progress 8 = (A8 − the A8 estimate for the pupil's KS2 prior attainment group) / 10;
//!   element scores divide by the element's slots (English and maths 2, EBacc and open 3)
//!   (measures.md §2.4). Pupils with no KS2 prior attainment are left out of Progress 8 only.
//! * School Progress 8 is the mean over pupils with prior attainment, with a 95 % interval
//!   from the **national** SD (§2.5) and the DfE banding (§2.6). When a year's per-group
//!   minimum scores are loaded, pupils below their group's minimum count at the minimum in the
//!   school average (adjusted, the headline `P8MEA`); the unadjusted mean (`P8MEA_ORIG`) is
//!   always reported too (§2.7).
//! * English and maths 4+/5+: grade 4 (or 5) or above in maths and in either English
//!   (§3); EBacc entry: both Englishes, maths, science (combined science or three single
//!   sciences), history or geography, a language (§3); EBacc APS: best English (both taken),
//!   maths, best two science units, best humanity, best language, divided by 6 (§3).
//!
//! The engine takes pupils as a slice (identified by index; the caller keeps UPNs beside
//! them) and results as a flat slice referring to pupils by index. It groups results by
//! pupil with one sort of indices (skipped when already sorted), discounts to one result per
//! subject, and reuses its buffers, so it does not allocate per pupil.

pub mod slots;
pub mod tables;

use cairn_domain::{AcademicYear, Urn};
use serde::Serialize;

use crate::ci::{Interval, P8Banding, Z_95_DFE, mean_interval};
use crate::figure::{Figure, SuppressionPolicy};
use crate::groups::{
    ByGroup, CountAcc, GroupFigures, GroupMask, MeanAcc, MeanFigure, PriorBand, ProportionFigure,
    PupilContext, mean_figures, proportion_figures, suppress_groups,
};
use crate::{MeasureError, RecordIssue};
use slots::{ElementKind, MAX_ELEMENTS, SlotCandidate, SlotFiller, SlotStructure};
use tables::{
    Estimates, ExtremeScoreMinimums, Ks2Average, Ks4Grade, NationalSds, PointScores, Release,
    RoleMask, SubjectCatalogue, SubjectId,
};

/// Everything the KS4 engine needs for one year.
#[derive(Debug, Clone)]
pub struct Ks4Config {
    pub catalogue: SubjectCatalogue,
    pub points: PointScores,
    pub slots: SlotStructure,
    /// `None` for years without Progress 8 (2024/25 and 2025/26, measures.md §2.1).
    pub estimates: Option<Estimates>,
    /// National SDs for Progress 8 intervals; required with `estimates`.
    pub sds: Option<NationalSds>,
    /// The SD for the unadjusted measure when the DfE publishes a different one (2018/19:
    /// 1.307 unadjusted against 1.283 adjusted, measures.md §2.5); `None` uses `sds`.
    pub unadjusted_sd: Option<f64>,
    /// Per-group minimums for the extreme-negative-score adjustment, when loaded.
    pub extreme_minimums: Option<ExtremeScoreMinimums>,
}

impl Ks4Config {
    /// The embedded DfE tables for a cohort's academic year (2023/24 for summer 2024 exams)
    /// and the current slot structure. Years with no estimates in the table get no Progress 8.
    pub fn dfe(academic_year: AcademicYear, release: Release) -> Result<Self, MeasureError> {
        let estimates = match Estimates::dfe(academic_year, release) {
            Ok(estimates) => Some(estimates),
            Err(MeasureError::MissingEstimates { .. }) => None,
            Err(other) => return Err(other),
        };
        let sds = match NationalSds::dfe(academic_year, release) {
            Ok(sds) => Some(sds),
            Err(MeasureError::MissingStandardDeviation { .. }) => None,
            Err(other) => return Err(other),
        };
        Ok(Ks4Config {
            catalogue: SubjectCatalogue::dfe_default()?,
            points: PointScores::dfe_default()?,
            slots: SlotStructure::default(),
            estimates: estimates.filter(|_| sds.is_some()),
            sds,
            unadjusted_sd: None,
            extreme_minimums: None,
        })
    }
}

/// A pupil at the end of KS4.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ks4Pupil {
    pub urn: Urn,
    /// Characteristics; the prior band is taken from `ks2_average`, not from here.
    pub context: PupilContext,
    pub ks2_average: Option<Ks2Average>,
}

/// One KS4 result: a pupil (by index in the pupil slice), a subject, a grade and when it was
/// achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ks4Entry {
    pub pupil_idx: u32,
    pub subject: SubjectId,
    pub grade: Ks4Grade,
    /// When the result was achieved, as an ordinal: a lower sitting was entered first (the
    /// command line uses days since 1 January 1970, the store the academic year). Equal
    /// sittings, including all zero when the dates are unknown, compete on points; an earlier
    /// sitting wins whatever its grade (the first-entry rule, measures.md §1.3).
    pub sitting: u16,
}

/// A pupil's Progress 8 scores.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PupilProgress {
    /// The KS2 prior attainment group number.
    pub group: u8,
    pub estimate: f64,
    /// The pupil's Progress 8 score.
    pub score: f64,
    /// The score used in the adjusted school average (equal to `score` unless it was below
    /// the group minimum).
    pub adjusted: f64,
    /// Element scores in structure order; `None` when the estimates have no such element.
    pub elements: [Option<f64>; MAX_ELEMENTS],
}

/// One pupil's KS4 results.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Ks4PupilResult {
    attainment8_x100: u16,
    element_points_x100: [u16; MAX_ELEMENTS],
    pub slots_filled: u8,
    pub progress: Option<PupilProgress>,
    pub ebacc_entered: bool,
    /// EBacc average point score (0–9).
    pub ebacc_aps: f64,
    pub english_maths_4: bool,
    pub english_maths_5: bool,
    #[serde(skip)]
    groups: GroupMask,
}

impl Ks4PupilResult {
    /// Attainment 8, 0–90.
    pub fn attainment8(&self) -> f64 {
        f64::from(self.attainment8_x100) / 100.0
    }

    /// Points in each element, in structure order.
    pub fn element_points(&self) -> [f64; MAX_ELEMENTS] {
        self.element_points_x100.map(|p| f64::from(p) / 100.0)
    }

    pub fn groups(&self) -> GroupMask {
        self.groups
    }
}

/// Per-pupil results (in pupil order) and the records that could not be used.
#[derive(Debug, Clone)]
pub struct Ks4Output {
    pub pupils: Vec<Ks4PupilResult>,
    pub issues: Vec<RecordIssue>,
}

/// Discounted result per subject (the first entry's best), with the grade's points.
#[derive(Debug, Clone, Copy)]
struct Counted {
    subject: SubjectId,
    sitting: u16,
    role: RoleMask,
    points_x100: u16,
    double_award: bool,
}

/// Computes every pupil's KS4 results.
pub fn compute_ks4(config: &Ks4Config, pupils: &[Ks4Pupil], entries: &[Ks4Entry]) -> Ks4Output {
    let mut issues = Vec::new();
    // Group entries by pupil: one stable sort of indices unless already in pupil order.
    let sorted = entries
        .windows(2)
        .all(|w| w.first().map(|a| a.pupil_idx) <= w.get(1).map(|b| b.pupil_idx));
    let order: Option<Vec<u32>> = (!sorted).then(|| {
        let mut order: Vec<u32> = (0..u32::try_from(entries.len()).unwrap_or(u32::MAX)).collect();
        order.sort_by_key(|&i| entries.get(i as usize).map_or(u32::MAX, |e| e.pupil_idx));
        order
    });
    let entry_at = |k: usize| -> Option<(usize, &Ks4Entry)> {
        let idx = match &order {
            Some(order) => *order.get(k)? as usize,
            None => k,
        };
        entries.get(idx).map(|e| (idx, e))
    };

    let mut results = Vec::with_capacity(pupils.len());
    let mut counted: Vec<Counted> = Vec::with_capacity(16);
    let mut candidates: Vec<SlotCandidate> = Vec::with_capacity(16);
    let mut filler = SlotFiller::default();
    let mut k = 0usize;
    // Skip entries for pupils that do not exist (reported once each).
    for (pupil_idx, pupil) in pupils.iter().enumerate() {
        counted.clear();
        while let Some((entry_idx, entry)) = entry_at(k) {
            let entry_pupil = entry.pupil_idx as usize;
            if entry_pupil > pupil_idx {
                break;
            }
            k += 1;
            if entry_pupil < pupil_idx {
                continue; // unreachable for sorted input; defensive
            }
            let Some(subject) = config.catalogue.get(entry.subject) else {
                issues.push(RecordIssue {
                    record_idx: entry_idx,
                    error: MeasureError::UnknownSubject {
                        subject: format!("#{}", entry.subject.index()),
                    },
                });
                continue;
            };
            let Some(points_x100) = config.points.points_x100(entry.grade) else {
                issues.push(RecordIssue {
                    record_idx: entry_idx,
                    error: MeasureError::UnknownGrade {
                        grade: format!("{:?}", entry.grade),
                        context: " (no point score in the loaded table)".to_owned(),
                    },
                });
                continue;
            };
            let role = if entry.grade.is_non_gcse() {
                RoleMask::NON_GCSE
            } else {
                subject.role
            };
            // Discounting: one result per subject counts (measures.md §1.3). First entry: only
            // a pupil's first attempt at a qualification counts, in every subject since
            // 2014/15 (DfE KS4 performance tables metadata 2018/19, ks4_meta_methodology.csv,
            // "_PTQ_EE suffix"; ../shared/reference/public-data/meta-2018-2019); results of
            // the same sitting compete on points.
            let first = Counted {
                subject: entry.subject,
                sitting: entry.sitting,
                role,
                points_x100,
                double_award: entry.grade.is_double_award(),
            };
            match counted.iter_mut().find(|c| c.subject == entry.subject) {
                Some(existing)
                    if existing.sitting < first.sitting
                        || (existing.sitting == first.sitting
                            && existing.points_x100 >= first.points_x100) => {}
                Some(existing) => *existing = first,
                None => counted.push(first),
            }
        }
        results.push(compute_pupil(
            config,
            pupil,
            &counted,
            &mut candidates,
            &mut filler,
        ));
    }
    // Entries whose pupil index is past the end of the pupil list.
    while let Some((entry_idx, entry)) = entry_at(k) {
        k += 1;
        issues.push(RecordIssue {
            record_idx: entry_idx,
            error: MeasureError::UnknownPupil {
                pupil_idx: entry.pupil_idx,
                n_pupils: pupils.len(),
            },
        });
    }
    issues.sort_by_key(|issue| issue.record_idx);
    Ks4Output {
        pupils: results,
        issues,
    }
}

fn compute_pupil(
    config: &Ks4Config,
    pupil: &Ks4Pupil,
    counted: &[Counted],
    candidates: &mut Vec<SlotCandidate>,
    filler: &mut SlotFiller,
) -> Ks4PupilResult {
    candidates.clear();
    candidates.extend(counted.iter().enumerate().map(|(i, c)| SlotCandidate {
        entry: u32::try_from(i).unwrap_or(u32::MAX),
        role: c.role,
        points_x100: c.points_x100,
        double_award: c.double_award,
    }));
    filler.fill(&config.slots, candidates);
    let mut element_points_x100 = [0u16; MAX_ELEMENTS];
    let mut slots_filled = 0u8;
    for slot in &filler.filled {
        let points = slot.points_x100.saturating_mul(u16::from(slot.weight));
        if let Some(total) = element_points_x100.get_mut(usize::from(slot.element_idx)) {
            *total = total.saturating_add(points);
        }
        slots_filled = slots_filled.saturating_add(slot.weight);
    }
    let attainment8_x100 = element_points_x100
        .iter()
        .fold(0u16, |a, &p| a.saturating_add(p));

    let best = |mask: RoleMask| {
        counted
            .iter()
            .filter(|c| c.role.intersects(mask))
            .map(|c| c.points_x100)
            .max()
    };
    let language = best(RoleMask::ENGLISH_LANGUAGE);
    let literature = best(RoleMask::ENGLISH_LITERATURE);
    let maths = best(RoleMask::MATHS);
    let best_english = language.max(literature);
    let english_maths = |grade: u16| {
        maths.is_some_and(|m| m >= grade * 100) && best_english.is_some_and(|e| e >= grade * 100)
    };

    // Science units: combined science gives two (its mean grade each), singles one.
    let mut science = [0u16; 2];
    let mut n_single_sciences = 0;
    let mut has_combined = false;
    for c in counted
        .iter()
        .filter(|c| c.role.intersects(RoleMask::SCIENCE))
    {
        if c.double_award {
            has_combined = true;
            insert_top2(&mut science, c.points_x100);
            insert_top2(&mut science, c.points_x100);
        } else {
            n_single_sciences += 1;
            insert_top2(&mut science, c.points_x100);
        }
    }
    let humanity = best(RoleMask::HUMANITIES);
    let modern_language = best(RoleMask::LANGUAGE);
    let both_english = language.is_some() && literature.is_some();
    // UNSURE (measures.md §3): whether three single sciences are required; we follow it.
    let science_entered = has_combined || n_single_sciences >= 3;
    let ebacc_entered = both_english
        && maths.is_some()
        && science_entered
        && humanity.is_some()
        && modern_language.is_some();
    // EBacc APS (measures.md §3, LG Inform definition): English counts only when both were
    // taken (UNSURE for a single English entry); missing pillars score 0.
    let aps_english = if both_english {
        best_english.unwrap_or(0)
    } else {
        0
    };
    let aps_total_x100 = u32::from(aps_english)
        + u32::from(maths.unwrap_or(0))
        + science.iter().map(|&s| u32::from(s)).sum::<u32>()
        + u32::from(humanity.unwrap_or(0))
        + u32::from(modern_language.unwrap_or(0));
    let ebacc_aps = f64::from(aps_total_x100) / 600.0;

    let prior = pupil
        .ks2_average
        .map(|a| PriorBand::from_ks2_average(a.value()));
    let groups = PupilContext {
        prior,
        ..pupil.context
    }
    .groups();

    let progress = progress_for(config, pupil, attainment8_x100, &element_points_x100);
    Ks4PupilResult {
        attainment8_x100,
        element_points_x100,
        slots_filled,
        progress,
        ebacc_entered,
        ebacc_aps,
        english_maths_4: english_maths(4),
        english_maths_5: english_maths(5),
        groups,
    }
}

fn insert_top2(top: &mut [u16; 2], value: u16) {
    let [first, second] = top;
    if value > *first {
        *second = *first;
        *first = value;
    } else if value > *second {
        *second = value;
    }
}

fn progress_for(
    config: &Ks4Config,
    pupil: &Ks4Pupil,
    attainment8_x100: u16,
    element_points_x100: &[u16; MAX_ELEMENTS],
) -> Option<PupilProgress> {
    let estimates = config.estimates.as_ref()?;
    let group = estimates.group_for(pupil.ks2_average?)?;
    let total_slots = f64::from(config.slots.total_slots());
    let score = (f64::from(attainment8_x100) / 100.0 - group.attainment8) / total_slots;
    let adjusted = config
        .extreme_minimums
        .as_ref()
        .map_or(score, |m| m.adjust(group.group, score));
    // Element estimates exist only for the DfE structure (English, maths, EBacc, open).
    let mut elements = [None; MAX_ELEMENTS];
    if config.slots.is_dfe_2016() {
        for (((out, element), points), estimate) in elements
            .iter_mut()
            .zip(config.slots.elements())
            .zip(element_points_x100)
            .zip(group.elements)
        {
            *out = Some((f64::from(*points) / 100.0 - estimate) / f64::from(element.n_slots));
        }
    }
    Some(PupilProgress {
        group: group.group,
        estimate: group.attainment8,
        score,
        adjusted,
        elements,
    })
}

/// A school (or group) Progress 8 figure.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ProgressFigure {
    pub score: f64,
    /// 95 % interval from the national SD (measures.md §2.5).
    pub ci: Interval,
    pub banding: P8Banding,
}

impl crate::groups::PointEstimate for ProgressFigure {
    fn point(&self) -> f64 {
        self.score
    }
    fn interval(&self) -> Interval {
        self.ci
    }
    /// Recovered from the interval, which uses the national SD.
    fn standard_error(&self, _n_pupils: u32) -> f64 {
        self.ci.half_width() / Z_95_DFE
    }
}

/// KS4 figures for a school or a group of schools, every measure by pupil group.
#[derive(Debug, Clone, Serialize)]
pub struct Ks4Summary {
    /// Pupils at the end of KS4 (`TPUP`).
    pub n_pupils: Figure<u32>,
    pub attainment8: GroupFigures<MeanFigure>,
    /// Headline Progress 8: adjusted for extreme scores when minimums were loaded.
    pub progress8: Option<GroupFigures<ProgressFigure>>,
    /// Whether `progress8` is the adjusted measure.
    pub progress8_is_adjusted: bool,
    /// Unadjusted Progress 8 (`P8MEA_ORIG`).
    pub progress8_unadjusted: Option<GroupFigures<ProgressFigure>>,
    pub progress8_elements: Vec<(ElementKind, GroupFigures<ProgressFigure>)>,
    /// Share of pupils with a Progress 8 score (`P8MEACOV`); the DfE flags `LOWCOV` below 50 %.
    pub progress8_coverage: GroupFigures<ProportionFigure>,
    pub ebacc_entry: GroupFigures<ProportionFigure>,
    pub ebacc_aps: GroupFigures<MeanFigure>,
    pub english_maths_4: GroupFigures<ProportionFigure>,
    pub english_maths_5: GroupFigures<ProportionFigure>,
}

#[derive(Debug, Clone, Copy, Default)]
struct Ks4Acc {
    a8: ByGroup<MeanAcc>,
    p8: ByGroup<MeanAcc>,
    p8_unadjusted: ByGroup<MeanAcc>,
    elements: [ByGroup<MeanAcc>; MAX_ELEMENTS],
    coverage: ByGroup<CountAcc>,
    ebacc_entry: ByGroup<CountAcc>,
    ebacc_aps: ByGroup<MeanAcc>,
    em4: ByGroup<CountAcc>,
    em5: ByGroup<CountAcc>,
}

impl Ks4Acc {
    fn add(&mut self, result: &Ks4PupilResult) {
        let mask = result.groups;
        self.a8.add(mask, |a| a.add(result.attainment8()));
        self.coverage
            .add(mask, |a| a.add(result.progress.is_some()));
        self.ebacc_entry.add(mask, |a| a.add(result.ebacc_entered));
        self.ebacc_aps.add(mask, |a| a.add(result.ebacc_aps));
        self.em4.add(mask, |a| a.add(result.english_maths_4));
        self.em5.add(mask, |a| a.add(result.english_maths_5));
        if let Some(progress) = &result.progress {
            self.p8.add(mask, |a| a.add(progress.adjusted));
            self.p8_unadjusted.add(mask, |a| a.add(progress.score));
            for (acc, element) in self.elements.iter_mut().zip(progress.elements) {
                if let Some(score) = element {
                    acc.add(mask, |a| a.add(score));
                }
            }
        }
    }

    fn summary(&self, config: &Ks4Config, policy: SuppressionPolicy) -> Ks4Summary {
        let progress = |accs: &ByGroup<MeanAcc>, sd: f64| {
            suppress_groups(
                policy,
                accs.0.map(|acc| {
                    let value = acc.mean().and_then(|score| {
                        let ci = mean_interval(score, sd, acc.n, Z_95_DFE)?;
                        Some(ProgressFigure {
                            score,
                            ci,
                            banding: P8Banding::classify(score, ci),
                        })
                    });
                    (acc.n, value)
                }),
            )
        };
        let sds = config.sds.filter(|_| config.estimates.is_some());
        let progress8 = sds.map(|sds| progress(&self.p8, sds.progress8));
        let progress8_unadjusted = sds.map(|sds| {
            progress(
                &self.p8_unadjusted,
                config.unadjusted_sd.unwrap_or(sds.progress8),
            )
        });
        let progress8_elements = match sds {
            Some(sds) if config.slots.is_dfe_2016() => config
                .slots
                .elements()
                .iter()
                .zip(self.elements.iter())
                .zip(sds.elements)
                .map(|((element, accs), sd)| (element.kind, progress(accs, sd)))
                .collect(),
            _ => Vec::new(),
        };
        let n_all = self.a8.0.first().map_or(0, |a| a.n);
        Ks4Summary {
            n_pupils: policy.figure(n_all, n_all),
            attainment8: mean_figures(policy, &self.a8, Z_95_DFE),
            progress8,
            progress8_is_adjusted: config.extreme_minimums.is_some(),
            progress8_unadjusted,
            progress8_elements,
            progress8_coverage: proportion_figures(policy, &self.coverage, Z_95_DFE),
            ebacc_entry: proportion_figures(policy, &self.ebacc_entry, Z_95_DFE),
            ebacc_aps: mean_figures(policy, &self.ebacc_aps, Z_95_DFE),
            english_maths_4: proportion_figures(policy, &self.em4, Z_95_DFE),
            english_maths_5: proportion_figures(policy, &self.em5, Z_95_DFE),
        }
    }
}

/// KS4 figures for every school, sorted by URN.
///
/// National files are summarised on every core: schools are split into ranges, one per
/// thread, and each range's accumulators take their pupils in pupil order, so every sum is
/// added in the same order as a single pass and the figures are identical.
pub fn summarise_ks4_by_school(
    config: &Ks4Config,
    policy: SuppressionPolicy,
    pupils: &[Ks4Pupil],
    results: &[Ks4PupilResult],
) -> Vec<(Urn, Ks4Summary)> {
    // A school's pupils are usually listed together: drop repeats before sorting.
    let mut urns: Vec<Urn> = Vec::new();
    for pupil in pupils {
        if urns.last() != Some(&pupil.urn) {
            urns.push(pupil.urn);
        }
    }
    urns.sort_unstable();
    urns.dedup();
    let mut last: Option<(Urn, usize)> = None;
    let school_of: Vec<usize> = pupils
        .iter()
        .map(|pupil| match last {
            Some((urn, school)) if urn == pupil.urn => school,
            _ => {
                let school = urns.binary_search(&pupil.urn).unwrap_or(usize::MAX);
                last = Some((pupil.urn, school));
                school
            }
        })
        .collect();
    let summarise = |schools: std::ops::Range<usize>| -> Vec<Ks4Summary> {
        let mut accs = vec![Ks4Acc::default(); schools.len()];
        for (&school, result) in school_of.iter().zip(results) {
            if let Some(acc) = school
                .checked_sub(schools.start)
                .and_then(|i| accs.get_mut(i))
            {
                acc.add(result);
            }
        }
        accs.iter().map(|acc| acc.summary(config, policy)).collect()
    };
    let workers = if pupils.len() < 20_000 {
        1
    } else {
        std::thread::available_parallelism().map_or(1, usize::from)
    };
    let per_worker = urns.len().div_ceil(workers).max(1);
    let ranges: Vec<_> = (0..urns.len())
        .step_by(per_worker)
        .map(|start| start..(start + per_worker).min(urns.len()))
        .collect();
    let summaries: Vec<Ks4Summary> = if ranges.len() < 2 {
        ranges.into_iter().flat_map(summarise).collect()
    } else {
        let summarise = &summarise;
        std::thread::scope(|scope| {
            let handles: Vec<_> = ranges
                .into_iter()
                .map(|range| scope.spawn(move || summarise(range)))
                .collect();
            handles
                .into_iter()
                .flat_map(|handle| {
                    handle
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .collect()
        })
    };
    urns.into_iter().zip(summaries).collect()
}

/// KS4 figures for a group of schools (a trust or cluster), pooling the pupils of the given
/// schools rather than averaging school figures, so larger schools weigh more and intervals
/// reflect the pooled cohort.
pub fn summarise_ks4_pooled(
    config: &Ks4Config,
    policy: SuppressionPolicy,
    pupils: &[Ks4Pupil],
    results: &[Ks4PupilResult],
    schools: &[Urn],
) -> Ks4Summary {
    let mut acc = Ks4Acc::default();
    for (pupil, result) in pupils.iter().zip(results) {
        if schools.contains(&pupil.urn) {
            acc.add(result);
        }
    }
    acc.summary(config, policy)
}

/// KS4 figures treating every given pupil as one cohort (one school's pupils, or a national
/// file).
pub fn summarise_ks4(
    config: &Ks4Config,
    policy: SuppressionPolicy,
    results: &[Ks4PupilResult],
) -> Ks4Summary {
    let mut acc = Ks4Acc::default();
    for result in results {
        acc.add(result);
    }
    acc.summary(config, policy)
}

#[cfg(test)]
mod tests;
