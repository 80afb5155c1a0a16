//! The latency model of one service: its ready pods as a multi-server queue.
//!
//! A service with `n` ready pods, each saturating at `capacity` requests/s, with a base latency
//! `S` (the time one request takes on an idle pod), is an M/M/c station with
//! `c = n × capacity × S` servers of service time `S` (a pod that saturates at 100 req/s with a
//! 50 ms base latency serves 5 requests at once). The mean wait uses Sakasegawa's approximation
//! of M/M/c, which holds for non-integer `c`:
//!
//! ```text
//! ρ = λ S / c,   P(wait) ≈ ρ^(√(2(c+1)) − 1),   E[Wq] = P(wait) · S / (c (1 − ρ))
//! ```
//!
//! and the waiting time of a request that waits is exponential with rate `c (1 − ρ) / S`, as in
//! M/M/c; service itself takes exactly `S`. So `P(R > t) = P(wait) · exp(−c (1 − ρ)(t − S) / S)`
//! for `t ≥ S`, from which percentiles and the fraction of requests slower than a timeout follow.
//! At `ρ ≥ 1` the station serves its capacity and the excess is shed. How long the served
//! requests wait then depends on the pods' queue: with a limit of `K` waiting requests per pod
//! (Envoy's `max_pending_requests`, a server's accept queue) they wait `K / capacity` and the
//! rest are refused at once; with no limit the queue grows without bound, so every request
//! eventually exceeds any timeout (congestion collapse: the pods stay busy with requests whose
//! callers have given up).

/// The state of one service's queue at a given load.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Station {
    /// Requests/s offered.
    pub offered: f64,
    /// Requests/s served (at most the capacity).
    pub served: f64,
    /// Requests/s the station can serve (ready pods × per-pod capacity).
    pub capacity: f64,
    /// Offered load over capacity (may exceed 1).
    pub utilisation: f64,
    /// Base latency `S`, seconds.
    pub base_s: f64,
    /// Probability that a request waits (0 when idle, 1 when overloaded).
    pub p_wait: f64,
    /// Rate of the exponential waiting time of requests that wait, 1/s (0 when overloaded).
    pub wait_rate: f64,
    /// Wait of a served request while overloaded, seconds (infinite without a queue limit).
    pub overload_wait_s: f64,
}

impl Station {
    /// The station for `offered` requests/s on `pods` ready pods of `capacity_per_pod`
    /// requests/s and base latency `base_s` seconds, each pod queueing at most `queue_limit`
    /// requests (`None`: unbounded).
    pub fn new(
        offered: f64,
        pods: f64,
        capacity_per_pod: f64,
        base_s: f64,
        queue_limit: Option<f64>,
    ) -> Station {
        let offered = offered.max(0.0);
        let capacity = (pods * capacity_per_pod).max(0.0);
        let overload_wait_s = match queue_limit {
            Some(k) if capacity_per_pod > 0.0 => k.max(0.0) / capacity_per_pod,
            _ => f64::INFINITY,
        };
        if capacity <= 0.0 {
            return Station {
                offered,
                served: 0.0,
                capacity: 0.0,
                utilisation: if offered > 0.0 { f64::INFINITY } else { 0.0 },
                base_s,
                p_wait: 1.0,
                wait_rate: 0.0,
                overload_wait_s,
            };
        }
        let rho = offered / capacity;
        if rho >= 1.0 {
            return Station {
                offered,
                served: capacity,
                capacity,
                utilisation: rho,
                base_s,
                p_wait: 1.0,
                wait_rate: 0.0,
                overload_wait_s,
            };
        }
        let servers = capacity * base_s;
        let p_wait = if rho <= 0.0 {
            0.0
        } else {
            rho.powf((2.0 * (servers + 1.0)).sqrt() - 1.0).min(1.0)
        };
        Station {
            offered,
            served: offered,
            capacity,
            utilisation: rho,
            base_s,
            p_wait,
            wait_rate: servers * (1.0 - rho) / base_s,
            overload_wait_s,
        }
    }

    /// Whether the offered load exceeds what the pods can serve.
    pub fn overloaded(&self) -> bool {
        self.offered > self.served
    }

    /// Share of the offered requests the station cannot serve (0 unless overloaded).
    pub fn shed_fraction(&self) -> f64 {
        if self.offered <= 0.0 {
            0.0
        } else {
            1.0 - self.served / self.offered
        }
    }

    /// Whether nothing can be served (no capacity) while requests arrive.
    fn dead(&self) -> bool {
        self.capacity <= 0.0 && self.offered > 0.0
    }

