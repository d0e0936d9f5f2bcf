//! Charts as Vega-Lite specs, built on the server from the same figures as the table beside
//! each chart.
//!
//! A page puts a [`Chart`] inside a `<figure>` as
//! `<script type="application/json" class="vega-spec">`; `assets/charts.js` draws every such
//! spec with vega-embed. Any spec in that element is drawn, so other modules can emit their
//! own (a funnel plot, say) without touching the bootstrap.
//! The data table stays in the page, so the chart adds a picture and hides nothing.

use serde_json::{Value, json};

use crate::tables::{Cell, DataTable};

/// The import map every page with charts carries before any module script: it lets the
/// vendored vega-interpreter module find `vega-util` (see `assets/vendor/MANIFEST.md`).
/// The CSP allows exactly this text by its SHA-256 (`security.rs`), so keep it on one line.
pub(crate) const IMPORT_MAP: &str =
    r#"{"imports":{"vega-util":"/assets/charts-1/vega-util-shim.js"}}"#;

/// A chart spec ready to embed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Chart {
    spec: Value,
}

impl Chart {
    pub(crate) fn from_spec(spec: Value) -> Chart {
        Chart { spec }
    }

    /// The spec as JSON that is safe inside a `<script>` element: `<`, `>` and `&` are
    /// escaped as JSON unicode escapes, so no value can close the element.
    pub(crate) fn script_json(&self) -> String {
        let text = self.spec.to_string();
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            match c {
                '<' => out.push_str("\\u003c"),
                '>' => out.push_str("\\u003e"),
                '&' => out.push_str("\\u0026"),
                other => out.push(other),
            }
        }
        out
    }

    #[cfg(test)]
    pub(crate) fn spec(&self) -> &Value {
        &self.spec
    }
}

/// One point of a trend: a year's value and, when known, its 95 % confidence interval, all
/// in the units the table shows (percentages as 21.5, not 0.215).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TrendPoint {
    pub year: String,
    pub value: f64,
    pub ci: Option<(f64, f64)>,
}

/// A line over the years with a vertical bar for each year's 95 % confidence interval.
/// Suppressed years are left out of the line (the table beside it says why).
pub(crate) fn trend(title: &str, unit: &str, description: &str, points: &[TrendPoint]) -> Chart {
    let values: Vec<Value> = points
        .iter()
        .map(|p| {
            let mut point = json!({ "year": p.year, "value": p.value });
            if let Some((low, high)) = p.ci {
                point["low"] = json!(low);
                point["high"] = json!(high);
            }
            point
        })
        .collect();
    let x = json!({
        "field": "year", "type": "ordinal", "title": "Academic year",
        "axis": { "labelAngle": 0 }
    });
    let y_title = if unit.is_empty() {
        title.to_owned()
    } else {
        format!("{title} ({unit})")
    };
    Chart::from_spec(json!({
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "description": description,
        "width": "container",
        "height": 180,
        "data": { "values": values },
        "config": {
            "font": "system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif",
            "axis": { "labelColor": "#1d2330", "titleColor": "#1d2330", "labelFontSize": 12, "titleFontSize": 12 },
            "view": { "stroke": null }
        },
        "layer": [
            {
                "mark": { "type": "rule", "color": "#505a6b", "strokeWidth": 2 },
                "encoding": {
                    "x": x,
                    "y": { "field": "low", "type": "quantitative", "title": y_title, "scale": { "zero": false } },
                    "y2": { "field": "high" }
                }
            },
            {
                "mark": { "type": "line", "color": "#1c5d99", "point": { "filled": true, "size": 60, "color": "#1c5d99" } },
                "encoding": {
                    "x": x,
                    "y": { "field": "value", "type": "quantitative", "title": y_title, "scale": { "zero": false } }
                }
            }
        ]
    }))
}

/// A trend chart from a table whose rows are years: first cell the year, then the cells at
/// `value_col`, and the CI's low and high at `ci_cols` when the table has them as numbers.
pub(crate) fn trend_from_table(
    table: &DataTable,
    title: &str,
    unit: &str,
    value_col: usize,
    ci_cols: Option<(usize, usize)>,
) -> Option<Chart> {
    let number = |row: &[Cell], idx: usize| match row.get(idx) {
        Some(Cell::Number { value, .. }) => Some(*value),
        _ => None,
    };
    let points: Vec<TrendPoint> = table
        .rows
        .iter()
        .filter_map(|row| {
            let year = match row.first() {
                Some(Cell::Text(year)) => year.clone(),
                _ => return None,
            };
            let value = number(row, value_col)?;
            let ci = ci_cols.and_then(|(low, high)| Some((number(row, low)?, number(row, high)?)));
            Some(TrendPoint { year, value, ci })
        })
        .collect();
    if points.is_empty() {
        return None;
    }
    let description = format!(
        "{title} by academic year{}. The table below gives every figure.",
        if ci_cols.is_some() {
            ", with vertical bars showing each year's 95% confidence interval"
        } else {
            ""
        }
    );
    Some(trend(title, unit, &description, &points))
}

