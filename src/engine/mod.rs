//! The discrete-event core: integer-millisecond clock, the event queue and seeded RNG streams.
//!
//! Architecture invariant: no I/O, no printing, nothing about scenario files.

pub mod dist;
mod packed_heap;
pub mod queue;
pub mod rng;
pub mod time;

pub use dist::{DurationDist, DurationSampler};
pub use queue::EventQueue;
pub use rng::{RngStreams, SimRng};
pub use time::SimTime;
