//! The append-only audit log. Rows are written in the same transaction as the change they
//! record; the database refuses updates and deletes.

use examreg_domain::account::Actor;
use sea_orm::{ActiveValue::NotSet, ConnectionTrait, EntityTrait, QueryOrder, QuerySelect, Set};
use time::OffsetDateTime;

use crate::StoreError;
use crate::entities::audit_log;

/// A namespaced action name, e.g. `staff.created`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditAction(pub &'static str);

impl AuditAction {
    pub const STAFF_CREATED: AuditAction = AuditAction("staff.created");
    pub const STAFF_PASSWORD_SET: AuditAction = AuditAction("staff.password_set");
    pub const ACCOUNT_REGISTERED: AuditAction = AuditAction("account.registered");
    /// A sign-up whose identity document already had an account: nothing was created,
    /// both phones were told.
    pub const SIGN_UP_IDENTITY_CONFLICT: AuditAction =
        AuditAction("account.sign_up_identity_conflict");
    pub const SIGN_UP_CODE_SENT: AuditAction = AuditAction("account.sign_up_code_sent");
    pub const SIGNED_IN: AuditAction = AuditAction("auth.signed_in");
    pub const SIGN_IN_FAILED: AuditAction = AuditAction("auth.sign_in_failed");
    pub const SIGNED_OUT: AuditAction = AuditAction("auth.signed_out");
    pub const PASSWORD_CHANGED: AuditAction = AuditAction("account.password_changed");
    pub const PASSWORD_RESET_REQUESTED: AuditAction =
        AuditAction("account.password_reset_requested");
    pub const PASSWORD_RESET: AuditAction = AuditAction("account.password_reset");
    pub const REGISTRATION_STARTED: AuditAction = AuditAction("registration.started");
    pub const REGISTRATION_SECTION_SAVED: AuditAction = AuditAction("registration.section_saved");
    pub const FILE_UPLOADED: AuditAction = AuditAction("registration.file_uploaded");
    pub const FILE_DELETED: AuditAction = AuditAction("registration.file_deleted");
    pub const MATERIALS_COMPLETED: AuditAction = AuditAction("registration.materials_completed");
    pub const REGISTRATION_SUBMITTED: AuditAction = AuditAction("registration.submitted");
    pub const REGISTRATION_WITHDRAWN: AuditAction = AuditAction("registration.withdrawn");
    pub const REGISTRATION_ABANDONED: AuditAction = AuditAction("registration.abandoned");
    pub const REGISTRATION_ESCALATED: AuditAction = AuditAction("registration.escalated");
    pub const REVIEW_CONFIRMED: AuditAction = AuditAction("review.confirmed");
    pub const REVIEW_RETURNED: AuditAction = AuditAction("review.returned");
    pub const REVIEW_QUALIFIED: AuditAction = AuditAction("review.qualified");
    pub const REVIEW_DISQUALIFIED: AuditAction = AuditAction("review.disqualified");
    pub const PAYMENT_ORDER_CREATED: AuditAction = AuditAction("payment.order_created");
    pub const PAYMENT_ORDER_CLOSED: AuditAction = AuditAction("payment.order_closed");
    /// 缴费成功: the order paid and the registration moved to `paid`.
    pub const REGISTRATION_PAID: AuditAction = AuditAction("registration.paid");
    /// A payment recorded but flagged for finance (refund due, or a report that did not
    /// match).
    pub const PAYMENT_FLAGGED: AuditAction = AuditAction("payment.flagged");
    pub const PAYMENT_REFUND_REQUESTED: AuditAction = AuditAction("payment.refund_requested");
    pub const PAYMENT_REFUNDED: AuditAction = AuditAction("payment.refunded");
    pub const PAYMENT_REFUND_FAILED: AuditAction = AuditAction("payment.refund_failed");
    pub const PAYMENT_BILL_IMPORTED: AuditAction = AuditAction("payment.bill_imported");
    /// A verified report of a payment on an order we never made.
    pub const PAYMENT_UNKNOWN_ORDER: AuditAction = AuditAction("payment.unknown_order");
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
}

impl Outcome {
    fn key(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
        }
    }
}

/// One entry to append.
#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    pub at: OffsetDateTime,
    pub actor: &'a Actor,
    pub action: AuditAction,
    pub subject: Option<(&'static str, String)>,
    pub outcome: Outcome,
    pub ip: Option<String>,
    pub details: serde_json::Value,
}

/// An entry as read back.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    pub id: i64,
    pub at: OffsetDateTime,
    pub actor_kind: String,
    pub actor_id: Option<String>,
    pub action: String,
    pub subject_kind: Option<String>,
    pub subject_id: Option<String>,
    pub outcome: String,
    pub ip: Option<String>,
    pub details: serde_json::Value,
}

fn from_row(r: audit_log::Model) -> AuditRecord {
    AuditRecord {
        id: r.id,
        at: r.occurred_at,
        actor_kind: r.actor_kind,
        actor_id: r.actor_id,
        action: r.action,
        subject_kind: r.subject_kind,
        subject_id: r.subject_id,
        outcome: r.outcome,
        ip: r.ip,
        details: r.details,
    }
}

pub async fn record(db: &impl ConnectionTrait, entry: AuditEntry<'_>) -> Result<(), StoreError> {
    let actor_id = match entry.actor {
        Actor::Staff(id) => Some(id.to_string()),
        Actor::Candidate(id) => Some(id.to_string()),
        Actor::System | Actor::Operator | Actor::Anonymous => None,
    };
    let (subject_kind, subject_id) = match entry.subject {
        Some((kind, id)) => (Some(kind.to_owned()), Some(id)),
        None => (None, None),
    };
    let row = audit_log::ActiveModel {
        id: NotSet,
        occurred_at: Set(entry.at),
        actor_kind: Set(entry.actor.kind().to_owned()),
        actor_id: Set(actor_id),
        action: Set(entry.action.0.to_owned()),
        subject_kind: Set(subject_kind),
        subject_id: Set(subject_id),
        outcome: Set(entry.outcome.key().to_owned()),
        ip: Set(entry.ip),
        details: Set(entry.details),
    };
    audit_log::Entity::insert(row)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// The most recent entries, newest first.
pub async fn recent(db: &impl ConnectionTrait, limit: u64) -> Result<Vec<AuditRecord>, StoreError> {
    let rows = audit_log::Entity::find()
        .order_by_desc(audit_log::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(from_row).collect())
}

/// The entries about one subject, oldest first.
pub async fn for_subject(
    db: &impl ConnectionTrait,
    kind: &str,
    id: &str,
) -> Result<Vec<AuditRecord>, StoreError> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let rows = audit_log::Entity::find()
        .filter(audit_log::Column::SubjectKind.eq(kind))
        .filter(audit_log::Column::SubjectId.eq(id))
        .order_by_asc(audit_log::Column::Id)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(from_row).collect())
}
