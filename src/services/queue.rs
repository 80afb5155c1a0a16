//! A message queue between a producer and a consumer service, as a FIFO fluid.
//!
//! Messages arrive at the producer's rate and leave at the rate the consumer drains; the backlog
//! is the difference integrated over time. A bounded queue either drops what does not fit or
//! blocks the producer (the messages are refused, so the producer's requests fail). The age of
//! the oldest message is exact for a FIFO fluid: it is `now − t₀` where the cumulative arrivals
//! at `t₀` equal the cumulative departures now; arrivals are kept as breakpoints of a
//! piecewise-linear curve and dropped once drained.

use std::collections::VecDeque;

/// What a full queue does with new messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overflow {
    /// Messages that do not fit are dropped (counted).
    Drop,
    /// The producer is refused (its requests fail).
    Block,
}

/// The outcome of one step of a queue.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct QueueStep {
    /// Messages accepted into the queue.
    pub accepted: f64,
    /// Messages dropped (full queue, `Drop`).
    pub dropped: f64,
    /// Messages refused to the producer (full queue, `Block`).
    pub refused: f64,
    /// Messages the consumer took.
    pub drained: f64,
}

/// One queue's state.
#[derive(Debug, Clone, PartialEq)]
pub struct FluidQueue {
    /// Most messages the queue holds (`None`: unbounded).
    pub capacity: Option<f64>,
    /// What a full queue does.
    pub overflow: Overflow,
    backlog: f64,
    arrived: f64,
    departed: f64,
    dropped: f64,
    refused: f64,
    /// (time in s, cumulative arrivals at that time), increasing in both.
    arrivals: VecDeque<(f64, f64)>,
}

impl FluidQueue {
    /// An empty queue.
    pub fn new(capacity: Option<f64>, overflow: Overflow) -> FluidQueue {
        FluidQueue {
            capacity,
            overflow,
            backlog: 0.0,
            arrived: 0.0,
            departed: 0.0,
            dropped: 0.0,
            refused: 0.0,
            arrivals: VecDeque::new(),
        }
    }

    /// Messages waiting.
    pub fn backlog(&self) -> f64 {
        self.backlog
    }

    /// Messages accepted so far.
    pub fn arrived(&self) -> f64 {
        self.arrived
    }

    /// Messages dropped so far (full queue, `Drop`).
    pub fn dropped(&self) -> f64 {
        self.dropped
    }

    /// Messages refused to their producer so far (full queue, `Block`).
    pub fn refused(&self) -> f64 {
        self.refused
    }

    /// Messages consumed so far.
    pub fn departed(&self) -> f64 {
        self.departed
    }

    /// Advances from `start_s` by `dt_s` seconds with messages arriving at `inflow` per second
    /// and the consumer able to take `drain_capacity` per second.
    pub fn step(&mut self, start_s: f64, dt_s: f64, inflow: f64, drain_capacity: f64) -> QueueStep {
        let inflow = inflow.max(0.0);
        let drain_capacity = drain_capacity.max(0.0);
        let mut out = QueueStep::default();
        if dt_s <= 0.0 {
            return out;
        }
        let mut incoming = inflow * dt_s;
        // What the consumer can take in the step: the backlog plus the arrivals.
        let drained = (drain_capacity * dt_s).min(self.backlog + incoming);
        if let Some(cap) = self.capacity {
            let room = (cap - self.backlog + drained).max(0.0);
            if incoming > room {
                let excess = incoming - room;
                match self.overflow {
                    Overflow::Drop => out.dropped = excess,
                    Overflow::Block => out.refused = excess,
                }
                incoming = room;
            }
        }
        out.accepted = incoming;
        out.drained = drained.min(self.backlog + incoming);
        self.backlog = (self.backlog + incoming - out.drained).max(0.0);
        if incoming > 0.0 {
            if self.arrivals.is_empty() {
                self.arrivals.push_back((start_s, self.arrived));
            }
            self.arrived += incoming;
            self.arrivals.push_back((start_s + dt_s, self.arrived));
        }
        self.departed += out.drained;
        self.dropped += out.dropped;
        self.refused += out.refused;
        // Keep the breakpoint at or before the departure level and everything after it.
        while self.arrivals.len() >= 2 && self.arrivals[1].1 <= self.departed {
            self.arrivals.pop_front();
        }
        if self.backlog <= 1e-9 {
            self.backlog = 0.0;
            self.arrivals.clear();
        }
        out
    }

