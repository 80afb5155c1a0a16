//! Fixture builders shared by unit tests, integration tests and benches (which cannot see
//! `#[cfg(test)]` code). Not part of the simulator's interface.
//!
//! - [`TemplateBuilder`]: a [`PodTemplate`] with the defaults of a plain Deployment pod,
//!   changed field by field, instead of a 21-field literal in every test and bench.

mod template;

pub use template::TemplateBuilder;

#[doc(no_inline)]
pub use crate::cluster::PodTemplate;
