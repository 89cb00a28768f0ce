//! authlens explains HTTP 401 Unauthorized failures in bulk.
//!
//! The pipeline runs in one direction: `input` finds and opens files,
//! `har` and `logs` reduce them to [`model::RequestView`] and
//! [`model::ServerEvent`] records, `correlate` joins the two views,
//! `classify` decides a cause per 401, `aggregate` groups and trends, and
//! `report` writes every output from the same aggregate.

pub mod aggregate;
pub mod analysis;
pub mod bug;
pub mod challenge;
pub mod classify;
pub mod cli;
pub mod cmd;
pub mod correlate;
pub mod credential;
pub mod envconfig;
pub mod har;
pub mod input;
pub mod intern;
pub mod logs;
pub mod memo;
pub mod model;
pub mod multimap;
pub mod report;
pub mod requestid;
pub mod sanitize;
pub mod strpair;
pub mod time;
