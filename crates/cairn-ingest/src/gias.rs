//! GIAS (Get Information about Schools) extracts: establishments, groups (trusts), group links
//! (which school is in which trust, since when) and establishment links (predecessor and
//! successor URNs across an academy conversion).
//!
//! Column names are GIAS's own (`URN`, `LA (code)`, `EstablishmentNumber`,
//! `TypeOfEstablishment (name)`, `PhaseOfEducation (name)`, …), matched ignoring case, spaces
//! and punctuation. Real extracts to test against are in
//! `../shared/reference/public-data/` (sections 1, 4 and 5 of its README).

use std::collections::BTreeMap;

use cairn_domain::{
    Group, GroupKind, Laestab, Membership, Phase, School, SchoolType, SharingLevel, Succession, Urn,
};
use chrono::NaiveDate;

use crate::cells;
use crate::report::{Parsed, Problems};
use crate::table::{Row, Table, read_table};

#[cfg(test)]
mod tests;

/// An establishment's status on GIAS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EstablishmentStatus {
    Open,
    OpenProposedToClose,
    ProposedToOpen,
    Closed,
}

impl EstablishmentStatus {
    /// Open today: open, or open but proposed to close. A successor proposed to open may
    /// already hold its predecessor's LAESTAB.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Open | Self::OpenProposedToClose)
    }
}

impl EstablishmentStatus {
    fn parse(value: &str) -> Option<Self> {
        match crate::table::normalise_header(value).as_str() {
            "open" => Some(Self::Open),
            "openbutproposedtoclose" => Some(Self::OpenProposedToClose),
            "proposedtoopen" => Some(Self::ProposedToOpen),
            "closed" => Some(Self::Closed),
            _ => None,
        }
    }
}

/// The trust a school belongs to, as the establishment extract names it. Older extracts have
/// only the name; current ones add `Trusts (code)`, the GIAS group UID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustRef {
    pub uid: Option<u32>,
    pub name: String,
}

impl TrustRef {
    /// The Cairn group code: `gias-<uid>` when the UID is known (stable across renames and
    /// matching [`GiasGroup::code`]), otherwise a slug of the name.
    pub fn code(&self) -> String {
        match self.uid {
            Some(uid) => format!("gias-{uid}"),
            None => slug(&self.name),
        }
    }

    pub fn group(&self) -> Group {
        Group {
            code: self.code(),
            name: self.name.clone(),
            kind: GroupKind::Trust,
        }
    }
}

/// One row of a GIAS establishment extract that Cairn covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Establishment {
    pub school: School,
    pub status: EstablishmentStatus,
    pub opened_on: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
    pub trust: Option<TrustRef>,
}

/// How a GIAS `TypeOfEstablishment (name)` is treated. The list is GIAS's, as in
/// `../shared/reference/public-data/gias-links-2025/edubasealldata20250109-establishment-types.csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TypeRule {
    School(SchoolType, Option<Phase>),
    /// Independent, further and higher education, Welsh and overseas establishments and
    /// children's centres are outside a school partnership's accountability data.
    OutOfScope,
}

