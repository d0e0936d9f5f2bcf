//! Pupil groups, group figures, complementary suppression and gaps.
//!
//! Every measure is reported for all pupils and for thirteen groups with stable snake_case
//! codes (used in storage, URLs and exports alike). Groups come in *families* that split the
//! cohort: disadvantaged or not, SEN provision (none, support, EHC plan), EAL or not, sex, and
//! KS2 prior attainment band. [`suppress_groups`] applies the threshold to each group and then,
//! family by family, hides further groups until the pupils not covered by shown groups are
//! either none or at least the threshold, so no small group can be recovered as
//! "all minus the rest" (measures.md §9).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use cairn_domain::{SenProvision, Sex};
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize};

use crate::ci::{Estimate, Interval, Significance, Z_95, change_between, compare_with};
use crate::figure::{
    Figure, Published, SuppressionPolicy, SuppressionReason, reveals_by_subtraction,
};

/// The number of reported pupil groups, including `all`.
pub const N_GROUPS: usize = 13;

/// A reported group of pupils.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PupilGroup {
    All,
    Disadvantaged,
    NonDisadvantaged,
    SenNone,
    SenSupport,
    SenEhcp,
    Eal,
    NonEal,
    Female,
    Male,
    PriorLow,
    PriorMiddle,
    PriorHigh,
}

/// A set of groups that split the cohort.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupFamily {
    Disadvantage,
    Sen,
    Eal,
    Sex,
    PriorAttainment,
}

impl GroupFamily {
    pub const ALL: [GroupFamily; 5] = [
        GroupFamily::Disadvantage,
        GroupFamily::Sen,
        GroupFamily::Eal,
        GroupFamily::Sex,
        GroupFamily::PriorAttainment,
    ];

    pub fn members(self) -> &'static [PupilGroup] {
        use PupilGroup as G;
        match self {
            GroupFamily::Disadvantage => &[G::Disadvantaged, G::NonDisadvantaged],
            GroupFamily::Sen => &[G::SenNone, G::SenSupport, G::SenEhcp],
            GroupFamily::Eal => &[G::Eal, G::NonEal],
            GroupFamily::Sex => &[G::Female, G::Male],
            GroupFamily::PriorAttainment => &[G::PriorLow, G::PriorMiddle, G::PriorHigh],
        }
    }
}

impl PupilGroup {
    pub const ALL: [PupilGroup; N_GROUPS] = [
        PupilGroup::All,
        PupilGroup::Disadvantaged,
        PupilGroup::NonDisadvantaged,
        PupilGroup::SenNone,
        PupilGroup::SenSupport,
        PupilGroup::SenEhcp,
        PupilGroup::Eal,
        PupilGroup::NonEal,
        PupilGroup::Female,
        PupilGroup::Male,
        PupilGroup::PriorLow,
        PupilGroup::PriorMiddle,
        PupilGroup::PriorHigh,
    ];

