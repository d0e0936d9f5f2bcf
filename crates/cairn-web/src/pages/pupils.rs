//! Pupil lists: the pupils on a school's roll, and the finder across the viewer's schools with
//! filters. Pupil-level, so gated at `Access::PupilLevel` and audit-logged on every view and
//! download. Both lists show [`PER_PAGE`] pupils a page, with links either side that keep the
//! filters; the finder's downloads hold every pupil that matches.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use cairn_domain::{Access, NcYear, SenProvision, Urn};
use cairn_store::{AttendanceBand, AuditEntry, PupilFilter, PupilOnRoll};

use crate::auth::Viewer;
use crate::export::{ExportQuery, download, query_escape};
use crate::pages::schools::authorise;
use crate::pages::{Nav, Pager, render};
use crate::tables::{Cell, Column, DataTable};
use crate::{AppState, WebError};

#[derive(Template)]
#[template(path = "pupils/index.html")]
pub(crate) struct PupilIndexPage {
    pub nav: Option<Nav>,
    pub title: String,
    pub urn: String,
    pub school_name: String,
    pub year: Option<String>,
    /// This page's pupils.
    pub pupils: Vec<PupilOnRoll>,
    pub pager: Pager,
}

/// How many pupils a page of either list shows.
pub(crate) const PER_PAGE: usize = 100;

/// The `page` of a list's address.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct PageQuery {
    #[serde(default)]
    page: String,
}

fn yes_no(value: Option<bool>) -> &'static str {
    match value {
        Some(true) => "Yes",
        Some(false) => "No",
        None => "Not recorded",
    }
}

#[expect(
    clippy::unused_self,
    reason = "askama templates call page helpers as methods"
)]
impl PupilIndexPage {
    fn disadvantaged(&self, pupil: &PupilOnRoll) -> &'static str {
        yes_no(pupil.disadvantaged)
    }
    fn eal(&self, pupil: &PupilOnRoll) -> &'static str {
        yes_no(pupil.eal)
    }
    fn sen(&self, pupil: &PupilOnRoll) -> &'static str {
        pupil.sen.map_or("Not recorded", |s| s.label())
    }
}

