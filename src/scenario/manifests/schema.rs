//! Which fields of a Kubernetes pod spec the simulator models, as a tree of allowed keys.
//!
//! [`prune`] keeps the modelled fields of an object and counts the others by their path
//! (`spec.template.spec.containers[].ports`), so an import can say once per kind what it left
//! out instead of failing on it.

use std::collections::BTreeMap;

use serde_json::Value;

/// The shape of a modelled field.
#[derive(Debug)]
pub enum Schema {
    /// Any value, kept whole (maps of labels, quantities, strings, numbers).
    Any,
    /// An object: only these keys are kept.
    Obj(&'static [(&'static str, &'static Schema)]),
    /// A list whose elements have this shape.
    List(&'static Schema),
}

/// Ignored fields by path, each with the number of objects that set it.
pub type Ignored = BTreeMap<String, usize>;

/// Removes from `value` every key `schema` does not name, counting each removed path in
/// `ignored`; `path` names `value`.
pub fn prune(value: &mut Value, schema: &Schema, path: &str, ignored: &mut Ignored) {
    match (schema, value) {
        (Schema::Any, _) => {}
        (Schema::Obj(fields), Value::Object(map)) => {
            map.retain(|k, v| {
                let child = join(path, k);
                match fields.iter().find(|(name, _)| name == k) {
                    Some((_, s)) => {
                        prune(v, s, &child, ignored);
                        true
                    }
                    None => {
                        *ignored.entry(child).or_default() += 1;
                        false
                    }
                }
            });
        }
        (Schema::List(element), Value::Array(items)) => {
            let child = format!("{path}[]");
            for item in items {
                prune(item, element, &child, ignored);
            }
        }
        // A value of another shape than expected is left for the scenario parser to refuse
        // with its own message.
        _ => {}
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

static LABEL_REQUIREMENT: Schema = Schema::Obj(&[
    ("key", &Schema::Any),
    ("operator", &Schema::Any),
    ("values", &Schema::Any),
]);

static LABEL_SELECTOR: Schema = Schema::Obj(&[
    ("matchLabels", &Schema::Any),
    ("matchExpressions", &Schema::List(&LABEL_REQUIREMENT)),
]);

static NODE_SELECTOR_TERM: Schema = Schema::Obj(&[
    ("matchExpressions", &Schema::List(&LABEL_REQUIREMENT)),
    ("matchFields", &Schema::List(&LABEL_REQUIREMENT)),
]);

static POD_AFFINITY_TERM: Schema = Schema::Obj(&[
    ("labelSelector", &LABEL_SELECTOR),
    ("topologyKey", &Schema::Any),
    ("namespaces", &Schema::Any),
]);

static POD_AFFINITY: Schema = Schema::Obj(&[
    (
        "requiredDuringSchedulingIgnoredDuringExecution",
        &Schema::List(&POD_AFFINITY_TERM),
    ),
    (
        "preferredDuringSchedulingIgnoredDuringExecution",
        &Schema::List(&WEIGHTED_POD_AFFINITY_TERM),
    ),
]);

static WEIGHTED_POD_AFFINITY_TERM: Schema = Schema::Obj(&[
    ("weight", &Schema::Any),
    (
        "podAffinityTerm",
        &Schema::Obj(&[
            ("labelSelector", &LABEL_SELECTOR),
            ("topologyKey", &Schema::Any),
            ("namespaces", &Schema::Any),
        ]),
    ),
]);

static AFFINITY: Schema = Schema::Obj(&[
    (
        "nodeAffinity",
        &Schema::Obj(&[
            (
                "requiredDuringSchedulingIgnoredDuringExecution",
                &Schema::Obj(&[("nodeSelectorTerms", &Schema::List(&NODE_SELECTOR_TERM))]),
            ),
            (
                "preferredDuringSchedulingIgnoredDuringExecution",
                &Schema::List(&PREFERRED_SCHEDULING_TERM),
            ),
        ]),
    ),
    ("podAffinity", &POD_AFFINITY),
    ("podAntiAffinity", &POD_AFFINITY),
]);

static PREFERRED_SCHEDULING_TERM: Schema = Schema::Obj(&[
    ("weight", &Schema::Any),
    (
        "preference",
        &Schema::Obj(&[
            ("matchExpressions", &Schema::List(&LABEL_REQUIREMENT)),
            ("matchFields", &Schema::List(&LABEL_REQUIREMENT)),
        ]),
    ),
]);

static TOLERATION: Schema = Schema::Obj(&[
    ("key", &Schema::Any),
    ("operator", &Schema::Any),
    ("value", &Schema::Any),
    ("effect", &Schema::Any),
    ("tolerationSeconds", &Schema::Any),
]);

static SPREAD_CONSTRAINT: Schema = Schema::Obj(&[
    ("maxSkew", &Schema::Any),
    ("topologyKey", &Schema::Any),
    ("whenUnsatisfiable", &Schema::Any),
    ("labelSelector", &LABEL_SELECTOR),
    ("minDomains", &Schema::Any),
    ("nodeAffinityPolicy", &Schema::Any),
    ("nodeTaintsPolicy", &Schema::Any),
    ("matchLabelKeys", &Schema::Any),
]);

static PROBE: Schema = Schema::Obj(&[
    ("initialDelaySeconds", &Schema::Any),
    ("periodSeconds", &Schema::Any),
    ("timeoutSeconds", &Schema::Any),
    ("successThreshold", &Schema::Any),
    ("failureThreshold", &Schema::Any),
    ("httpGet", &Schema::Any),
    ("tcpSocket", &Schema::Any),
    ("exec", &Schema::Any),
    ("grpc", &Schema::Any),
    ("terminationGracePeriodSeconds", &Schema::Any),
]);

/// A container as the simulator models it.
pub static CONTAINER: Schema = Schema::Obj(&[
    ("name", &Schema::Any),
    ("image", &Schema::Any),
    (
        "resources",
        &Schema::Obj(&[("requests", &Schema::Any), ("limits", &Schema::Any)]),
    ),
    ("restartPolicy", &Schema::Any),
    ("readinessProbe", &PROBE),
    ("livenessProbe", &PROBE),
    ("startupProbe", &PROBE),
]);

/// A pod spec as the simulator models it (`spec` of a Pod, `spec.template.spec` of the
/// controllers). `nodeName` is kept for bare Pods.
pub static POD_SPEC: Schema = Schema::Obj(&[
    ("nodeSelector", &Schema::Any),
    ("affinity", &AFFINITY),
    ("tolerations", &Schema::List(&TOLERATION)),
    (
        "topologySpreadConstraints",
        &Schema::List(&SPREAD_CONSTRAINT),
    ),
    ("schedulerName", &Schema::Any),
    ("priorityClassName", &Schema::Any),
    ("priority", &Schema::Any),
    ("preemptionPolicy", &Schema::Any),
    ("initContainers", &Schema::List(&CONTAINER)),
    ("containers", &Schema::List(&CONTAINER)),
    ("overhead", &Schema::Any),
    ("nodeName", &Schema::Any),
    ("restartPolicy", &Schema::Any),
]);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn prune_keeps_modelled_fields_and_counts_the_rest() {
        let mut spec = json!({
            "containers": [
                {"name": "a", "image": "x", "ports": [{"containerPort": 80}],
                 "resources": {"requests": {"cpu": "1"}, "claims": []}},
                {"name": "b", "ports": []}
            ],
            "volumes": [{"name": "v"}],
            "tolerations": [{"key": "k", "operator": "Exists"}],
            "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution":
                {"nodeSelectorTerms": [{"matchExpressions": [{"key": "z", "operator": "In", "values": ["a"]}]}]}},
                "podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
                    {"weight": 1, "podAffinityTerm": {"topologyKey": "h", "namespaceSelector": {}}}]}}
        });
        let mut ignored = Ignored::new();
        prune(&mut spec, &POD_SPEC, "spec", &mut ignored);
        assert_eq!(ignored.get("spec.containers[].ports"), Some(&2));
        assert_eq!(ignored.get("spec.containers[].resources.claims"), Some(&1));
        assert_eq!(ignored.get("spec.volumes"), Some(&1));
        assert_eq!(
            ignored.get(
                "spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[].podAffinityTerm.namespaceSelector"
            ),
            Some(&1)
        );
        assert_eq!(spec["containers"][0]["resources"]["requests"]["cpu"], "1");
        assert!(spec.get("volumes").is_none());
        assert_eq!(
            spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
                ["nodeSelectorTerms"][0]["matchExpressions"][0]["key"],
            "z"
        );
    }
}