    /// The stable snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            PupilGroup::All => "all",
            PupilGroup::Disadvantaged => "disadvantaged",
            PupilGroup::NonDisadvantaged => "non_disadvantaged",
            PupilGroup::SenNone => "sen_none",
            PupilGroup::SenSupport => "sen_support",
            PupilGroup::SenEhcp => "sen_ehcp",
            PupilGroup::Eal => "eal",
            PupilGroup::NonEal => "non_eal",
            PupilGroup::Female => "female",
            PupilGroup::Male => "male",
            PupilGroup::PriorLow => "prior_low",
            PupilGroup::PriorMiddle => "prior_middle",
            PupilGroup::PriorHigh => "prior_high",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PupilGroup::All => "All pupils",
            PupilGroup::Disadvantaged => "Disadvantaged",
            PupilGroup::NonDisadvantaged => "Not disadvantaged",
            PupilGroup::SenNone => "No SEN",
            PupilGroup::SenSupport => "SEN support",
            PupilGroup::SenEhcp => "EHC plan",
            PupilGroup::Eal => "EAL",
            PupilGroup::NonEal => "Not EAL",
            PupilGroup::Female => "Female",
            PupilGroup::Male => "Male",
            PupilGroup::PriorLow => "Low prior attainment",
            PupilGroup::PriorMiddle => "Middle prior attainment",
            PupilGroup::PriorHigh => "High prior attainment",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        PupilGroup::ALL.into_iter().find(|g| g.code() == code)
    }

    /// Position in [`PupilGroup::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn family(self) -> Option<GroupFamily> {
        GroupFamily::ALL
            .into_iter()
            .find(|family| family.members().contains(&self))
    }

    /// The national group a gap is measured against ("other pupils"): for disadvantaged pupils
    /// the DfE compares with non-disadvantaged pupils nationally (`DIFFN_P8MEA`, 2018/19
    /// ks4 meta). SEN groups compare with pupils with no SEN; prior bands and `all` have none.
    pub fn gap_comparator(self) -> Option<PupilGroup> {
        use PupilGroup as G;
        match self {
            G::Disadvantaged => Some(G::NonDisadvantaged),
            G::NonDisadvantaged => Some(G::Disadvantaged),
            G::SenSupport | G::SenEhcp => Some(G::SenNone),
            G::Eal => Some(G::NonEal),
            G::NonEal => Some(G::Eal),
            G::Female => Some(G::Male),
            G::Male => Some(G::Female),
            G::All | G::SenNone | G::PriorLow | G::PriorMiddle | G::PriorHigh => None,
        }
    }
}

impl fmt::Display for PupilGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A pupil's prior attainment band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriorBand {
    Low,
    Middle,
    High,
}

impl PriorBand {
    /// The band for a KS2 average scaled score (reading and maths): low below 100 (the
    /// expected standard), high at 110 or above (the KS2 "high score", measures.md §4),
    /// middle between. UNSURE: the DfE KS4 band cut-offs for scaled-score cohorts are not in
    /// measures.md; these follow the KS2 standards and should be checked against the current
    /// secondary accountability guidance.
    pub fn from_ks2_average(average: f64) -> PriorBand {
        if average < 100.0 {
            PriorBand::Low
        } else if average < 110.0 {
            PriorBand::Middle
        } else {
            PriorBand::High
        }
    }
}

/// The characteristics that decide a pupil's groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PupilContext {
    /// FSM in the last six years, looked after, or adopted from care (measures.md §9).
    pub disadvantaged: bool,
    pub sen: SenProvision,
    pub eal: bool,
    pub sex: Sex,
    /// `None` when the pupil has no prior attainment (they are in no prior band).
    pub prior: Option<PriorBand>,
}

/// The set of groups a pupil belongs to, as bits indexed by [`PupilGroup::index`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct GroupMask(u16);

impl GroupMask {
    pub fn contains(self, group: PupilGroup) -> bool {
        self.0 & (1 << group.index()) != 0
    }

    fn with(self, group: PupilGroup) -> Self {
        GroupMask(self.0 | (1 << group.index()))
    }
}

impl PupilContext {
    pub fn groups(&self) -> GroupMask {
        use PupilGroup as G;
        let mask = GroupMask::default().with(G::All);
        let mask = mask.with(if self.disadvantaged {
            G::Disadvantaged
        } else {
            G::NonDisadvantaged
        });
        let mask = mask.with(match self.sen {
            SenProvision::None => G::SenNone,
            SenProvision::Support => G::SenSupport,
            SenProvision::Ehcp => G::SenEhcp,
        });
        let mask = mask.with(if self.eal { G::Eal } else { G::NonEal });
        let mask = mask.with(match self.sex {
            Sex::Female => G::Female,
            Sex::Male => G::Male,
        });
        match self.prior {
            Some(PriorBand::Low) => mask.with(G::PriorLow),
            Some(PriorBand::Middle) => mask.with(G::PriorMiddle),
            Some(PriorBand::High) => mask.with(G::PriorHigh),
            None => mask,
        }
    }
}

