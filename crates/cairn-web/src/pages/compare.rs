//! How a school compares: its headline figures beside England's and its similar schools'
//! average, the similar schools and why each was chosen, and a funnel plot of every school in
//! England (a Vega-Lite spec built here, rendered in the browser by the vendored Vega
//! bootstrap, with a data table beside it for anyone who cannot see the chart).
//!
//! Everything shown was stored by the last refresh (`cairn-store`'s comparisons); the only
//! arithmetic here is drawing the funnel's control limits, which `cairn-measures` computes.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Html;
use cairn_domain::{AcademicYear, Access, BenchmarkMeasure, Urn};
use cairn_measures::ci::{FunnelLimits, Z_95_DFE};
use cairn_measures::{PupilGroup, Significance};
use cairn_store::{
    Comparison, FunnelPoint, Measure, ResultScope, ScopeFilter, SimilarSchool, StoredFigure,
    StoredResult, StoredValue,
};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::Viewer;
use crate::pages::overview::format_figure;
use crate::pages::{Nav, render, schools};
use crate::{AppState, WebError};

/// The measures compared, in the order pages show them.
pub(crate) const COMPARED: [Measure; 6] = [
    Measure::Ks2RwmExpected,
    Measure::Ks4Attainment8,
    Measure::Ks4Progress8,
    Measure::Ks4EnglishMaths5Plus,
    Measure::AttendanceOverallAbsence,
    Measure::AttendancePersistentAbsence,
];

fn lower_is_better(measure: Measure) -> bool {
    BenchmarkMeasure::parse(measure.code()).is_some_and(BenchmarkMeasure::lower_is_better)
}

/// A value in the measure's units, without its interval.
pub(crate) fn format_value(measure: Measure, value: f64) -> String {
    if measure.is_proportion() {
        format!("{:.1}%", value * 100.0)
    } else if measure == Measure::Ks4Progress8 {
        format!("{value:+.2}")
    } else {
        format!("{value:.1}")
    }
}

/// A figure with its comparisons, ready for a table cell.
#[derive(Debug, Clone)]
pub(crate) struct ComparedCell {
    /// The figure (with its 95 % interval where it has one), or the suppression notice.
    pub text: String,
    pub national: Option<String>,
    pub similar: Option<String>,
    /// `sig-better` or `sig-worse` when the difference from England is significant, else
    /// empty: shading never appears without a significant difference.
    pub shade: &'static str,
    /// Plain words for each significant difference (the text alternative to the shading).
    pub labels: Vec<String>,
    pub top_quartile: bool,
    /// The two previous years' figures, oldest first: (year, figure).
    pub trend: Vec<(String, String)>,
}

fn higher_lower(measure: Measure, significance: Significance) -> Option<&'static str> {
    let noun = if lower_is_better(measure) {
        ("higher", "lower")
    } else {
        ("above", "below")
    };
    match significance {
        Significance::SignificantlyAbove => Some(noun.0),
        Significance::SignificantlyBelow => Some(noun.1),
        Significance::NotSignificant => None,
    }
}

