//! The DfE Common Transfer File (CTF): the XML a school's MIS writes when a pupil moves
//! school, and that the DfE and LAs send back with assessment results.
//!
//! Structure from `../shared/reference/measures.md` section 8 and the observed SIMS, DfE MTC
//! and GIAP files described in `../shared/reference/public-data/mtc-pupil-csv/README.md`:
//! a `CTfile` root with a `Header` and a `CTFpupilData` of `Pupil`s, element names
//! case-sensitive, no namespace. There is no public XSD in the project's reference folder, so the reader is
//! tolerant: every element Cairn does not know is skipped with a warning, and the sections it
//! knows but does not keep (addresses, phones, contacts: personal data Cairn has no use for)
//! are skipped silently. Malformed XML is rejected with its line number and no pupils.
//!
//! Versions: a new CTF version each September; MIS import the current and the previous one
//! (CTF 24 from September 2024, CTF 25 for 2025/26, CTF 26 expected for 2026/27). Older
//! versions have the same elements for what Cairn reads (SIMS CTF 19 files do), so they are
//! read with a warning. CTF 25 writes `Sex` where earlier versions wrote `Gender`; both are
//! read.

use std::collections::{HashMap, HashSet};

use cairn_domain::{AcademicYear, Laestab, NcYear, Pupil, SenProvision, Sex, Upn, Urn};

use chrono::NaiveDate;
use quick_xml::events::Event;

use crate::assessments::MtcOutcome;
use crate::cells;
use crate::decode::decode;
use crate::report::{Parsed, Problems};

#[cfg(test)]
mod tests;

/// The CTF versions Cairn checks against: the previous, current and next (measures.md §8).
pub const CTF_VERSIONS: std::ops::RangeInclusive<u16> = 24..=26;

/// Deeper nesting than this is not a CTF; refusing it keeps hostile files from exhausting
/// the stack.
const MAX_DEPTH: usize = 64;

/// A school named in a CTF header or history. `LEA` and `Estab` are separate elements; a
/// destination of `XXX`/`XXXX` or `MMM`/`MMMM` (unknown, or the lost pupils database) and
/// a URN of `XXXXXX` mean "not known" and give `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CtfSchool {
    pub laestab: Option<Laestab>,
    pub urn: Option<Urn>,
    pub name: Option<String>,
    /// The line of its `LEA` element (else of the element itself), to report it at.
    pub line: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CtfHeader {
    /// As written, e.g. `25.0`.
    pub version: String,
    pub date_time: Option<String>,
    /// `full` or `partial`.
    pub document_qualifier: Option<String>,
    pub supplier_id: Option<String>,
    pub source: CtfSchool,
    /// The source school's academic year (CTF writes the start year: 2019 for 2019/20).
    pub academic_year: Option<AcademicYear>,
    pub destination: CtfSchool,
}

/// One SEN provision episode; the open one (no end date) is the current status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SenEpisode {
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub provision: SenProvision,
}

/// A SEN need, e.g. `SLCN`, ranked 1 (primary) or 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SenNeed {
    pub rank: Option<u8>,
    pub need: String,
    pub start: Option<NaiveDate>,
}

/// A period of free school meals eligibility.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FsmEpisode {
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
}

/// Attendance for one academic year at one school (`Attendance/YearData`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CtfAttendanceYear {
    pub academic_year: AcademicYear,
    pub school: CtfSchool,
    pub sessions_possible: u32,
    pub sessions_attended: u32,
    pub sessions_authorised: u32,
    pub sessions_unauthorised: u32,
}

/// One stage assessment result, kept as the CTF codes it. Group results by these fields,
/// not by the enclosing `KeyStage/Stage`: SIMS files sometimes file results under a stage
/// that does not match them (mtc-pupil-csv README).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageAssessment {
    /// The enclosing `KeyStage/Stage`, e.g. `KS2`.
    pub stage: String,
    pub locale: Option<String>,
    pub year: Option<u16>,
    pub subject: String,
    pub method: String,
    pub component: String,
    pub result_status: Option<String>,
    pub result_qualifier: Option<String>,
    pub result: String,
    pub result_date: Option<NaiveDate>,
}

