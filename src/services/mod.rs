//! Services on the cluster: a dependency graph of services backed by workloads, with traffic
//! as fluid rates (requests/s), a queueing latency model, retries, circuit breakers, queues and
//! the kubelet's probes.
//!
//! This module is pure: it knows nothing of the event loop, files or the scenario format. The
//! run loop gives it the ready endpoints of each service and applies what it decides (probe
//! restarts and readiness, CPU use following served requests).
//!
//! - [`graph`]: services and calls, refusing synchronous cycles;
//! - [`latency`]: one service's pods as a multi-server queue (Sakasegawa's M/M/c approximation);
//! - [`retry`]: attempts per call and call failure under retries and retry budgets;
//! - [`breaker`]: closed / open / half-open circuit breakers on call edges;
//! - [`episodes`]: overload, retry-storm and breaker-opening transitions (for causality);
//! - [`queue`]: FIFO fluid queues between producers and consumers, with the oldest message's age;
//! - [`probe`]: readiness, liveness and startup probe workers as upstream's kubelet runs them;
//! - [`flow`]: the fixed-point solver that ties them together at one instant;
//! - [`runtime`]: the services over time, one step per service tick (endpoints, queues,
//!   breakers, per-pod CPU demand, probe verdicts);
//! - [`sli`]: per-service SLI accumulators (run-level latency percentiles, error windows);
//! - [`traffic`]: external request rates over time.

pub mod breaker;
pub mod episodes;
pub mod flow;
pub mod graph;
pub mod latency;
pub mod probe;
pub mod queue;
pub mod retry;
pub mod runtime;
pub mod sli;
pub mod traffic;

pub use breaker::{Breaker, BreakerPolicy, BreakerState};
pub use episodes::{Episodes, Transition};
pub use flow::{solve, CallFlow, FlowInput, FlowOutcome, FlowState, ServiceFlow};
pub use graph::{CallDef, CallMode, GraphError, ServiceDef, ServiceGraph};
pub use latency::Station;
pub use probe::{ProbeEffect, ProbeKind, ProbeResult, ProbeSpec, ProbeWorker};
pub use queue::{FluidQueue, Overflow, QueueStep};
pub use retry::{RetryOutcome, RetryPolicy};
pub use runtime::{
    Endpoint, PodDecision, ProbeSet, ServiceRuntime, ServiceSetup, ServiceStatus, ServiceTotals,
    ServicesSetup, TICK_MS,
};
pub use traffic::{DayCurve, TrafficShape};
