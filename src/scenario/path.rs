//! Field paths as shown in diagnostics and accepted by `--set`:
//! `workloads[2].template.containers[0].resources.limits.memory`. A mapping key that contains
//! `.`, `[` or `]` is written in brackets: `labels[node.kubernetes.io/instance-type]`.

/// `base.key` (or `base[key]` when `key` contains path punctuation); `key` alone at the root.
pub(crate) fn key(base: &str, key: &str) -> String {
    if key.contains(['.', '[', ']']) || key.is_empty() {
        format!("{base}[{key}]")
    } else if base.is_empty() {
        key.to_string()
    } else {
        format!("{base}.{key}")
    }
}

/// `base[index]`.
pub(crate) fn index(base: &str, index: usize) -> String {
    format!("{base}[{index}]")
}

/// Renders a path recorded by `serde_path_to_error` in the same syntax.
pub(crate) fn from_serde(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path {
        out = match segment {
            Segment::Seq { index: i } => index(&out, *i),
            Segment::Map { key: k } => key(&out, k),
            Segment::Enum { .. } | Segment::Unknown => continue,
        };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_paths() {
        let p = index(&key("", "workloads"), 2);
        assert_eq!(key(&p, "replicas"), "workloads[2].replicas");
        assert_eq!(
            key(
                "cluster.nodes[0].labels",
                "node.kubernetes.io/instance-type"
            ),
            "cluster.nodes[0].labels[node.kubernetes.io/instance-type]"
        );
        assert_eq!(key("limits", "nvidia.com/gpu"), "limits[nvidia.com/gpu]");
        assert_eq!(key("limits", "example/foo"), "limits.example/foo");
    }
}
