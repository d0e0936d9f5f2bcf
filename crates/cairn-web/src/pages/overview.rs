//! The partnership overview: every school the viewer may see, with pupils on roll by phase.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use cairn_domain::{AcademicYear, Access, Group, Membership, Phase, School, Urn};
use cairn_measures::PupilGroup;
use cairn_store::{
    Comparison, Measure, ResultScope, SchoolRoll, ScopeFilter, ScopeKind, StoredResult, StoredValue,
};
use chrono::{DateTime, NaiveDate, Utc};

use crate::auth::Viewer;
use crate::pages::compare::{ComparedCell, compared_cell};
use crate::pages::{Nav, count, render};
use crate::{AppState, WebError};

#[derive(Debug)]
pub(crate) struct SchoolLine {
    pub urn: String,
    pub name: String,
    pub phase: &'static str,
    pub school_type: &'static str,
    pub religious_character: Option<String>,
    pub groups: Vec<String>,
    pub n_pupils: i64,
    pub n_pupils_text: String,
    pub pupil_level: bool,
    /// Headline figures for the latest year with England's, the similar schools' and the
    /// two years before; `None` where the school has none.
    pub headlines: Vec<Option<ComparedCell>>,
}

/// The headline measures the overview shows, in column order.
pub(crate) const HEADLINES: [Measure; 5] = [
    Measure::Ks2RwmExpected,
    Measure::Ks4Attainment8,
    Measure::Ks4Progress8,
    Measure::AttendanceOverallAbsence,
    Measure::AttendancePersistentAbsence,
];

/// Formats a stored figure for a table cell: percentages for proportions, Progress 8 with its
/// 95% confidence interval, and a plain word where the engine suppressed a small group.
pub(crate) fn format_figure(measure: Measure, value: &StoredValue) -> String {
    match value {
        StoredValue::Suppressed => "Suppressed (fewer than 6 pupils)".to_owned(),
        StoredValue::Shown {
            value,
            ci_low,
            ci_high,
            ..
        } => {
            if measure.is_proportion() {
                format!("{:.1}%", value * 100.0)
            } else if measure == Measure::Ks4Progress8 {
                match (ci_low, ci_high) {
                    (Some(low), Some(high)) => format!("{value:+.2} ({low:+.2} to {high:+.2})"),
                    _ => format!("{value:+.2}"),
                }
            } else {
                format!("{value:.1}")
            }
        }
    }
}

fn headline_cells(
    urn: Urn,
    year: Option<AcademicYear>,
    results: &[StoredResult],
    comparisons: &[Comparison],
) -> Vec<Option<ComparedCell>> {
    let scope = ResultScope::School(urn);
    HEADLINES
        .iter()
        .map(|measure| {
            let mine = |r: &&StoredResult| {
                r.measure == *measure && r.pupil_group == PupilGroup::All && r.scope == scope
            };
            let current = results
                .iter()
                .filter(mine)
                .find(|r| Some(r.academic_year) == year)?;
            let earlier: Vec<(AcademicYear, &StoredValue)> = results
                .iter()
                .filter(mine)
                .filter(|r| r.academic_year < current.academic_year)
                .map(|r| (r.academic_year, &r.value))
                .collect();
            let comparison = comparisons.iter().find(|c| {
                c.measure == *measure
                    && c.pupil_group == PupilGroup::All
                    && c.scope == scope
                    && c.academic_year == current.academic_year
            });
            Some(compared_cell(
                *measure,
                &current.value,
                comparison,
                &earlier,
            ))
        })
        .collect()
}

#[derive(Debug)]
pub(crate) struct PhaseLine {
    pub phase: &'static str,
    pub n_schools: usize,
    pub n_pupils: String,
}

#[derive(Template)]
#[template(path = "overview/index.html")]
pub(crate) struct OverviewIndexPage {
    pub nav: Option<Nav>,
    pub title: String,
    pub year: Option<String>,
    pub census_day: Option<String>,
    pub phases: Vec<PhaseLine>,
    pub schools: Vec<SchoolLine>,
    pub n_pupils: String,
    pub headline_labels: Vec<&'static str>,
    pub computed_at: Option<String>,
}

