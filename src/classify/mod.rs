//! Classification: one correlated request in, a cause with evidence out.

pub mod catalog;
pub mod cause;

pub use catalog::{Catalog, CatalogMatch, Verdict};
pub use cause::Cause;
