//! One entry point for every kind of file a data manager imports: [`parse_file`] reads a
//! file of a [`FileKind`] into the slice of a [`Partnership`] it holds, with the report of
//! every problem. The command line (`cairn import`) and the web upload page both call it, so
//! a file is checked the same way wherever it comes from.

use std::collections::{BTreeMap, HashMap, HashSet};

use cairn_domain::{
    AcademicYear, AttendanceSummary, Enrolment, FormerUpn, Group, Laestab, MtcResult, Partnership,
    School, SharingLevel, Urn,
};

use crate::assessments::SubjectCatalogue;
use crate::ctf::{self, CtfFile};
use crate::gias::{self, Establishment, EstablishmentStatus};
use crate::mis::{self, MisOptions};
use crate::{Parsed, RowError, RowWarning};

macro_rules! file_kinds {
    ($( $(#[$meta:meta])* $variant:ident = $code:literal, $label:literal; )+) => {
        /// What a file holds.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum FileKind {
            $( $(#[$meta])* $variant, )+
        }

        impl FileKind {
            pub const ALL: &'static [FileKind] = &[ $( FileKind::$variant, )+ ];

            /// The stable code used on the command line, in the import log and in URLs.
            pub fn code(self) -> &'static str {
                match self { $( FileKind::$variant => $code, )+ }
            }

            /// A label for pages.
            pub fn label(self) -> &'static str {
                match self { $( FileKind::$variant => $label, )+ }
            }

            pub fn parse(code: &str) -> Option<FileKind> {
                Self::ALL.iter().copied().find(|kind| kind.code() == code)
            }
        }
    };
}

file_kinds! {
    /// GIAS extracts: establishments (schools and their trusts), groups.csv, group_links.csv,
    /// and the establishment links file (predecessors and successors).
    Gias = "gias", "GIAS extract (schools and trusts)";
    /// MIS pupil lists (with enrolments and characteristics when the file has them).
    Pupils = "pupils", "Pupils";
    /// Census characteristics: FSM, SEN, EAL, disadvantaged.
    Characteristics = "characteristics", "Census characteristics";
    /// KS2 test results and writing teacher assessment.
    Ks2 = "ks2", "KS2 results";
    /// KS4 qualification results.
    Ks4 = "ks4", "KS4 results";
    /// Phonics screening check marks.
    Phonics = "phonics", "Phonics screening check";
    /// Multiplication tables check scores.
    Mtc = "mtc", "Multiplication tables check";
    /// EYFS profile: early learning goal judgements.
    Eyfs = "eyfs", "EYFS profile";
    /// Attendance register marks, one session per row.
    AttendanceMarks = "attendance-marks", "Attendance marks (sessions)";
    /// Attendance session counts per term or year.
    AttendanceSummaries = "attendance-summaries", "Attendance summaries";
    /// In-year teacher assessments and predicted grades.
    TeacherAssessments = "teacher-assessments", "Teacher assessments";
    /// Common Transfer Files (XML).
    Ctf = "ctf", "Common Transfer File (CTF)";
}

impl FileKind {
    /// The MIS export kind, for kinds read through a column mapping.
    pub fn mis_kind(self) -> Option<mis::ImportKind> {
        Some(match self {
            FileKind::Pupils => mis::ImportKind::Pupils,
            FileKind::Characteristics => mis::ImportKind::Characteristics,
            FileKind::Ks2 => mis::ImportKind::Ks2Results,
            FileKind::Ks4 => mis::ImportKind::Ks4Results,
            FileKind::Phonics => mis::ImportKind::Phonics,
            FileKind::Mtc => mis::ImportKind::Mtc,
            FileKind::Eyfs => mis::ImportKind::Eyfs,
            FileKind::AttendanceMarks => mis::ImportKind::AttendanceMarks,
            FileKind::AttendanceSummaries => mis::ImportKind::AttendanceSummaries,
            FileKind::TeacherAssessments => mis::ImportKind::TeacherAssessments,
            FileKind::Gias | FileKind::Ctf => return None,
        })
    }
}

/// Reads one file of `kind` into the records it holds, with every problem found. The
/// result has one record: the file's part of a partnership (its schools, pupils, results...).
pub fn parse_file(
    kind: FileKind,
    name: &str,
    bytes: &[u8],
    options: &MisOptions<'_>,
    catalogue: &SubjectCatalogue,
) -> Parsed<Partnership> {
    fn one<T>(parsed: Parsed<T>, build: impl FnOnce(Vec<T>) -> Partnership) -> Parsed<Partnership> {
        let Parsed {
            records,
            errors,
            warnings,
        } = parsed;
        Parsed {
            records: vec![build(records)],
            errors,
            warnings,
        }
    }
    match kind {
        FileKind::Gias => parse_gias(name, bytes),
        FileKind::Pupils => one(mis::parse_pupils(name, bytes, options), |records| {
            let mut out = Partnership::default();
            for r in records {
                out.former_upns.extend(r.former_upn.map(|former| FormerUpn {
                    upn: r.pupil.upn.clone(),
                    former,
                }));
                out.pupils.push(r.pupil);
                out.enrolments.extend(r.enrolment);
                out.characteristics.extend(r.characteristics);
            }
            out
        }),
        FileKind::Characteristics => one(
            mis::parse_characteristics(name, bytes, options),
            |characteristics| Partnership {
                characteristics,
                ..Partnership::default()
            },
        ),
        FileKind::Ks2 => one(
            mis::parse_ks2_results(name, bytes, options),
            |ks2_results| Partnership {
                ks2_results,
                ..Partnership::default()
            },
        ),
        FileKind::Ks4 => one(
            mis::parse_ks4_results(name, bytes, options, catalogue),
            |ks4_results| Partnership {
                ks4_results,
                ..Partnership::default()
            },
        ),
        FileKind::Phonics => one(
            mis::parse_phonics(name, bytes, options),
            |phonics_results| Partnership {
                phonics_results,
                ..Partnership::default()
            },
        ),
        FileKind::Mtc => one(mis::parse_mtc(name, bytes, options), |mtc_results| {
            Partnership {
                mtc_results,
                ..Partnership::default()
            }
        }),
        FileKind::Eyfs => one(mis::parse_eyfs(name, bytes, options), |eyfs_results| {
            Partnership {
                eyfs_results,
                ..Partnership::default()
            }
        }),
        FileKind::AttendanceMarks => one(
            mis::parse_attendance_marks(name, bytes, options),
            |attendance_marks| Partnership {
                attendance_marks,
                ..Partnership::default()
            },
        ),
        FileKind::AttendanceSummaries => one(
            mis::parse_attendance_summaries(name, bytes, options),
            |attendance_summaries| Partnership {
                attendance_summaries,
                ..Partnership::default()
            },
        ),
        FileKind::TeacherAssessments => one(
            mis::parse_teacher_assessments(name, bytes, options),
            |teacher_assessments| Partnership {
                teacher_assessments,
                ..Partnership::default()
            },
        ),
        FileKind::Ctf => one(
            place_ctf_sources(name, ctf::parse_ctf(name, bytes), options),
            |files| {
                let mut out = Partnership::default();
                for file in files {
                    ctf_partnership(file, &mut out);
                }
                out
            },
        ),
    }
}

/// Which GIAS file this is, told by its header: establishments name their establishment,
/// `group_links.csv` pairs a URN with a group UID, `groups.csv` has the UID alone, and the
/// establishment links file (`links_edubasealldata*.csv`) pairs a URN with a `LinkURN`.
fn parse_gias(name: &str, bytes: &[u8]) -> Parsed<Partnership> {
    let first_line: String = String::from_utf8_lossy(bytes.get(..4096).unwrap_or(bytes))
        .lines()
        .next()
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .flat_map(|c| c.to_lowercase())
        .collect();
    let has = |word: &str| first_line.contains(word);
    if has("linkurn") {
        let Parsed {
            records,
            errors,
            mut warnings,
        } = gias::parse_gias_links(name, bytes);
        let (successions, other) = gias::successions(&records);
        if other > 0 {
            warnings.push(RowWarning {
                file: name.to_owned(),
                line: 1,
                column: "LinkType".to_owned(),
                value: String::new(),
                message: format!(
                    "{other} links are neither a predecessor nor a successor (sixth-form centres, expansions, other) and were not imported"
                ),
            });
        }
        Parsed {
            records: vec![Partnership {
                successions,
                ..Partnership::default()
            }],
            errors,
            warnings,
        }
    } else if has("groupuid") && has("urn") {
        // Trust membership is the partnership's to share: GIAS links start at aggregates only.
        let parsed = gias::parse_gias_group_links(name, bytes);
        let Parsed {
            records,
            errors,
            warnings,
        } = parsed;
        let mut out = Partnership::default();
        for link in records {
            if let Some(kind) = link.group_type.kind() {
                out.groups.push(Group {
                    code: link.group_code(),
                    name: link.group_name.clone(),
                    kind,
                });
            }
            out.memberships
                .extend(link.membership(SharingLevel::Aggregate));
        }
        Parsed {
            records: vec![out],
            errors,
            warnings,
        }
    } else if has("groupuid") {
        let Parsed {
            records,
            errors,
            warnings,
        } = gias::parse_gias_groups(name, bytes);
        Parsed {
            records: vec![Partnership {
                groups: records.iter().filter_map(gias::GiasGroup::group).collect(),
                ..Partnership::default()
            }],
            errors,
            warnings,
        }
    } else {
        let Parsed {
            mut records,
            errors,
            mut warnings,
        } = gias::parse_gias_establishments(name, bytes);
        let superseded = drop_superseded(&mut records);
        if superseded > 0 {
            warnings.push(RowWarning {
                file: name.to_owned(),
                line: 1,
                column: String::new(),
                value: String::new(),
                message: format!(
                    "{superseded} establishments share a LAESTAB with the one open today (a closed predecessor, or a successor not yet open: an academy conversion keeps the number) and were not imported"
                ),
            });
        }
        let groups = gias::trusts_of(&records);
        Parsed {
            records: vec![Partnership {
                schools: records.into_iter().map(|e| e.school).collect(),
                groups,
                ..Partnership::default()
            }],
            errors,
            warnings,
        }
    }
}

/// Keeps one establishment per LAESTAB, which Cairn holds unique: the one open today, else
/// one proposed to open, else the one opened last. (Two open establishments with one LAESTAB
/// are an error the parser reports, naming both URNs.) Returns how many were dropped.
fn drop_superseded(establishments: &mut Vec<Establishment>) -> usize {
    let rank = |e: &Establishment| {
        let state = match e.status {
            s if s.is_open() => 2,
            EstablishmentStatus::ProposedToOpen => 1,
            _ => 0,
        };
        (state, e.opened_on)
    };
    let mut best: HashMap<Laestab, usize> = HashMap::new();
    for (i, e) in establishments.iter().enumerate() {
        let slot = best.entry(e.school.laestab).or_insert(i);
        if let Some(current) = establishments.get(*slot) {
            if rank(e) > rank(current) {
                *slot = i;
            }
        }
    }
    let keep: HashSet<usize> = best.into_values().collect();
    let before = establishments.len();
    let mut i = 0;
    establishments.retain(|_| {
        i += 1;
        keep.contains(&(i - 1))
    });
    before - establishments.len()
}

/// The register's schools by LAESTAB, for [`MisOptions::laestabs`].
pub fn schools_by_laestab(schools: &[School]) -> BTreeMap<Laestab, Urn> {
    schools.iter().map(|s| (s.laestab, s.urn)).collect()
}

/// A CTF whose source school gives no URN (older versions and some MIS write only `LEA` and
/// `Estab`) is placed at the register's school with that LAESTAB. The register keeps one
/// school per LAESTAB, the one open today (see [`drop_superseded`]), so a CTF written before
/// an academy conversion, which keeps the LAESTAB, lands at the academy, as a record naming
/// the predecessor's URN does. A LAESTAB no school in the register has is an error at its
/// line. Without a register (`options.laestabs` is `None`) the school stays unplaced and its
/// pupils get no enrolment.
fn place_ctf_sources(
    name: &str,
    mut parsed: Parsed<CtfFile>,
    options: &MisOptions<'_>,
) -> Parsed<CtfFile> {
    let Some(register) = options.laestabs else {
        return parsed;
    };
    for file in &mut parsed.records {
        let source = &mut file.header.source;
        let (None, Some(laestab)) = (source.urn, source.laestab) else {
            continue;
        };
        match register.get(&laestab) {
            Some(urn) => source.urn = Some(*urn),
            None => parsed.errors.push(RowError {
                file: name.to_owned(),
                line: source.line,
                column: "SourceSchool/LEA".to_owned(),
                value: format!("{}/{}", laestab.la_code(), laestab.establishment_number()),
                rule: "is not a school in the register: the CTF gives no URN, and no school has this LA and establishment number; import the GIAS extract that lists it first, or correct the CTF".to_owned(),
            }),
        }
    }
    parsed
}

/// What Cairn keeps from a CTF pupil: the pupil and any former UPNs, their enrolment at the source school in the
/// file's year (when the NC year is known), their attendance by year and MTC result.
fn ctf_partnership(file: CtfFile, out: &mut Partnership) {
    let source = file.header.source.urn;
    let year = file.header.academic_year;
    for p in file.pupils {
        let upn = p.pupil.upn.clone();
        out.former_upns
            .extend(p.former_upns.iter().map(|former| FormerUpn {
                upn: upn.clone(),
                former: former.clone(),
            }));
        if let (Some(urn), Some(academic_year), Some(nc_year)) = (source, year, p.nc_year) {
            // The pupil's spell at the source school, which a history may name by its
            // LAESTAB alone.
            let at_source = |s: &ctf::CtfSchool| match s.urn {
                Some(u) => u == urn,
                None => s.laestab.is_some() && s.laestab == file.header.source.laestab,
            };
            let spell = p
                .school_history
                .iter()
                .find(|s| at_source(&s.school) && s.entry_date.is_some());
            out.enrolments.push(Enrolment {
                upn: upn.clone(),
                urn,
                academic_year,
                nc_year,
                started_on: spell
                    .and_then(|s| s.entry_date)
                    .unwrap_or_else(|| academic_year.first_day()),
                left_on: spell.and_then(|s| s.leaving_date),
            });
        }
        for a in &p.attendance {
            out.attendance_summaries.push(AttendanceSummary {
                upn: upn.clone(),
                academic_year: a.academic_year,
                term: None,
                sessions_possible: a.sessions_possible,
                sessions_attended: a.sessions_attended,
                sessions_authorised: a.sessions_authorised,
                sessions_unauthorised: a.sessions_unauthorised,
            });
        }
        for a in &p.assessments {
            // The MTC is taken in June: the result date places it, else the file's year.
            let academic_year = a.result_date.map(AcademicYear::containing).or(year);
            if let (Some(outcome), Some(academic_year)) = (a.mtc_outcome(), academic_year) {
                out.mtc_results.push(MtcResult {
                    upn: upn.clone(),
                    academic_year,
                    outcome,
                });
            }
        }
        out.pupils.push(p.pupil);
    }
}

#[cfg(test)]
mod tests;
