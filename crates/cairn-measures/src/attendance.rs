//! Attendance with the register codes in force from 19 August 2024 (measures.md §6).
//!
//! * Possible sessions are those whose code counts as possible; codes X, Q, Y1–Y7, Z, # (and
//!   D, UNSURE) are not possible sessions.
//! * Overall absence rate = (authorised + unauthorised absence sessions) / possible sessions,
//!   pooled over pupils (the DfE absence statistics method). Approved educational activity
//!   (K, V, P, W, B) counts as attendance.
//! * Persistent absentee: own overall absence at least 10 % of own possible sessions; severely
//!   absent: at least 50 %. The persistent group includes the severe group (measures.md §6,
//!   DfE confirmation quoted by IRIS).
//! * Session rates get a 95 % interval from the ratio estimator's standard error with pupils
//!   as clusters, because a pupil's sessions are not independent of each other; persistent
//!   and severe absence are proportions of pupils with Wilson intervals.
//!
//! Pupils with no possible sessions are left out. Restricting to pupils of compulsory school
//! age (5 to 15 at the start of the year), as the DfE statistics do, is the caller's choice.

use cairn_domain::Urn;
use serde::{Deserialize, Serialize};

use crate::ci::{Interval, Z_95_DFE};
use crate::figure::{Figure, SuppressionPolicy};
use crate::groups::{
    ByGroup, CountAcc, GroupFigures, ProportionFigure, PupilContext, accumulate_by_school,
    accumulate_pooled, proportion_figures, suppress_groups,
};
use crate::table::CsvTable;
use crate::{MeasureError, RecordIssue};

const CODES_2024_CSV: &str = include_str!("../data/attendance_codes_2024.csv");

/// How a register code counts in the statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Treatment {
    Present,
    /// Attending an approved educational activity: counts as attendance.
    ApprovedActivity,
    Authorised,
    Unauthorised,
    /// Not a possible session.
    NotCounted,
}

/// A register code set with each code's statistical treatment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttendanceCodes {
    codes: Vec<(String, Treatment)>,
}

impl AttendanceCodes {
    /// The code set from 19 August 2024, `data/attendance_codes_2024.csv`.
    pub fn dfe_2024() -> Result<Self, MeasureError> {
        Self::parse(CODES_2024_CSV).map_err(MeasureError::embedded)
    }

    /// Reads columns `code, statistical_treatment` (`present`, `aea`, `authorised`,
    /// `unauthorised`, `not_counted`).
    pub fn parse(text: &str) -> Result<Self, MeasureError> {
        let table = CsvTable::parse("attendance_codes", text)?;
        let c_code = table.column("code")?;
        let c_treatment = table.column("statistical_treatment")?;
        let mut codes = Vec::new();
        for row in table.rows() {
            let treatment = match row.text(c_treatment)? {
                "present" => Treatment::Present,
                "aea" => Treatment::ApprovedActivity,
                "authorised" => Treatment::Authorised,
                "unauthorised" => Treatment::Unauthorised,
                "not_counted" => Treatment::NotCounted,
                other => return Err(row.error(&format!("unknown treatment {other:?}"))),
            };
            codes.push((row.text(c_code)?.to_owned(), treatment));
        }
        Ok(AttendanceCodes { codes })
    }

    /// Every code with its treatment, in the set's order.
    pub fn codes(&self) -> impl Iterator<Item = (&str, Treatment)> {
        self.codes
            .iter()
            .map(|(code, treatment)| (code.as_str(), *treatment))
    }

    /// The treatment of a code (case-sensitive, as registers are).
    pub fn treatment(&self, code: &str) -> Option<Treatment> {
        self.codes
            .iter()
            .find(|(c, _)| c == code)
            .map(|(_, treatment)| *treatment)
    }

    /// Reads a register marks string such as a CTF `AttendanceMarks` value: one code per
    /// session, where a letter followed by a digit is read as a two-character code when the
    /// set has one (C1, J1, Y1–Y7). Spaces and `-` mean no session was recorded.
    pub fn tally_marks(&self, marks: &str) -> (SessionCounts, Vec<RecordIssue>) {
        let mut codes = Vec::new();
        let mut chars = marks.char_indices().peekable();
        while let Some((start, c)) = chars.next() {
            if c == ' ' || c == '-' {
                continue;
            }
            let mut end = start + c.len_utf8();
            if let Some(&(_, next)) = chars.peek() {
                let two = marks.get(start..end + next.len_utf8());
                if next.is_ascii_digit() && two.is_some_and(|t| self.treatment(t).is_some()) {
                    end += next.len_utf8();
                    chars.next();
                }
            }
            codes.push(marks.get(start..end).unwrap_or(""));
        }
        self.tally(codes)
    }