/// One accumulator per group, filled pupil by pupil.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ByGroup<A>(pub(crate) [A; N_GROUPS]);

impl<A: Default + Copy> Default for ByGroup<A> {
    fn default() -> Self {
        ByGroup([A::default(); N_GROUPS])
    }
}

impl<A> ByGroup<A> {
    /// Applies `f` to the accumulator of every group in `mask`, visiting only the set bits
    /// (a pupil is in six groups at most).
    pub(crate) fn add(&mut self, mask: GroupMask, mut f: impl FnMut(&mut A)) {
        let mut bits = mask.0;
        while bits != 0 {
            let idx = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            if let Some(acc) = self.0.get_mut(idx) {
                f(acc);
            }
        }
    }
}

/// A figure for every pupil group, after suppression.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupFigures<T> {
    figures: [Figure<T>; N_GROUPS],
}

impl<T> GroupFigures<T> {
    #[expect(
        clippy::indexing_slicing,
        reason = "PupilGroup::index() is below N_GROUPS for every variant"
    )]
    pub fn get(&self, group: PupilGroup) -> &Figure<T> {
        &self.figures[group.index()]
    }

    pub fn all(&self) -> &Figure<T> {
        self.get(PupilGroup::All)
    }

    pub fn iter(&self) -> impl Iterator<Item = (PupilGroup, &Figure<T>)> {
        PupilGroup::ALL.into_iter().zip(self.figures.iter())
    }

    pub fn map<U>(self, mut f: impl FnMut(T) -> U) -> GroupFigures<U> {
        let [a, b, c, d, e, g, h, i, j, k, l, m, n] = self.figures;
        GroupFigures {
            figures: [a, b, c, d, e, g, h, i, j, k, l, m, n].map(|figure| figure.map(&mut f)),
        }
    }
}

impl<T: Serialize> Serialize for GroupFigures<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(N_GROUPS))?;
        for (group, figure) in self.iter() {
            map.serialize_entry(group.code(), figure)?;
        }
        map.end()
    }
}

/// Applies the threshold to each group, then complementary suppression within each family.
///
/// `entries[g]` is the number of pupils in group `g` counted by this measure and the value
/// (`None` when the group has no value although it has pupils). Within a family, the pupils
/// of `all` not covered by shown groups (suppressed groups plus pupils in none of the family's
/// groups, such as pupils with no prior attainment) must be none or at least the threshold;
/// otherwise the smallest shown group (first in [`PupilGroup::ALL`] order on ties) is
/// suppressed too, and so on. If `all` itself is suppressed, every group is. When the policy
/// hides complements of empty groups (the DfE default), a family with an empty group also has
/// its smallest shown group hidden.
pub fn suppress_groups<T>(
    policy: SuppressionPolicy,
    entries: [(u32, Option<T>); N_GROUPS],
) -> GroupFigures<T> {
    let counts: [u32; N_GROUPS] = std::array::from_fn(|i| entries.get(i).map_or(0, |e| e.0));
    let mut figures = entries.map(|(n, value)| match value {
        Some(value) => policy.figure(n, value),
        None if n == 0 => Figure::suppressed(SuppressionReason::NoPupils),
        None => Figure::suppressed(SuppressionReason::SmallGroup),
    });
    let n_all = counts.first().copied().unwrap_or(0);
    let all_hidden = figures.first().is_none_or(Figure::is_suppressed);
    if all_hidden {
        for figure in figures.iter_mut().skip(1) {
            figure.suppress(SuppressionReason::CohortTooSmall);
        }
        return GroupFigures { figures };
    }
    for family in GroupFamily::ALL {
        let is_shown = |figures: &[Figure<T>; N_GROUPS], g: &PupilGroup| {
            figures.get(g.index()).is_some_and(|f| !f.is_suppressed())
        };
        let has_empty = family
            .members()
            .iter()
            .any(|g| counts.get(g.index()).copied() == Some(0));
        let all_shown_nonempty = family
            .members()
            .iter()
            .filter(|g| counts.get(g.index()).copied() != Some(0))
            .all(|g| is_shown(&figures, g));
        if policy.hides_complement_of_empty() && has_empty && all_shown_nonempty {
            // DfE practice: an unpublished (empty) group hides its complement too.
            let smallest = family
                .members()
                .iter()
                .filter(|g| is_shown(&figures, g))
                .min_by_key(|g| (counts.get(g.index()).copied().unwrap_or(0), g.index()));
            if let Some(figure) = smallest.and_then(|g| figures.get_mut(g.index())) {
                figure.suppress(SuppressionReason::Complementary);
            }
        }
        loop {
            let shown: u32 = family
                .members()
                .iter()
                .filter(|g| figures.get(g.index()).is_some_and(|f| !f.is_suppressed()))
                .map(|g| counts.get(g.index()).copied().unwrap_or(0))
                .sum();
            let residual = n_all.saturating_sub(shown);
            if residual == 0 || policy.allows(residual) {
                break;
            }
            let smallest = family
                .members()
                .iter()
                .filter(|g| figures.get(g.index()).is_some_and(|f| !f.is_suppressed()))
                .min_by_key(|g| (counts.get(g.index()).copied().unwrap_or(0), g.index()));
            match smallest.and_then(|g| figures.get_mut(g.index())) {
                Some(figure) => figure.suppress(SuppressionReason::Complementary),
                None => break,
            }
        }
    }
    GroupFigures { figures }
}

