//! Figures and suppression.
//!
//! Every published number leaves the engine as a [`Figure`].
//! A figure is either shown, with the number of pupils it rests on, or suppressed; a
//! suppressed figure holds no value at all, so no page, chart or export can show one by
//! mistake.
//! Only this crate decides which figures are shown, through a [`SuppressionPolicy`].
//!
//! The DfE performance tables show `SUPP` for any figure over 1 to 5 pupils and also suppress
//! the complementary group (when disadvantaged is `SUPP`, non-disadvantaged is too, even at
//! n = 95), so a small group cannot be recovered by subtraction from the whole-school figure
//! (measures.md §9, verified on the 2016–2019 school-level files).

use serde::{Deserialize, Serialize};

/// The DfE threshold: figures over fewer than 6 pupils are suppressed (measures.md §9).
pub const DEFAULT_MIN_PUPILS: u32 = 6;

/// How small a group may be before its figures are suppressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuppressionPolicy {
    min_pupils: u32,
    hide_complement_of_empty: bool,
}

impl Default for SuppressionPolicy {
    fn default() -> Self {
        SuppressionPolicy {
            min_pupils: DEFAULT_MIN_PUPILS,
            hide_complement_of_empty: true,
        }
    }
}

impl SuppressionPolicy {
    /// A policy suppressing figures over fewer than `min_pupils` pupils (at least 1).
    pub fn new(min_pupils: u32) -> Self {
        SuppressionPolicy {
            min_pupils: min_pupils.max(1),
            hide_complement_of_empty: true,
        }
    }

    /// Whether a group with no pupils also hides another group of its family, as the DfE does
    /// (on the 2018/19 KS2 files a school with no disadvantaged pupils has its
    /// non-disadvantaged figures shown as `SUPP`). On by default; turning it off shows more
    /// figures and still never reveals a small group.
    pub fn hiding_complement_of_empty(mut self, hide: bool) -> Self {
        self.hide_complement_of_empty = hide;
        self
    }

    pub fn min_pupils(self) -> u32 {
        self.min_pupils
    }

    pub fn hides_complement_of_empty(self) -> bool {
        self.hide_complement_of_empty
    }

    /// Whether a figure over `n_pupils` pupils may be shown on its own.
    pub fn allows(self, n_pupils: u32) -> bool {
        n_pupils >= self.min_pupils
    }

    /// A single figure with no complementary groups: shown when `n_pupils` is large enough.
    /// Group sets go through [`crate::groups::suppress_groups`] instead.
    pub fn figure<T>(self, n_pupils: u32, value: T) -> Figure<T> {
        if n_pupils == 0 {
            Figure::suppressed(SuppressionReason::NoPupils)
        } else if self.allows(n_pupils) {
            Figure(Inner::Shown { value, n_pupils })
        } else {
            Figure::suppressed(SuppressionReason::SmallGroup)
        }
    }
}

/// Why a figure is not shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuppressionReason {
    /// No pupils in the group (the DfE shows `NA` or `NE`).
    NoPupils,
    /// Fewer pupils than the policy's threshold (the DfE shows `SUPP`).
    SmallGroup,
    /// Large enough itself, but hidden so that a small group cannot be recovered by
    /// subtraction from the whole-school figure.
    Complementary,
    /// The whole cohort is below the threshold, so every group within it is hidden.
    CohortTooSmall,
    /// A group-of-schools figure hidden because, with its member schools' shown figures, it
    /// would reveal the pupils of the suppressed members by subtraction (the DfE shows
    /// `SUPPMAT` for a suppressed trust figure).
    Differencing,
}

impl SuppressionReason {
    /// The DfE performance-tables code for this reason.
    pub fn dfe_code(self) -> &'static str {
        match self {
            SuppressionReason::NoPupils => "NA",
            SuppressionReason::Differencing => "SUPPMAT",
            SuppressionReason::SmallGroup
            | SuppressionReason::Complementary
            | SuppressionReason::CohortTooSmall => "SUPP",
        }
    }
}

/// A published number: shown with its pupil count, or suppressed with no value inside.
///
/// The only ways to read a value are [`Figure::value`] and [`Figure::shown`], which return
/// `None` for a suppressed figure, and there is no public constructor that skips a
/// [`SuppressionPolicy`]. `Deserialize` exists only to reload the engine's own stored output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Figure<T>(Inner<T>);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
enum Inner<T> {
    Shown { value: T, n_pupils: u32 },
    Suppressed { reason: SuppressionReason },
}

impl<T> Figure<T> {
    pub(crate) fn suppressed(reason: SuppressionReason) -> Self {
        Figure(Inner::Suppressed { reason })
    }

    /// The value, or `None` when suppressed.
    pub fn value(&self) -> Option<&T> {
        match &self.0 {
            Inner::Shown { value, .. } => Some(value),
            Inner::Suppressed { .. } => None,
        }
    }

    /// The value and its pupil count, or `None` when suppressed.
    pub fn shown(&self) -> Option<(&T, u32)> {
        match &self.0 {
            Inner::Shown { value, n_pupils } => Some((value, *n_pupils)),
            Inner::Suppressed { .. } => None,
        }
    }

