//! Which column of an MIS export holds which field: header presets for the column names that
//! SIMS, Arbor, Bromcom and the DfE census extract use, plus a user mapping file for anything
//! else.
//!
//! A mapping file is TOML, one canonical field name to one column header:
//!
//! ```toml
//! [columns]
//! upn = "Pupil UPN"
//! grade = "Final Result"
//! ```

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use toml::Spanned;

use crate::report::IngestError;
use crate::table::normalise_header;

/// A canonical field and the column headers that name it in common exports, in order of
/// preference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    /// The canonical name, used in mapping files and `--show-mapping` output.
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub required: bool,
}

/// Field specs are written `field!(name, required, [aliases…])`.
macro_rules! field {
    ($name:literal, $required:expr, [$($alias:literal),* $(,)?]) => {
        FieldSpec { name: $name, aliases: &[$($alias),*], required: $required }
    };
}
pub(crate) use field;

/// A user's mapping file: canonical field name to the header used in their export, with
/// where each entry is written so a bad one is reported at its line and column.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserMapping {
    columns: BTreeMap<String, String>,
    /// `file line L, column C` of each entry's field name, when read from a file.
    places: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    #[serde(default)]
    columns: BTreeMap<Spanned<String>, String>,
}

/// The 1-based line and column (in characters) of byte `offset` in `text`.
fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset.min(text.len())).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

impl UserMapping {
    /// Parses a mapping file. Field names are checked when the mapping is applied to an import
    /// kind, since each kind has its own fields. A file that is not valid TOML, or has a
    /// section other than `[columns]`, is an error at its line and column.
    pub fn parse(file: &str, text: &str) -> Result<Self, IngestError> {
        let parsed: MappingFile = toml::from_str(text).map_err(|e| {
            let (line, column) = e
                .span()
                .map_or((1, 1), |span| line_and_column(text, span.start));
            IngestError::Mapping {
                file: file.to_owned(),
                line,
                column,
                message: e.message().trim_end().to_owned(),
            }
        })?;
        let mut mapping = UserMapping::default();
        for (field, header) in parsed.columns {
            let (line, column) = line_and_column(text, field.span().start);
            let field = field.into_inner();
            mapping.places.insert(
                field.clone(),
                format!("{file} line {line}, column {column}"),
            );
            mapping.columns.insert(field, header);
        }
        Ok(mapping)
    }

    /// Builds a mapping in code: `(canonical field, column header)` pairs.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        UserMapping {
            columns: pairs
                .into_iter()
                .map(|(f, c)| (f.to_owned(), c.to_owned()))
                .collect(),
            places: BTreeMap::new(),
        }
    }

    /// "the mapping file (at line L, column C)": the start of a message about `field`'s entry.
    fn says(&self, field: &str) -> String {
        match self.places.get(field) {
            Some(place) => format!("the mapping file {place} says"),
            None => "the mapping file says".to_owned(),
        }
    }
}

/// How a field found its column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchedBy {
    /// A built-in header preset.
    Preset,
    /// The user's mapping file.
    UserMapping,
}

/// One field and the column it will be read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldMatch {
    pub field: &'static str,
    pub column: usize,
    pub header: String,
    pub matched_by: MatchedBy,
}

/// The mapping an import would use: shown to the user by `cairn import --show-mapping` and
/// used by the parsers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnMapping {
    pub matches: Vec<FieldMatch>,
    /// Required fields with no column (and no default from the import context).
    pub missing_required: Vec<&'static str>,
    /// Optional fields with no column.
    pub missing_optional: Vec<&'static str>,
    /// Headers no field uses.
    pub unused_headers: Vec<String>,
    /// Mapping-file entries that name no field of this kind, or a header not in the file.
    pub bad_user_entries: Vec<String>,
}

impl ColumnMapping {
    pub fn column(&self, field: &str) -> Option<usize> {
        self.matches
            .iter()
            .find(|m| m.field == field)
            .map(|m| m.column)
    }

    pub fn header(&self, field: &str) -> Option<&str> {
        self.matches
            .iter()
            .find(|m| m.field == field)
            .map(|m| m.header.as_str())
    }

