//! A results directory read back as the inputs of its figures ([`RunView`]), so the report
//! computes every figure and SLO by the one definition in [`crate::figures`] that `sweep` and
//! `plan` use for runs in memory.

use serde_json::Value;

use super::columns as col;
use super::data::RunData;
use crate::figures::services::{service_entry, service_value, ServiceFigure};
use crate::figures::view::{Resource, RunView, SummaryField, FAULT_ROOT};

/// Seconds as written in the results (three decimals) → ms.
fn ms(s: f64) -> u64 {
    (s * 1000.0).round() as u64
}

impl RunView for RunData {
    fn summary(&self, field: SummaryField) -> Option<f64> {
        field
            .path()
            .iter()
            .try_fold(&self.summary, |v, k| v.get(k))
            .and_then(Value::as_f64)
    }

    fn pending(&self) -> Vec<(u64, f64)> {
        let Some(p) = self.ts.get(col::PODS_PENDING) else {
            return Vec::new();
        };
        self.ts
            .time()
            .iter()
            .zip(p)
            .map(|(t, p)| (ms(*t), *p))
            .collect()
    }

    fn requested_ready(&self, resource: Resource) -> Option<Vec<Option<f64>>> {
        let (req, alloc) = match resource {
            Resource::Cpu => (col::CPU_REQUESTED_READY, col::CPU_ALLOCATABLE),
            Resource::Memory => (col::MEM_REQUESTED_READY, col::MEM_ALLOCATABLE),
        };
        let (r, a) = (self.ts.get(req)?, self.ts.get(alloc)?);
        Some(
            r.iter()
                .zip(a)
                .map(|(r, a)| crate::metrics::requested_fraction(*r, *a))
                .collect(),
        )
    }

    fn fault_starts_ms(&self) -> Option<Vec<u64>> {
        let mut starts: Vec<u64> = self
            .faults
            .as_ref()?
            .iter()
            .map(|f| ms(f.start_s))
            .collect();
        starts.sort_unstable();
        starts.dedup();
        Some(starts)
    }

    fn fault_recoveries(&self) -> Option<Vec<Option<f64>>> {
        let Some(t) = &self.cascades else {
            // `cascades.csv` is written only when there are cascades.
            return (self.summary(SummaryField::Cascades)? == 0.0).then(Vec::new);
        };
        let (kind, rec) = (t.col(col::C_ROOT_KIND)?, t.col(col::C_RECOVERY)?);
        Some(
            (0..t.len())
                .filter(|&r| t.text(r, kind) == FAULT_ROOT)
                .map(|r| t.num(r, rec))
                .collect(),
        )
    }

    fn service(&self, name: &str, figure: ServiceFigure) -> Option<f64> {
        let entry = service_entry(self.summary.get("services")?, name)?;
        service_value(entry, figure)
    }
}