/// Suppression across levels for every pupil group of one measure, year and group of schools:
/// which of the group's shown figures must be hidden so that no suppressed member school's
/// figure can be recovered by subtraction.
///
/// `group` holds the group-of-schools figures as published, by pupil group (a pupil group
/// with no entry is not reported for this measure); `members` holds each member school's,
/// where a missing pupil group means the school has no pupils in it. A figure is hidden when
/// [`reveals_by_subtraction`] says so ([`crate::suppress_differencing`] is the same rule on one
/// figure). Hiding it must not be undone by the figures beside it, so, as with complementary
/// suppression within a school (measures.md §9):
/// - when `all` is hidden, every group is, since a family's groups add up to it;
/// - when a family's only hidden figures are the ones hidden here, its smallest other shown
///   group is hidden too, so "all minus the rest of the family" gives nothing back.
///
/// Like [`crate::suppress_differencing`], this guards direct subtraction between a group of
/// schools and its members, measure by measure; it is not a full disclosure audit.
pub fn differencing_hides(
    policy: SuppressionPolicy,
    group: &BTreeMap<PupilGroup, Published>,
    members: &[&BTreeMap<PupilGroup, Published>],
) -> BTreeSet<PupilGroup> {
    let shown_n = |g: PupilGroup| match group.get(&g) {
        Some(Published::Shown { n_pupils }) => Some(*n_pupils),
        _ => None,
    };
    let mut hidden: BTreeSet<PupilGroup> = group
        .keys()
        .copied()
        .filter(|&g| {
            shown_n(g).is_some_and(|n_group| {
                let of_members = members.iter().map(|m| {
                    m.get(&g)
                        .copied()
                        .unwrap_or(Published::Hidden(SuppressionReason::NoPupils))
                });
                reveals_by_subtraction(policy, n_group, of_members)
            })
        })
        .collect();
    if hidden.contains(&PupilGroup::All) {
        return group
            .keys()
            .copied()
            .filter(|&g| shown_n(g).is_some())
            .collect();
    }
    for family in GroupFamily::ALL {
        let members_of = family.members();
        if !members_of.iter().any(|g| hidden.contains(g)) {
            continue;
        }
        let hidden_before = members_of.iter().any(|g| {
            matches!(group.get(g), Some(Published::Hidden(reason)) if *reason != SuppressionReason::NoPupils)
        });
        if hidden_before {
            continue;
        }
        let smallest = members_of
            .iter()
            .filter(|g| !hidden.contains(g))
            .filter_map(|&g| shown_n(g).map(|n| (n, g.index(), g)))
            .min();
        if let Some((_, _, g)) = smallest {
            hidden.insert(g);
        }
    }
    hidden
}

