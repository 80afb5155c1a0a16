//! Kubernetes name syntax (`k8s.io/apimachinery/pkg/util/validation`), simplified to the rules
//! that matter for scenario files. Each check returns `None` when the text is valid, or what
//! is wrong with it.

/// What the name part of a qualified name and a label value may contain.
const NAME_CHARS: &str =
    "letters, digits, '-', '_' and '.', starting and ending with a letter or digit";

/// A DNS-1123 label: at most 63 characters of `[a-z0-9-]`, starting and ending alphanumeric.
pub(super) fn dns_label(s: &str) -> Option<String> {
    if s.len() > 63 {
        return Some(format!("{s:?} is longer than 63 characters"));
    }
    (!is_dns_label(s)).then(|| {
        format!(
            "{s:?} must consist of lower-case letters, digits and '-', \
             and start and end with a letter or digit"
        )
    })
}

/// A DNS-1123 subdomain: at most 253 characters, DNS labels joined by `.`.
pub(super) fn dns_subdomain(s: &str) -> Option<String> {
    if s.len() > 253 {
        return Some(format!("{s:?} is longer than 253 characters"));
    }
    (!s.split('.').all(is_dns_label)).then(|| {
        format!(
            "{s:?} must consist of lower-case letters, digits, '-' and '.', \
             and start and end with a letter or digit"
        )
    })
}

fn is_dns_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

/// The name part of a qualified name, or a label value: `[A-Za-z0-9]`, with `-_.` inside.
fn is_name_part(s: &str) -> bool {
    let b = s.as_bytes();
    let alnum = |c: &u8| c.is_ascii_alphanumeric();
    !b.is_empty()
        && alnum(&b[0])
        && alnum(&b[b.len() - 1])
        && b.iter()
            .all(|c| alnum(c) || matches!(c, b'-' | b'_' | b'.'))
}

/// A qualified name (label key, taint key, resource name): `[prefix/]name`, the prefix a DNS
/// subdomain, the name at most 63 characters of `[A-Za-z0-9-_.]` starting and ending
/// alphanumeric.
pub(super) fn qualified_name(s: &str) -> Option<String> {
    let (prefix, name) = match s.split_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, s),
    };
    if let Some(prefix) = prefix {
        if prefix.is_empty() || dns_subdomain(prefix).is_some() {
            return Some(format!(
                "{s:?}: the prefix before '/' must be a DNS subdomain such as example.com"
            ));
        }
    }
    if name.len() > 63 {
        return Some(format!("{s:?}: the name part is longer than 63 characters"));
    }
    (!is_name_part(name)).then(|| {
        format!("{s:?} is not a valid qualified name ([prefix/]name, the name of {NAME_CHARS})")
    })
}

/// A label value: empty, or at most 63 characters like the name part of a qualified name.
pub(super) fn label_value(s: &str) -> Option<String> {
    if s.is_empty() {
        return None;
    }
    if s.len() > 63 {
        return Some(format!("{s:?} is longer than 63 characters"));
    }
    (!is_name_part(s)).then(|| format!("{s:?} is not a valid label value ({NAME_CHARS})"))
}

/// Resource names that need no domain prefix.
const STANDARD_RESOURCES: [&str; 5] = ["cpu", "memory", "ephemeral-storage", "pods", "storage"];

/// A resource name: standard (`cpu`, `memory`, `ephemeral-storage`, `pods`, `storage`,
/// `hugepages-<size>`) or domain-prefixed (`nvidia.com/gpu`).
pub(super) fn resource_name(s: &str) -> Option<String> {
    if let Some(problem) = qualified_name(s) {
        return Some(problem);
    }
    let standard = STANDARD_RESOURCES.contains(&s) || hugepage_size(s).is_some();
    (!s.contains('/') && !standard).then(|| {
        format!(
            "unknown resource {s:?}: use cpu, memory, ephemeral-storage, pods, hugepages-<size>, \
             or a domain-prefixed name such as example.com/{s}"
        )
    })
}

/// For `hugepages-<size>`, the size text.
pub(super) fn hugepage_size(s: &str) -> Option<&str> {
    s.strip_prefix("hugepages-").filter(|size| {
        size.parse::<crate::scenario::quantity::Quantity>()
            .is_ok_and(|q| q.value() > 0)
    })
}

/// Whether a resource may not be overcommitted: extended (domain-prefixed outside
/// `kubernetes.io`) resources and huge pages. Their requests must equal their limits.
pub(super) fn is_non_overcommittable(s: &str) -> bool {
    hugepage_size(s).is_some() || is_extended(s)
}

/// Whether a resource is an extended resource (domain-prefixed outside `kubernetes.io`);
/// these take integer quantities only.
pub(super) fn is_extended(s: &str) -> bool {
    match s.split_once('/') {
        Some((prefix, _)) => prefix != "kubernetes.io" && !prefix.ends_with(".kubernetes.io"),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualified_names() {
        for ok in [
            "app",
            "node.kubernetes.io/instance-type",
            "a_b.c-d",
            "example.com/Foo",
            "A",
        ] {
            assert_eq!(qualified_name(ok), None, "{ok}");
        }
        for bad in [
            "",
            "-a",
            "a-",
            "/a",
            "Example.com/a",
            "a/b/c",
            "a b",
            &"x".repeat(64),
        ] {
            assert!(qualified_name(bad).is_some(), "{bad:?}");
        }
    }

    #[test]
    fn label_values_and_dns_names() {
        assert_eq!(label_value(""), None);
        assert_eq!(label_value("m6i.8xlarge"), None);
        assert!(label_value("a/b").is_some());
        assert_eq!(dns_subdomain("web.prod-1"), None);
        assert!(dns_subdomain("Web").is_some());
        assert!(dns_label("a.b").is_some());
    }

    #[test]
    fn resources() {
        for ok in [
            "cpu",
            "memory",
            "pods",
            "hugepages-2Mi",
            "nvidia.com/gpu",
            "example.com/foo",
        ] {
            assert_eq!(resource_name(ok), None, "{ok}");
        }
        for bad in ["gpu", "CPU", "hugepages-", "hugepages-x", "a/b/c"] {
            assert!(resource_name(bad).is_some(), "{bad}");
        }
        assert!(is_extended("nvidia.com/gpu"));
        assert!(!is_extended("cpu"));
        assert!(!is_extended("node.kubernetes.io/foo"));
        assert!(is_non_overcommittable("hugepages-1Gi"));
    }
}
