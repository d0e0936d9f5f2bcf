//! Records: the validated rows Cairn keeps. Parsers and generators produce them; the store
//! persists them. Fields are public because every field is already a validated type.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{
    AcademicYear, AttendanceMark, AttendanceSummary, EyfsResult, GroupKind, Ks2Result,
    Ks4ResultRow, Laestab, MtcResult, NcYear, Phase, PhonicsResult, SchoolType, SenProvision, Sex,
    SharingLevel, TeacherAssessment, Term, Upn, Urn,
};

/// An establishment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct School {
    pub urn: Urn,
    pub laestab: Laestab,
    pub name: String,
    pub phase: Phase,
    pub school_type: SchoolType,
    /// GIAS religious character, e.g. "Church of England"; `None` for no religious character.
    pub religious_character: Option<String>,
    pub age_low: u8,
    pub age_high: u8,
}

/// A trust, cluster, LA partnership or alliance. `code` is a short stable slug.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub code: String,
    pub name: String,
    pub kind: GroupKind,
}

/// A school's dated membership of a group and what it shares with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    pub group_code: String,
    pub urn: Urn,
    pub joined_on: NaiveDate,
    /// `None` while the school is still a member.
    pub left_on: Option<NaiveDate>,
    pub sharing: SharingLevel,
}

impl Membership {
    pub fn is_active_on(&self, date: NaiveDate) -> bool {
        self.joined_on <= date && self.left_on.is_none_or(|left| date < left)
    }
}

/// One establishment replacing another under a new URN, from the GIAS links file: an academy
/// conversion (the maintained school closes, the academy opens with a new URN and the same
/// LAESTAB), a merger or an amalgamation. Records naming the predecessor's URN belong to the
/// successor, which is the school Cairn keeps for that LAESTAB.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Succession {
    pub predecessor: Urn,
    pub successor: Urn,
    /// GIAS `LinkType` as written on the predecessor's row, e.g. `Successor - merged`.
    pub link_type: String,
    /// GIAS `LinkEstablishedDate`, when given.
    pub established_on: Option<NaiveDate>,
}

/// Where records naming a URN that is not in the register belong, found by following the
/// GIAS successions from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// One school in the register replaced it, through `chain` (the first succession starts
    /// at the URN, the last ends at `urn`).
    Successor {
        urn: Urn,
        name: String,
        chain: Vec<Succession>,
    },
    /// Several schools in the register replaced it (a school split in two): the records
    /// cannot be placed at one of them.
    Split(Vec<Urn>),
    /// No school in the register replaced it.
    Unknown,
}

/// A pupil, identified across schools by UPN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pupil {
    pub upn: Upn,
    pub forename: String,
    pub surname: String,
    pub date_of_birth: NaiveDate,
    pub sex: Sex,
}

/// A UPN a pupil had before `upn`: a temporary UPN replaced by a permanent one, or a UPN
/// issued in error and corrected. The DfE CTF carries it as `BasicDetails/FormerUPN`
/// (../shared/reference/measures.md section 8), so a pupil moving from a first school to a
/// middle school under a new UPN stays one pupil.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormerUpn {
    /// The pupil's current UPN.
    pub upn: Upn,
    /// The UPN they had before.
    pub former: Upn,
}

/// A pupil on roll at a school in one NC year: one row per pupil, school and academic year,
/// as in the school census. A pupil followed from first to middle to high school has one row
/// per year at each school.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolment {
    pub upn: Upn,
    pub urn: Urn,
    pub academic_year: AcademicYear,
    pub nc_year: NcYear,
    /// The first day on roll.
    pub started_on: NaiveDate,
    /// The last day on roll; `None` while still on roll.
    pub left_on: Option<NaiveDate>,
}

/// A pupil's characteristics as recorded in one census term.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Characteristics {
    pub upn: Upn,
    pub academic_year: AcademicYear,
    pub term: Term,
    /// Disadvantaged: FSM in the last six years (FSM6), looked after, or adopted from care.
    /// Source: DfE KS4 performance tables guidance, "disadvantaged pupils".
    pub disadvantaged: bool,
    pub fsm: bool,
    pub looked_after: bool,
    pub sen: SenProvision,
    /// The primary SEN need code (census `SENtype`, e.g. "SLCN"), when there is one.
    pub sen_need: Option<String>,
    pub eal: bool,
    /// Census ethnicity code (e.g. "WBRI").
    pub ethnicity: Option<String>,
}

