//! Imports for data managers: upload one school's MIS export or Common Transfer File, see
//! every problem in it or what it changed, and the school's import log.
//!
//! The file goes through the same parser as `cairn import` ([`cairn_ingest::files`]), then
//! into one transaction; any problem means nothing is written. After a real (not dry-run)
//! import the measures are recomputed, so the pages show the new data at once.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use cairn_domain::{AcademicYear, Partnership, Placement, Term, Urn};
use cairn_ingest::assessments::SubjectCatalogue;
use cairn_ingest::files::{FileKind, parse_file, schools_by_laestab};
use cairn_ingest::mis::{self, ColumnMapping, ImportContext, MatchedBy, MisOptions, UserMapping};
use cairn_ingest::places::{place_records, unknown_pupil_errors};
use cairn_ingest::{IngestError, RowError, RowWarning};
use cairn_measures::SuppressionPolicy;
use cairn_store::{ImportFile, ImportKind, SchoolImport};
use sha2::{Digest, Sha256};

use crate::auth::Viewer;
use crate::pages::{Nav, count, render};
use crate::{AppState, WebError};

/// Problems listed on the page; the rest are counted.
const MAX_LISTED: usize = 200;
/// The largest upload accepted (an MIS export of a large school's marks runs to tens of MB).
pub(crate) const MAX_UPLOAD_BYTES: usize = 64 * 1024 * 1024;

/// The kinds a data manager uploads for one school (GIAS extracts are partnership-wide and
/// come in from the command line).
fn uploadable() -> impl Iterator<Item = FileKind> {
    FileKind::ALL
        .iter()
        .copied()
        .filter(|k| *k != FileKind::Gias)
}

