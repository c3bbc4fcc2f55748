//! The notification outbox: messages are written in the same transaction as the change
//! that causes them and delivered later by a worker, retried until they go out.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::StoreError;
use crate::entities::notification;

pub use examreg_domain::account::Channel;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: Uuid,
    pub channel: Channel,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub attempts: u32,
}

pub async fn enqueue(
    db: &impl ConnectionTrait,
    channel: Channel,
    recipient: &str,
    subject: &str,
    body: &str,
    now: OffsetDateTime,
) -> Result<Uuid, StoreError> {
    enqueue_from(db, channel, recipient, subject, body, now, now).await
}

/// Queues a message that is not to go out before `deliver_from` (a result the candidate
/// may see only from its publication time).
pub async fn enqueue_from(
    db: &impl ConnectionTrait,
    channel: Channel,
    recipient: &str,
    subject: &str,
    body: &str,
    now: OffsetDateTime,
    deliver_from: OffsetDateTime,
) -> Result<Uuid, StoreError> {
    let id = Uuid::new_v4();
    let row = notification::ActiveModel {
        id: Set(id),
        channel: Set(channel.key().to_owned()),
        recipient: Set(recipient.to_owned()),
        subject: Set(subject.to_owned()),
        body: Set(body.to_owned()),
        created_at: Set(now),
        next_attempt_at: Set(deliver_from.max(now)),
        attempts: Set(0),
        sent_at: Set(None),
        last_error: Set(None),
    };
    notification::Entity::insert(row)
        .exec_without_returning(db)
        .await?;
    Ok(id)
}

/// Claims up to `limit` due messages for `lease`: another node (or a later run) sees them
/// again only when the lease runs out without [`mark_sent`].
pub async fn claim_due(
    db: &impl ConnectionTrait,
    now: OffsetDateTime,
    lease: Duration,
    limit: u64,
) -> Result<Vec<Message>, StoreError> {
    let due = notification::Entity::find()
        .filter(notification::Column::SentAt.is_null())
        .filter(notification::Column::NextAttemptAt.lte(now))
        .order_by_asc(notification::Column::NextAttemptAt)
        .limit(limit)
        .all(db)
        .await?;
    let mut claimed = Vec::new();
    for row in due {
        // Compare-and-set on the attempt time: only one claimant wins.
        let won = notification::Entity::update_many()
            .col_expr(
                notification::Column::NextAttemptAt,
                Expr::value(now + lease),
            )
            .col_expr(
                notification::Column::Attempts,
                Expr::value(row.attempts + 1),
            )
            .filter(notification::Column::Id.eq(row.id))
            .filter(notification::Column::NextAttemptAt.eq(row.next_attempt_at))
            .filter(notification::Column::SentAt.is_null())
            .exec(db)
            .await?
            .rows_affected
            == 1;
        let Some(channel) = Channel::from_key(&row.channel) else {
            continue;
        };
        if won {
            claimed.push(Message {
                id: row.id,
                channel,
                recipient: row.recipient,
                subject: row.subject,
                body: row.body,
                attempts: u32::try_from(row.attempts + 1).unwrap_or(u32::MAX),
            });
        }
    }
    Ok(claimed)
}

pub async fn mark_sent(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    notification::Entity::update_many()
        .col_expr(notification::Column::SentAt, Expr::value(Some(now)))
        .col_expr(
            notification::Column::LastError,
            Expr::value(Option::<String>::None),
        )
        .filter(notification::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn mark_failed(
    db: &impl ConnectionTrait,
    id: Uuid,
    error: &str,
    retry_at: OffsetDateTime,
) -> Result<(), StoreError> {
    notification::Entity::update_many()
        .col_expr(
            notification::Column::LastError,
            Expr::value(Some(error.chars().take(2000).collect::<String>())),
        )
        .col_expr(notification::Column::NextAttemptAt, Expr::value(retry_at))
        .filter(notification::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Messages not yet sent (for tests and the admin console).
pub async fn pending(db: &impl ConnectionTrait) -> Result<Vec<Message>, StoreError> {
    let rows = notification::Entity::find()
        .filter(notification::Column::SentAt.is_null())
        .order_by_asc(notification::Column::CreatedAt)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            Some(Message {
                id: row.id,
                channel: Channel::from_key(&row.channel)?,
                recipient: row.recipient,
                subject: row.subject,
                body: row.body,
                attempts: u32::try_from(row.attempts).unwrap_or(u32::MAX),
            })
        })
        .collect())
}