fn type_rule(name: &str) -> Option<TypeRule> {
    use Phase::{AlternativeProvision as Ap, Nursery, Special};
    use SchoolType as T;
    let rule = |t, p| Some(TypeRule::School(t, p));
    match crate::table::normalise_header(name).as_str() {
        "communityschool" => rule(T::Community, None),
        "localauthoritynurseryschool" => rule(T::Community, Some(Nursery)),
        "pupilreferralunit" => rule(T::Community, Some(Ap)),
        "foundationschool" => rule(T::Foundation, None),
        "voluntaryaidedschool" => rule(T::VoluntaryAided, None),
        "voluntarycontrolledschool" => rule(T::VoluntaryControlled, None),
        // Maintained special schools, community or foundation, are one group in Cairn.
        "communityspecialschool" | "foundationspecialschool" => {
            rule(T::CommunitySpecial, Some(Special))
        }
        "academyconverter" | "academy1619converter" => rule(T::AcademyConverter, None),
        "academyalternativeprovisionconverter" => rule(T::AcademyConverter, Some(Ap)),
        "academysponsorled" | "academy16to19sponsorled" | "academysecure16to19" => {
            rule(T::AcademySponsorLed, None)
        }
        "academyalternativeprovisionsponsorled" => rule(T::AcademySponsorLed, Some(Ap)),
        "academyspecialconverter" | "academyspecialsponsorled" => {
            rule(T::AcademySpecial, Some(Special))
        }
        "freeschools"
        | "freeschool"
        | "freeschools16to19"
        | "universitytechnicalcollege"
        | "studioschools" => rule(T::FreeSchool, None),
        "freeschoolsspecial" => rule(T::FreeSchool, Some(Special)),
        "freeschoolsalternativeprovision" => rule(T::FreeSchool, Some(Ap)),
        "nonmaintainedspecialschool" => rule(T::Other, Some(Special)),
        "citytechnologycollege"
        | "secureunits"
        | "servicechildrenseducation"
        | "specialpost16institution" => rule(T::Other, None),
        "otherindependentschool"
        | "otherindependentspecialschool"
        | "furthereducation"
        | "sixthformcentres"
        | "highereducationinstitutions"
        | "welshestablishment"
        | "offshoreschools"
        | "britishschoolsoverseas"
        | "miscellaneous"
        | "institutionfundedbyothergovernmentdepartment"
        | "onlineprovider"
        | "childrenscentre"
        | "childrenscentrelinkedsite" => Some(TypeRule::OutOfScope),
        _ => None,
    }
}

/// GIAS phase, refined: special and alternative provision come from the establishment type;
/// a primary-phase school whose statutory age range ends at 8 or 9 is a first school (the
/// lower tier of a three-tier area; infant schools end at 7, junior and primary at 11).
fn phase_for(phase_name: &str, type_phase: Option<Phase>, high_age: u8) -> Result<Phase, String> {
    if let Some(phase) = type_phase {
        return Ok(phase);
    }
    let phase = Phase::parse(phase_name).map_err(|_| {
        "is not a GIAS phase of education for this type of establishment".to_owned()
    })?;
    Ok(match phase {
        Phase::Primary if matches!(high_age, 8 | 9) => Phase::First,
        other => other,
    })
}

fn religious_character(value: &str) -> Option<String> {
    match crate::table::normalise_header(value).as_str() {
        "" | "doesnotapply" | "none" | "notapplicable" | "norecorded" | "notrecorded" => None,
        _ => Some(value.trim().to_owned()),
    }
}

/// A lower-case slug of letters and digits joined by `-`, for group codes made from names.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for word in name
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push('-');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    out
}

/// Counts skipped rows per reason so one warning per reason is given, not one per row.
#[derive(Debug, Default)]
struct Skipped(BTreeMap<String, (u64, usize)>);

impl Skipped {
    fn add(&mut self, line: u64, reason: String) {
        let entry = self.0.entry(reason).or_insert((line, 0));
        entry.1 += 1;
    }

    fn report(self, problems: &mut Problems) {
        for (reason, (line, n_rows)) in self.0 {
            let rows = if n_rows == 1 { "row" } else { "rows" };
            problems.warn(
                line,
                "",
                "",
                format!("{n_rows} {rows} skipped (first here): {reason}"),
            );
        }
    }
}