/// Builds a cell from a stored figure, its comparison (if any) and the figures of earlier
/// years (any order).
pub(crate) fn compared_cell(
    measure: Measure,
    value: &StoredValue,
    comparison: Option<&Comparison>,
    earlier: &[(AcademicYear, &StoredValue)],
) -> ComparedCell {
    let mut labels = Vec::new();
    let mut shade = "";
    if let Some(c) = comparison {
        if let Some(word) = c.vs_national.and_then(|s| higher_lower(measure, s)) {
            labels.push(format!("Significantly {word} England"));
            let better = matches!(
                (c.vs_national, lower_is_better(measure)),
                (Some(Significance::SignificantlyAbove), false)
                    | (Some(Significance::SignificantlyBelow), true)
            );
            shade = if better { "sig-better" } else { "sig-worse" };
        }
        if let Some(word) = c.vs_similar.and_then(|s| higher_lower(measure, s)) {
            labels.push(format!("Significantly {word} similar schools"));
        }
        match c.vs_previous_year {
            Some(Significance::SignificantlyAbove) => {
                labels.push("Significant rise on last year".to_owned());
            }
            Some(Significance::SignificantlyBelow) => {
                labels.push("Significant fall on last year".to_owned());
            }
            _ => {}
        }
    }
    let mut earlier: Vec<&(AcademicYear, &StoredValue)> = earlier.iter().collect();
    earlier.sort_by_key(|(y, _)| *y);
    let skip = earlier.len().saturating_sub(2);
    ComparedCell {
        text: format_figure(measure, value),
        national: comparison
            .and_then(|c| c.national)
            .map(|v| format_value(measure, v)),
        similar: comparison.and_then(|c| {
            c.similar_average.map(|v| {
                format!(
                    "{} ({} schools)",
                    format_value(measure, v),
                    c.similar_n.unwrap_or(0)
                )
            })
        }),
        shade,
        labels,
        top_quartile: comparison.and_then(|c| c.similar_top_quartile) == Some(true),
        trend: earlier
            .into_iter()
            .skip(skip)
            .map(|(y, v)| {
                let text = match v.value() {
                    Some(x) => format_value(measure, x),
                    None => "suppressed".to_owned(),
                };
                (y.to_string(), text)
            })
            .collect(),
    }
}

/// One row of the summary table.
#[derive(Debug)]
pub(crate) struct MeasureLine {
    pub label: &'static str,
    pub cell: ComparedCell,
}

/// One similar school, as the page lists it.
#[derive(Debug)]
pub(crate) struct NeighbourLine {
    pub rank: u32,
    pub name: String,
    pub urn: String,
    pub phase: &'static str,
    /// "Closest on ..." and each feature's difference in plain words.
    pub why: String,
    pub figures: Vec<String>,
}

#[derive(Template)]
#[template(path = "compare/show.html")]
pub(crate) struct CompareShowPage {
    pub nav: Option<Nav>,
    pub title: String,
    pub school_name: String,
    pub urn: String,
    pub year: Option<String>,
    pub lines: Vec<MeasureLine>,
    pub measure_labels: Vec<&'static str>,
    pub neighbours: Vec<NeighbourLine>,
    pub funnel: Option<FunnelView>,
    pub choices: Vec<(&'static str, &'static str, bool)>,
}