#[derive(Debug)]
pub(crate) struct KindOption {
    pub code: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

#[derive(Debug)]
pub(crate) struct LogLine {
    pub when: String,
    pub who: String,
    /// The school's URN and name; `None` for a partnership-wide file.
    pub school: Option<(String, String)>,
    pub kind: &'static str,
    pub file_name: String,
    /// The file's SHA-256, and its first 12 hex digits to show.
    pub sha256: String,
    pub sha256_short: String,
    pub added: String,
    pub updated: String,
    pub unchanged: String,
    pub rejected: String,
    pub dry_run: bool,
}

/// One field of the mapping an upload was read with.
#[derive(Debug)]
pub(crate) struct MappedField {
    pub field: &'static str,
    pub header: String,
    /// "preset" or "mapping file", as `cairn import --show-mapping` says.
    pub by: &'static str,
}

/// The column mapping an MIS upload was read with: what `cairn import --show-mapping` prints,
/// from the same `cairn_ingest::mis::show_mapping`.
#[derive(Debug)]
pub(crate) struct MappingShown {
    /// The uploaded mapping file's name, when there was one.
    pub mapping_file: Option<String>,
    pub fields: Vec<MappedField>,
    pub missing_required: String,
    pub missing_optional: String,
    pub unused_columns: String,
}

impl MappingShown {
    fn of(mapping: &ColumnMapping, mapping_file: Option<String>) -> Self {
        MappingShown {
            mapping_file,
            fields: mapping
                .matches
                .iter()
                .map(|m| MappedField {
                    field: m.field,
                    header: m.header.clone(),
                    by: match m.matched_by {
                        MatchedBy::Preset => "preset",
                        MatchedBy::UserMapping => "mapping file",
                    },
                })
                .collect(),
            missing_required: mapping.missing_required.join(", "),
            missing_optional: mapping.missing_optional.join(", "),
            unused_columns: mapping.unused_headers.join(", "),
        }
    }
}

/// What the last upload did.
#[derive(Debug)]
pub(crate) enum Outcome {
    Problems {
        file_name: String,
        errors: Vec<RowError>,
        more: usize,
    },
    Written {
        file_name: String,
        dry_run: bool,
        added: String,
        updated: String,
        unchanged: String,
        refreshed: bool,
    },
}

#[derive(Template)]
#[template(path = "imports/index.html")]
pub(crate) struct ImportsPage {
    pub nav: Option<Nav>,
    pub title: String,
    pub urn: String,
    pub school_name: String,
    pub kinds: Vec<KindOption>,
    pub year: String,
    pub outcome: Option<Outcome>,
    pub warnings: Vec<RowWarning>,
    /// The column mapping the upload was read with (MIS exports only).
    pub mapping: Option<MappingShown>,
    pub log: Vec<LogLine>,
    pub show_school: bool,
}

fn log_lines(imports: Vec<SchoolImport>, names: &BTreeMap<Urn, String>) -> Vec<LogLine> {
    let as_count = |n: u64| count(i64::try_from(n).unwrap_or(i64::MAX));
    imports
        .into_iter()
        .map(|i| LogLine {
            when: i.record.at.format("%-d %B %Y, %H:%M UTC").to_string(),
            who: i.display_name.unwrap_or_else(|| "Command line".to_owned()),
            school: i.record.urn.map(|urn| {
                let name = names.get(&urn).cloned().unwrap_or_else(|| urn.to_string());
                (urn.to_string(), name)
            }),
            kind: FileKind::parse(i.record.kind.code()).map_or("", FileKind::label),
            file_name: i.record.file_name,
            sha256_short: i.record.sha256.chars().take(12).collect(),
            sha256: i.record.sha256,
            added: as_count(i.record.counts.added),
            updated: as_count(i.record.counts.updated),
            unchanged: as_count(i.record.counts.unchanged),
            rejected: as_count(i.record.rejected),
            dry_run: i.record.dry_run,
        })
        .collect()
}

/// Imports listed on the log pages.
const LOG_LIMIT: u32 = 200;

#[derive(Template)]
#[template(path = "imports/log.html")]
pub(crate) struct LogPage {
    pub nav: Option<Nav>,
    pub title: String,
    /// The schools the viewer imports into, for links to their upload pages.
    pub schools: Vec<(String, String)>,
    pub partnership_wide: bool,
    pub log: Vec<LogLine>,
    pub show_school: bool,
    pub limit: u32,
}

/// GET /imports: every import the viewer looks after, newest first: into the schools they
/// import into and, for a group's data manager, the partnership-wide files.
pub(crate) async fn log(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Html<String>, WebError> {
    let urns: Vec<Urn> = viewer.gate.importable_schools().collect();
    let partnership_wide = viewer.gate.may_see_partnership_imports();
    if urns.is_empty() && !partnership_wide {
        return Err(WebError::Forbidden);
    }
    let names: BTreeMap<Urn, String> = state
        .store
        .schools()
        .await?
        .into_iter()
        .map(|s| (s.urn, s.name))
        .collect();
    let log = log_lines(
        state
            .store
            .imports_into(&urns, partnership_wide, LOG_LIMIT)
            .await?,
        &names,
    );
    let mut schools: Vec<(String, String)> = urns
        .iter()
        .map(|urn| {
            let name = names.get(urn).cloned().unwrap_or_else(|| urn.to_string());
            (urn.to_string(), name)
        })
        .collect();
    schools.sort_by(|a, b| a.1.cmp(&b.1));
    render(&LogPage {
        nav: Some(Nav::of(&viewer)),
        title: "Imports".to_owned(),
        schools,
        partnership_wide,
        log,
        show_school: true,
        limit: LOG_LIMIT,
    })
}

/// The school, if the viewer may import into it.
fn authorise(viewer: &Viewer, urn: &str) -> Result<Urn, WebError> {
    let urn = Urn::parse(urn).map_err(|_| WebError::NotFound)?;
    if !viewer.gate.may_import(urn) {
        return Err(WebError::Forbidden);
    }
    Ok(urn)
}

async fn page(
    state: &AppState,
    viewer: &Viewer,
    urn: Urn,
    selected: Option<FileKind>,
    year: String,
    outcome: Option<Outcome>,
    warnings: Vec<RowWarning>,
) -> Result<ImportsPage, WebError> {
    let school = state.store.school(urn).await?.ok_or(WebError::NotFound)?;
    let names = BTreeMap::from([(urn, school.name.clone())]);
    let log = log_lines(state.store.imports_for_school(urn, 50).await?, &names);
    Ok(ImportsPage {
        nav: Some(Nav::of(viewer)),
        title: format!("Import data for {}", school.name),
        urn: urn.to_string(),
        school_name: school.name,
        kinds: uploadable()
            .map(|k| KindOption {
                code: k.code(),
                label: k.label(),
                selected: Some(k) == selected,
            })
            .collect(),
        year,
        outcome,
        warnings,
        mapping: None,
        log,
        show_school: false,
    })
}

/// GET /schools/{urn}/imports
pub(crate) async fn index(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(urn): Path<String>,
) -> Result<Html<String>, WebError> {
    let urn = authorise(&viewer, &urn)?;
    let year = AcademicYear::containing(state.clock.now().date_naive()).to_string();
    render(&page(&state, &viewer, urn, None, year, None, Vec::new()).await?)
}

/// The fields of the upload form.
#[derive(Default)]
struct Upload {
    csrf_token: String,
    kind: String,
    year: String,
    term: String,
    dry_run: bool,
    file_name: String,
    bytes: Vec<u8>,
    /// An optional TOML column mapping, as `cairn import --mapping` takes.
    mapping_name: String,
    mapping_bytes: Vec<u8>,
}

/// A file field's name without any folders the browser sent.
fn base_name(field: &axum::extract::multipart::Field<'_>) -> String {
    field
        .file_name()
        .map(|n| n.rsplit(['/', '\\']).next().unwrap_or(n).to_owned())
        .unwrap_or_default()
}

async fn read_upload(mut multipart: Multipart) -> Result<Upload, WebError> {
    const BAD: WebError = WebError::BadRequest(
        "The upload could not be read. Go back, choose the file again and resend it.",
    );
    let mut upload = Upload::default();
    while let Some(field) = multipart.next_field().await.map_err(|_| BAD)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            upload.file_name = base_name(&field);
            upload.bytes = field.bytes().await.map_err(|_| BAD)?.to_vec();
            continue;
        }
        if name == "mapping" {
            upload.mapping_name = base_name(&field);
            upload.mapping_bytes = field.bytes().await.map_err(|_| BAD)?.to_vec();
            continue;
        }
        let text = field.text().await.map_err(|_| BAD)?;
        match name.as_str() {
            "csrf_token" => upload.csrf_token = text,
            "kind" => upload.kind = text,
            "year" => upload.year = text.trim().to_owned(),
            "term" => upload.term = text,
            "dry_run" => upload.dry_run = true,
            _ => {}
        }
    }
    Ok(upload)
}

