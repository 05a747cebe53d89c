//! Opportune's domain: the types and rules of the sales pipeline, with no I/O.
//!
//! Everything here is plain data and pure functions so it can be unit- and property-tested
//! beside the code and reused by storage, web and the CLI alike.

pub mod board;
pub mod certainty;
pub mod clock;
pub mod fields;
pub mod history;
pub mod money;
pub mod process;
pub mod records;
pub mod templates;
pub mod visibility;

pub use fields::{FieldError, FieldErrors};
pub use money::Money;
