//! Use cases, one per file. Pages, the JSON API and the command line call the same
//! service, so their rules cannot drift.

pub mod create_staff;