/// The funnel plot and its accessible companions.
#[derive(Debug)]
pub(crate) struct FunnelView {
    pub measure_label: &'static str,
    pub caption: String,
    /// The Vega-Lite spec, JSON with `<` escaped so it cannot close its script element.
    pub spec_json: String,
    pub n_schools: usize,
    pub rows: Vec<(String, String)>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct CompareQuery {
    measure: Option<String>,
}

fn why_chosen(s: &SimilarSchool) -> String {
    use cairn_measures::similar::Feature;
    let mut closest: Vec<_> = s.reasons.iter().collect();
    closest.sort_by(|a, b| a.contribution.total_cmp(&b.contribution));
    let names: Vec<&str> = closest.iter().take(2).map(|r| r.feature.label()).collect();
    let differences: Vec<String> = s
        .reasons
        .iter()
        .filter_map(|r| {
            let d = r.difference?;
            Some(match r.feature {
                Feature::Size => format!("{d:+.0} pupils"),
                Feature::PriorAttainment => format!("prior attainment {d:+.1}"),
                other => format!("{} {d:+.1} points", other.label()),
            })
        })
        .collect();
    format!(
        "Closest on {}. Differences: {}.",
        names.join(" and "),
        if differences.is_empty() {
            "not known".to_owned()
        } else {
            differences.join(", ")
        }
    )
}

/// The funnel's control limits around England's figure across the range of cohort sizes:
/// proportions use the binomial limits; means use the pupil-level SD recovered from the
/// school's own 95 % interval (for Progress 8, the DfE's national SD).
fn limits(measure: Measure, england: f64, sd: Option<f64>, n: u32) -> Option<FunnelLimits> {
    if measure.is_proportion() {
        FunnelLimits::for_proportion(england, n)
    } else {
        FunnelLimits::for_mean(england, sd?, n)
    }
}

/// The Vega-Lite spec of a funnel plot: every school in England as a point (pupils across,
/// figure up), England's figure as a rule, the 95 % and 99.8 % limits as lines, the
/// partnership's other schools as squares and this school as a larger, labelled diamond.
pub(crate) fn funnel_spec(
    measure: Measure,
    points: &[FunnelPoint],
    school: Option<(&str, f64, u32)>,
    partnership: &[(&str, f64, u32)],
    england: f64,
    sd: Option<f64>,
) -> Value {
    let max_n = points
        .iter()
        .map(|p| p.n_pupils)
        .chain(school.map(|s| s.2))
        .chain(partnership.iter().map(|p| p.2))
        .max()
        .unwrap_or(100)
        .max(10);
    let mut limit_rows = Vec::new();
    let steps = 60u32;
    for step in 0..=steps {
        let n = (5.0 * (f64::from(max_n) / 5.0).powf(f64::from(step) / f64::from(steps))).round();
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "5 to max_n"
        )]
        let n = n as u32;
        if let Some(l) = limits(measure, england, sd, n) {
            for (name, value) in [
                ("95% lower", l.inner.lower),
                ("95% upper", l.inner.upper),
                ("99.8% lower", l.outer.lower),
                ("99.8% upper", l.outer.upper),
            ] {
                limit_rows.push(json!({"n": n, "limit": name, "value": value}));
            }
        }
    }
    let format = if measure.is_proportion() {
        ".0%"
    } else {
        ".2f"
    };
    let y = json!({"field": "value", "type": "quantitative", "title": measure.label(), "axis": {"format": format}, "scale": {"zero": false}});
    let x = json!({"field": "n", "type": "quantitative", "title": "Pupils in the measure", "scale": {"type": "sqrt"}});
    let mut layers = vec![
        json!({
            "data": {"values": points.iter().map(|p| json!({"n": p.n_pupils, "value": p.value, "school": p.name})).collect::<Vec<_>>()},
            "mark": {"type": "circle", "size": 14, "opacity": 0.35, "color": "#505a6b"},
            "encoding": {"x": x, "y": y, "tooltip": [{"field": "school"}, {"field": "n", "title": "Pupils"}, {"field": "value", "format": format}]}
        }),
        json!({
            "data": {"values": limit_rows},
            "mark": {"type": "line", "color": "#1c5d99"},
            "encoding": {"x": x, "y": y, "detail": {"field": "limit"}, "strokeDash": {"field": "limit", "type": "nominal", "title": "Control limits"}}
        }),
        json!({
            "data": {"values": [{"value": england}]},
            "mark": {"type": "rule", "color": "#1d2330"},
            "encoding": {"y": y}
        }),
    ];
    if !partnership.is_empty() {
        layers.push(json!({
            "data": {"values": partnership.iter().map(|(name, value, n)| json!({"n": n, "value": value, "school": name})).collect::<Vec<_>>()},
            "mark": {"type": "square", "filled": true, "size": 70, "color": "#6a2c91"},
            "encoding": {"x": x, "y": y, "tooltip": [{"field": "school"}, {"field": "n", "title": "Pupils"}, {"field": "value", "format": format}]}
        }));
    }
    if let Some((name, value, n)) = school {
        layers.push(json!({
            "data": {"values": [{"n": n, "value": value, "school": name}]},
            "mark": {"type": "point", "shape": "diamond", "filled": true, "size": 160, "color": "#b3261e"},
            "encoding": {"x": x, "y": y, "tooltip": [{"field": "school"}, {"field": "n", "title": "Pupils"}, {"field": "value", "format": format}]}
        }));
    }
    json!({
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "description": format!("Funnel plot of {} for every school in England, with this school and its partnership highlighted", measure.label()),
        "width": "container",
        "height": 320,
        "layer": layers
    })
}

