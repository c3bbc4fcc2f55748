//! Pages for candidates.

pub mod home;