/// Two lines over the rows of a table (first cell the label, then two number columns): the
/// schools that adopted a practice and their comparison schools, by years from adoption, with
/// a rule where the practice started.
pub(crate) fn two_lines(table: &DataTable, y_title: &str, description: &str) -> Option<Chart> {
    lines(table, "Years from adoption", y_title, description, &[1, 2])
}

/// One line per number column `series` (named by its column label) over the rows of a table
/// whose first cell labels the row, in row order; a row's suppressed or empty cells leave a
/// gap in that line only (the table beside the chart says why).
pub(crate) fn lines(
    table: &DataTable,
    x_title: &str,
    y_title: &str,
    description: &str,
    series: &[usize],
) -> Option<Chart> {
    let mut values = Vec::new();
    let mut order = Vec::new();
    for row in &table.rows {
        let Some(Cell::Text(label)) = row.first() else {
            continue;
        };
        order.push(label.clone());
        for &idx in series {
            if let (Some(Cell::Number { value, .. }), Some(column)) =
                (row.get(idx), table.columns.get(idx))
            {
                values.push(json!({ "when": label, "series": column.label, "value": value }));
            }
        }
    }
    if values.is_empty() {
        return None;
    }
    let x = json!({
        "field": "when", "type": "ordinal", "title": x_title, "sort": order,
        "axis": { "labelAngle": 0 }
    });
    Some(Chart::from_spec(json!({
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "description": description,
        "width": "container",
        "height": 200,
        "data": { "values": values },
        "config": {
            "font": "system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif",
            "axis": { "labelColor": "#1d2330", "titleColor": "#1d2330", "labelFontSize": 12, "titleFontSize": 12 },
            "legend": { "labelColor": "#1d2330", "titleColor": "#1d2330", "orient": "bottom", "labelLimit": 320 },
            "view": { "stroke": null }
        },
        "mark": { "type": "line", "point": { "filled": true, "size": 60 } },
        "encoding": {
            "x": x,
            "y": { "field": "value", "type": "quantitative", "title": y_title, "scale": { "zero": false } },
            "color": {
                "field": "series", "type": "nominal", "title": null,
                "scale": { "range": ["#1c5d99", "#8a4b08", "#2b6b3a", "#6a3d7a"] }
            },
            "strokeDash": { "field": "series", "type": "nominal", "legend": null }
        }
    })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::Column;

    #[test]
    fn a_spec_cannot_close_its_script_element() {
        let chart = trend("</script><b>", "%", "x & y", &[]);
        let json = chart.script_json();
        assert!(!json.contains('<') && !json.contains('>') && !json.contains('&'));
        let back: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(back, *chart.spec());
    }

    #[test]
    fn a_trend_comes_from_its_table_and_leaves_out_suppressed_years() {
        let mut table = DataTable::new(
            "t",
            "Trend",
            vec![
                Column::text("Year"),
                Column::number("Value"),
                Column::number("Low"),
                Column::number("High"),
            ],
            "/",
        );
        let n = |v: f64| Cell::Number {
            text: v.to_string(),
            value: v,
        };
        table.push(vec![Cell::text("2022/23"), n(40.0), n(38.0), n(42.0)]);
        table.push(vec![
            Cell::text("2023/24"),
            Cell::Suppressed,
            Cell::Suppressed,
            Cell::Suppressed,
        ]);
        table.push(vec![
            Cell::text("2024/25"),
            n(45.0),
            Cell::Empty,
            Cell::Empty,
        ]);
        let chart = trend_from_table(&table, "Attainment 8", "", 1, Some((2, 3))).unwrap();
        let values = &chart.spec()["data"]["values"];
        assert_eq!(
            *values,
            json!([
                { "year": "2022/23", "value": 40.0, "low": 38.0, "high": 42.0 },
                { "year": "2024/25", "value": 45.0 }
            ])
        );
        assert_eq!(chart.spec()["layer"][1]["mark"]["type"], "line");
    }
}