    /// Counts sessions from one code per session. Unknown codes are reported with their
    /// position and not counted.
    pub fn tally<'a>(
        &self,
        codes: impl IntoIterator<Item = &'a str>,
    ) -> (SessionCounts, Vec<RecordIssue>) {
        let mut counts = SessionCounts::default();
        let mut issues = Vec::new();
        for (idx, code) in codes.into_iter().enumerate() {
            match self.treatment(code) {
                Some(treatment) => counts.add(treatment),
                None => issues.push(RecordIssue {
                    record_idx: idx,
                    error: MeasureError::UnknownAttendanceCode {
                        code: code.to_owned(),
                    },
                }),
            }
        }
        (counts, issues)
    }
}

/// A pupil's session counts for a period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionCounts {
    pub possible: u32,
    /// Present or in approved educational activity.
    pub attended: u32,
    pub authorised: u32,
    pub unauthorised: u32,
}

impl SessionCounts {
    /// Counts one session by its statistical treatment: present and approved educational
    /// activity are attendance, authorised and unauthorised are absence, and sessions not
    /// counted are not possible sessions (measures.md §6, `attendance_codes_2024.csv`).
    pub fn add(&mut self, treatment: Treatment) {
        match treatment {
            Treatment::Present | Treatment::ApprovedActivity => {
                self.possible += 1;
                self.attended += 1;
            }
            Treatment::Authorised => {
                self.possible += 1;
                self.authorised += 1;
            }
            Treatment::Unauthorised => {
                self.possible += 1;
                self.unauthorised += 1;
            }
            Treatment::NotCounted => {}
        }
    }

    /// One session's counts: what [`SessionCounts::add`] adds for `treatment`. A tally that
    /// sums sessions elsewhere (the store sums marks in SQL) takes each code's counts from
    /// here, so the mapping stays in `add`.
    pub fn of(treatment: Treatment) -> SessionCounts {
        let mut counts = SessionCounts::default();
        counts.add(treatment);
        counts
    }

    /// From a termly or annual summary (CTF `SessionsPossible`, `SessionsAuthorised`,
    /// `SessionsUnauthorised`); attended is the rest. `None` if absences exceed possible.
    pub fn from_summary(possible: u32, authorised: u32, unauthorised: u32) -> Option<Self> {
        let absent = authorised.checked_add(unauthorised)?;
        Some(SessionCounts {
            possible,
            attended: possible.checked_sub(absent)?,
            authorised,
            unauthorised,
        })
    }

    pub fn absent(&self) -> u32 {
        self.authorised + self.unauthorised
    }

    /// Sums two periods (terms of the same year).
    pub fn plus(self, other: SessionCounts) -> SessionCounts {
        SessionCounts {
            possible: self.possible + other.possible,
            attended: self.attended + other.attended,
            authorised: self.authorised + other.authorised,
            unauthorised: self.unauthorised + other.unauthorised,
        }
    }

    /// Overall absence rate (0–1), `None` with no possible sessions.
    pub fn absence_rate(&self) -> Option<f64> {
        (self.possible > 0).then(|| f64::from(self.absent()) / f64::from(self.possible))
    }

    /// Absent for at least 10 % of possible sessions (exact, in integers).
    pub fn is_persistently_absent(&self) -> bool {
        self.possible > 0 && u64::from(self.absent()) * 10 >= u64::from(self.possible)
    }

    /// Absent for at least 50 % of possible sessions.
    pub fn is_severely_absent(&self) -> bool {
        self.possible > 0 && u64::from(self.absent()) * 2 >= u64::from(self.possible)
    }
}

/// A pupil's attendance for the period being reported.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AttendancePupil {
    pub urn: Urn,
    pub context: PupilContext,
    pub sessions: SessionCounts,
}

/// A session rate with its interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RateFigure {
    /// Absence sessions over possible sessions (0–1).
    pub rate: f64,
    pub possible_sessions: u64,
    pub ci: Interval,
}

impl RateFigure {
    pub fn percent(&self) -> f64 {
        self.rate * 100.0
    }
}

impl crate::groups::PointEstimate for RateFigure {
    fn point(&self) -> f64 {
        self.rate
    }
    fn interval(&self) -> Interval {
        self.ci
    }
    /// Recovered from the (cluster-robust) interval.
    fn standard_error(&self, _n_pupils: u32) -> f64 {
        self.ci.half_width() / Z_95_DFE
    }
}

/// Sums for a ratio estimator with pupils as clusters.
#[derive(Debug, Clone, Copy, Default)]
struct RatioAcc {
    n: u32,
    a: f64,
    p: f64,
    aa: f64,
    pp: f64,
    ap: f64,
}

