//! Accounts: registering, signing in and out, passwords.

pub mod change_password;
pub mod codes;
pub mod password_reset;
pub mod profile;
pub mod register_candidate;
pub mod session;
pub mod sign_in;
pub mod sign_out;
pub mod sign_up_code;

use std::collections::BTreeMap;

/// Field name (as in the API) → what is wrong with it, in Chinese.
pub type FieldProblems = BTreeMap<&'static str, String>;
