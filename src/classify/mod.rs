//! Classification: one correlated request in, a cause with evidence out.

pub mod cause;

pub use cause::Cause;