fn funnel_caption(
    school_name: &str,
    measure: Measure,
    comparison: Option<&Comparison>,
    position: Option<cairn_measures::ci::FunnelPosition>,
) -> String {
    use cairn_measures::ci::FunnelPosition as P;
    let label = measure.label().to_lowercase();
    let vs_similar = match comparison
        .and_then(|c| c.vs_similar)
        .and_then(|s| higher_lower(measure, s))
    {
        Some(word) => format!("{school_name} is significantly {word} similar schools on {label}"),
        None => {
            format!("{school_name} is not significantly different from similar schools on {label}")
        }
    };
    let funnel = match position {
        Some(P::AboveOuter | P::AboveInner) => {
            " and sits above England's funnel: more than chance alone would explain."
        }
        Some(P::BelowOuter | P::BelowInner) => {
            " and sits below England's funnel: more than chance alone would explain."
        }
        Some(P::Within) => " and sits within England's funnel, where chance alone could put it.",
        None => ".",
    };
    format!("{vs_similar}{funnel}")
}

/// Where the partnership's other schools sit, in words: how many are drawn, and how many fall
/// above, within and below the funnel (positions are only given when limits could be drawn).
fn partnership_caption(
    n_partners: usize,
    n_shown: usize,
    positions: &[cairn_measures::ci::FunnelPosition],
) -> String {
    use cairn_measures::ci::FunnelPosition as P;
    let mut text = if n_partners == 1 {
        "The partnership's other school is the purple square".to_owned()
    } else {
        format!("The partnership's other {n_partners} schools are the purple squares")
    };
    if n_shown < n_partners {
        let hidden = n_partners - n_shown;
        text.push_str(&format!(
            " ({hidden} not drawn: {} figure is suppressed)",
            if hidden == 1 { "its" } else { "their" }
        ));
    }
    if positions.is_empty() {
        text.push('.');
        return text;
    }
    let count = |wanted: &[P]| positions.iter().filter(|p| wanted.contains(p)).count();
    let above = count(&[P::AboveOuter, P::AboveInner]);
    let below = count(&[P::BelowOuter, P::BelowInner]);
    let within = count(&[P::Within]);
    let parts: Vec<String> = [(above, "above"), (within, "within"), (below, "below")]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, place)| format!("{n} {place}"))
        .collect();
    text.push_str(&format!(": {} the funnel.", parts.join(", ")));
    text
}

/// GET /schools/{urn}/compare: the school against England and similar schools.
pub(crate) async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(urn): Path<String>,
    Query(query): Query<CompareQuery>,
) -> Result<Html<String>, WebError> {
    let school = schools::authorise(&state, &viewer, &urn, Access::Aggregate).await?;
    let store = &state.store;
    let year = store.latest_academic_year().await?;
    let (comparisons, similar, results) = match year {
        Some(y) => (
            store.school_comparisons(school.urn, Some(y)).await?,
            store.similar_schools(school.urn, y).await?,
            store
                .latest_results(
                    None,
                    &ScopeFilter::Only(vec![ResultScope::School(school.urn)]),
                    &COMPARED,
                )
                .await?
                .results,
        ),
        None => (Vec::new(), Vec::new(), Vec::new()),
    };
    let chosen = query
        .measure
        .as_deref()
        .and_then(Measure::parse)
        .filter(|m| COMPARED.contains(m));
    let mut funnel_for = None;
    let default_measure = COMPARED_BY_PREFERENCE.iter().copied().find(|m| {
        comparisons
            .iter()
            .any(|c| c.measure == *m && c.pupil_group == PupilGroup::All && c.national.is_some())
    });
    let mut partnership = Vec::new();
    if let (Some(y), Some(measure)) = (year, chosen.or(default_measure)) {
        funnel_for = Some((measure, store.funnel_points(measure, y).await?));
        partnership = partnership_points(&state, &viewer, school.urn, measure, y).await?;
    }
    let page = build(
        &viewer,
        school.urn,
        &school.name,
        year,
        &comparisons,
        &similar,
        &results,
        funnel_for,
        &partnership,
    );
    render(&page)
}

/// One of the school's partnership on the funnel: its name, and its figure with the pupils
/// behind it, or `None` when the figure is suppressed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PartnerPoint {
    pub name: String,
    pub figure: Option<(f64, u32)>,
}

