//! Pages for candidates.

pub mod accounts;
pub mod home;
pub mod registration;
pub mod registration_form;
pub mod uploads;