/// Parses a GIAS establishment extract (`edubasealldata*.csv` or a filtered download).
///
/// Closed establishments that GIAS no longer gives an age range or establishment number are
/// skipped with a warning (they predate the fields); an open one missing them is an error.
/// Out-of-scope establishment types (independent, FE, HE, Welsh, children's centres …) are
/// skipped with one warning per type.
pub fn parse_gias_establishments(file: &str, bytes: &[u8]) -> Parsed<Establishment> {
    let mut problems = Problems::new(file);
    let Some(table) = read_table(bytes, &mut problems) else {
        return problems.finish(Vec::new());
    };
    let Some([c_urn, c_la, c_estab, c_name, c_type, c_phase, c_low, c_high]) = table.require(
        [
            "URN",
            "LA (code)",
            "EstablishmentNumber",
            "EstablishmentName",
            "TypeOfEstablishment (name)",
            "PhaseOfEducation (name)",
            "StatutoryLowAge",
            "StatutoryHighAge",
        ],
        &mut problems,
    ) else {
        return problems.finish(Vec::new());
    };
    let c_status = table.find(&["EstablishmentStatus (name)"]);
    let c_religion = table.find(&["ReligiousCharacter (name)"]);
    let c_open = table.find(&["OpenDate"]);
    let c_close = table.find(&["CloseDate"]);
    let c_trust_uid = table.find(&["Trusts (code)"]);
    let c_trust_name = table.find(&["Trusts (name)"]);

    let mut records = Vec::new();
    let mut skipped = Skipped::default();
    let mut seen: BTreeMap<Urn, u64> = BTreeMap::new();
    // The open establishment holding each LAESTAB, and its line: a LAESTAB passes from a
    // closed predecessor to its successor on academy conversion (GIAS links file, e.g.
    // Awbridge Primary School, 115856 closed 30-11-2020 and 148213 opened 01-12-2020, both
    // 850/2006), but two open establishments never share one.
    let mut open_laestabs: BTreeMap<Laestab, (Urn, u64)> = BTreeMap::new();
    for row in &table.rows {
        let n_errors_before = problems.n_errors();
        let err = |problems: &mut Problems, col: usize, rule: String| {
            problems.error(row.line, table.header(col), row.get(col), rule);
        };
        let type_name = row.get(c_type);
        let (school_type, type_phase) = match type_rule(type_name) {
            Some(TypeRule::School(t, p)) => (t, p),
            Some(TypeRule::OutOfScope) => {
                skipped.add(
                    row.line,
                    format!("{type_name:?} is not a state-funded school"),
                );
                continue;
            }
            None => {
                err(
                    &mut problems,
                    c_type,
                    "is not a GIAS type of establishment".to_owned(),
                );
                continue;
            }
        };
        let status_text = row.opt(c_status);
        let status = if status_text.is_empty() {
            EstablishmentStatus::Open
        } else if let Some(status) = EstablishmentStatus::parse(status_text) {
            status
        } else {
            problems.error(
                row.line,
                table.header(c_status.unwrap_or(0)),
                status_text,
                "is not a GIAS establishment status",
            );
            EstablishmentStatus::Open
        };
        let missing_history =
            row.get(c_low).is_empty() || row.get(c_high).is_empty() || row.get(c_estab).is_empty();
        if status == EstablishmentStatus::Closed && missing_history {
            skipped.add(
                row.line,
                "closed establishment with no age range or establishment number on GIAS".to_owned(),
            );
            continue;
        }

        let urn = cells::urn(row.get(c_urn))
            .map_err(|r| err(&mut problems, c_urn, r))
            .ok();
        let laestab = laestab_from(&table, row, c_la, c_estab, &mut problems);
        let name = row.get(c_name).to_owned();
        if name.is_empty() {
            err(&mut problems, c_name, "is required".to_owned());
        }
        let age = |problems: &mut Problems, col: usize| {
            cells::int_in(row.get(col), 0, 25)
                .map(|n| u8::try_from(n).unwrap_or(0))
                .map_err(|r| {
                    err(
                        problems,
                        col,
                        if row.get(col).is_empty() {
                            "is required".to_owned()
                        } else {
                            r
                        },
                    )
                })
                .ok()
        };
        let age_low = age(&mut problems, c_low);
        let age_high = age(&mut problems, c_high);
        let phase = phase_for(row.get(c_phase), type_phase, age_high.unwrap_or(0))
            .map_err(|r| err(&mut problems, c_phase, r))
            .ok();
        let date_cell = |problems: &mut Problems, col: Option<usize>| match col {
            Some(col) => cells::gias_date(row.get(col))
                .map_err(|r| err(problems, col, r))
                .ok()
                .flatten(),
            None => None,
        };
        let opened_on = date_cell(&mut problems, c_open);
        let closed_on = date_cell(&mut problems, c_close);
        let trust_name = row.opt(c_trust_name);
        let trust_uid_text = row.opt(c_trust_uid);
        let trust_uid = if trust_uid_text.is_empty() {
            None
        } else {
            match trust_uid_text.parse::<u32>() {
                Ok(uid) => Some(uid),
                Err(_) => {
                    problems.error(
                        row.line,
                        table.header(c_trust_uid.unwrap_or(0)),
                        trust_uid_text,
                        "is not a GIAS group UID (a whole number)",
                    );
                    None
                }
            }
        };
        let trust = (!trust_name.is_empty()).then(|| TrustRef {
            uid: trust_uid,
            name: trust_name.to_owned(),
        });
        if let Some(urn) = urn {
            if let Some(first) = seen.insert(urn, row.line) {
                problems.error(
                    row.line,
                    table.header(c_urn),
                    row.get(c_urn),
                    format!("appears twice: lines {first} and {}", row.line),
                );
            }
        }
        if let (Some(urn), Some(laestab), true) = (urn, laestab, status.is_open()) {
            if let Some((other, line)) = open_laestabs.get(&laestab) {
                problems.error(
                    row.line,
                    table.header(c_estab),
                    row.get(c_estab),
                    format!(
                        "gives URN {urn} the LAESTAB {laestab} that open establishment URN {other} (line {line}) already has: two open schools cannot share a LAESTAB, so a CTF naming it could not be placed"
                    ),
                );
            } else {
                open_laestabs.insert(laestab, (urn, row.line));
            }
        }
        if problems.n_errors() > n_errors_before {
            continue;
        }
        let (Some(urn), Some(laestab), Some(phase), Some(age_low), Some(age_high)) =
            (urn, laestab, phase, age_low, age_high)
        else {
            continue;
        };
        records.push(Establishment {
            school: School {
                urn,
                laestab,
                name,
                phase,
                school_type,
                religious_character: religious_character(row.opt(c_religion)),
                age_low,
                age_high,
            },
            status,
            opened_on,
            closed_on,
            trust,
        });
    }
    skipped.report(&mut problems);
    problems.finish(records)
}