impl StageAssessment {
    /// The MTC outcome, for a result coded `MAT/TT/MTC` (DfE MTC service CTF output:
    /// Stage KS2, Subject MAT, Method TT, Component MTC; measures.md section 5).
    pub fn mtc_outcome(&self) -> Option<MtcOutcome> {
        (self.subject == "MAT" && self.method == "TT" && self.component == "MTC")
            .then(|| MtcOutcome::parse(&self.result).ok())
            .flatten()
    }
}

/// A school in the pupil's `SchoolHistory`, current school first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CtfSchoolSpell {
    pub school: CtfSchool,
    pub entry_date: Option<NaiveDate>,
    pub leaving_date: Option<NaiveDate>,
}

/// A pupil from a CTF with everything Cairn keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CtfPupil {
    /// The line of the `<Pupil>` element.
    pub line: u64,
    pub pupil: Pupil,
    /// UPNs the pupil had before (`BasicDetails/FormerUPN`), check letters validated.
    pub former_upns: Vec<Upn>,
    pub nc_year: Option<NcYear>,
    pub ethnicity: Option<String>,
    pub looked_after: Option<bool>,
    pub sen_history: Vec<SenEpisode>,
    pub sen_needs: Vec<SenNeed>,
    pub fsm_history: Vec<FsmEpisode>,
    pub attendance: Vec<CtfAttendanceYear>,
    pub assessments: Vec<StageAssessment>,
    pub school_history: Vec<CtfSchoolSpell>,
}

impl CtfPupil {
    /// The SEN provision in force on `date` (N when no episode covers it).
    pub fn sen_on(&self, date: NaiveDate) -> SenProvision {
        self.sen_history
            .iter()
            .filter(|e| e.start <= date && e.end.is_none_or(|end| date <= end))
            .max_by_key(|e| e.start)
            .map_or(SenProvision::None, |e| e.provision)
    }

    /// Whether the pupil was eligible for free school meals on `date`.
    pub fn fsm_on(&self, date: NaiveDate) -> bool {
        self.fsm_history
            .iter()
            .any(|e| e.start <= date && e.end.is_none_or(|end| date <= end))
    }
}

/// A whole CTF: its header and the pupils that had no errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CtfFile {
    pub header: CtfHeader,
    pub pupils: Vec<CtfPupil>,
}

/// A parsed element: name, first line, text, children.
#[derive(Debug, Default)]
struct Node {
    name: String,
    line: u64,
    text: String,
    children: Vec<Node>,
}

impl Node {
    fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    fn text_of(&self, name: &str) -> Option<&str> {
        self.child(name)
            .map(|c| c.text.trim())
            .filter(|t| !t.is_empty())
    }
}

/// Counts lines up to byte offsets, moving forward.
struct Lines<'a> {
    bytes: &'a [u8],
    at: usize,
    line: u64,
}

impl Lines<'_> {
    fn line_at(&mut self, offset: u64) -> u64 {
        let mut target = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        while self.bytes.get(target).is_some_and(u8::is_ascii_whitespace) {
            target += 1;
        }
        if target < self.at {
            self.at = 0;
            self.line = 1;
        }
        let n = self
            .bytes
            .get(self.at..target)
            .map_or(0, |s| s.iter().filter(|b| **b == b'\n').count());
        self.line += u64::try_from(n).unwrap_or(0);
        self.at = target;
        self.line
    }
}

