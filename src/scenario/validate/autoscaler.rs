//! `autoscaler`: node groups name existing pools once each, sizes and thresholds are in range.

use super::Checker;
use crate::scenario::path::{index, key};
use crate::scenario::types::ScenarioFile;

pub(super) fn check(c: &mut Checker, scenario: &ScenarioFile) {
    let Some(a) = &scenario.autoscaler else {
        return;
    };
    if a.node_groups.is_empty() {
        c.error("autoscaler.nodeGroups", "must list at least one node group");
    }
    for (i, g) in a.node_groups.iter().enumerate() {
        let at = index("autoscaler.nodeGroups", i);
        match scenario
            .cluster
            .node_pools
            .iter()
            .find(|p| p.name == g.pool)
        {
            None => {
                let pools: Vec<&str> = scenario
                    .cluster
                    .node_pools
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect();
                c.error(
                    key(&at, "pool"),
                    format!(
                        "pool {:?} is not in cluster.nodePools [{}]",
                        g.pool,
                        pools.join(", ")
                    ),
                );
            }
            Some(p) => {
                if u64::from(p.count) > u64::from(g.max_size) {
                    c.error(
                        key(&at, "maxSize"),
                        format!(
                            "{} is below the pool's initial count {} (cluster.nodePools {:?})",
                            g.max_size, p.count, p.name
                        ),
                    );
                }
            }
        }
        if g.max_size == 0 {
            c.error(key(&at, "maxSize"), "must be positive");
        }
        if g.min_size > g.max_size {
            c.error(
                key(&at, "minSize"),
                format!("{} is above maxSize {}", g.min_size, g.max_size),
            );
        }
        if !g.price_per_hour.is_finite() || g.price_per_hour < 0.0 {
            c.error(
                key(&at, "pricePerHour"),
                format!("must be a finite number >= 0 (got {})", g.price_per_hour),
            );
        }
    }
    c.unique(
        a.node_groups.iter().enumerate().map(|(i, g)| {
            (
                key(&index("autoscaler.nodeGroups", i), "pool"),
                g.pool.as_str(),
            )
        }),
        "node group pool",
    );
    if a.scan_interval.is_zero() {
        c.error("autoscaler.scanInterval", "must be positive");
    }
    let t = a.scale_down_utilization_threshold;
    if !(0.0..=1.0).contains(&t) {
        c.error(
            "autoscaler.scaleDownUtilizationThreshold",
            format!("must be between 0 and 1 (got {t})"),
        );
    }
    if a.max_empty_bulk_delete == 0 {
        c.error("autoscaler.maxEmptyBulkDelete", "must be positive");
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario::parse_scenario;

    fn errors(extra: &str) -> Vec<String> {
        let yaml = format!(
            "name: a\nsimulation: {{duration: 1h}}\ncluster:\n  zones: [a]\n  nodePools:\n    - {{name: p, count: 2, capacity: {{cpu: \"4\", memory: 16Gi}}}}\n{extra}"
        );
        match parse_scenario(&yaml, "s.yaml") {
            Ok(_) => Vec::new(),
            Err(e) => e.to_string().lines().map(str::to_owned).collect(),
        }
    }

    #[test]
    fn a_valid_section_parses_with_upstream_defaults() {
        let yaml = "name: a\nsimulation: {duration: 1h}\ncluster:\n  zones: [a]\n  nodePools:\n    - {name: p, count: 2, capacity: {cpu: \"4\", memory: 16Gi}}\nautoscaler:\n  nodeGroups: [{pool: p, maxSize: 5, provisioningDelay: {distribution: uniform, min: 1m, max: 2m}}]\n";
        let s = parse_scenario(yaml, "s.yaml").unwrap();
        let a = s.into_inner().autoscaler.unwrap();
        assert_eq!(a.scan_interval.as_millis(), 10_000);
        assert_eq!(a.scale_down_unneeded_time.as_millis(), 600_000);
        assert_eq!(a.scale_down_delay_after_add.as_millis(), 600_000);
        assert_eq!(a.scale_down_utilization_threshold, 0.5);
        assert_eq!(a.max_nodes_total, 0);
        assert!(a.scale_down_enabled);
    }

    #[test]
    fn errors_name_the_field() {
        let e = errors("autoscaler:\n  nodeGroups: [{pool: q, maxSize: 3}]\n");
        assert!(e[0].contains("autoscaler.nodeGroups[0].pool"), "{e:?}");
        assert!(e[0].contains("not in cluster.nodePools [p]"), "{e:?}");
        let e = errors("autoscaler:\n  nodeGroups: [{pool: p, minSize: 4, maxSize: 3}]\n");
        assert!(e[0].contains("nodeGroups[0].minSize"), "{e:?}");
        let e = errors("autoscaler:\n  nodeGroups: [{pool: p, maxSize: 1}]\n");
        assert!(
            e[0].contains("nodeGroups[0].maxSize") && e[0].contains("initial count 2"),
            "{e:?}"
        );
        let e = errors(
            "autoscaler:\n  nodeGroups: [{pool: p, maxSize: 3}]\n  scaleDownUtilizationThreshold: 1.5\n",
        );
        assert!(
            e[0].contains("autoscaler.scaleDownUtilizationThreshold"),
            "{e:?}"
        );
        let e =
            errors("autoscaler:\n  nodeGroups: [{pool: p, maxSize: 3}, {pool: p, maxSize: 4}]\n");
        assert!(
            e[0].contains("nodeGroups[1].pool") && e[0].contains("duplicate"),
            "{e:?}"
        );
        let e =
            errors("autoscaler:\n  nodeGroups: [{pool: p, maxSize: 3}]\n  expander: cheapest\n");
        assert!(e[0].contains("expander"), "{e:?}");
    }
}