fn laestab_from(
    table: &Table,
    row: &Row,
    c_la: usize,
    c_estab: usize,
    problems: &mut Problems,
) -> Option<Laestab> {
    let la = row
        .get(c_la)
        .parse::<u16>()
        .ok()
        .filter(|n| (100..=999).contains(n));
    if la.is_none() {
        problems.error(
            row.line,
            table.header(c_la),
            row.get(c_la),
            "is not a 3-digit LA code",
        );
    }
    let estab = row.get(c_estab).parse::<u16>().ok().filter(|n| *n <= 9999);
    if row.get(c_estab).is_empty() {
        problems.error(row.line, table.header(c_estab), "", "is required");
    } else if estab.is_none() {
        problems.error(
            row.line,
            table.header(c_estab),
            row.get(c_estab),
            "is not a DfE establishment number (up to 4 digits)",
        );
    }
    Laestab::from_parts(la?, estab?).ok()
}

/// The trust groups named in an establishment extract, one per trust, sorted by code.
pub fn trusts_of(establishments: &[Establishment]) -> Vec<Group> {
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    for trust in establishments.iter().filter_map(|e| e.trust.as_ref()) {
        groups.entry(trust.code()).or_insert_with(|| trust.group());
    }
    groups.into_values().collect()
}

/// GIAS group types, from `Group Type` in `groups.csv` and `group_links.csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GiasGroupType {
    MultiAcademyTrust,
    SingleAcademyTrust,
    /// A foundation (trust) school's trust.
    Trust,
    UmbrellaTrust,
    Federation,
    SchoolSponsor,
    ChildrensCentresGroup,
    ChildrensCentresCollaboration,
}