impl RatioAcc {
    fn add(&mut self, absent: u32, possible: u32) {
        let (a, p) = (f64::from(absent), f64::from(possible));
        self.n += 1;
        self.a += a;
        self.p += p;
        self.aa += a * a;
        self.pp += p * p;
        self.ap += a * p;
    }

    fn figure(&self) -> Option<RateFigure> {
        if self.n == 0 || self.p <= 0.0 {
            return None;
        }
        let rate = self.a / self.p;
        let n = f64::from(self.n);
        // Var(r) ≈ n/(n−1) · Σ(aᵢ − r·pᵢ)² / P² (Cochran, Sampling Techniques, §6.4).
        let residual_ss = (self.aa - 2.0 * rate * self.ap + rate * rate * self.pp).max(0.0);
        let se = if self.n > 1 {
            (n / (n - 1.0) * residual_ss).sqrt() / self.p
        } else {
            0.0
        };
        Some(RateFigure {
            rate,
            possible_sessions: self.p as u64,
            ci: Interval {
                lower: (rate - Z_95_DFE * se).max(0.0),
                upper: (rate + Z_95_DFE * se).min(1.0),
            },
        })
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct AttendanceAcc {
    overall: ByGroup<RatioAcc>,
    authorised: ByGroup<RatioAcc>,
    unauthorised: ByGroup<RatioAcc>,
    persistent: ByGroup<CountAcc>,
    severe: ByGroup<CountAcc>,
}

impl AttendanceAcc {
    fn add(&mut self, pupil: &AttendancePupil) {
        let s = pupil.sessions;
        if s.possible == 0 {
            return;
        }
        let mask = pupil.context.groups();
        self.overall.add(mask, |a| a.add(s.absent(), s.possible));
        self.authorised
            .add(mask, |a| a.add(s.authorised, s.possible));
        self.unauthorised
            .add(mask, |a| a.add(s.unauthorised, s.possible));
        self.persistent
            .add(mask, |a| a.add(s.is_persistently_absent()));
        self.severe.add(mask, |a| a.add(s.is_severely_absent()));
    }

    fn summary(&self, policy: SuppressionPolicy) -> AttendanceSummary {
        let rates = |accs: &ByGroup<RatioAcc>| {
            suppress_groups(policy, accs.0.map(|acc| (acc.n, acc.figure())))
        };
        let n_all = self.overall.0.first().map_or(0, |a| a.n);
        AttendanceSummary {
            n_pupils: policy.figure(n_all, n_all),
            overall_absence: rates(&self.overall),
            authorised_absence: rates(&self.authorised),
            unauthorised_absence: rates(&self.unauthorised),
            persistent_absence: proportion_figures(policy, &self.persistent, Z_95_DFE),
            severe_absence: proportion_figures(policy, &self.severe, Z_95_DFE),
        }
    }
}

/// Attendance figures for a school or a group of schools, by pupil group.
#[derive(Debug, Clone, Serialize)]
pub struct AttendanceSummary {
    /// Pupils with at least one possible session.
    pub n_pupils: Figure<u32>,
    pub overall_absence: GroupFigures<RateFigure>,
    pub authorised_absence: GroupFigures<RateFigure>,
    pub unauthorised_absence: GroupFigures<RateFigure>,
    /// Share of pupils absent for 10 % or more of their sessions.
    pub persistent_absence: GroupFigures<ProportionFigure>,
    /// Share of pupils absent for 50 % or more of their sessions.
    pub severe_absence: GroupFigures<ProportionFigure>,
}

/// Attendance figures treating every given pupil as one cohort.
pub fn summarise_attendance(
    policy: SuppressionPolicy,
    pupils: &[AttendancePupil],
) -> AttendanceSummary {
    let mut acc = AttendanceAcc::default();
    for pupil in pupils {
        acc.add(pupil);
    }
    acc.summary(policy)
}

/// Attendance figures for every school, sorted by URN.
pub fn summarise_attendance_by_school(
    policy: SuppressionPolicy,
    pupils: &[AttendancePupil],
) -> Vec<(Urn, AttendanceSummary)> {
    accumulate_by_school(pupils, |p| p.urn, AttendanceAcc::add)
        .into_iter()
        .map(|(urn, acc)| (urn, acc.summary(policy)))
        .collect()
}

/// Attendance figures for a group of schools, pooling their pupils.
pub fn summarise_attendance_pooled(
    policy: SuppressionPolicy,
    pupils: &[AttendancePupil],
    schools: &[Urn],
) -> AttendanceSummary {
    accumulate_pooled(pupils, schools, |p| p.urn, AttendanceAcc::add).summary(policy)
}

pub mod monthly;

#[cfg(test)]
mod tests;
