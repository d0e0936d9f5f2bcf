//! Data tables: the one shape every dashboard table takes, so the same value renders as an
//! HTML table (`templates/partials/table.html`) and downloads as CSV or XLSX (`export.rs`)
//! without a second copy of the page's logic.
//!
//! A cell is text, a number with the text people read, a suppressed figure, or empty.
//! Suppressed cells carry nothing else, so no page or export can show what they hide.

use cairn_store::{Measure, StoredValue};

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    Text(String),
    /// Text that links to a page (exports keep the text only).
    Link {
        text: String,
        href: String,
    },
    /// A number as shown (`text`) and as exported (`value`, in the same units as `text`:
    /// 21.5 for "21.5%").
    Number {
        text: String,
        value: f64,
    },
    /// Hidden to protect a small group: "Suppressed" on pages, "SUPP" in exports.
    Suppressed,
    /// Nothing recorded.
    Empty,
}

impl Cell {
    pub(crate) fn text(text: impl Into<String>) -> Cell {
        Cell::Text(text.into())
    }

    pub(crate) fn count(n: u32) -> Cell {
        Cell::Number {
            text: crate::pages::count(i64::from(n)),
            value: f64::from(n),
        }
    }

    /// A stored figure's value, in the units pages use for the measure.
    pub(crate) fn figure(measure: Measure, value: &StoredValue) -> Cell {
        match value {
            StoredValue::Suppressed => Cell::Suppressed,
            StoredValue::Shown { value, .. } => Cell::measure_value(measure, *value, false),
        }
    }

    /// A stored figure's pupil count.
    pub(crate) fn pupils(value: &StoredValue) -> Cell {
        match value.n_pupils() {
            Some(n) => Cell::count(n),
            None => Cell::Suppressed,
        }
    }

    /// A stored figure's 95 % confidence interval, "low to high", when it has one.
    pub(crate) fn interval(measure: Measure, value: &StoredValue) -> Cell {
        match value {
            StoredValue::Suppressed => Cell::Suppressed,
            StoredValue::Shown {
                ci_low: Some(low),
                ci_high: Some(high),
                ..
            } => {
                let (low, _) = shown(measure, *low, false);
                let (high, _) = shown(measure, *high, false);
                Cell::Text(format!("{low} to {high}"))
            }
            StoredValue::Shown { .. } => Cell::Empty,
        }
    }

    /// A difference between two figures of `measure` (a gap or a change): always signed, and in
    /// percentage points for proportions.
    pub(crate) fn difference(measure: Measure, gap: Option<f64>) -> Cell {
        match gap {
            Some(gap) => Cell::measure_value(measure, gap, true),
            None => Cell::Suppressed,
        }
    }

    fn measure_value(measure: Measure, value: f64, difference: bool) -> Cell {
        let (text, value) = shown(measure, value, difference);
        Cell::Number { text, value }
    }

    /// The cell as exported: numbers as numbers, suppressed as `SUPP`.
    pub(crate) fn export_text(&self) -> String {
        match self {
            Cell::Text(text) | Cell::Link { text, .. } => text.clone(),
            Cell::Number { value, .. } => value.to_string(),
            Cell::Suppressed => "SUPP".to_owned(),
            Cell::Empty => String::new(),
        }
    }

    pub(crate) fn is_number(&self) -> bool {
        matches!(self, Cell::Number { .. })
    }
}

/// How a measure's value is written: percentages to one decimal place, Progress 8 signed to two,
/// other means to one; differences are always signed, proportions' in percentage points.
/// Returns the text and the number it shows.
fn shown(measure: Measure, value: f64, difference: bool) -> (String, f64) {
    if measure.is_proportion() {
        let percent = round(value * 100.0, 1);
        if difference {
            (format!("{percent:+.1} pts"), percent)
        } else {
            (format!("{percent:.1}%"), percent)
        }
    } else if measure == Measure::Ks4Progress8 {
        let v = round(value, 2);
        (format!("{v:+.2}"), v)
    } else {
        let v = round(value, 1);
        if difference {
            (format!("{v:+.1}"), v)
        } else {
            (format!("{v:.1}"), v)
        }
    }
}