impl GiasGroupType {
    fn parse(value: &str) -> Option<Self> {
        Some(match crate::table::normalise_header(value).as_str() {
            "multiacademytrust" => Self::MultiAcademyTrust,
            "singleacademytrust" => Self::SingleAcademyTrust,
            "trust" => Self::Trust,
            "umbrellatrust" => Self::UmbrellaTrust,
            "federation" => Self::Federation,
            "schoolsponsor" => Self::SchoolSponsor,
            "childrenscentresgroup" => Self::ChildrensCentresGroup,
            "childrenscentrescollaboration" => Self::ChildrensCentresCollaboration,
            _ => return None,
        })
    }

    /// The Cairn group kind, for the types that are partnerships of schools. A sponsor is not
    /// a group its schools belong to, and children's centres are not schools.
    pub fn kind(self) -> Option<GroupKind> {
        match self {
            Self::MultiAcademyTrust
            | Self::SingleAcademyTrust
            | Self::Trust
            | Self::UmbrellaTrust => Some(GroupKind::Trust),
            Self::Federation => Some(GroupKind::Cluster),
            Self::SchoolSponsor
            | Self::ChildrensCentresGroup
            | Self::ChildrensCentresCollaboration => None,
        }
    }

    fn is_childrens_centres(self) -> bool {
        matches!(
            self,
            Self::ChildrensCentresGroup | Self::ChildrensCentresCollaboration
        )
    }
}

/// A row of GIAS `groups.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GiasGroup {
    pub uid: u32,
    /// `TR01234` for trusts, `SP…` for sponsors; absent for some types.
    pub id: Option<String>,
    pub name: String,
    pub group_type: GiasGroupType,
    pub companies_house_number: Option<String>,
    pub open: bool,
    pub opened_on: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
}

impl GiasGroup {
    pub fn code(&self) -> String {
        format!("gias-{}", self.uid)
    }

    /// The Cairn group, when this type is a partnership of schools.
    pub fn group(&self) -> Option<Group> {
        self.group_type.kind().map(|kind| Group {
            code: self.code(),
            name: self.name.clone(),
            kind,
        })
    }
}

fn group_uid(table: &Table, row: &Row, col: usize, problems: &mut Problems) -> Option<u32> {
    let value = row.get(col);
    let uid = value.parse::<u32>().ok();
    if uid.is_none() {
        problems.error(
            row.line,
            table.header(col),
            value,
            "is not a GIAS group UID (a whole number)",
        );
    }
    uid
}

fn group_type(
    table: &Table,
    row: &Row,
    col: usize,
    problems: &mut Problems,
) -> Option<GiasGroupType> {
    let value = row.get(col);
    let group_type = GiasGroupType::parse(value);
    if group_type.is_none() {
        problems.error(
            row.line,
            table.header(col),
            value,
            "is not a GIAS group type",
        );
    }
    group_type
}

fn optional_text(value: &str) -> Option<String> {
    (!value.is_empty()).then(|| value.to_owned())
}

/// Parses GIAS `groups.csv` (all groups: trusts, federations, sponsors …).
pub fn parse_gias_groups(file: &str, bytes: &[u8]) -> Parsed<GiasGroup> {
    let mut problems = Problems::new(file);
    let Some(table) = read_table(bytes, &mut problems) else {
        return problems.finish(Vec::new());
    };
    let Some([c_uid, c_name, c_type]) =
        table.require(["Group UID", "Group Name", "Group Type"], &mut problems)
    else {
        return problems.finish(Vec::new());
    };
    let c_id = table.find(&["Group ID"]);
    let c_ch = table.find(&["Companies House Number"]);
    let c_status = table.find(&["Group Status"]);
    let c_open = table.find(&["Open date", "Incorporated on (open date)"]);
    let c_close = table.find(&["Closed Date"]);
    let mut records = Vec::new();
    for row in &table.rows {
        let n_errors_before = problems.n_errors();
        let uid = group_uid(&table, row, c_uid, &mut problems);
        let group_type = group_type(&table, row, c_type, &mut problems);
        let name = row.get(c_name);
        if name.is_empty() {
            problems.error(row.line, table.header(c_name), "", "is required");
        }
        let mut date_of = |col: Option<usize>| {
            col.and_then(|col| {
                cells::gias_date(row.get(col))
                    .map_err(|r| problems.error(row.line, table.header(col), row.get(col), r))
                    .ok()
                    .flatten()
            })
        };
        let opened_on = date_of(c_open);
        let closed_on = date_of(c_close);
        let status = row.opt(c_status);
        if problems.n_errors() > n_errors_before {
            continue;
        }
        let (Some(uid), Some(group_type)) = (uid, group_type) else {
            continue;
        };
        records.push(GiasGroup {
            uid,
            id: optional_text(row.opt(c_id)),
            name: name.to_owned(),
            group_type,
            companies_house_number: optional_text(row.opt(c_ch)),
            open: !status.eq_ignore_ascii_case("closed"),
            opened_on,
            closed_on,
        });
    }
    problems.finish(records)
}