/// A whole partnership's data, as produced by the demo generator or a bulk import.
/// Assessment and attendance records are optional: data written before they existed, and
/// imports of one kind, leave them empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Partnership {
    pub schools: Vec<School>,
    pub groups: Vec<Group>,
    pub memberships: Vec<Membership>,
    pub pupils: Vec<Pupil>,
    pub enrolments: Vec<Enrolment>,
    pub characteristics: Vec<Characteristics>,
    #[serde(default)]
    pub ks2_results: Vec<Ks2Result>,
    #[serde(default)]
    pub ks4_results: Vec<Ks4ResultRow>,
    #[serde(default)]
    pub phonics_results: Vec<PhonicsResult>,
    #[serde(default)]
    pub mtc_results: Vec<MtcResult>,
    #[serde(default)]
    pub eyfs_results: Vec<EyfsResult>,
    #[serde(default)]
    pub attendance_marks: Vec<AttendanceMark>,
    #[serde(default)]
    pub attendance_summaries: Vec<AttendanceSummary>,
    #[serde(default)]
    pub teacher_assessments: Vec<TeacherAssessment>,
    /// UPNs pupils had before their current one (a CTF's `FormerUPN`, an MIS "Former UPN"
    /// column): a record under either UPN is the same pupil.
    #[serde(default)]
    pub former_upns: Vec<FormerUpn>,
    /// Schools replaced by others under a new URN (the GIAS links file).
    #[serde(default)]
    pub successions: Vec<Succession>,
}

/// The URNs records are placed at: memberships, enrolments and KS4 results are the records
/// that name a school. The store checks these schools exist before writing, and
/// [`Partnership::placed_at`] and [`Partnership::move_school`] follow the same records.
pub fn urns_placed<'a>(
    memberships: &'a [Membership],
    enrolments: &'a [Enrolment],
    ks4_results: &'a [Ks4ResultRow],
) -> impl Iterator<Item = Urn> + 'a {
    memberships
        .iter()
        .map(|m| m.urn)
        .chain(enrolments.iter().map(|e| e.urn))
        .chain(ks4_results.iter().map(|r| r.urn))
}

impl Partnership {
    /// The schools this data's records are placed at (see [`urns_placed`]), which must be in
    /// the register before they can be written. The schools the data itself lists are not
    /// included.
    pub fn placed_at(&self) -> BTreeSet<Urn> {
        let listed: BTreeSet<Urn> = self.schools.iter().map(|s| s.urn).collect();
        urns_placed(&self.memberships, &self.enrolments, &self.ks4_results)
            .filter(|urn| !listed.contains(urn))
            .collect()
    }

    /// The UPNs listed here as pupils, current or former: records naming them need no pupil
    /// already stored.
    pub fn pupils_listed(&self) -> BTreeSet<&Upn> {
        self.pupils
            .iter()
            .map(|p| &p.upn)
            .chain(self.former_upns.iter().flat_map(|f| [&f.upn, &f.former]))
            .collect()
    }

    /// The UPNs this data's records (enrolments, characteristics, results, attendance) name
    /// that it does not list as a pupil ([`Partnership::pupils_listed`]): each must already be
    /// a pupil, under its current or a former UPN, before the records can be written.
    pub fn pupils_named(&self) -> BTreeSet<Upn> {
        let listed = self.pupils_listed();
        let upns = self
            .enrolments
            .iter()
            .map(|r| &r.upn)
            .chain(self.characteristics.iter().map(|r| &r.upn))
            .chain(self.ks2_results.iter().map(|r| &r.upn))
            .chain(self.ks4_results.iter().map(|r| &r.upn))
            .chain(self.phonics_results.iter().map(|r| &r.upn))
            .chain(self.mtc_results.iter().map(|r| &r.upn))
            .chain(self.eyfs_results.iter().map(|r| &r.upn))
            .chain(self.attendance_marks.iter().map(|r| &r.upn))
            .chain(self.attendance_summaries.iter().map(|r| &r.upn))
            .chain(self.teacher_assessments.iter().map(|r| &r.upn));
        // A pupil's records usually come together: a repeat of the last UPN is skipped
        // without a search of the set.
        let mut named: BTreeSet<&Upn> = BTreeSet::new();
        let mut last: Option<&Upn> = None;
        for upn in upns {
            if last != Some(upn) {
                named.insert(upn);
                last = Some(upn);
            }
        }
        named
            .into_iter()
            .filter(|upn| !listed.contains(upn))
            .cloned()
            .collect()
    }

    /// Places every record placed at `from` at `to` instead (a predecessor's records at its
    /// successor); returns how many records moved.
    pub fn move_school(&mut self, from: Urn, to: Urn) -> usize {
        let mut moved = 0;
        let urns = self
            .memberships
            .iter_mut()
            .map(|m| &mut m.urn)
            .chain(self.enrolments.iter_mut().map(|e| &mut e.urn))
            .chain(self.ks4_results.iter_mut().map(|r| &mut r.urn));
        for urn in urns.filter(|u| **u == from) {
            *urn = to;
            moved += 1;
        }
        moved
    }
}
