//! The one integration-test binary. Every test here runs against SQLite by default and
//! against PostgreSQL when `EXAMREG_TEST_POSTGRES_URL` is set (CI runs both).

#![expect(
    clippy::unwrap_used,
    reason = "helpers outside #[test] functions fail loudly"
)]

mod accounts;
mod admission;
mod api_exams;
mod attacks;
mod cli;
mod deadlines;
mod durability;
mod forms;
mod health;
mod home;
mod html;
mod journey;
mod load;
mod migrations;
mod notifications;
mod pages;
mod payments;
mod reconciliation;
mod refunds;
mod registration_pages;
mod registrations;
mod review;
mod security;
mod sessions;
mod staff_pages;
mod submission;
mod upload_pages;
mod uploads;
mod wechatpay;