    /// The value and its pupil count, or why the figure is suppressed.
    pub fn shown_or_reason(&self) -> Result<(&T, u32), SuppressionReason> {
        match &self.0 {
            Inner::Shown { value, n_pupils } => Ok((value, *n_pupils)),
            Inner::Suppressed { reason } => Err(*reason),
        }
    }

    /// The number of pupils, shown only with the value: a group's size can itself disclose.
    pub fn n_pupils(&self) -> Option<u32> {
        self.shown().map(|(_, n)| n)
    }

    pub fn is_suppressed(&self) -> bool {
        matches!(self.0, Inner::Suppressed { .. })
    }

    pub fn suppression_reason(&self) -> Option<SuppressionReason> {
        match self.0 {
            Inner::Shown { .. } => None,
            Inner::Suppressed { reason } => Some(reason),
        }
    }

    /// Transforms a shown value; a suppressed figure stays suppressed.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Figure<U> {
        match self.0 {
            Inner::Shown { value, n_pupils } => Figure(Inner::Shown {
                value: f(value),
                n_pupils,
            }),
            Inner::Suppressed { reason } => Figure(Inner::Suppressed { reason }),
        }
    }

    pub fn as_ref(&self) -> Figure<&T> {
        match &self.0 {
            Inner::Shown { value, n_pupils } => Figure(Inner::Shown {
                value,
                n_pupils: *n_pupils,
            }),
            Inner::Suppressed { reason } => Figure(Inner::Suppressed { reason: *reason }),
        }
    }

    /// Hides a shown figure (used by complementary suppression). Never reveals one.
    pub(crate) fn suppress(&mut self, reason: SuppressionReason) {
        if !self.is_suppressed() {
            self.0 = Inner::Suppressed { reason };
        }
    }

    /// The DfE-style text for a suppressed figure (`SUPP`, `NA`), or `None` when shown.
    pub fn dfe_code(&self) -> Option<&'static str> {
        self.suppression_reason().map(SuppressionReason::dfe_code)
    }
}

/// Suppression across levels: hides a group-of-schools figure (a trust or cluster, pooled
/// from pupils) that would let a reader recover a suppressed member school's figure by
/// subtraction.
///
/// A reader who sees the group's pupil count and its members' shown counts knows the count of
/// the rest, the members whose figures are suppressed; with the values, they can work out the
/// rest's value too. So the group figure stays shown only when that remainder is nothing
/// (every member with pupils is shown, or the group figure left the suppressed ones out), or
/// pools at least two suppressed members and is at least the policy's threshold; a remainder
/// that is one school, or too small, hides the group figure. `members` are the member
/// schools' figures for the same measure, pupil group and year; members with no pupils
/// ([`SuppressionReason::NoPupils`]) hide nothing.
///
/// Returns whether the group figure was hidden here. This guards the direct subtraction of
/// school figures from a group figure; it is not a full disclosure audit across pupil groups
/// and measures (see the DfE's practice in `../shared/reference/measures.md` §9: school tables
/// suppress 1 to 5 pupils and their complement; the DfE trust tables show `SUPPMAT`).
pub fn suppress_differencing<T, U>(
    policy: SuppressionPolicy,
    group: &mut Figure<T>,
    members: &[&Figure<U>],
) -> bool {
    let Some(n_group) = group.n_pupils() else {
        return false;
    };
    if !reveals_by_subtraction(policy, n_group, members.iter().map(|m| m.published())) {
        return false;
    }
    group.suppress(SuppressionReason::Differencing);
    true
}

/// How a figure was published, all a check across levels may know of it: its pupil count when
/// shown, or why it is hidden (never a hidden figure's count).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Published {
    Shown { n_pupils: u32 },
    Hidden(SuppressionReason),
}

impl<T> Figure<T> {
    /// What a reader of the published tables sees of this figure.
    pub fn published(&self) -> Published {
        match &self.0 {
            Inner::Shown { n_pupils, .. } => Published::Shown {
                n_pupils: *n_pupils,
            },
            Inner::Suppressed { reason } => Published::Hidden(*reason),
        }
    }
}

/// The rule of [`suppress_differencing`] on counts alone: whether a shown group-of-schools
/// figure over `n_group` pupils, beside its members' published figures, would let a reader
/// recover a suppressed member by subtraction.
pub fn reveals_by_subtraction(
    policy: SuppressionPolicy,
    n_group: u32,
    members: impl IntoIterator<Item = Published>,
) -> bool {
    let mut shown: u32 = 0;
    let mut hidden_members = 0_usize;
    for member in members {
        match member {
            Published::Shown { n_pupils } => shown = shown.saturating_add(n_pupils),
            Published::Hidden(SuppressionReason::NoPupils) => {}
            Published::Hidden(_) => hidden_members += 1,
        }
    }
    // With no pupils left over, the group figure is a mix of shown figures and gives nothing
    // back (a suppressed member then took no part in it: it had no pupils, or the group
    // figure left it out).
    let remainder = n_group.saturating_sub(shown);
    remainder > 0 && !(hidden_members >= 2 && policy.allows(remainder))
}

#[cfg(test)]
mod tests;