/// GET /schools/{urn}/pupils[?page=N]
pub(crate) async fn index(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(urn): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Html<String>, WebError> {
    let school = authorise(&state, &viewer, &urn, Access::PupilLevel).await?;
    let year = state.store.latest_academic_year().await?;
    let mut pupils = match year {
        Some(year) => state.store.pupils_on_roll(school.urn, year).await?,
        None => Vec::new(),
    };
    let pager = Pager::new(
        "pupils",
        pupils.len(),
        PER_PAGE,
        &query.page,
        &format!("/schools/{}/pupils", school.urn),
    )?;
    state
        .store
        .record_audit(&AuditEntry {
            at: state.clock.now(),
            user_id: Some(viewer.user_id),
            action: "pupils.index".to_owned(),
            urn: Some(school.urn),
            pupil_id: None,
            detail: format!(
                "viewed the list of {} pupils on roll{}{}",
                pupils.len(),
                year.map(|y| format!(" in {y}")).unwrap_or_default(),
                pager.audit_note()
            ),
        })
        .await?;
    let pupils: Vec<PupilOnRoll> = pupils.drain(pager.rows()).collect();
    let page = PupilIndexPage {
        nav: Some(Nav::of(&viewer)),
        title: format!("Pupils at {}", school.name),
        urn: school.urn.to_string(),
        school_name: school.name,
        year: year.map(|y| y.to_string()),
        pupils,
        pager,
    };
    render(&page)
}

/// The filters of `/pupils`, as the form sends them; empty means "any".
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct PupilSearchQuery {
    #[serde(default)]
    school: String,
    #[serde(default)]
    year_group: String,
    #[serde(default)]
    disadvantaged: String,
    #[serde(default)]
    sen: String,
    #[serde(default)]
    eal: String,
    #[serde(default)]
    attendance: String,
    #[serde(default)]
    page: String,
    table: Option<String>,
    format: Option<String>,
}

/// One `<option>` of a filter.
#[derive(Debug)]
pub(crate) struct FilterOption {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub(crate) fn options(
    chosen: &str,
    any: &str,
    choices: impl IntoIterator<Item = (String, String)>,
) -> Vec<FilterOption> {
    let mut out = vec![FilterOption {
        value: String::new(),
        label: any.to_owned(),
        selected: chosen.is_empty(),
    }];
    out.extend(choices.into_iter().map(|(value, label)| FilterOption {
        selected: value == chosen,
        value,
        label,
    }));
    out
}

fn yes_no_filter(value: &str) -> Result<Option<bool>, WebError> {
    match value {
        "" => Ok(None),
        "yes" => Ok(Some(true)),
        "no" => Ok(Some(false)),
        _ => Err(WebError::BadRequest("A yes/no filter takes yes or no.")),
    }
}

#[derive(Template)]
#[template(path = "pupils/search.html")]
pub(crate) struct PupilSearchPage {
    pub nav: Option<Nav>,
    pub title: String,
    pub year: Option<String>,
    pub schools: Vec<FilterOption>,
    pub year_groups: Vec<FilterOption>,
    pub disadvantaged: Vec<FilterOption>,
    pub sen: Vec<FilterOption>,
    pub eal: Vec<FilterOption>,
    pub attendance: Vec<FilterOption>,
    pub n_pupils: usize,
    /// This page's pupils (the downloads have every pupil that matches).
    pub table: DataTable,
    pub pager: Pager,
}

/// GET /pupils: pupils on roll this year at the schools whose pupil-level data the viewer may
/// see, filtered by school, year group, disadvantage, SEN, EAL and attendance band.
/// Pupil-level: every view and download is audit-logged against each school listed.
pub(crate) async fn search(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<PupilSearchQuery>,
) -> Result<Response, WebError> {
    let store = &state.store;
    let allowed: Vec<Urn> = viewer
        .gate
        .visible_schools()
        .filter(|urn| viewer.gate.access(*urn) == Access::PupilLevel)
        .collect();
    if allowed.is_empty() {
        return Err(WebError::Forbidden);
    }
    let school_filter = if query.school.is_empty() {
        None
    } else {
        let urn = Urn::parse(&query.school).map_err(|_| WebError::NotFound)?;
        if !allowed.contains(&urn) {
            return Err(WebError::Forbidden);
        }
        Some(urn)
    };
    let nc_year = if query.year_group.is_empty() {
        None
    } else {
        Some(
            query
                .year_group
                .parse::<i8>()
                .ok()
                .and_then(|n| NcYear::from_number(n).ok())
                .ok_or(WebError::BadRequest(
                    "The year group is not one Cairn knows.",
                ))?,
        )
    };
    let sen = if query.sen.is_empty() {
        None
    } else {
        Some(
            SenProvision::parse(&query.sen)
                .map_err(|_| WebError::BadRequest("The SEN filter is not one Cairn knows."))?,
        )
    };
    let attendance = if query.attendance.is_empty() {
        None
    } else {
        Some(
            AttendanceBand::parse(&query.attendance).ok_or(WebError::BadRequest(
                "The attendance band is not one Cairn knows.",
            ))?,
        )
    };
    let filter = PupilFilter {
        schools: school_filter.map_or_else(|| allowed.clone(), |urn| vec![urn]),
        nc_year,
        disadvantaged: yes_no_filter(&query.disadvantaged)?,
        sen,
        eal: yes_no_filter(&query.eal)?,
        attendance,
    };
    let year = store.latest_academic_year().await?;
    let pupils = match year {
        Some(year) => store.pupils_matching(year, &filter).await?,
        None => Vec::new(),
    };
    let schools = store.schools().await?;
    let school_name = |urn: Urn| {
        schools
            .iter()
            .find(|s| s.urn == urn)
            .map_or_else(|| urn.to_string(), |s| s.name.clone())
    };

    let params = [
        ("school", &query.school),
        ("year_group", &query.year_group),
        ("disadvantaged", &query.disadvantaged),
        ("sen", &query.sen),
        ("eal", &query.eal),
        ("attendance", &query.attendance),
    ];
    let filters: Vec<String> = params
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", query_escape(v)))
        .collect();
    let path = if filters.is_empty() {
        "/pupils".to_owned()
    } else {
        format!("/pupils?{}", filters.join("&"))
    };
    let described: Vec<String> = params
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    let described = if described.is_empty() {
        "no filters".to_owned()
    } else {
        described.join(", ")
    };

    let mut table = DataTable::new(
        "pupils",
        format!(
            "Pupils on roll{}",
            year.map(|y| format!(" in {y}")).unwrap_or_default()
        ),
        vec![
            Column::text("Pupil"),
            Column::text("UPN"),
            Column::text("School"),
            Column::text("Year group"),
            Column::text("Disadvantaged"),
            Column::text("SEN"),
            Column::text("EAL"),
            Column::number("Absence this year"),
            Column::text("Attendance band"),
        ],
        &path,
    );
    for p in &pupils {
        table.push(vec![
            Cell::Link {
                text: format!("{}, {}", p.surname, p.forename),
                href: format!("/pupils/{}", p.pupil_id),
            },
            Cell::text(p.upn.to_string()),
            Cell::text(school_name(p.urn)),
            Cell::text(p.nc_year.label()),
            Cell::text(yes_no(p.disadvantaged)),
            Cell::text(p.sen.map_or("Not recorded", |s| s.label())),
            Cell::text(yes_no(p.eal)),
            match p.absence_rate {
                Some(rate) => Cell::Number {
                    text: format!("{:.1}%", rate * 100.0),
                    value: (rate * 1000.0).round() / 10.0,
                },
                None => Cell::Empty,
            },
            Cell::text(p.attendance.label()),
        ]);
    }

    let export = ExportQuery {
        table: query.table.clone(),
        format: query.format.clone(),
    };
    let requested = export.requested()?;
    if requested.is_some_and(|(key, _)| key != table.key) {
        // Nothing is downloaded, so nothing is logged as exported.
        return Err(WebError::NotFound);
    }
    // One audit row per school whose pupils were shown (on this page, or all in a download),
    // so each school's leaders see it.
    let pager = Pager::new("pupils", pupils.len(), PER_PAGE, &query.page, &path)?;
    let shown = match requested {
        Some(_) => &pupils[..],
        None => &pupils[pager.rows()],
    };
    let mut listed: Vec<Urn> = shown.iter().map(|p| p.urn).collect();
    listed.sort();
    listed.dedup();
    for urn in listed {
        let n = shown.iter().filter(|p| p.urn == urn).count();
        let (action, verb, note) = match requested {
            Some((_, format)) => (
                "pupils.export",
                format!("exported ({})", format.label()),
                String::new(),
            ),
            None => ("pupils.search", "viewed".to_owned(), pager.audit_note()),
        };
        store
            .record_audit(&AuditEntry {
                at: state.clock.now(),
                user_id: Some(viewer.user_id),
                action: action.to_owned(),
                urn: Some(urn),
                pupil_id: None,
                detail: format!("{verb} a filtered list of {n} pupils ({described}){note}"),
            })
            .await?;
    }
    if let Some((key, format)) = requested {
        return download(&[table], key, format, "pupils");
    }

    let n_pupils = pupils.len();
    if pager.is_paged() {
        table.rows = table.rows.drain(pager.rows()).collect();
        table.caption = format!(
            "{} ({} to {} of {n_pupils})",
            table.caption, pager.first, pager.last
        );
    }
    let school_choices: Vec<(String, String)> = schools
        .iter()
        .filter(|s| allowed.contains(&s.urn))
        .map(|s| (s.urn.to_string(), s.name.clone()))
        .collect();
    let page = PupilSearchPage {
        nav: Some(Nav::of(&viewer)),
        title: "Find pupils".to_owned(),
        year: year.map(|y| y.to_string()),
        schools: options(&query.school, "All your schools", school_choices),
        year_groups: options(
            &query.year_group,
            "Any year group",
            (-2..=14)
                .filter_map(|n| NcYear::from_number(n).ok())
                .map(|y| (y.number().to_string(), y.label())),
        ),
        disadvantaged: options(
            &query.disadvantaged,
            "Any",
            [
                ("yes".to_owned(), "Yes".to_owned()),
                ("no".to_owned(), "No".to_owned()),
            ],
        ),
        sen: options(
            &query.sen,
            "Any",
            SenProvision::ALL
                .iter()
                .map(|s| (s.code().to_owned(), s.label().to_owned())),
        ),
        eal: options(
            &query.eal,
            "Any",
            [
                ("yes".to_owned(), "Yes".to_owned()),
                ("no".to_owned(), "No".to_owned()),
            ],
        ),
        attendance: options(
            &query.attendance,
            "Any",
            AttendanceBand::ALL
                .iter()
                .map(|b| (b.code().to_owned(), b.label().to_owned())),
        ),
        n_pupils,
        table,
        pager,
    };
    Ok(render(&page)?.into_response())
}
