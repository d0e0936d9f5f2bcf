//! Records naming a school that is not in the register: placed at the school that replaced
//! it, when the stored GIAS successions lead to exactly one (`cairn_store`'s `place_schools`),
//! and otherwise reported at the first line that names it. Records naming a pupil Cairn does
//! not have (`cairn_store`'s `unknown_pupils`) are reported the same way
//! ([`unknown_pupil_errors`]). The command line and the upload page both call these, so a
//! file is checked the same way wherever it comes from.

use std::collections::{BTreeMap, BTreeSet};

use cairn_domain::{Partnership, Placement, Upn, Urn};

use crate::decode::decode;
use crate::report::{Problems, RowError, RowWarning};
use crate::table::read_table;

/// Moves the records of `data` placed at a predecessor to its successor (each move a
/// warning), and returns an error for each URN that cannot be placed. Both name the first
/// line of `file` where the URN appears.
pub fn place_records(
    file: &str,
    bytes: &[u8],
    data: &mut Partnership,
    placements: &BTreeMap<Urn, Placement>,
) -> (Vec<RowError>, Vec<RowWarning>) {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    if placements.is_empty() {
        return (errors, warnings);
    }
    let mut places = first_places(bytes, placements.keys().map(Urn::to_string).collect());
    for (urn, placement) in placements {
        let value = urn.to_string();
        let (line, column) = places.remove(&value).unwrap_or((1, String::new()));
        match placement {
            Placement::Successor { urn: to, name, chain } => {
                let moved = data.move_school(*urn, *to);
                let steps: Vec<String> = chain
                    .iter()
                    .map(|s| {
                        let on = s
                            .established_on
                            .map(|d| format!(", {}", d.format("%-d %B %Y")))
                            .unwrap_or_default();
                        format!(
                            "URN {} replaced URN {} ({}{on})",
                            s.successor, s.predecessor, s.link_type
                        )
                    })
                    .collect();
                let records = if moved == 1 {
                    "its 1 record is".to_owned()
                } else {
                    format!("its {moved} records are")
                };
                warnings.push(RowWarning {
                    file: file.to_owned(),
                    line,
                    column,
                    value,
                    message: format!(
                        "is not a school in the register; GIAS records that {}, so {records} placed at URN {to}, {name}",
                        steps.join(", then ")
                    ),
                });
            }
            Placement::Split(successors) => errors.push(RowError {
                file: file.to_owned(),
                line,
                column,
                value,
                rule: format!(
                    "is not a school in the register, and GIAS records it was split into URNs {}; give each row the URN of the school the pupil went to",
                    successors
                        .iter()
                        .map(Urn::to_string)
                        .collect::<Vec<_>>()
                        .join(" and ")
                ),
            }),
            Placement::Unknown => errors.push(RowError {
                file: file.to_owned(),
                line,
                column,
                value,
                rule: "is not a school in the register; import the GIAS extract that lists it first (or the GIAS links file, if it closed and was replaced), or correct the URN".to_owned(),
            }),
        }
    }
    (errors, warnings)
}

/// An error for each UPN of `missing` (named by the file's records, but no pupil's current or
/// former UPN), at the first line of `file` where it appears.
pub fn unknown_pupil_errors(file: &str, bytes: &[u8], missing: &BTreeSet<Upn>) -> Vec<RowError> {
    if missing.is_empty() {
        return Vec::new();
    }
    let mut places = first_places(
        bytes,
        missing.iter().map(|u| u.as_str().to_owned()).collect(),
    );
    missing
        .iter()
        .map(|upn| {
            let value = upn.as_str().to_owned();
            let (line, column) = places.remove(&value).unwrap_or((1, String::new()));
            RowError {
                file: file.to_owned(),
                line,
                column,
                value,
                rule: "is not a pupil in Cairn (under this or a former UPN); import the pupils file or CTF that lists them first, or correct the UPN".to_owned(),
            }
        })
        .collect()
}