/// Reads the XML into a tree, or reports where it is malformed.
fn read_tree(text: &str, p: &mut Problems) -> Option<Node> {
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().trim_text(true);
    let mut lines = Lines {
        bytes: text.as_bytes(),
        at: 0,
        line: 1,
    };
    let mut stack: Vec<Node> = Vec::new();
    let mut root: Option<Node> = None;
    loop {
        let before = reader.buffer_position();
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(err) => {
                let line = lines.line_at(reader.error_position());
                p.error(line, "", "", format!("is not well-formed XML: {err}"));
                return None;
            }
        };
        match event {
            Event::Start(start) | Event::Empty(start) if stack.len() >= MAX_DEPTH => {
                let line = lines.line_at(before);
                let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                p.error(
                    line,
                    &name,
                    "",
                    format!("is nested more than {MAX_DEPTH} elements deep; this is not a CTF"),
                );
                return None;
            }
            Event::Start(start) => {
                let line = lines.line_at(before);
                stack.push(Node {
                    name: String::from_utf8_lossy(start.local_name().as_ref()).into_owned(),
                    line,
                    ..Node::default()
                });
            }
            Event::Empty(start) => {
                let node = Node {
                    name: String::from_utf8_lossy(start.local_name().as_ref()).into_owned(),
                    line: lines.line_at(before),
                    ..Node::default()
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None if root.is_none() => root = Some(node),
                    None => {}
                }
            }
            Event::End(_) => {
                let Some(node) = stack.pop() else {
                    continue;
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => {
                        if root.is_some() {
                            p.error(
                                node.line,
                                &node.name,
                                "",
                                "is a second root element; a CTF has one CTfile",
                            );
                            return None;
                        }
                        root = Some(node);
                    }
                }
            }
            Event::Text(t) => {
                let line = lines.line_at(before);
                match t.unescape() {
                    Ok(s) => {
                        if let Some(node) = stack.last_mut() {
                            node.text.push_str(&s);
                        }
                    }
                    Err(err) => {
                        p.error(line, "", "", format!("is not well-formed XML: {err}"));
                        return None;
                    }
                }
            }
            Event::CData(c) => {
                if let Some(node) = stack.last_mut() {
                    node.text
                        .push_str(&String::from_utf8_lossy(&c.into_inner()));
                }
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    if let Some(open) = stack.last() {
        let line = lines
            .line_at(u64::try_from(text.trim_end().len().saturating_sub(1)).unwrap_or(u64::MAX));
        p.error(
            line,
            &open.name,
            "",
            format!(
                "is not well-formed XML: the file ends before <{}> (opened on line {}) is closed",
                open.name, open.line
            ),
        );
        return None;
    }
    if root.is_none() {
        p.error(1, "", "", "the file has no XML elements; expected a CTfile");
    }
    root
}

/// Elements a CTF may carry that Cairn deliberately does not keep. Skipped without warning.
const KNOWN_IGNORED: &[&str] = &[
    // Header.
    "DocumentName",
    "DataQualifier",
    "DataDescriptor",
    "SuppID",
    "SuppInfo",
    // Pupil: contact and personal details Cairn has no use for.
    "UniqueLearnerNumber",
    "UCI",
    "Address",
    "Phones",
    "Email",
    "Contacts",
    "NAWdetails",
    "Admissions",
    "BasicDetails",
];

/// Walks one element's children, warning about any not in `known` (nor in the ignore list).
fn warn_unknown(node: &Node, known: &[&str], p: &mut Problems) {
    for child in &node.children {
        if !known.contains(&child.name.as_str()) && !KNOWN_IGNORED.contains(&child.name.as_str()) {
            p.warn(
                child.line,
                &format!("{}/{}", node.name, child.name),
                "",
                "is not a CTF element Cairn knows; it was ignored",
            );
        }
    }
}

/// Reads a child's text with `parse`; a missing or empty child gives `Ok(None)`.
fn opt_child<T>(
    node: &Node,
    name: &str,
    p: &mut Problems,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Result<Option<T>, ()> {
    let Some(child) = node.child(name) else {
        return Ok(None);
    };
    let text = child.text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    parse(text)
        .map(Some)
        .map_err(|rule| p.error(child.line, &format!("{}/{name}", node.name), text, rule))
}

/// A required child: missing or empty is an error on the parent's line.
fn req_child<T>(
    node: &Node,
    name: &str,
    p: &mut Problems,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Option<T> {
    match opt_child(node, name, p, parse) {
        Ok(Some(v)) => Some(v),
        Ok(None) => {
            let line = node.child(name).map_or(node.line, |c| c.line);
            p.error(line, &format!("{}/{name}", node.name), "", "is required");
            None
        }
        Err(()) => None,
    }
}

fn iso_date(value: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d")
        .map_err(|_| "is not a CTF date: expected YYYY-MM-DD".to_owned())
}

fn count(value: &str) -> Result<u32, String> {
    cells::int_in(value, 0, 1000).map(|n| u32::try_from(n).unwrap_or(0))
}

/// A school from `LEA`, `Estab`, `URN` and `SchoolName` children. Placeholders (`XXX`,
/// `MMM`, `XXXXXX`) mean not known. Other bad values are errors when `strict`.
fn school_of(node: &Node, p: &mut Problems, strict: bool) -> CtfSchool {
    let placeholder = |s: &str| s.chars().all(|c| c == 'X' || c == 'M');
    let lea = node.text_of("LEA");
    let estab = node.text_of("Estab");
    let laestab = match (lea, estab) {
        (Some(lea), Some(estab)) if !placeholder(lea) && !placeholder(estab) => {
            let parsed = lea
                .parse::<u16>()
                .ok()
                .zip(estab.parse::<u16>().ok())
                .and_then(|(l, e)| Laestab::from_parts(l, e).ok());
            if parsed.is_none() && strict {
                let line = node.child("LEA").map_or(node.line, |c| c.line);
                p.error(
                    line,
                    &format!("{}/LEA", node.name),
                    &format!("{lea}/{estab}"),
                    "is not a 3-digit LA code and 4-digit establishment number",
                );
            }
            parsed
        }
        _ => None,
    };
    let urn = match node.text_of("URN") {
        Some(u) if !placeholder(u) => {
            let parsed = cells::urn(u);
            if let (Err(rule), true) = (&parsed, strict) {
                let line = node.child("URN").map_or(node.line, |c| c.line);
                p.error(line, &format!("{}/URN", node.name), u, rule.clone());
            }
            parsed.ok()
        }
        _ => None,
    };
    CtfSchool {
        laestab,
        urn,
        name: node.text_of("SchoolName").map(str::to_owned),
        line: node.child("LEA").map_or(node.line, |c| c.line),
    }
}

fn read_header(node: &Node, p: &mut Problems) -> Option<CtfHeader> {
    warn_unknown(
        node,
        &[
            "CTFversion",
            "DateTime",
            "DocumentQualifier",
            "SupplierID",
            "SourceSchool",
            "DestSchool",
        ],
        p,
    );
    let version = req_child(node, "CTFversion", p, |v| Ok(v.to_owned()))?;
    let line = node.child("CTFversion").map_or(node.line, |c| c.line);
    let major = version
        .split('.')
        .next()
        .and_then(|m| m.trim().parse::<u16>().ok());
    match major {
        None => {
            p.error(line, "Header/CTFversion", &version, "is not a CTF version number like 25.0");
            return None;
        }
        Some(m) if m < *CTF_VERSIONS.start() => p.warn(
            line,
            "Header/CTFversion",
            &version,
            format!("is older than the CTF versions Cairn checks ({} to {}); it was read with the same rules", CTF_VERSIONS.start(), CTF_VERSIONS.end()),
        ),
        Some(m) if m > *CTF_VERSIONS.end() => p.warn(
            line,
            "Header/CTFversion",
            &version,
            format!("is newer than the CTF versions Cairn checks ({} to {}); it was read with the same rules", CTF_VERSIONS.start(), CTF_VERSIONS.end()),
        ),
        Some(_) => {}
    }
    let source_node = node.child("SourceSchool");
    let source = source_node.map(|s| {
        warn_unknown(s, &["LEA", "Estab", "URN", "SchoolName", "AcademicYear"], p);
        school_of(s, p, true)
    });
    if source.is_none() {
        p.error(node.line, "Header/SourceSchool", "", "is required");
    }
    let academic_year = source_node
        .and_then(|s| {
            opt_child(s, "AcademicYear", p, |v| {
                v.parse::<u16>()
                    .ok()
                    .and_then(|y| AcademicYear::starting(y).ok())
                    .ok_or_else(|| {
                        "is not an academic year: CTF writes the year it starts in, e.g. 2025"
                            .to_owned()
                    })
            })
            .ok()
        })
        .flatten();
    let destination = node
        .child("DestSchool")
        .map(|d| {
            warn_unknown(d, &["LEA", "Estab", "URN", "SchoolName"], p);
            school_of(d, p, false)
        })
        .unwrap_or_default();
    Some(CtfHeader {
        version,
        date_time: node.text_of("DateTime").map(str::to_owned),
        document_qualifier: node.text_of("DocumentQualifier").map(str::to_owned),
        supplier_id: node.text_of("SupplierID").map(str::to_owned),
        source: source?,
        academic_year,
        destination,
    })
}

/// Parses a CTF. The single record is the file (header and pupils) when the XML is well
/// formed and has a readable header; pupils with any error are left out, and every error is
/// reported.
pub fn parse_ctf(file: &str, bytes: &[u8]) -> Parsed<CtfFile> {
    let mut p = Problems::new(file);
    let (text, _) = decode(bytes);
    let Some(root) = read_tree(&text, &mut p) else {
        return p.finish(Vec::new());
    };
    if root.name != "CTfile" {
        p.error(
            root.line,
            &root.name,
            "",
            "is not a Common Transfer File: the root element must be CTfile",
        );
        return p.finish(Vec::new());
    }
    warn_unknown(&root, &["Header", "CTFpupilData"], &mut p);
    let header = match root.child("Header") {
        Some(h) => read_header(h, &mut p),
        None => {
            p.error(root.line, "CTfile/Header", "", "is required");
            None
        }
    };
    let mut pupils = Vec::new();
    if let Some(data) = root.child("CTFpupilData") {
        warn_unknown(data, &["Pupil"], &mut p);
        for node in data.children_named("Pupil") {
            let n_before = p.n_errors();
            if let Some(pupil) = read_pupil(node, &mut p) {
                if p.n_errors() == n_before {
                    pupils.push(pupil);
                }
            }
        }
        // A UPN on two pupils is reported on each repeat, comparing the text as written so a
        // repeat is found even when the UPN is also invalid; all pupils involved are dropped.
        let mut first_line: HashMap<String, u64> = HashMap::new();
        let mut involved: HashSet<u64> = HashSet::new();
        for node in data.children_named("Pupil") {
            let Some(upn) = node.text_of("UPN") else {
                continue;
            };
            match first_line.get(&upn.to_ascii_uppercase()) {
                Some(&first) => {
                    let line = node.child("UPN").map_or(node.line, |c| c.line);
                    p.error(
                        line,
                        "Pupil/UPN",
                        upn,
                        format!("appears twice: pupils on lines {first} and {}", node.line),
                    );
                    involved.extend([first, node.line]);
                }
                None => {
                    first_line.insert(upn.to_ascii_uppercase(), node.line);
                }
            }
        }
        pupils.retain(|pupil| !involved.contains(&pupil.line));
    }
    let records = header
        .map(|header| CtfFile { header, pupils })
        .into_iter()
        .collect();
    p.finish(records)
}

fn read_pupil(node: &Node, p: &mut Problems) -> Option<CtfPupil> {
    warn_unknown(
        node,
        &[
            "UPN",
            "Surname",
            "Forename",
            "DOB",
            "Sex",
            "Gender",
            "LookedAfter",
            "FSMhistory",
            "SENhistory",
            "Attendance",
            "StageAssessments",
            "SchoolHistory",
        ],
        p,
    );
    let upn = req_child(node, "UPN", p, cells::upn);
    let surname = req_child(node, "Surname", p, |v| Ok(v.to_owned()));
    let forename = req_child(node, "Forename", p, |v| Ok(v.to_owned()));
    let dob = req_child(node, "DOB", p, iso_date);
    let sex_element = if node.child("Sex").is_some() {
        "Sex"
    } else {
        "Gender"
    };
    let sex: Option<Sex> = req_child(node, sex_element, p, cells::sex);
    let basic = node.child("BasicDetails");
    // `BasicDetails/FormerUPN` (measures.md section 8): a UPN the pupil had before, checked
    // like any UPN. The same UPN as the pupil's own says nothing and is skipped.
    let former_upns = basic.map_or_else(Vec::new, |b| {
        b.children_named("FormerUPN")
            .filter_map(|f| {
                let text = f.text.trim();
                if text.is_empty() {
                    return None;
                }
                match cells::upn(text) {
                    Ok(former) if upn.as_ref().is_some_and(|u| *u == former) => {
                        p.warn(
                            f.line,
                            "BasicDetails/FormerUPN",
                            text,
                            "is the pupil's own UPN; it was ignored",
                        );
                        None
                    }
                    Ok(former) => Some(former),
                    Err(rule) => {
                        p.error(f.line, "BasicDetails/FormerUPN", text, rule);
                        None
                    }
                }
            })
            .collect::<Vec<_>>()
    });
    let nc_year = basic.and_then(|b| {
        opt_child(b, "NCyearActual", p, cells::nc_year)
            .ok()
            .flatten()
    });
    let ethnicity = basic
        .and_then(|b| b.text_of("Ethnicity"))
        .map(str::to_owned);
    let looked_after = node.child("LookedAfter").and_then(|l| {
        opt_child(l, "InCare", p, |v| match v.to_ascii_lowercase().as_str() {
            "true" | "1" | "y" => Ok(true),
            "false" | "0" | "n" => Ok(false),
            _ => Err("is not true or false".to_owned()),
        })
        .ok()
        .flatten()
    });
    let sen_history = node.child("SENhistory").map_or_else(Vec::new, |h| {
        warn_unknown(h, &["SEN", "SENneeds"], p);
        h.children_named("SEN")
            .filter_map(|sen| {
                warn_unknown(sen, &["StartDate", "SENprovision", "EndDate"], p);
                let start = req_child(sen, "StartDate", p, iso_date);
                let provision = req_child(sen, "SENprovision", p, cells::sen);
                let end = opt_child(sen, "EndDate", p, iso_date).ok()?;
                Some(SenEpisode {
                    start: start?,
                    end,
                    provision: provision?,
                })
            })
            .collect()
    });
    let sen_needs = node
        .child("SENhistory")
        .and_then(|h| h.child("SENneeds"))
        .map_or_else(Vec::new, |needs| {
            needs
                .children_named("SENneed")
                .filter_map(|need| {
                    warn_unknown(need, &["NeedStartDate", "SENtypeRank", "SENtype"], p);
                    let kind = req_child(need, "SENtype", p, |v| Ok(v.to_ascii_uppercase()));
                    let rank = opt_child(need, "SENtypeRank", p, |v| {
                        cells::int_in(v, 1, 9).map(|n| u8::try_from(n).unwrap_or(0))
                    })
                    .ok()?;
                    let start = opt_child(need, "NeedStartDate", p, iso_date).ok()?;
                    Some(SenNeed {
                        rank,
                        need: kind?,
                        start,
                    })
                })
                .collect()
        });
    let fsm_history = node.child("FSMhistory").map_or_else(Vec::new, |h| {
        warn_unknown(h, &["FSMreviewDate", "FSMinstance"], p);
        h.children_named("FSMinstance")
            .filter_map(|fsm| {
                warn_unknown(
                    fsm,
                    &[
                        "FSMstartDate",
                        "FSMendDate",
                        "UKcountry",
                        "FSMEligibilityVerificationDate",
                        "FSMCategory",
                    ],
                    p,
                );
                let start = req_child(fsm, "FSMstartDate", p, iso_date);
                let end = opt_child(fsm, "FSMendDate", p, iso_date).ok()?;
                Some(FsmEpisode { start: start?, end })
            })
            .collect()
    });
    let attendance = node.child("Attendance").map_or_else(Vec::new, |a| {
        warn_unknown(a, &["YearData"], p);
        a.children_named("YearData")
            .filter_map(|y| read_year_data(y, p))
            .collect()
    });
    let assessments = node.child("StageAssessments").map_or_else(Vec::new, |s| {
        warn_unknown(s, &["KeyStage"], p);
        s.children_named("KeyStage")
            .flat_map(|ks| {
                warn_unknown(ks, &["Stage", "StageAssessment"], p);
                let stage = ks.text_of("Stage").unwrap_or_default().to_owned();
                ks.children_named("StageAssessment")
                    .filter_map(|sa| read_assessment(sa, &stage, p))
                    .collect::<Vec<_>>()
            })
            .collect()
    });
    let school_history = node.child("SchoolHistory").map_or_else(Vec::new, |h| {
        warn_unknown(h, &["School"], p);
        h.children_named("School")
            .filter_map(|s| {
                warn_unknown(
                    s,
                    &[
                        "LEA",
                        "Estab",
                        "URN",
                        "SchoolName",
                        "EntryDate",
                        "LeavingDate",
                        "LeavingReason",
                    ],
                    p,
                );
                let entry_date = opt_child(s, "EntryDate", p, iso_date).ok()?;
                let leaving_date = opt_child(s, "LeavingDate", p, iso_date).ok()?;
                Some(CtfSchoolSpell {
                    school: school_of(s, p, true),
                    entry_date,
                    leaving_date,
                })
            })
            .collect()
    });
    Some(CtfPupil {
        line: node.line,
        pupil: Pupil {
            upn: upn?,
            forename: forename?,
            surname: surname?,
            date_of_birth: dob?,
            sex: sex?,
        },
        former_upns,
        nc_year,
        ethnicity,
        looked_after,
        sen_history,
        sen_needs,
        fsm_history,
        attendance,
        assessments,
        school_history,
    })
}

fn read_year_data(y: &Node, p: &mut Problems) -> Option<CtfAttendanceYear> {
    warn_unknown(
        y,
        &[
            "Year",
            "LEA",
            "Estab",
            "URN",
            "SchoolName",
            "SessionsPossible",
            "SessionsAuthorised",
            "SessionsAttended",
            "SessionsUnauthorised",
            "AttendSessions",
        ],
        p,
    );
    let year = req_child(y, "Year", p, |v| {
        v.parse::<u16>()
            .ok()
            .and_then(|n| AcademicYear::starting(n).ok())
            .ok_or_else(|| {
                "is not an academic year: CTF writes the year it starts in, e.g. 2024".to_owned()
            })
    });
    let possible = req_child(y, "SessionsPossible", p, count);
    let attended = req_child(y, "SessionsAttended", p, count);
    let authorised = req_child(y, "SessionsAuthorised", p, count);
    let unauthorised = req_child(y, "SessionsUnauthorised", p, count);
    let school = school_of(y, p, true);
    let (possible, attended, authorised, unauthorised) =
        (possible?, attended?, authorised?, unauthorised?);
    if attended + authorised + unauthorised != possible {
        let line = y.child("SessionsPossible").map_or(y.line, |c| c.line);
        p.warn(
            line,
            "YearData/SessionsPossible",
            &possible.to_string(),
            format!("is not attended + authorised + unauthorised ({attended} + {authorised} + {unauthorised})"),
        );
    }
    Some(CtfAttendanceYear {
        academic_year: year?,
        school,
        sessions_possible: possible,
        sessions_attended: attended,
        sessions_authorised: authorised,
        sessions_unauthorised: unauthorised,
    })
}

fn read_assessment(sa: &Node, stage: &str, p: &mut Problems) -> Option<StageAssessment> {
    warn_unknown(
        sa,
        &[
            "Locale",
            "Year",
            "Subject",
            "Method",
            "Component",
            "ResultStatus",
            "ResultQualifier",
            "Result",
            "ResultDate",
        ],
        p,
    );
    let text = |p: &mut Problems, name: &str| req_child(sa, name, p, |v| Ok(v.to_owned()));
    let subject = text(p, "Subject");
    let method = text(p, "Method");
    let component = text(p, "Component");
    let result = text(p, "Result");
    let year = opt_child(sa, "Year", p, |v| {
        cells::int_in(v, 1990, 2100).map(|n| u16::try_from(n).unwrap_or(0))
    })
    .ok()?;
    let result_date = opt_child(sa, "ResultDate", p, iso_date).ok()?;
    let owned = |name: &str| sa.text_of(name).map(str::to_owned);
    Some(StageAssessment {
        stage: stage.to_owned(),
        locale: owned("Locale"),
        year,
        subject: subject?,
        method: method?,
        component: component?,
        result_status: owned("ResultStatus"),
        result_qualifier: owned("ResultQualifier"),
        result: result?,
        result_date,
    })
}
