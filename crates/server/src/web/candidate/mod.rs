//! Pages for candidates.

pub mod accounts;
pub mod home;