/// The day whose roll the overview counts: the latest year's spring census day, or today if
/// that day has not come yet.
pub(crate) fn roll_day(latest: AcademicYear, today: NaiveDate) -> NaiveDate {
    latest.spring_census_day().min(today)
}

fn group_names(
    urn: Urn,
    memberships: &[Membership],
    groups: &[Group],
    today: NaiveDate,
) -> Vec<String> {
    memberships
        .iter()
        .filter(|m| m.urn == urn && m.is_active_on(today))
        .filter_map(|m| groups.iter().find(|g| g.code == m.group_code))
        .map(|g| g.name.clone())
        .collect()
}

/// What the overview shows of every school, whoever looks: the roll and the headline cells,
/// worked out once per refresh (see [`OverviewCache`]).
#[derive(Debug)]
pub(crate) struct OverviewFacts {
    /// What these facts were read for: the newest refresh, the latest academic year with
    /// enrolments and the day (a roll counted on the fly before any refresh depends on it).
    key: FactsKey,
    year: Option<(AcademicYear, NaiveDate)>,
    on_roll: BTreeMap<Urn, i64>,
    headlines: BTreeMap<Urn, Vec<Option<ComparedCell>>>,
    computed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FactsKey {
    refresh_id: Option<i64>,
    latest: Option<AcademicYear>,
    today: NaiveDate,
}

impl OverviewFacts {
    /// Works the facts out from what the store holds for `key`.
    fn from_stored(
        key: FactsKey,
        year: Option<(AcademicYear, NaiveDate)>,
        rolls: &[SchoolRoll],
        results: &[StoredResult],
        comparisons: &[Comparison],
        computed_at: Option<DateTime<Utc>>,
    ) -> OverviewFacts {
        let mut on_roll: BTreeMap<Urn, i64> = BTreeMap::new();
        for roll in rolls {
            *on_roll.entry(roll.urn).or_default() += roll.n_pupils;
        }
        let urns: std::collections::BTreeSet<Urn> = results
            .iter()
            .filter_map(|r| match r.scope {
                ResultScope::School(urn) => Some(urn),
                _ => None,
            })
            .collect();
        let headlines = urns
            .into_iter()
            .map(|urn| {
                let cells = headline_cells(urn, year.map(|(y, _)| y), results, comparisons);
                (urn, cells)
            })
            .collect();
        OverviewFacts {
            key,
            year,
            on_roll,
            headlines,
            computed_at,
        }
    }
}

/// The overview's facts for the newest refresh, kept by each `cairn serve` process.
///
/// Pages read stored results, but decoding every school's headline figures and comparisons and
/// matching them up cost most of a request (docs/benchmarks.md). They change only when a
/// refresh stores new ones, so each request asks the store for the newest refresh id and the
/// latest academic year (two indexed look-ups) and works the facts out again only when either
/// has changed. Several processes on one database stay correct: each checks the same ids.
/// Who may see which school is decided per request, after the cache.
#[derive(Debug, Default)]
pub(crate) struct OverviewCache {
    facts: std::sync::Mutex<Option<std::sync::Arc<OverviewFacts>>>,
}

impl OverviewCache {
    fn get(&self, key: FactsKey) -> Option<std::sync::Arc<OverviewFacts>> {
        let facts = self
            .facts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        facts.as_ref().filter(|f| f.key == key).cloned()
    }