fn round(value: f64, places: i32) -> f64 {
    let scale = 10f64.powi(places);
    let rounded = (value * scale).round() / scale;
    // No "-0.0" in pages or exports.
    if rounded == 0.0 { 0.0 } else { rounded }
}

/// A column heading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Column {
    pub label: String,
    pub numeric: bool,
}

impl Column {
    pub(crate) fn text(label: impl Into<String>) -> Column {
        Column {
            label: label.into(),
            numeric: false,
        }
    }

    pub(crate) fn number(label: impl Into<String>) -> Column {
        Column {
            label: label.into(),
            numeric: true,
        }
    }
}

/// A table: a caption, columns, and rows whose first cell names the row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DataTable {
    /// Unique on its page; names the table in export links and file names.
    pub key: String,
    pub caption: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
    /// The page's own address, with any filters, that export links extend.
    pub export_path: String,
}

impl DataTable {
    pub(crate) fn new(
        key: impl Into<String>,
        caption: impl Into<String>,
        columns: Vec<Column>,
        export_path: impl Into<String>,
    ) -> DataTable {
        DataTable {
            key: key.into(),
            caption: caption.into(),
            columns,
            rows: Vec::new(),
            export_path: export_path.into(),
        }
    }

    pub(crate) fn push(&mut self, row: Vec<Cell>) {
        self.rows.push(row);
    }

    /// The link that downloads this table as `format` ("csv" or "xlsx").
    pub(crate) fn export_href(&self, format: &str) -> String {
        let separator = if self.export_path.contains('?') {
            '&'
        } else {
            '?'
        };
        format!(
            "{}{separator}table={}&format={format}",
            self.export_path,
            crate::export::query_escape(&self.key)
        )
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// Finds the table a download asks for among a page's tables.
pub(crate) fn find<'a>(tables: &'a [DataTable], key: &str) -> Option<&'a DataTable> {
    tables.iter().find(|t| t.key == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_written_in_each_measures_units_and_suppression_hides_everything() {
        let shown_value = StoredValue::Shown {
            value: 0.2149,
            n_pupils: 120,
            ci_low: Some(0.18),
            ci_high: Some(0.25),
        };
        let percent = Cell::figure(Measure::AttendancePersistentAbsence, &shown_value);
        assert_eq!(
            percent,
            Cell::Number {
                text: "21.5%".to_owned(),
                value: 21.5
            }
        );
        assert_eq!(
            Cell::interval(Measure::AttendancePersistentAbsence, &shown_value),
            Cell::text("18.0% to 25.0%")
        );
        assert_eq!(
            Cell::difference(Measure::Ks2RwmExpected, Some(-0.123)),
            Cell::Number {
                text: "-12.3 pts".to_owned(),
                value: -12.3
            }
        );
        assert_eq!(
            Cell::difference(Measure::Ks4Progress8, Some(0.004)),
            Cell::Number {
                text: "+0.00".to_owned(),
                value: 0.0
            }
        );
        let p8 = StoredValue::Shown {
            value: -0.456,
            n_pupils: 150,
            ci_low: None,
            ci_high: None,
        };
        assert_eq!(
            Cell::figure(Measure::Ks4Progress8, &p8).export_text(),
            "-0.46"
        );
        for cell in [
            Cell::figure(Measure::Ks4Attainment8, &StoredValue::Suppressed),
            Cell::pupils(&StoredValue::Suppressed),
            Cell::interval(Measure::Ks4Attainment8, &StoredValue::Suppressed),
            Cell::difference(Measure::Ks4Attainment8, None),
        ] {
            assert_eq!(cell, Cell::Suppressed);
            assert_eq!(cell.export_text(), "SUPP");
        }
    }

    #[test]
    fn export_links_keep_the_pages_filters() {
        let plain = DataTable::new("trend", "Trend", vec![], "/schools/100001");
        assert_eq!(
            plain.export_href("csv"),
            "/schools/100001?table=trend&format=csv"
        );
        let filtered = DataTable::new("pupils", "Pupils", vec![], "/pupils?school=100001");
        assert_eq!(
            filtered.export_href("xlsx"),
            "/pupils?school=100001&table=pupils&format=xlsx"
        );
    }
}
