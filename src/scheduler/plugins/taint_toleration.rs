//! TaintToleration (`tainttoleration/taint_toleration.go`). The Filter is static (a verdict per
//! node class, `scheduler/cache.rs`), which also counts each node's untolerated
//! PreferNoSchedule taints; the Score is that count, normalised in reverse.

/// Score: the node's untolerated PreferNoSchedule taints (from the static verdict).
pub(crate) fn score(statics: &[(i32, i32)], out: &mut [i64]) {
    for (r, s) in out.iter_mut().zip(statics) {
        *r = i64::from(s.0);
    }
}
