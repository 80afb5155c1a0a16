//! The streaming reader of trace files: one record reused for every row, fields found by
//! header name (or fixed position for the headerless tables), errors naming file, row and
//! column.
//!
//! A table may come in several parts (the Google 2011 trace ships each table as 500
//! `part-?????-of-00500.csv.gz` files): the parts are read one after the other as one table,
//! each part's header (when the format has one) checked against the first's. A part whose
//! name ends in `.gz` is decompressed on the fly (`flate2::read::MultiGzDecoder`, so
//! concatenated gzip members work as `zcat` reads them); a `.parquet` part is read record by
//! record through [`super::parquet_file`]. Nothing holds a whole file.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use super::parquet_file::ParquetRecords;
use super::TraceError;

/// Where the records of the current part come from.
enum Source {
    /// A CSV file (plain or gzip-compressed).
    Csv(csv::Reader<Box<dyn Read>>),
    /// A Parquet file.
    Parquet(ParquetRecords),
}

/// A trace table (one or more part files) read row by row.
pub struct Rows {
    parts: Vec<PathBuf>,
    part: usize,
    has_header: bool,
    file: String,
    source: Source,
    record: csv::StringRecord,
    header: Vec<String>,
    line: u64,
}

/// Whether `path` is read as Parquet (by its extension).
pub fn is_parquet(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"))
}

/// Whether `path` is gzip-compressed (by its extension).
fn is_gzip(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"))
}

/// Opens one part; returns its records, its header (empty without one) and the row number
/// before its first record (1 after a CSV header; Parquet records count from 1).
fn open_part(path: &Path, header: bool) -> Result<(Source, Vec<String>, u64), TraceError> {
    let file = path.display().to_string();
    if is_parquet(path) {
        let records = ParquetRecords::open(path)?;
        let names = if header {
            records.names().to_vec()
        } else {
            Vec::new()
        };
        return Ok((Source::Parquet(records), names, 0));
    }
    let f = File::open(path).map_err(|e| TraceError {
        file: file.clone(),
        row: None,
        column: String::new(),
        message: format!("cannot read: {e}"),
    })?;
    let input: Box<dyn Read> = if is_gzip(path) {
        Box::new(flate2::read::MultiGzDecoder::new(BufReader::with_capacity(
            1 << 16,
            f,
        )))
    } else {
        Box::new(BufReader::with_capacity(1 << 16, f))
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(header)
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_reader(input);
    let mut names = Vec::new();
    if header {
        let h = reader.headers().map_err(|e| csv_error(&file, 1, &e))?;
        names = h.iter().map(|s| s.trim().to_string()).collect();
    }
    Ok((Source::Csv(reader), names, u64::from(header)))
}

impl Rows {
    /// Opens `path`; with `header`, the first row names the columns.
    pub fn open(path: &Path, header: bool) -> Result<Rows, TraceError> {
        Rows::open_parts(&[path.to_path_buf()], header)
    }

    /// Opens the parts of one table, read in the order given; with `header`, each part's
    /// first row names the columns, the same in every part.
    pub fn open_parts(parts: &[PathBuf], header: bool) -> Result<Rows, TraceError> {
        let Some(first) = parts.first() else {
            return Err(TraceError {
                file: "(no file)".into(),
                row: None,
                column: String::new(),
                message: "no part file given".into(),
            });
        };
        let (source, names, line) = open_part(first, header)?;
        Ok(Rows {
            parts: parts.to_vec(),
            part: 0,
            has_header: header,
            file: first.display().to_string(),
            source,
            record: csv::StringRecord::new(),
            header: names,
            line,
        })
    }

    /// The current part's file name, as given.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The header's row: 1 in a CSV file, none in a Parquet file (its schema names the
    /// columns).
    fn header_row(&self) -> Option<u64> {
        (!is_parquet(&self.parts[self.part])).then_some(1)
    }

    /// The column names (empty for a headerless format).
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// Moves to the next part; false when there is none.
    fn next_part(&mut self) -> Result<bool, TraceError> {
        if self.part + 1 >= self.parts.len() {
            return Ok(false);
        }
        self.part += 1;
        let path = &self.parts[self.part];
        let (source, names, line) = open_part(path, self.has_header)?;
        self.file = path.display().to_string();
        self.source = source;
        self.line = line;
        if names != self.header {
            return Err(TraceError {
                file: self.file.clone(),
                row: self.header_row(),
                column: String::new(),
                message: format!(
                    "the header differs from the first part's ({}): {} instead of {}",
                    self.parts[0].display(),
                    names.join(","),
                    self.header.join(",")
                ),
            });
        }
        Ok(true)
    }

    /// Moves to the next row (across parts); false at the end of the last part.
    pub fn next_row(&mut self) -> Result<bool, TraceError> {
        loop {
            let more = match &mut self.source {
                Source::Csv(reader) => reader
                    .read_record(&mut self.record)
                    .map_err(|e| csv_error(&self.file, self.line + 1, &e))?,
                Source::Parquet(records) => records.next_into(&mut self.record)?,
            };
            if !more {
                if self.next_part()? {
                    continue;
                }
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
                row: self.header_row(),
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

/// A CSV reading error; `line` is the row being read when the error has no position (an I/O
/// error, such as a corrupt gzip stream).
fn csv_error(file: &str, line: u64, e: &csv::Error) -> TraceError {
    let message = match e.kind() {
        csv::ErrorKind::Io(io) => format!("cannot read: {io}"),
        _ => format!("not CSV: {e}"),
    };
    TraceError {
        file: file.to_string(),
        row: Some(e.position().map_or(line, |p| p.line())),
        column: String::new(),
        message,
    }
}
