//! Reading the small CSV year tables (embedded or supplied by the caller).

use crate::MeasureError;

/// A parsed CSV table: header names and rows, with line numbers for error messages.
#[derive(Debug)]
pub(crate) struct CsvTable {
    name: &'static str,
    headers: Vec<String>,
    rows: Vec<(u64, Vec<String>)>,
}

impl CsvTable {
    pub(crate) fn parse(name: &'static str, text: &str) -> Result<Self, MeasureError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut reader = csv::ReaderBuilder::new()
            .flexible(false)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let headers = reader
            .headers()
            .map_err(|e| parse_error(name, 1, &e.to_string()))?
            .iter()
            .map(str::to_owned)
            .collect();
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| {
                let line = e.position().map_or(0, csv::Position::line);
                parse_error(name, line, &e.to_string())
            })?;
            let line = record.position().map_or(0, csv::Position::line);
            rows.push((line, record.iter().map(str::to_owned).collect()));
        }
        Ok(CsvTable {
            name,
            headers,
            rows,
        })
    }

    /// The index of a required column.
    pub(crate) fn column(&self, header: &str) -> Result<usize, MeasureError> {
        self.headers
            .iter()
            .position(|h| h.eq_ignore_ascii_case(header))
            .ok_or_else(|| parse_error(self.name, 1, &format!("missing column {header:?}")))
    }

    pub(crate) fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.rows.iter().map(|(line, cells)| Row {
            table: self.name,
            line: *line,
            cells,
        })
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Row<'a> {
    table: &'static str,
    line: u64,
    cells: &'a [String],
}

impl<'a> Row<'a> {
    pub(crate) fn text(&self, column: usize) -> Result<&'a str, MeasureError> {
        self.cells
            .get(column)
            .map(String::as_str)
            .ok_or_else(|| self.error("missing cell"))
    }

    pub(crate) fn number(&self, column: usize) -> Result<f64, MeasureError> {
        let text = self.text(column)?;
        text.parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| self.error(&format!("{text:?} is not a number")))
    }

    pub(crate) fn error(&self, message: &str) -> MeasureError {
        parse_error(self.table, self.line, message)
    }
}

fn parse_error(table: &'static str, line: u64, message: &str) -> MeasureError {
    MeasureError::TableParse {
        table,
        line,
        message: message.to_owned(),
    }
}
