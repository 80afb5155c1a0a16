//! The service dependency graph: services as nodes, calls as edges (a petgraph `DiGraph`).
//!
//! Synchronous calls must form a DAG: a request that waits on itself never completes, so a
//! synchronous cycle is refused with the cycle spelled out. Calls through a queue may close
//! cycles (a consumer may publish to its producer's queue).

use petgraph::algo::{tarjan_scc, toposort};
use petgraph::graph::{DiGraph, NodeIndex};

use super::breaker::BreakerPolicy;
use super::queue::Overflow;
use super::retry::RetryPolicy;

/// One service: the pods of one workload behind a name.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceDef {
    /// Service name (unique).
    pub name: String,
    /// Requests/s at which one ready pod saturates.
    pub capacity_per_pod: f64,
    /// Time one request takes on an idle pod, seconds.
    pub base_latency_s: f64,
    /// Most requests waiting per pod (`None`: unbounded); beyond it requests are refused.
    pub queue_limit: Option<f64>,
}

/// How a call is made.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CallMode {
    /// The caller waits for the answer.
    Sync {
        /// Per-attempt timeout, seconds.
        timeout_s: f64,
        /// Retries of failed or timed-out attempts.
        retry: RetryPolicy,
        /// Circuit breaker on the edge (`None`: none).
        breaker: Option<BreakerPolicy>,
    },
    /// The caller publishes to a queue that the callee consumes.
    Queue {
        /// Most messages the queue holds (`None`: unbounded).
        capacity: Option<f64>,
        /// What a full queue does.
        overflow: Overflow,
    },
}

/// One edge: `from` calls `to` `per_request` times for each request it serves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CallDef {
    /// Caller (index into the services).
    pub from: usize,
    /// Callee (index into the services).
    pub to: usize,
    /// Calls per request served by the caller.
    pub per_request: f64,
    /// Synchronous or through a queue.
    pub mode: CallMode,
}

impl CallDef {
    /// Whether the caller waits for the callee.
    pub fn is_sync(&self) -> bool {
        matches!(self.mode, CallMode::Sync { .. })
    }
}

/// The graph could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    /// Synchronous calls form a cycle through these services.
    #[error("synchronous calls form a cycle through {}", .0.join(", "))]
    SyncCycle(Vec<String>),
    /// A call names a service index that does not exist.
    #[error("call {call} refers to service index {index}, which does not exist")]
    UnknownService {
        /// Index of the call.
        call: usize,
        /// The bad index.
        index: usize,
    },
}

/// Services, calls, and the order the flow solver visits them in.
#[derive(Debug, Clone)]
pub struct ServiceGraph {
    /// The services, by index.
    pub services: Vec<ServiceDef>,
    /// The calls, by index.
    pub calls: Vec<CallDef>,
    /// Node `i` is service `i`; edge weights are call indices.
    pub graph: DiGraph<usize, usize>,
    /// Services with every synchronous caller before its callees.
    pub sync_order: Vec<usize>,
    /// Per service, the indices of the calls it makes.
    pub calls_from: Vec<Vec<usize>>,
    /// Per service, the indices of the calls made to it.
    pub calls_to: Vec<Vec<usize>>,
}

impl ServiceGraph {
    /// Builds the graph, refusing synchronous cycles.
    pub fn new(services: Vec<ServiceDef>, calls: Vec<CallDef>) -> Result<ServiceGraph, GraphError> {
        let n = services.len();
        for (i, c) in calls.iter().enumerate() {
            for index in [c.from, c.to] {
                if index >= n {
                    return Err(GraphError::UnknownService { call: i, index });
                }
            }
        }
        let mut graph = DiGraph::with_capacity(n, calls.len());
        for i in 0..n {
            graph.add_node(i);
        }
        let mut sync: DiGraph<usize, ()> = DiGraph::with_capacity(n, calls.len());
        for i in 0..n {
            sync.add_node(i);
        }
        let mut calls_from = vec![Vec::new(); n];
        let mut calls_to = vec![Vec::new(); n];
        for (i, c) in calls.iter().enumerate() {
            graph.add_edge(NodeIndex::new(c.from), NodeIndex::new(c.to), i);
            calls_from[c.from].push(i);
            calls_to[c.to].push(i);
            if c.is_sync() {
                sync.add_edge(NodeIndex::new(c.from), NodeIndex::new(c.to), ());
            }
        }
        let sync_order = match toposort(&sync, None) {
            Ok(order) => order.into_iter().map(|ix| ix.index()).collect(),
            Err(_) => return Err(GraphError::SyncCycle(find_cycle(&sync, &services))),
        };
        Ok(ServiceGraph {
            services,
            calls,
            graph,
            sync_order,
            calls_from,
            calls_to,
        })
    }
}

/// The services of one synchronous cycle of `g`, sorted by name (validation reports the cycle
/// as a path before a graph is ever built; this is the engine's re-check).
fn find_cycle(g: &DiGraph<usize, ()>, services: &[ServiceDef]) -> Vec<String> {
    let mut members: Vec<String> = tarjan_scc(g)
        .into_iter()
        .find(|c| c.len() > 1 || g.contains_edge(c[0], c[0]))
        .unwrap_or_default()
        .into_iter()
        .map(|ix| services[ix.index()].name.clone())
        .collect();
    members.sort();
    members
}

#[cfg(test)]
mod tests {
    use super::*;

    fn svc(name: &str) -> ServiceDef {
        ServiceDef {
            name: name.into(),
            capacity_per_pod: 100.0,
            base_latency_s: 0.01,
            queue_limit: None,
        }
    }

    fn sync(from: usize, to: usize) -> CallDef {
        CallDef {
            from,
            to,
            per_request: 1.0,
            mode: CallMode::Sync {
                timeout_s: 1.0,
                retry: RetryPolicy::NONE,
                breaker: None,
            },
        }
    }

    #[test]
    fn callers_come_before_callees() {
        let g = ServiceGraph::new(
            vec![svc("db"), svc("api"), svc("web")],
            vec![sync(2, 1), sync(1, 0), sync(2, 0)],
        )
        .unwrap();
        let pos = |i: usize| g.sync_order.iter().position(|&s| s == i).unwrap();
        assert!(pos(2) < pos(1) && pos(1) < pos(0));
        assert_eq!(g.calls_from[2], vec![0, 2]);
        assert_eq!(g.calls_to[0], vec![1, 2]);
    }

    #[test]
    fn a_sync_cycle_is_refused() {
        let err = ServiceGraph::new(
            vec![svc("x"), svc("b"), svc("c"), svc("a")],
            vec![sync(0, 1), sync(1, 2), sync(2, 3), sync(3, 1)],
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "synchronous calls form a cycle through a, b, c"
        );
        let err = ServiceGraph::new(vec![svc("a")], vec![sync(0, 0)]).unwrap_err();
        assert_eq!(err, GraphError::SyncCycle(vec!["a".into()]));
    }

    #[test]
    fn a_cycle_through_a_queue_is_allowed() {
        let mut back = sync(1, 0);
        back.mode = CallMode::Queue {
            capacity: None,
            overflow: Overflow::Drop,
        };
        assert!(ServiceGraph::new(vec![svc("a"), svc("b")], vec![sync(0, 1), back]).is_ok());
    }
}