/// The first line and column (header or XML element) where each value (a URN, a UPN) appears
/// as a whole cell or element, ignoring case and surrounding spaces.
fn first_places(bytes: &[u8], mut wanted: Vec<String>) -> BTreeMap<String, (u64, String)> {
    let mut found = BTreeMap::new();
    let (text, _) = decode(bytes);
    if text.trim_start().starts_with('<') {
        for value in wanted {
            let needle = format!(">{value}<");
            if let Some(at) = text.find(&needle) {
                let before = &text[..at];
                let line = u64::try_from(before.matches('\n').count()).unwrap_or(u64::MAX) + 1;
                let element = before
                    .rfind('<')
                    .map(|open| {
                        before[open + 1..]
                            .split_whitespace()
                            .next()
                            .unwrap_or_default()
                    })
                    .unwrap_or_default();
                found.insert(value, (line, element.to_owned()));
            }
        }
        return found;
    }
    let mut problems = Problems::new("");
    let Some(table) = read_table(bytes, &mut problems) else {
        return found;
    };
    for row in &table.rows {
        if wanted.is_empty() {
            break;
        }
        wanted.retain(
            |value| match row.cells().position(|f| f.eq_ignore_ascii_case(value)) {
                Some(col) => {
                    found.insert(value.clone(), (row.line, table.header(col).to_owned()));
                    false
                }
                None => true,
            },
        );
    }
    found
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on purpose"
)]
mod tests {
    use cairn_domain::{Ks4ResultRow, Succession};

    use super::*;

    fn urn(n: u32) -> Urn {
        Urn::from_u32(n).expect("a valid URN")
    }

    #[test]
    fn a_predecessors_rows_move_to_its_successor_and_an_unknown_school_is_an_error_at_its_line() {
        let csv = "upn,urn,subject,grade\nA123456789012,148213,Mathematics,5\nA123456789012,115856,English language,5\nA123456789012,100001,History,4\n";
        let parsed = crate::files::parse_file(
            crate::files::FileKind::Ks4,
            "r.csv",
            csv.as_bytes(),
            &crate::mis::MisOptions {
                laestabs: None,
                mapping: None,
                progress: None,
                context: crate::mis::ImportContext {
                    urn: None,
                    academic_year: cairn_domain::AcademicYear::parse("2023/24").ok(),
                    term: None,
                },
            },
            &crate::assessments::SubjectCatalogue::standard(),
        );
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let mut data = parsed.records.into_iter().next().expect("one partnership");
        let placements = BTreeMap::from([
            (
                urn(115_856),
                Placement::Successor {
                    urn: urn(148_213),
                    name: "Awbridge Primary School".to_owned(),
                    chain: vec![Succession {
                        predecessor: urn(115_856),
                        successor: urn(148_213),
                        link_type: "Successor".to_owned(),
                        established_on: chrono::NaiveDate::from_ymd_opt(2020, 10, 31),
                    }],
                },
            ),
            (urn(100_001), Placement::Unknown),
        ]);
        let (errors, warnings) = place_records("r.csv", csv.as_bytes(), &mut data, &placements);
        let urns: Vec<u32> = data
            .ks4_results
            .iter()
            .map(|r: &Ks4ResultRow| r.urn.get())
            .collect();
        assert_eq!(urns, vec![148_213, 148_213, 100_001]);
        assert_eq!(
            warnings.iter().map(ToString::to_string).collect::<Vec<_>>(),
            vec![
                "r.csv line 3, column urn: \"115856\" is not a school in the register; GIAS records that URN 148213 replaced URN 115856 (Successor, 31 October 2020), so its 1 record is placed at URN 148213, Awbridge Primary School"
            ]
        );
        assert_eq!(
            errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
            vec![
                "r.csv line 4, column urn: \"100001\" is not a school in the register; import the GIAS extract that lists it first (or the GIAS links file, if it closed and was replaced), or correct the URN"
            ]
        );
    }

    #[test]
    fn an_unknown_pupil_is_an_error_at_the_first_line_naming_them_in_any_case() {
        let known = Upn::parse("A123456789012").unwrap();
        let unknown = Upn::parse("H801200001001").unwrap();
        let csv = format!(
            "URN,Subject,UPN,Grade\n136000,History,{known},5\n136000,History, {} ,4\n136000,Art,{unknown},4\n",
            unknown.as_str().to_ascii_lowercase()
        );
        let errors = unknown_pupil_errors("r.csv", csv.as_bytes(), &BTreeSet::from([unknown]));
        assert_eq!(
            errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
            vec![
                "r.csv line 3, column UPN: \"H801200001001\" is not a pupil in Cairn (under this or a former UPN); import the pupils file or CTF that lists them first, or correct the UPN"
            ]
        );
    }

    #[test]
    fn a_school_in_a_ctf_is_found_at_its_element() {
        let xml = "<?xml version=\"1.0\"?>\n<CTfile>\n  <Header>\n    <SourceSchool>\n      <URN>115856</URN>\n";
        let places = first_places(
            xml.as_bytes(),
            vec!["115856".to_owned(), "100001".to_owned()],
        );
        assert_eq!(places.get("115856"), Some(&(5, "URN".to_owned())));
        assert_eq!(places.get("100001"), None);
    }
}