    /// Age in seconds at `now_s` of the oldest message waiting (0 when empty).
    pub fn oldest_age_s(&self, now_s: f64) -> f64 {
        if self.backlog <= 0.0 {
            return 0.0;
        }
        let d = self.departed;
        for w in self.arrivals.iter().zip(self.arrivals.iter().skip(1)) {
            let ((t0, a0), (t1, a1)) = w;
            if *a1 > d {
                let t = if a1 > a0 {
                    t0 + (t1 - t0) * (d - a0) / (a1 - a0)
                } else {
                    *t0
                };
                return (now_s - t).max(0.0);
            }
        }
        0.0
    }

    /// Seconds to empty the backlog at `drain_capacity` with `inflow` still arriving
    /// (infinite when the consumer cannot keep up).
    pub fn drain_time_s(&self, inflow: f64, drain_capacity: f64) -> f64 {
        if self.backlog <= 0.0 {
            return 0.0;
        }
        let net = drain_capacity - inflow;
        if net <= 0.0 {
            f64::INFINITY
        } else {
            self.backlog / net
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backlog_builds_during_an_outage_and_drains_after() {
        let mut q = FluidQueue::new(None, Overflow::Drop);
        // Consumer down for 60 s: 100 msg/s pile up.
        for i in 0..60 {
            q.step(f64::from(i), 1.0, 100.0, 0.0);
        }
        assert_eq!(q.backlog(), 6_000.0);
        assert_eq!(q.oldest_age_s(60.0), 60.0);
        // Consumer back at 300 msg/s: drains 200 msg/s net, empty after 30 s.
        assert_eq!(q.drain_time_s(100.0, 300.0), 30.0);
        for i in 60..90 {
            q.step(f64::from(i), 1.0, 100.0, 300.0);
        }
        assert!(q.backlog().abs() < 1e-6, "{}", q.backlog());
        assert_eq!(q.oldest_age_s(90.0), 0.0);
        // Conservation: arrived = departed + backlog.
        assert!((q.arrived() - q.departed() - q.backlog()).abs() < 1e-6);
    }

    #[test]
    fn oldest_age_follows_fifo_order() {
        let mut q = FluidQueue::new(None, Overflow::Drop);
        for i in 0..10 {
            q.step(f64::from(i), 1.0, 10.0, 0.0);
        }
        // 100 waiting, arrived uniformly over [0, 10]; the consumer takes 50 in one second.
        q.step(10.0, 1.0, 0.0, 50.0);
        assert_eq!(q.backlog(), 50.0);
        // The oldest left arrived at t = 5 (cumulative 50); now is 11.
        assert!((q.oldest_age_s(11.0) - 6.0).abs() < 1e-9);
    }

    #[test]
    fn bounded_queue_drops_or_refuses() {
        let mut q = FluidQueue::new(Some(100.0), Overflow::Drop);
        let s = q.step(0.0, 1.0, 150.0, 0.0);
        assert_eq!((s.accepted, s.dropped, s.refused), (100.0, 50.0, 0.0));
        let mut q = FluidQueue::new(Some(100.0), Overflow::Block);
        let s = q.step(0.0, 1.0, 150.0, 20.0);
        assert_eq!((s.accepted, s.refused, s.drained), (120.0, 30.0, 20.0));
        assert_eq!(q.backlog(), 100.0);
    }
}
