//! The streaming CSV reader of trace files: one record reused for every row, fields found by
//! header name (or fixed position for the headerless tables), errors naming file, row and
//! column.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use super::TraceError;

/// A trace file read row by row.
pub struct Rows {
    file: String,
    reader: csv::Reader<BufReader<File>>,
    record: csv::StringRecord,
    header: Vec<String>,
    line: u64,
}

impl Rows {
    /// Opens `path`; with `header`, the first row names the columns.
    pub fn open(path: &Path, header: bool) -> Result<Rows, TraceError> {
        let file = path.display().to_string();
        let f = File::open(path).map_err(|e| TraceError {
            file: file.clone(),
            row: None,
            column: String::new(),
            message: format!("cannot read: {e}"),
        })?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(header)
            .flexible(true)
            .buffer_capacity(1 << 16)
            .from_reader(BufReader::with_capacity(1 << 16, f));
        let mut names = Vec::new();
        if header {
            let h = reader.headers().map_err(|e| csv_error(&file, &e))?;
            names = h.iter().map(|s| s.trim().to_string()).collect();
        }
        let rows = Rows {
            file,
            reader,
            record: csv::StringRecord::new(),
            header: names,
            line: 1,
        };
        Ok(rows)
    }

    /// The file name, as given.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// Moves to the next row; false at the end of the file.
    pub fn next_row(&mut self) -> Result<bool, TraceError> {
        loop {
            let more = self
                .reader
                .read_record(&mut self.record)
                .map_err(|e| csv_error(&self.file, &e))?;
            if !more {
                return Ok(false);
            }
            self.line = self.record.position().map_or(self.line + 1, |p| p.line());
            // Blank lines carry no row.
            if !(self.record.len() == 1 && self.record[0].trim().is_empty()) {
                return Ok(true);
            }
        }
    }

    /// The position of column `name` in the header (an error naming the column if absent).
    pub fn column(&self, name: &str) -> Result<usize, TraceError> {
        self.header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| TraceError {
                file: self.file.clone(),
                row: Some(1),
                column: name.to_string(),
                message: format!(
                    "missing column (the header has: {})",
                    self.header.join(", ")
                ),
            })
    }

    /// The first of `names` the header has (for columns named differently across releases).
    pub fn column_of(&self, names: &[&str]) -> Result<usize, TraceError> {
        names
            .iter()
            .find_map(|n| self.header.iter().position(|h| h == n))
            .map_or_else(|| self.column(names[0]), Ok)
    }

    /// Checks the current row has at least `n` fields (for headerless tables).
    pub fn require_fields(&self, n: usize, table: &str) -> Result<(), TraceError> {
        if self.record.len() < n {
            return Err(self.error(
                "",
                format!("has {} columns; a {table} row has {n}", self.record.len()),
            ));
        }
        Ok(())
    }

    /// Number of fields of the current row.
    pub fn fields(&self) -> usize {
        self.record.len()
    }

    /// Field `i` of the current row, trimmed ("" when the row is shorter).
    pub fn text(&self, i: usize) -> &str {
        self.record.get(i).unwrap_or("").trim()
    }

    /// An error on the current row.
    pub fn error(&self, column: &str, message: impl Into<String>) -> TraceError {
        TraceError {
            file: self.file.clone(),
            row: Some(self.line),
            column: column.to_string(),
            message: message.into(),
        }
    }

    /// Field `i` (column `name`) as a number; `None` when empty or `nan`.
    pub fn number(&self, i: usize, name: &str) -> Result<Option<f64>, TraceError> {
        let t = self.text(i);
        if t.is_empty() || t.eq_ignore_ascii_case("nan") {
            return Ok(None);
        }
        match t.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(Some(v)),
            _ => Err(self.error(name, format!("{t:?} is not a number"))),
        }
    }

    /// Field `i` as a non-negative number (empty → `None`).
    pub fn non_negative(&self, i: usize, name: &str) -> Result<Option<f64>, TraceError> {
        match self.number(i, name)? {
            Some(v) if v < 0.0 => Err(self.error(name, format!("{v} is negative"))),
            v => Ok(v),
        }
    }

    /// Field `i` as a required non-negative number.
    pub fn required(&self, i: usize, name: &str) -> Result<f64, TraceError> {
        self.non_negative(i, name)?
            .ok_or_else(|| self.error(name, "is empty"))
    }
}

fn csv_error(file: &str, e: &csv::Error) -> TraceError {
    TraceError {
        file: file.to_string(),
        row: e.position().map(|p| p.line()),
        column: String::new(),
        message: format!("not CSV: {e}"),
    }
}
