//! SeaORM entities: storage shapes, private to this crate.

#![expect(
    unreachable_pub,
    reason = "SeaORM derives want pub items; the module itself is private"
)]

pub(crate) mod audit_log;
pub(crate) mod candidate_account;
pub(crate) mod captcha;
pub(crate) mod decision;
pub(crate) mod form_print;
pub(crate) mod notification;
pub(crate) mod one_time_code;
pub(crate) mod payment_bill;
pub(crate) mod payment_order;
pub(crate) mod payment_refund;
pub(crate) mod registration;
pub(crate) mod sandbox_refund;
pub(crate) mod sandbox_trade;
pub(crate) mod server_secret;
pub(crate) mod session;
pub(crate) mod staff_account;
pub(crate) mod staff_point_scope;
pub(crate) mod throttle_event;
pub(crate) mod upload;