/// One problem for the whole file (no line), in the report's shape.
fn file_problem(file: &str, rule: String) -> RowError {
    RowError {
        file: file.to_owned(),
        line: 0,
        column: String::new(),
        value: String::new(),
        rule,
    }
}

/// The uploaded mapping file, read by `cairn_ingest`'s `UserMapping::parse` as
/// `cairn import --mapping` reads it, so a bad one is reported with the same words, line and
/// column. Returns the mapping (if there is a good one) and the mapping file's name.
fn read_mapping(
    upload: &Upload,
    kind: FileKind,
    problems: &mut Vec<RowError>,
) -> (Option<UserMapping>, Option<String>) {
    if upload.mapping_bytes.is_empty() {
        return (None, None);
    }
    let name = if upload.mapping_name.is_empty() {
        "mapping.toml".to_owned()
    } else {
        upload.mapping_name.clone()
    };
    if kind.mis_kind().is_none() {
        problems.push(file_problem(
            &name,
            format!(
                "mapping file {name} cannot be used: {} files are read by their own element names; there is no mapping to apply",
                kind.label()
            ),
        ));
        return (None, Some(name));
    }
    let Ok(text) = std::str::from_utf8(&upload.mapping_bytes) else {
        problems.push(file_problem(
            &name,
            format!("mapping file {name} is not UTF-8 text: save it as UTF-8 TOML"),
        ));
        return (None, Some(name));
    };
    match UserMapping::parse(&name, text) {
        Ok(mapping) => (Some(mapping), Some(name)),
        Err(error) => {
            let line = match &error {
                IngestError::Mapping { line, .. } => u64::try_from(*line).unwrap_or(0),
                IngestError::Read { .. } => 0,
            };
            problems.push(RowError {
                file: name.clone(),
                line,
                column: String::new(),
                value: String::new(),
                rule: error.to_string(),
            });
            (None, Some(name))
        }
    }
}

/// Every record naming a school must name this one: a data manager's upload page writes
/// into their own school only.
fn other_schools(data: &Partnership, urn: Urn) -> Vec<Urn> {
    data.placed_at().into_iter().filter(|u| *u != urn).collect()
}

