//! Decisions on registrations: one row each, written in the transaction that moves the
//! registration's status, with the snapshot of what was decided on.

use std::collections::HashMap;

use examreg_domain::account::StaffId;
use examreg_domain::registration::{Decision, DecisionKind, DecisionReason, Status};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use crate::StoreError;
use crate::entities::decision;

fn corrupt(what: &str, err: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("decision {what}: {err}"))
}

fn from_row(row: decision::Model) -> Result<Decision, StoreError> {
    Ok(Decision {
        kind: DecisionKind::from_key(&row.kind).ok_or_else(|| corrupt("kind", &row.kind))?,
        from: Status::from_key(&row.from_status)
            .ok_or_else(|| corrupt("from_status", &row.from_status))?,
        reasons: serde_json::from_value::<Vec<DecisionReason>>(row.reasons)
            .map_err(|e| corrupt("reasons", e))?,
        staff: StaffId(row.staff_id),
        revision: row.revision,
        at: row.decided_at,
    })
}

/// Appends a decision on `registration`; `snapshot` is what it was decided on.
pub async fn record(
    db: &impl ConnectionTrait,
    registration: Uuid,
    decision: &Decision,
    snapshot: serde_json::Value,
) -> Result<(), StoreError> {
    let row = decision::ActiveModel {
        id: Set(Uuid::new_v4()),
        registration_id: Set(registration),
        kind: Set(decision.kind.key().to_owned()),
        from_status: Set(decision.from.key().to_owned()),
        reasons: Set(serde_json::to_value(&decision.reasons).map_err(|e| corrupt("reasons", e))?),
        staff_id: Set(decision.staff.0),
        revision: Set(decision.revision),
        snapshot: Set(Some(snapshot)),
        decided_at: Set(decision.at),
    };
    decision::Entity::insert(row)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// The latest decision on each of `registrations` that has one. Decisions of one
/// registration are ordered by the revision they were taken on, which only grows.
pub async fn latest(
    db: &impl ConnectionTrait,
    registrations: &[Uuid],
) -> Result<HashMap<Uuid, Decision>, StoreError> {
    if registrations.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = decision::Entity::find()
        .filter(decision::Column::RegistrationId.is_in(registrations.iter().copied()))
        .order_by_asc(decision::Column::Revision)
        .all(db)
        .await?;
    let mut latest = HashMap::new();
    for row in rows {
        let id = row.registration_id;
        latest.insert(id, from_row(row)?);
    }
    Ok(latest)
}

/// What the latest decision on `registration` was made on, if any was taken.
pub async fn latest_snapshot(
    db: &impl ConnectionTrait,
    registration: Uuid,
) -> Result<Option<serde_json::Value>, StoreError> {
    Ok(decision::Entity::find()
        .filter(decision::Column::RegistrationId.eq(registration))
        .order_by_desc(decision::Column::Revision)
        .one(db)
        .await?
        .and_then(|row| row.snapshot))
}