/// The year's figures of the other schools in this school's partnership that the viewer may
/// see (`Gate::partnership_of`), read from the stored results like the school's own.
async fn partnership_points(
    state: &AppState,
    viewer: &Viewer,
    urn: Urn,
    measure: Measure,
    year: AcademicYear,
) -> Result<Vec<PartnerPoint>, WebError> {
    let others = viewer.gate.partnership_of(urn);
    if others.is_empty() {
        return Ok(Vec::new());
    }
    let store = &state.store;
    let names: HashMap<Urn, String> = store
        .schools()
        .await?
        .into_iter()
        .filter(|s| others.contains(&s.urn))
        .map(|s| (s.urn, s.name))
        .collect();
    let scopes = ScopeFilter::Only(others.iter().map(|&u| ResultScope::School(u)).collect());
    let results = store
        .latest_results_for(Some(year), &scopes, &[measure], &[PupilGroup::All])
        .await?
        .results;
    let mut points: Vec<PartnerPoint> = results
        .into_iter()
        .filter(|r| r.academic_year == year && r.measure == measure)
        .filter_map(|r| {
            let ResultScope::School(school) = r.scope else {
                return None;
            };
            Some(PartnerPoint {
                name: names.get(&school)?.clone(),
                figure: match r.value {
                    StoredValue::Shown {
                        value, n_pupils, ..
                    } => Some((value, n_pupils)),
                    StoredValue::Suppressed => None,
                },
            })
        })
        .collect();
    points.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(points)
}

/// The measure the funnel shows unless the viewer picks one.
const COMPARED_BY_PREFERENCE: [Measure; 6] = [
    Measure::Ks4Progress8,
    Measure::Ks4Attainment8,
    Measure::Ks2RwmExpected,
    Measure::AttendanceOverallAbsence,
    Measure::Ks4EnglishMaths5Plus,
    Measure::AttendancePersistentAbsence,
];