    pub fn is_complete(&self) -> bool {
        self.missing_required.is_empty() && self.bad_user_entries.is_empty()
    }
}

impl fmt::Display for ColumnMapping {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for m in &self.matches {
            let by = match m.matched_by {
                MatchedBy::Preset => "preset",
                MatchedBy::UserMapping => "mapping file",
            };
            writeln!(f, "{:<24} <- {:?} ({by})", m.field, m.header)?;
        }
        if !self.missing_required.is_empty() {
            writeln!(f, "missing required: {}", self.missing_required.join(", "))?;
        }
        if !self.missing_optional.is_empty() {
            writeln!(
                f,
                "not found (optional): {}",
                self.missing_optional.join(", ")
            )?;
        }
        if !self.unused_headers.is_empty() {
            writeln!(f, "unused columns: {}", self.unused_headers.join(", "))?;
        }
        for entry in &self.bad_user_entries {
            writeln!(f, "{entry}")?;
        }
        Ok(())
    }
}

/// Matches fields to headers: the user's mapping first, then each field's canonical name and
/// aliases in order. A column is used by at most one field. `defaulted` names fields that
/// the import context supplies when no column has them, so they are not reported missing.
pub(crate) fn resolve_mapping(
    specs: &[FieldSpec],
    headers: &[String],
    user: Option<&UserMapping>,
    defaulted: &[&str],
) -> ColumnMapping {
    let normalised: Vec<String> = headers.iter().map(|h| normalise_header(h)).collect();
    let mut used = vec![false; headers.len()];
    let mut mapping = ColumnMapping::default();
    if let Some(user) = user {
        for (field, header) in &user.columns {
            let Some(spec) = specs.iter().find(|s| s.name == field.as_str()) else {
                let names: Vec<&str> = specs.iter().map(|s| s.name).collect();
                mapping.bad_user_entries.push(format!(
                    "{} {field:?} is not a field of this import; expected one of: {}",
                    user.says(field),
                    names.join(", ")
                ));
                continue;
            };
            let wanted = normalise_header(header);
            let found = normalised
                .iter()
                .zip(used.iter())
                .position(|(h, u)| *h == wanted && !u);
            match found {
                Some(idx) => {
                    if let Some(u) = used.get_mut(idx) {
                        *u = true;
                    }
                    mapping.matches.push(FieldMatch {
                        field: spec.name,
                        column: idx,
                        header: headers.get(idx).cloned().unwrap_or_default(),
                        matched_by: MatchedBy::UserMapping,
                    });
                }
                None => mapping.bad_user_entries.push(format!(
                    "{} {field} = {header:?}, but the file has no column {header:?}",
                    user.says(field)
                )),
            }
        }
    }
    for spec in specs {
        if mapping.matches.iter().any(|m| m.field == spec.name) {
            continue;
        }
        let candidates = std::iter::once(spec.name).chain(spec.aliases.iter().copied());
        let found = candidates.map(normalise_header).find_map(|wanted| {
            normalised
                .iter()
                .zip(used.iter())
                .position(|(h, u)| *h == wanted && !u)
        });
        match found {
            Some(idx) => {
                if let Some(u) = used.get_mut(idx) {
                    *u = true;
                }
                mapping.matches.push(FieldMatch {
                    field: spec.name,
                    column: idx,
                    header: headers.get(idx).cloned().unwrap_or_default(),
                    matched_by: MatchedBy::Preset,
                });
            }
            None if spec.required && !defaulted.contains(&spec.name) => {
                mapping.missing_required.push(spec.name);
            }
            None => mapping.missing_optional.push(spec.name),
        }
    }
    mapping.unused_headers = headers
        .iter()
        .zip(used.iter())
        .filter(|(h, u)| !**u && !h.is_empty())
        .map(|(h, _)| h.clone())
        .collect();
    // Show fields in the order the kind lists them.
    mapping
        .matches
        .sort_by_key(|m| specs.iter().position(|s| s.name == m.field));
    mapping
}
