//! Parquet part files of a trace table, record by record (the `parquet` crate's row API,
//! without Arrow). Each record's fields become the text the CSV reader would have produced,
//! so the formats read both alike: columns are found by the schema's field names for the
//! formats whose CSV files have a header (Alibaba GPU 2023) and by position for the others.
//! The row iterator decodes one row group's column chunks at a time, never the whole file.

use std::fs::File;
use std::path::Path;

use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::reader::RowIter;
use parquet::record::Field;

use super::TraceError;

/// The records of one Parquet file.
pub struct ParquetRecords {
    file: String,
    names: Vec<String>,
    rows: RowIter<'static>,
    record: u64,
}

impl ParquetRecords {
    /// Opens `path` and reads its schema.
    pub fn open(path: &Path) -> Result<Self, TraceError> {
        let file = path.display().to_string();
        let whole = |message: String| TraceError {
            file: file.clone(),
            row: None,
            column: String::new(),
            message,
        };
        let f = File::open(path).map_err(|e| whole(format!("cannot read: {e}")))?;
        let reader =
            SerializedFileReader::new(f).map_err(|e| whole(format!("not a Parquet file: {e}")))?;
        let schema = reader.metadata().file_metadata().schema_descr_ptr();
        let fields = schema.root_schema().get_fields();
        let mut names = Vec::with_capacity(fields.len());
        for f in fields {
            if f.is_group() {
                return Err(TraceError {
                    file: file.clone(),
                    row: None,
                    column: f.name().to_string(),
                    message: "is a nested group; a trace table has flat columns".into(),
                });
            }
            names.push(f.name().to_string());
        }
        Ok(ParquetRecords {
            file,
            names,
            rows: reader.into_iter(),
            record: 0,
        })
    }

    /// The schema's top-level field names, in order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Reads the next record into `out` as text fields; false at the end of the file.
    pub fn next_into(&mut self, out: &mut csv::StringRecord) -> Result<bool, TraceError> {
        let Some(row) = self.rows.next() else {
            return Ok(false);
        };
        self.record += 1;
        let row = row.map_err(|e| TraceError {
            file: self.file.clone(),
            row: Some(self.record),
            column: String::new(),
            message: format!("cannot read: {e}"),
        })?;
        out.clear();
        out.set_position(None);
        let mut text = String::new();
        for (name, field) in row.get_column_iter() {
            text.clear();
            field_text(field, &mut text).map_err(|kind| TraceError {
                file: self.file.clone(),
                row: Some(self.record),
                column: name.clone(),
                message: format!("{kind} values are not read (numbers and strings are)"),
            })?;
            out.push_field(&text);
        }
        Ok(true)
    }
}

/// A primitive field as the text a CSV file would hold (null: empty); the field's kind when it
/// is not a number, a string or a boolean.
fn field_text(field: &Field, out: &mut String) -> Result<(), &'static str> {
    use std::fmt::Write as _;
    let _ = match field {
        Field::Null => Ok(()),
        Field::Bool(v) => write!(out, "{v}"),
        Field::Byte(v) => write!(out, "{v}"),
        Field::Short(v) => write!(out, "{v}"),
        Field::Int(v) => write!(out, "{v}"),
        Field::Long(v) => write!(out, "{v}"),
        Field::UByte(v) => write!(out, "{v}"),
        Field::UShort(v) => write!(out, "{v}"),
        Field::UInt(v) => write!(out, "{v}"),
        Field::ULong(v) => write!(out, "{v}"),
        Field::Float16(v) => write!(out, "{}", f32::from(*v)),
        Field::Float(v) => write!(out, "{v}"),
        Field::Double(v) => write!(out, "{v}"),
        Field::Str(s) => {
            out.push_str(s);
            Ok(())
        }
        Field::Bytes(b) => match b.as_utf8() {
            Ok(s) => {
                out.push_str(s);
                Ok(())
            }
            Err(_) => return Err("non-UTF-8 binary"),
        },
        Field::Decimal(_) => return Err("decimal"),
        Field::Date(_) => return Err("date"),
        Field::TimeMillis(_) | Field::TimeMicros(_) => return Err("time"),
        Field::TimestampMillis(_) | Field::TimestampMicros(_) => return Err("timestamp"),
        Field::Group(_) => return Err("group"),
        Field::ListInternal(_) => return Err("list"),
        Field::MapInternal(_) => return Err("map"),
    };
    Ok(())
}