/// A row of GIAS `group_links.csv`: a school in a group, since `joined_on`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupLink {
    pub urn: Urn,
    pub group_uid: u32,
    pub group_id: Option<String>,
    pub group_name: String,
    pub group_type: GiasGroupType,
    /// `None` when GIAS has no date (it writes `1900-01-01` for "not recorded").
    pub joined_on: Option<NaiveDate>,
}

impl GroupLink {
    pub fn group_code(&self) -> String {
        format!("gias-{}", self.group_uid)
    }

    /// The Cairn membership, for groups Cairn models and links with a joined date. Sharing is
    /// the partnership's decision, not GIAS's, so the caller gives it.
    pub fn membership(&self, sharing: SharingLevel) -> Option<Membership> {
        self.group_type.kind()?;
        Some(Membership {
            group_code: self.group_code(),
            urn: self.urn,
            joined_on: self.joined_on?,
            left_on: None,
            sharing,
        })
    }
}

/// Parses GIAS `group_links.csv`. Children's centre groups (whose members have 5-digit
/// children's centre URNs, not school URNs) are skipped with one warning.
pub fn parse_gias_group_links(file: &str, bytes: &[u8]) -> Parsed<GroupLink> {
    let mut problems = Problems::new(file);
    let Some(table) = read_table(bytes, &mut problems) else {
        return problems.finish(Vec::new());
    };
    let Some([c_urn, c_uid, c_name, c_type]) = table.require(
        ["URN", "Group UID", "Group Name", "Group Type"],
        &mut problems,
    ) else {
        return problems.finish(Vec::new());
    };
    let c_id = table.find(&["Group ID"]);
    let c_joined = table.find(&["Joined date"]);
    let mut records = Vec::new();
    let mut skipped = Skipped::default();
    let mut seen: BTreeMap<(Urn, u32), u64> = BTreeMap::new();
    for row in &table.rows {
        let n_errors_before = problems.n_errors();
        let Some(group_type) = group_type(&table, row, c_type, &mut problems) else {
            continue;
        };
        if group_type.is_childrens_centres() {
            skipped.add(
                row.line,
                "children's centre groups are not school partnerships".to_owned(),
            );
            continue;
        }
        let urn = cells::urn(row.get(c_urn))
            .map_err(|r| problems.error(row.line, table.header(c_urn), row.get(c_urn), r))
            .ok();
        let uid = group_uid(&table, row, c_uid, &mut problems);
        let joined_on = c_joined.and_then(|col| {
            cells::gias_date(row.get(col))
                .map_err(|r| problems.error(row.line, table.header(col), row.get(col), r))
                .ok()
                .flatten()
        });
        if let (Some(urn), Some(uid)) = (urn, uid) {
            if let Some(first) = seen.insert((urn, uid), row.line) {
                problems.error(
                    row.line,
                    table.header(c_urn),
                    row.get(c_urn),
                    format!(
                        "is linked to group {uid} twice: lines {first} and {}",
                        row.line
                    ),
                );
            }
        }
        if problems.n_errors() > n_errors_before {
            continue;
        }
        let (Some(urn), Some(group_uid)) = (urn, uid) else {
            continue;
        };
        records.push(GroupLink {
            urn,
            group_uid,
            group_id: optional_text(row.opt(c_id)),
            group_name: row.get(c_name).to_owned(),
            group_type,
            joined_on,
        });
    }
    skipped.report(&mut problems);
    problems.finish(records)
}

