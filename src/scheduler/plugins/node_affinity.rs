//! NodeAffinity (`nodeaffinity/node_affinity.go`). The Filter (nodeSelector and required
//! affinity) is static (`scheduler/cache.rs`), which also sums the matching preferred terms'
//! weights; the Score is that sum, normalised.

use crate::cluster::PodTemplate;

/// PreScore: Skip without preferred terms.
pub(crate) fn skip(tpl: &PodTemplate) -> bool {
    tpl.preferred_node_affinity.is_empty()
}

/// Score: the sum of the weights of the preferred terms the node matches.
pub(crate) fn score(statics: &[(i32, i32)], out: &mut [i64]) {
    for (r, s) in out.iter_mut().zip(statics) {
        *r = i64::from(s.1);
    }
}