/// Mean accumulator (count, sum, sum of squares).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct MeanAcc {
    pub(crate) n: u32,
    pub(crate) sum: f64,
    pub(crate) sum_sq: f64,
}

impl MeanAcc {
    pub(crate) fn add(&mut self, x: f64) {
        self.n += 1;
        self.sum += x;
        self.sum_sq += x * x;
    }

    pub(crate) fn mean(&self) -> Option<f64> {
        (self.n > 0).then(|| self.sum / f64::from(self.n))
    }

    /// Sample standard deviation (n − 1); 0 for a single value.
    pub(crate) fn sd(&self) -> Option<f64> {
        let mean = self.mean()?;
        if self.n < 2 {
            return Some(0.0);
        }
        let n = f64::from(self.n);
        let variance = ((self.sum_sq - n * mean * mean) / (n - 1.0)).max(0.0);
        Some(variance.sqrt())
    }
}

/// Proportion accumulator (pupils counted, pupils meeting the measure).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct CountAcc {
    pub(crate) n: u32,
    pub(crate) hits: u32,
}

impl CountAcc {
    pub(crate) fn add(&mut self, hit: bool) {
        self.n += 1;
        self.hits += u32::from(hit);
    }
}

/// A mean with its 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MeanFigure {
    pub mean: f64,
    /// The standard deviation used for the interval (sample SD, or the national SD where the
    /// DfE uses one).
    pub sd: f64,
    pub ci: Interval,
}

/// A proportion (0–1) with its Wilson 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ProportionFigure {
    /// Pupils meeting the measure.
    pub hits: u32,
    pub rate: f64,
    pub ci: Interval,
}

impl ProportionFigure {
    pub fn percent(&self) -> f64 {
        self.rate * 100.0
    }
}

pub(crate) fn mean_figures(
    policy: SuppressionPolicy,
    accs: &ByGroup<MeanAcc>,
    z: f64,
) -> GroupFigures<MeanFigure> {
    suppress_groups(
        policy,
        accs.0.map(|acc| {
            let value = acc.mean().zip(acc.sd()).and_then(|(mean, sd)| {
                crate::ci::mean_interval(mean, sd, acc.n, z).map(|ci| MeanFigure { mean, sd, ci })
            });
            (acc.n, value)
        }),
    )
}

pub(crate) fn proportion_figures(
    policy: SuppressionPolicy,
    accs: &ByGroup<CountAcc>,
    z: f64,
) -> GroupFigures<ProportionFigure> {
    suppress_groups(
        policy,
        accs.0.map(|acc| {
            let value = crate::ci::wilson_interval(acc.hits, acc.n, z).map(|ci| ProportionFigure {
                hits: acc.hits,
                rate: f64::from(acc.hits) / f64::from(acc.n),
                ci,
            });
            (acc.n, value)
        }),
    )
}

/// Accumulates pupils per school (sorted by URN) with one accumulator per school.
pub(crate) fn accumulate_by_school<P, A: Default + Clone>(
    pupils: &[P],
    urn_of: impl Fn(&P) -> cairn_domain::Urn,
    mut add: impl FnMut(&mut A, &P),
) -> Vec<(cairn_domain::Urn, A)> {
    let mut urns: Vec<cairn_domain::Urn> = pupils.iter().map(&urn_of).collect();
    urns.sort_unstable();
    urns.dedup();
    let mut accs = vec![A::default(); urns.len()];
    for pupil in pupils {
        if let Some(acc) = urns
            .binary_search(&urn_of(pupil))
            .ok()
            .and_then(|i| accs.get_mut(i))
        {
            add(acc, pupil);
        }
    }
    urns.into_iter().zip(accs).collect()
}