    /// Mean response time of served requests, seconds (infinite when overloaded without a
    /// queue limit).
    pub fn mean_latency_s(&self) -> f64 {
        if self.dead() {
            return f64::INFINITY;
        }
        if self.overloaded() {
            return self.base_s + self.overload_wait_s;
        }
        if self.p_wait == 0.0 {
            return self.base_s;
        }
        self.base_s + self.p_wait / self.wait_rate
    }

    /// Probability that a served request takes longer than `t` seconds.
    pub fn p_slower_than(&self, t: f64) -> f64 {
        if self.dead() {
            return 1.0;
        }
        if self.overloaded() {
            return if self.base_s + self.overload_wait_s > t {
                1.0
            } else {
                0.0
            };
        }
        if t < self.base_s {
            return 1.0;
        }
        if self.p_wait == 0.0 {
            return 0.0;
        }
        self.p_wait * (-(self.wait_rate) * (t - self.base_s)).exp()
    }

    /// The `q` quantile (0 < q < 1) of the response time, seconds (infinite when overloaded).
    pub fn quantile_s(&self, q: f64) -> f64 {
        if self.dead() {
            return f64::INFINITY;
        }
        if self.overloaded() {
            return self.base_s + self.overload_wait_s;
        }
        let tail = 1.0 - q;
        if self.p_wait <= tail {
            return self.base_s;
        }
        self.base_s + (self.p_wait / tail).ln() / self.wait_rate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * b.abs().max(1.0)
    }

    #[test]
    fn idle_station_answers_at_base_latency() {
        let s = Station::new(0.0, 4.0, 100.0, 0.05, None);
        assert_eq!(s.served, 0.0);
        assert_eq!(s.mean_latency_s(), 0.05);
        assert_eq!(s.quantile_s(0.99), 0.05);
        assert_eq!(s.p_slower_than(0.05), 0.0);
    }

    #[test]
    fn half_loaded_station_matches_hand_computed_sakasegawa() {
        // 4 pods × 100 req/s, S = 50 ms: c = 20 servers; λ = 200 req/s: ρ = 0.5.
        let s = Station::new(200.0, 4.0, 100.0, 0.05, None);
        let p_wait = 0.5f64.powf((42.0f64).sqrt() - 1.0);
        assert!(close(s.p_wait, p_wait));
        // E[Wq] = P(wait) · S / (c (1 − ρ)) = P(wait) · 0.05 / 10.
        assert!(close(s.mean_latency_s(), 0.05 + p_wait * 0.005));
        assert!(!s.overloaded());
        assert_eq!(s.shed_fraction(), 0.0);
    }

    #[test]
    fn quantile_and_tail_are_inverse() {
        let s = Station::new(380.0, 4.0, 100.0, 0.05, None);
        let p99 = s.quantile_s(0.99);
        assert!(p99 > 0.05);
        assert!(close(s.p_slower_than(p99), 0.01));
    }

    #[test]
    fn overloaded_station_serves_capacity_and_sheds_the_rest() {
        let s = Station::new(500.0, 4.0, 100.0, 0.05, None);
        assert_eq!(s.served, 400.0);
        assert!(s.overloaded());
        assert!(close(s.shed_fraction(), 0.2));
        // No queue limit: the queue grows without bound, every request times out.
        assert_eq!(s.p_slower_than(10.0), 1.0);
        assert!(s.mean_latency_s().is_infinite());
    }

    #[test]
    fn a_queue_limit_bounds_the_wait_of_an_overloaded_station() {
        // 10 waiting requests per pod at 100 req/s: served requests wait 0.1 s.
        let s = Station::new(500.0, 4.0, 100.0, 0.05, Some(10.0));
        assert!(close(s.shed_fraction(), 0.2));
        assert!(close(s.mean_latency_s(), 0.15));
        assert_eq!(s.p_slower_than(0.2), 0.0);
        assert_eq!(s.p_slower_than(0.1), 1.0);
    }

    #[test]
    fn no_endpoints_serves_nothing() {
        let s = Station::new(10.0, 0.0, 100.0, 0.05, None);
        assert_eq!(s.served, 0.0);
        assert_eq!(s.shed_fraction(), 1.0);
        assert_eq!(s.p_slower_than(1.0), 1.0);
    }

    #[test]
    fn latency_grows_with_load() {
        let mut last = 0.0;
        for load in [50.0, 150.0, 250.0, 350.0, 390.0, 399.0] {
            let l = Station::new(load, 4.0, 100.0, 0.05, None).quantile_s(0.99);
            assert!(l >= last, "{load}: {l} < {last}");
            last = l;
        }
    }
}