/// POST /schools/{urn}/imports: check the file; when it is clean, write it and refresh.
pub(crate) async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(urn): Path<String>,
    multipart: Multipart,
) -> Result<Response, WebError> {
    let urn = authorise(&viewer, &urn)?;
    let upload = read_upload(multipart).await?;
    viewer.check_csrf(&upload.csrf_token)?;
    let kind = FileKind::parse(&upload.kind)
        .filter(|k| *k != FileKind::Gias)
        .ok_or(WebError::BadRequest(
            "Choose what the file holds from the list.",
        ))?;
    let file_name = if upload.file_name.is_empty() {
        "upload".to_owned()
    } else {
        upload.file_name.clone()
    };
    let mut problems: Vec<RowError> = Vec::new();
    if upload.bytes.is_empty() {
        problems.push(file_problem(
            &file_name,
            "is empty: choose a file to upload".into(),
        ));
    }
    let year = match upload.year.as_str() {
        "" => None,
        text => match AcademicYear::parse(text) {
            Ok(year) => Some(year),
            Err(e) => {
                problems.push(file_problem(
                    &file_name,
                    format!("cannot be imported: the academic year \"{text}\" {e}"),
                ));
                None
            }
        },
    };
    let term = Term::parse(&upload.term).ok();
    let catalogue = SubjectCatalogue::standard();
    let (user_mapping, mapping_file) = read_mapping(&upload, kind, &mut problems);
    // A CTF may name its school by LAESTAB alone: the register places it.
    let laestabs = if kind == FileKind::Ctf {
        Some(schools_by_laestab(&state.store.schools().await?))
    } else {
        None
    };
    let options = MisOptions {
        laestabs: laestabs.as_ref(),
        mapping: user_mapping.as_ref(),
        progress: None,
        context: ImportContext {
            urn: Some(urn),
            academic_year: year,
            term,
        },
    };
    let mut warnings = Vec::new();
    let mut data = Partnership::default();
    // The mapping is shown whenever the file could be read with one, as `--show-mapping` does.
    let shown = match kind.mis_kind() {
        Some(mis_kind)
            if !upload.bytes.is_empty()
                && (user_mapping.is_some() || upload.mapping_bytes.is_empty()) =>
        {
            Some(MappingShown::of(
                &mis::show_mapping(mis_kind, &upload.bytes, &options),
                mapping_file,
            ))
        }
        _ => None,
    };
    if problems.is_empty() {
        let parsed = parse_file(kind, &file_name, &upload.bytes, &options, &catalogue);
        problems.extend(parsed.errors);
        warnings = parsed.warnings;
        data = parsed.records.into_iter().next().unwrap_or_default();
        // Rows still naming this school's predecessor (before an academy conversion, say)
        // are this school's; any other school is reported below.
        let mut placements = state.store.place_schools(&data.placed_at()).await?;
        placements.retain(|_, p| matches!(p, Placement::Successor { urn: to, .. } if *to == urn));
        let (errors, moved) = place_records(&file_name, &upload.bytes, &mut data, &placements);
        problems.extend(errors);
        warnings.extend(moved);
        // Rows for a pupil Cairn does not have yet, at their line.
        let unknown = state.store.unknown_pupils(&data.pupils_named()).await?;
        problems.extend(unknown_pupil_errors(&file_name, &upload.bytes, &unknown));
        let others = other_schools(&data, urn);
        if let Some(first) = others.first() {
            problems.push(file_problem(
                &file_name,
                format!(
                    "has rows for {} other school(s), first URN {first}; upload each school's file on that school's own page",
                    others.len()
                ),
            ));
        }
    }
    let year_text = upload.year.clone();
    if !problems.is_empty() {
        let more = problems.len().saturating_sub(MAX_LISTED);
        problems.truncate(MAX_LISTED);
        let outcome = Outcome::Problems {
            file_name,
            errors: problems,
            more,
        };
        let mut page = page(
            &state,
            &viewer,
            urn,
            Some(kind),
            year_text,
            Some(outcome),
            warnings,
        )
        .await?;
        page.mapping = shown;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }

    let store_kind = ImportKind::parse(kind.code()).ok_or(WebError::BadRequest(
        "Choose what the file holds from the list.",
    ))?;
    let now = state.clock.now();
    let file = ImportFile {
        kind: store_kind,
        file_name: file_name.clone(),
        sha256: hex::encode(Sha256::digest(&upload.bytes)),
        user_id: Some(viewer.user_id),
        at: now,
        urn: Some(urn),
        rejected: 0,
        data,
    };
    let outcomes = match state.store.import(&[file], upload.dry_run).await {
        Ok(outcomes) => outcomes,
        Err(error) => {
            // A record the store cannot take (a pupil not yet imported, say) is the file's
            // problem to report, not a fault: nothing was written.
            let outcome = Outcome::Problems {
                file_name: file_name.clone(),
                errors: vec![file_problem(
                    &file_name,
                    format!("was not imported, and nothing changed: {error}"),
                )],
                more: 0,
            };
            let mut page = page(
                &state,
                &viewer,
                urn,
                Some(kind),
                year_text,
                Some(outcome),
                warnings,
            )
            .await?;
            page.mapping = shown;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
        }
    };
    let counts = outcomes
        .first()
        .map(|o| o.record.counts)
        .unwrap_or_default();
    let refreshed = if upload.dry_run {
        false
    } else {
        state
            .store
            .refresh_measures(
                &format!("import of {file_name} by {}", viewer.username),
                now,
                SuppressionPolicy::default(),
            )
            .await?;
        true
    };
    let as_count = |n: u64| count(i64::try_from(n).unwrap_or(i64::MAX));
    let outcome = Outcome::Written {
        file_name,
        dry_run: upload.dry_run,
        added: as_count(counts.added),
        updated: as_count(counts.updated),
        unchanged: as_count(counts.unchanged),
        refreshed,
    };
    let mut page = page(
        &state,
        &viewer,
        urn,
        Some(kind),
        year_text,
        Some(outcome),
        warnings,
    )
    .await?;
    page.mapping = shown;
    Ok(render(&page)?.into_response())
}