#[expect(
    clippy::too_many_arguments,
    reason = "each argument is one stored fact the handler read"
)]
pub(crate) fn build(
    viewer: &Viewer,
    urn: Urn,
    school_name: &str,
    year: Option<AcademicYear>,
    comparisons: &[Comparison],
    similar: &[SimilarSchool],
    results: &[StoredResult],
    funnel_for: Option<(Measure, Vec<FunnelPoint>)>,
    partnership: &[PartnerPoint],
) -> CompareShowPage {
    let own = |measure: Measure, y: AcademicYear| {
        results.iter().find(|r| {
            r.measure == measure && r.academic_year == y && r.pupil_group == PupilGroup::All
        })
    };
    let comparison = |measure: Measure| {
        comparisons
            .iter()
            .find(|c| c.measure == measure && c.pupil_group == PupilGroup::All)
    };
    let mut lines = Vec::new();
    if let Some(y) = year {
        for measure in COMPARED {
            let Some(current) = own(measure, y) else {
                continue;
            };
            let earlier: Vec<(AcademicYear, &StoredValue)> = results
                .iter()
                .filter(|r| {
                    r.measure == measure && r.pupil_group == PupilGroup::All && r.academic_year < y
                })
                .map(|r| (r.academic_year, &r.value))
                .collect();
            lines.push(MeasureLine {
                label: measure.label(),
                cell: compared_cell(measure, &current.value, comparison(measure), &earlier),
            });
        }
    }
    let shown_measures: Vec<Measure> = COMPARED
        .iter()
        .copied()
        .filter(|m| {
            similar
                .iter()
                .any(|s| s.figures.iter().any(|(fm, _)| fm == m))
        })
        .collect();
    let neighbours = similar
        .iter()
        .map(|s| {
            let figures: HashMap<Measure, &StoredFigure> =
                s.figures.iter().map(|(m, f)| (*m, f)).collect();
            NeighbourLine {
                rank: s.rank,
                name: s.name.clone().unwrap_or_else(|| format!("URN {}", s.urn)),
                urn: s.urn.to_string(),
                phase: s.phase.label(),
                why: why_chosen(s),
                figures: shown_measures
                    .iter()
                    .map(|m| match figures.get(m) {
                        Some(StoredFigure::Shown { value, .. }) => format_value(*m, *value),
                        Some(StoredFigure::Suppressed) => "Suppressed".to_owned(),
                        None => "–".to_owned(),
                    })
                    .collect(),
            }
        })
        .collect();
    let funnel = funnel_for.and_then(|(measure, points)| {
        let c = comparison(measure)?;
        let england = c.national?;
        let current = year.and_then(|y| own(measure, y));
        let school_point = current.and_then(|r| match r.value {
            StoredValue::Shown {
                value,
                n_pupils,
                ci_low,
                ci_high,
            } => Some((value, n_pupils, ci_low.zip(ci_high))),
            StoredValue::Suppressed => None,
        });
        // The pupil-level SD behind the school's interval: half-width / z · √n.
        let sd = school_point.and_then(|(_, n, ci)| {
            ci.map(|(low, high)| (high - low) / 2.0 / Z_95_DFE * f64::from(n).sqrt())
        });
        let position = school_point
            .and_then(|(value, n, _)| limits(measure, england, sd, n).map(|l| l.position(value)));
        let shown_partners: Vec<(&str, f64, u32)> = partnership
            .iter()
            .filter_map(|p| p.figure.map(|(value, n)| (p.name.as_str(), value, n)))
            .collect();
        let spec = funnel_spec(
            measure,
            &points,
            school_point.map(|(value, n, _)| (school_name, value, n)),
            &shown_partners,
            england,
            sd,
        );
        let mut rows = vec![("England".to_owned(), format_value(measure, england))];
        if let Some(avg) = c.similar_average {
            rows.push((
                "Similar schools' average".to_owned(),
                format_value(measure, avg),
            ));
        }
        if let Some((value, n, _)) = school_point {
            rows.push((
                format!("{school_name} ({n} pupils)"),
                format_value(measure, value),
            ));
            if let Some(l) = limits(measure, england, sd, n) {
                rows.push((
                    format!("95% limits for {n} pupils"),
                    format!(
                        "{} to {}",
                        format_value(measure, l.inner.lower),
                        format_value(measure, l.inner.upper)
                    ),
                ));
                rows.push((
                    format!("99.8% limits for {n} pupils"),
                    format!(
                        "{} to {}",
                        format_value(measure, l.outer.lower),
                        format_value(measure, l.outer.upper)
                    ),
                ));
            }
        } else {
            rows.push((
                school_name.to_owned(),
                "Suppressed (fewer than 6 pupils)".to_owned(),
            ));
        }
        for p in partnership {
            rows.push(match p.figure {
                Some((value, n)) => (
                    format!("{} ({n} pupils), partnership", p.name),
                    format_value(measure, value),
                ),
                None => (
                    format!("{}, partnership", p.name),
                    "Suppressed (fewer than 6 pupils)".to_owned(),
                ),
            });
        }
        let partner_positions: Vec<_> = shown_partners
            .iter()
            .filter_map(|&(_, value, n)| limits(measure, england, sd, n).map(|l| l.position(value)))
            .collect();
        let mut caption = funnel_caption(school_name, measure, Some(c), position);
        if !partnership.is_empty() {
            caption.push(' ');
            caption.push_str(&partnership_caption(
                partnership.len(),
                shown_partners.len(),
                &partner_positions,
            ));
        }
        Some(FunnelView {
            measure_label: measure.label(),
            caption,
            spec_json: spec.to_string().replace('<', "\\u003c"),
            n_schools: points.len(),
            rows,
        })
    });
    let funnel_measure = funnel.as_ref().map(|f| f.measure_label);
    let choices = COMPARED
        .iter()
        .filter(|m| comparison(**m).is_some_and(|c| c.national.is_some()))
        .map(|m| (m.code(), m.label(), Some(m.label()) == funnel_measure))
        .collect();
    CompareShowPage {
        nav: Some(Nav::of(viewer)),
        title: format!("How {school_name} compares"),
        school_name: school_name.to_owned(),
        urn: urn.to_string(),
        year: year.map(|y| y.to_string()),
        lines,
        measure_labels: shown_measures.iter().map(|m| m.label()).collect(),
        neighbours,
        funnel,
        choices,
    }
}

#[cfg(test)]
mod tests;