/// Which way an establishment link points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkDirection {
    /// `LinkURN` is an earlier establishment this one replaced (e.g. the maintained school
    /// before academy conversion).
    Predecessor,
    /// `LinkURN` replaced this establishment.
    Successor,
    /// Sixth-form centre links, amalgamations described otherwise, expansions.
    Other,
}

/// A row of the GIAS links file (`links_edubasealldata*.csv`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EstablishmentLink {
    pub urn: Urn,
    pub link_urn: Urn,
    pub link_name: String,
    pub direction: LinkDirection,
    /// The GIAS `LinkType` as written, e.g. `Predecessor - merged`.
    pub link_type: String,
    pub established_on: Option<NaiveDate>,
}

/// Parses the GIAS establishment links file.
pub fn parse_gias_links(file: &str, bytes: &[u8]) -> Parsed<EstablishmentLink> {
    let mut problems = Problems::new(file);
    let Some(table) = read_table(bytes, &mut problems) else {
        return problems.finish(Vec::new());
    };
    let Some([c_urn, c_link, c_type]) =
        table.require(["URN", "LinkURN", "LinkType"], &mut problems)
    else {
        return problems.finish(Vec::new());
    };
    let c_name = table.find(&["LinkName"]);
    let c_date = table.find(&["LinkEstablishedDate"]);
    let mut records = Vec::new();
    for row in &table.rows {
        let mut urn_at = |col: usize| {
            cells::urn(row.get(col))
                .map_err(|r| problems.error(row.line, table.header(col), row.get(col), r))
                .ok()
        };
        let urn = urn_at(c_urn);
        let link_urn = urn_at(c_link);
        let established_on = c_date.and_then(|col| {
            cells::gias_date(row.get(col))
                .map_err(|r| problems.error(row.line, table.header(col), row.get(col), r))
                .ok()
                .flatten()
        });
        let link_type = row.get(c_type);
        let lower = link_type.to_ascii_lowercase();
        let direction = if lower.starts_with("predecessor") {
            LinkDirection::Predecessor
        } else if lower.starts_with("successor") {
            LinkDirection::Successor
        } else {
            LinkDirection::Other
        };
        let (Some(urn), Some(link_urn)) = (urn, link_urn) else {
            continue;
        };
        records.push(EstablishmentLink {
            urn,
            link_urn,
            link_name: row.opt(c_name).to_owned(),
            direction,
            link_type: link_type.to_owned(),
            established_on,
        });
    }
    problems.finish(records)
}

/// The successions the links file records, one per predecessor and successor pair (GIAS lists
/// most pairs twice, once from each side), and how many links were neither a predecessor nor
/// a successor. The predecessor's row names the link type when both sides are present.
pub fn successions(links: &[EstablishmentLink]) -> (Vec<Succession>, usize) {
    let mut pairs: BTreeMap<(Urn, Urn), Succession> = BTreeMap::new();
    let mut other = 0;
    for link in links {
        let (predecessor, successor) = match link.direction {
            LinkDirection::Successor => (link.urn, link.link_urn),
            LinkDirection::Predecessor => (link.link_urn, link.urn),
            LinkDirection::Other => {
                other += 1;
                continue;
            }
        };
        let succession = Succession {
            predecessor,
            successor,
            link_type: link.link_type.clone(),
            established_on: link.established_on,
        };
        match pairs.entry((predecessor, successor)) {
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(succession);
            }
            std::collections::btree_map::Entry::Occupied(mut slot) => {
                if link.direction == LinkDirection::Successor {
                    slot.insert(succession);
                }
            }
        }
    }
    (pairs.into_values().collect(), other)
}
