//! Writes the failure tables of a run: `workloads.csv` and `workload_availability.csv`
//! always; `faults.csv`, `effects.csv` and `cascades.csv` when the run has faults, effects or
//! cascades (an absent file means "none", which the report shows as not applicable).

use std::path::Path;

use super::resilience::ResilienceResult;
use super::schema::{
    cell_header, cell_row, secs, Cell, AVAILABILITY_COLUMNS, CASCADES, CASCADE_CELLS,
    CASCADE_SERVICE_CELLS, EFFECTS, EFFECT_CELLS, FAULTS, FAULT_CELLS, WORKLOADS,
    WORKLOAD_AVAILABILITY, WORKLOAD_CELLS,
};
use super::write::{csv_writer, finish_csv, WriteError};

/// Writes every failure table of `r` into `dir`.
pub(super) fn write_resilience(dir: &Path, r: &ResilienceResult) -> Result<(), WriteError> {
    if !r.faults.is_empty() {
        write_cells(dir, FAULTS.file, FAULT_CELLS, &r.faults)?;
    }
    if !r.effects.is_empty() {
        write_cells(dir, EFFECTS.file, EFFECT_CELLS, &r.effects)?;
    }
    if !r.cascades.is_empty() {
        if r.services {
            let cells: Vec<Cell<_>> = CASCADE_CELLS
                .iter()
                .chain(CASCADE_SERVICE_CELLS)
                .map(|c| Cell {
                    column: c.column,
                    value: c.value,
                })
                .collect();
            write_cells(dir, CASCADES.file, &cells, &r.cascades)?;
        } else {
            write_cells(dir, CASCADES.file, CASCADE_CELLS, &r.cascades)?;
        }
    }
    write_cells(dir, WORKLOADS.file, WORKLOAD_CELLS, &r.workloads)?;
    write_availability(dir, r)
}

fn err(p: &Path) -> impl FnOnce(csv::Error) -> WriteError {
    let p = p.to_path_buf();
    move |source| WriteError::Csv { path: p, source }
}

/// Writes `rows` as `file` in `dir`: header and cells from one [`Cell`] table.
fn write_cells<R>(dir: &Path, file: &str, cells: &[Cell<R>], rows: &[R]) -> Result<(), WriteError> {
    let path = dir.join(file);
    let mut w = csv_writer(&path)?;
    w.write_record(cell_header(cells)).map_err(err(&path))?;
    for r in rows {
        w.write_record(cell_row(cells, r)).map_err(err(&path))?;
    }
    finish_csv(&path, w)
}

fn write_availability(dir: &Path, r: &ResilienceResult) -> Result<(), WriteError> {
    let path = dir.join(WORKLOAD_AVAILABILITY.file);
    let mut w = csv_writer(&path)?;
    w.write_record(AVAILABILITY_COLUMNS.iter().map(|c| c.name))
        .map_err(err(&path))?;
    for (t, row) in &r.availability {
        let time = secs(*t);
        for (name, (ready, desired)) in r.availability_workloads.iter().zip(row) {
            w.write_record([
                time.as_str(),
                name.as_str(),
                &desired.to_string(),
                &ready.to_string(),
            ])
            .map_err(err(&path))?;
        }
    }
    finish_csv(&path, w)
}
