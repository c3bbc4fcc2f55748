//! Use cases, one per file. Pages, the JSON API and the command line call the same
//! service, so their rules cannot drift. Each service has its own error enum; the web
//! layer maps it to statuses in `web::service_errors`.

pub mod accounts;
pub mod captcha;
pub mod create_staff;
pub mod forms;
pub mod registrations;
pub mod review;
pub mod uploads;