    fn put(&self, facts: std::sync::Arc<OverviewFacts>) {
        let mut slot = self
            .facts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *slot = Some(facts);
    }
}

/// Assembles the page from stored facts, keeping only schools the gate lets the viewer see.
pub(crate) fn build(
    viewer: &Viewer,
    schools: Vec<School>,
    groups: &[Group],
    memberships: &[Membership],
    facts: &OverviewFacts,
    today: NaiveDate,
) -> OverviewIndexPage {
    let year = facts.year;
    let mut by_phase: BTreeMap<Phase, (usize, i64)> = BTreeMap::new();
    let mut lines: Vec<SchoolLine> = Vec::new();
    for school in schools {
        if viewer.gate.access(school.urn) == Access::None {
            continue;
        }
        let n_pupils = facts.on_roll.get(&school.urn).copied().unwrap_or(0);
        let phase = by_phase.entry(school.phase).or_default();
        phase.0 += 1;
        phase.1 += n_pupils;
        lines.push(SchoolLine {
            urn: school.urn.to_string(),
            groups: group_names(school.urn, memberships, groups, today),
            n_pupils,
            n_pupils_text: count(n_pupils),
            pupil_level: viewer.gate.access(school.urn) == Access::PupilLevel,
            headlines: facts
                .headlines
                .get(&school.urn)
                .cloned()
                .unwrap_or_else(|| vec![None; HEADLINES.len()]),
            name: school.name,
            phase: school.phase.label(),
            school_type: school.school_type.label(),
            religious_character: school.religious_character,
        });
    }
    let phases = by_phase
        .into_iter()
        .map(|(phase, (n_schools, n_pupils))| PhaseLine {
            phase: phase.label(),
            n_schools,
            n_pupils: count(n_pupils),
        })
        .collect();
    OverviewIndexPage {
        nav: Some(Nav::of(viewer)),
        title: "Partnership overview".to_owned(),
        year: year.map(|(y, _)| y.to_string()),
        census_day: year.map(|(_, d)| d.format("%-d %B %Y").to_string()),
        n_pupils: count(lines.iter().map(|l| l.n_pupils).sum()),
        headline_labels: HEADLINES.iter().map(|m| m.label()).collect(),
        computed_at: facts
            .computed_at
            .map(|t| t.format("%-d %B %Y at %H:%M UTC").to_string()),
        phases,
        schools: lines,
    }
}

/// The overview's facts for today: from the cache when the newest refresh and the latest year
/// are the ones it was worked out for, else read and worked out again.
async fn facts(
    state: &AppState,
    today: NaiveDate,
) -> Result<std::sync::Arc<OverviewFacts>, WebError> {
    let store = &state.store;
    let refresh = store.latest_refresh().await?;
    let latest = store.latest_academic_year().await?;
    let key = FactsKey {
        refresh_id: refresh.as_ref().map(|r| r.id),
        latest,
        today,
    };
    if let Some(facts) = state.overview.get(key) {
        return Ok(facts);
    }
    // The roll as the newest refresh counted it; counted here only before any refresh.
    let (year, rolls) = match latest {
        Some(y) => match store.stored_rolls(y).await? {
            Some((day, rolls)) => (Some((y, day)), rolls),
            None => {
                let day = roll_day(y, today);
                (Some((y, day)), store.school_rolls(day).await?)
            }
        },
        None => (None, Vec::new()),
    };
    // Every year, for the trend beside each figure.
    let headlines = store
        .latest_results_for(
            None,
            &ScopeFilter::Kind(ScopeKind::School),
            &HEADLINES,
            &[PupilGroup::All],
        )
        .await?;
    let comparisons = match year {
        Some((y, _)) => store.all_comparisons(y).await?,
        None => Vec::new(),
    };
    // The results carry the refresh they were read from, which may be newer than the one the
    // key names if a refresh landed in between: key the facts by what was read.
    let key = FactsKey {
        refresh_id: headlines.refresh.as_ref().map(|r| r.id),
        ..key
    };
    let facts = std::sync::Arc::new(OverviewFacts::from_stored(
        key,
        year,
        &rolls,
        &headlines.results,
        &comparisons,
        headlines.refresh.map(|r| r.computed_at),
    ));
    state.overview.put(facts.clone());
    Ok(facts)
}

/// GET /: the partnership overview.
pub(crate) async fn index(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Html<String>, WebError> {
    let today = state.clock.now().date_naive();
    let facts = facts(&state, today).await?;
    let store = &state.store;
    let page = build(
        &viewer,
        store.schools().await?,
        &store.groups().await?,
        &viewer.memberships,
        &facts,
        today,
    );
    render(&page)
}
