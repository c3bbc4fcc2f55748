//! Use cases, one per file. Pages, the JSON API and the command line call the same
//! service, so their rules cannot drift. Each service has its own error enum, which
//! carries data (a domain refusal, what is missing); the web layer writes the sentence a
//! person reads and maps it to a status in `web::service_errors`.

pub mod accounts;
pub mod captcha;
pub mod create_staff;
pub mod forms;
pub mod health;
pub mod notify;
pub mod payments;
pub mod registrations;
pub mod review;
pub mod uploads;

/// A failure of the database or the file store, as services report it: pages and the
/// API reach the store only through services, and see its failures only here.
pub use examreg_store::StoreError;
