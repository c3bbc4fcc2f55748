//! 缴费: what an order is, how it moves (one declared transition table, like the
//! registration's lifecycle), and what a payment a provider reports means for the order
//! and its registration ([`settle`]). Pure: providers, storage and clocks are the server's.

mod order;
mod reconcile;
mod refund;
mod settlement;

pub use order::{
    IllegalOrderTransition, MerchantOrderNo, Order, OrderEvent, OrderStatus, PaidWith,
    ProviderKind, RefundNo, order_expiry, transition,
};
pub use reconcile::{BillLine, Mismatch, reconcile};
pub use refund::{
    Refund, RefundRefusal, RefundReport, RefundStatus, fully_refunded, may_refund, refundable,
};
pub use settlement::{Flag, PaymentReport, Settlement, settle};