/// Accumulates the pupils of the given schools as one pooled cohort.
pub(crate) fn accumulate_pooled<P, A: Default>(
    pupils: &[P],
    schools: &[cairn_domain::Urn],
    urn_of: impl Fn(&P) -> cairn_domain::Urn,
    mut add: impl FnMut(&mut A, &P),
) -> A {
    let mut acc = A::default();
    for pupil in pupils.iter().filter(|p| schools.contains(&urn_of(p))) {
        add(&mut acc, pupil);
    }
    acc
}

/// National figures per group for one measure, supplied by the caller from DfE files.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct NationalFigures {
    values: [Option<f64>; N_GROUPS],
}

impl NationalFigures {
    pub fn with(mut self, group: PupilGroup, value: f64) -> Self {
        if let Some(slot) = self.values.get_mut(group.index()) {
            *slot = Some(value);
        }
        self
    }

    pub fn get(&self, group: PupilGroup) -> Option<f64> {
        self.values.get(group.index()).copied().flatten()
    }
}

/// A group's gap against the national figure for other pupils.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Gap {
    pub comparator: PupilGroup,
    pub national: f64,
    /// Group value minus the national comparator value.
    pub gap: f64,
    /// The group's interval shifted by the same amount (national treated as exact).
    pub ci: Interval,
    pub significance: Significance,
}

/// A published value with an interval: what significance tests and gaps need.
pub trait PointEstimate {
    /// The value on its own scale (a proportion as 0–1).
    fn point(&self) -> f64;
    fn interval(&self) -> Interval;
    /// The standard error for comparisons between independent figures.
    fn standard_error(&self, n_pupils: u32) -> f64;
}

impl PointEstimate for MeanFigure {
    fn point(&self) -> f64 {
        self.mean
    }
    fn interval(&self) -> Interval {
        self.ci
    }
    fn standard_error(&self, n_pupils: u32) -> f64 {
        self.sd / f64::from(n_pupils.max(1)).sqrt()
    }
}

impl PointEstimate for ProportionFigure {
    fn point(&self) -> f64 {
        self.rate
    }
    fn interval(&self) -> Interval {
        self.ci
    }
    fn standard_error(&self, n_pupils: u32) -> f64 {
        (self.rate * (1.0 - self.rate) / f64::from(n_pupils.max(1))).sqrt()
    }
}

/// Whether a shown figure is significantly above or below a reference value (the national
/// figure, or a similar-schools average); `None` when suppressed.
pub fn significance_against<T: PointEstimate>(
    figure: &Figure<T>,
    reference: f64,
) -> Option<Significance> {
    figure
        .value()
        .map(|value| compare_with(value.interval(), reference))
}

/// The change between two years' figures and whether it is significant at 95 %, treating
/// the cohorts as independent; `None` if either is suppressed.
pub fn change_between_figures<T: PointEstimate>(
    earlier: &Figure<T>,
    later: &Figure<T>,
) -> Option<(f64, Significance)> {
    let (a, n_a) = earlier.shown()?;
    let (b, n_b) = later.shown()?;
    let estimate = |v: &T, n| Estimate {
        value: v.point(),
        standard_error: v.standard_error(n),
    };
    Some(change_between(estimate(a, n_a), estimate(b, n_b), Z_95))
}

/// Gaps for every group that has a comparator and a national value, against the national
/// figure for other pupils. A suppressed figure gives a suppressed gap, so gaps cannot leak
/// either.
pub fn gaps<T: PointEstimate>(
    figures: &GroupFigures<T>,
    national: &NationalFigures,
) -> Vec<(PupilGroup, Figure<Gap>)> {
    figures
        .iter()
        .filter_map(|(group, figure)| {
            let comparator = group.gap_comparator()?;
            let national = national.get(comparator)?;
            let gap = figure.as_ref().map(|value| {
                let shifted = value.interval().shifted(-national);
                Gap {
                    comparator,
                    national,
                    gap: value.point() - national,
                    ci: shifted,
                    significance: compare_with(shifted, 0.0),
                }
            });
            Some((group, gap))
        })
        .collect()
}

#[cfg(test)]
mod tests;
