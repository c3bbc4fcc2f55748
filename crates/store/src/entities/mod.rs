//! SeaORM entities: storage shapes, private to this crate.

#![expect(
    unreachable_pub,
    reason = "SeaORM derives want pub items; the module itself is private"
)]

pub(crate) mod audit_log;
pub(crate) mod staff_account;
pub(crate) mod staff_point_scope;
