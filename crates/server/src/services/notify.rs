//! Telling candidates that their registration changed. The message is written into the
//! outbox in the transaction of the change (so it goes out exactly when the change
//! commits) and delivered by the `deliver_notifications` job: by SMS to the phone on the
//! account, and by e-mail where one is given.

use examreg_domain::account::Channel;
use examreg_domain::exam::ExamDefinition;
use examreg_domain::money::Fen;
use examreg_domain::registration::Registration;
use examreg_domain::registration::deadlines::Deadline;
use examreg_store::notifications;
use examreg_store::{StoreError, Txn, candidates};
use time::OffsetDateTime;

use crate::format::date_time;

/// What happened to a registration that its candidate must hear about.
#[derive(Debug, Clone, Copy)]
pub enum Notice<'a> {
    /// 报名确认不通过, with the reasons.
    Returned { reasons: &'a [String] },
    /// 报名确认通过.
    Confirmed,
    /// The point did not decide by the confirmation close: the exam area will.
    Escalated,
    /// 资格审核 decided; told from the exam's publication time.
    Qualification {
        qualified: bool,
        reasons: &'a [String],
    },
    /// 视为自动放弃 because `because` passed.
    Abandoned { because: Deadline },
    /// 缴费成功.
    Paid { amount: Fen },
    /// 退款成功.
    Refunded { amount: Fen, reason: &'a str },
}

/// Queues the message of `notice` about `registration` to its candidate.
pub async fn registration_changed(
    db: &Txn,
    exam: &ExamDefinition,
    registration: &Registration,
    notice: Notice<'_>,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    let Some(account) = candidates::get(db, registration.candidate_id).await? else {
        return Ok(());
    };
    let calendar = &exam.calendar;
    let about = format!("{}：您的报名（网报号 {}）", exam.title, registration.no);
    let (subject, body, deliver_from) = match notice {
        Notice::Returned { reasons } => (
            "报名确认不通过",
            format!(
                "{about}报名确认不通过，请于 {} 前按审核意见修改，并重新点击“上传全部证明材料”和“提交报名信息”，逾期视为自动放弃。审核意见：{}",
                date_time(calendar.resubmit_deadline),
                reasons.join("；")
            ),
            now,
        ),
        Notice::Confirmed => (
            "报名确认通过",
            format!(
                "{about}已通过报名确认。资格审核结果于 {} 起可登录查看。",
                date_time(calendar.qualification_results_published)
            ),
            now,
        ),
        Notice::Escalated => (
            "报名已转考区审核",
            format!(
                "{about}报名点未在 {} 前完成确认，已转交考区审核，您无需重复提交，结果将另行通知。",
                date_time(calendar.confirmation_closes)
            ),
            now,
        ),
        Notice::Qualification {
            qualified: true, ..
        } => (
            "资格审核通过",
            format!(
                "{about}资格审核通过。请于 {} 至 {} 按报考科目缴费，逾期视为自动放弃。",
                date_time(calendar.payment.opens),
                date_time(calendar.payment.closes)
            ),
            calendar.qualification_results_published,
        ),
        Notice::Qualification {
            qualified: false,
            reasons,
        } => (
            "资格审核不通过",
            format!("{about}资格审核不通过。原因：{}", reasons.join("；")),
            calendar.qualification_results_published,
        ),
        Notice::Paid { amount } => (
            "缴费成功",
            format!("{about}已缴费 {amount}，报名成功。请按考区通知打印准考证并参加考试。"),
            now,
        ),
        Notice::Refunded { amount, reason } => (
            "退款成功",
            format!("{about}已退款 {amount}（{reason}），款项将原路退回，到账时间以支付平台为准。"),
            now,
        ),
        Notice::Abandoned {
            because: Deadline::Payment,
        } => (
            "视为自动放弃",
            format!(
                "{about}未在 {} 前缴费，视为自动放弃本次考试。",
                date_time(calendar.payment.closes)
            ),
            now,
        ),
        Notice::Abandoned { .. } => (
            "视为自动放弃",
            format!(
                "{about}未在 {} 前提交报名信息，视为自动放弃本次考试。",
                date_time(calendar.resubmit_deadline)
            ),
            now,
        ),
    };
    notifications::enqueue_from(
        db,
        Channel::Sms,
        &account.phone,
        subject,
        &body,
        now,
        deliver_from,
    )
    .await?;
    if let Some(email) = account.email.as_deref().filter(|e| !e.is_empty()) {
        notifications::enqueue_from(db, Channel::Email, email, subject, &body, now, deliver_from)
            .await?;
    }
    Ok(())
}
