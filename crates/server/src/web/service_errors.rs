//! How each service error reaches a client: the written mapping from use-case errors to
//! statuses and Chinese messages.

use crate::passwords::HashError;
use crate::services::accounts::change_password::ChangePasswordError;
use crate::services::accounts::codes::CodeRequestError;
use crate::services::accounts::password_reset::ResetError;
use crate::services::accounts::register_candidate::RegisterError;
use crate::services::accounts::sign_in::SignInError;
use crate::services::create_staff::CreateStaffError;
use crate::web::error::{AppError, FieldErrors};
use crate::web::wording::{self, Attempt};
use examreg_domain::registration::Refusal;

/// The answer to an unknown user and to a wrong password: one and the same.
pub const INVALID_CREDENTIALS: &str = "用户名或密码不正确";

fn field(name: &str, message: impl Into<String>) -> FieldErrors {
    let mut fields = FieldErrors::new();
    fields.insert(name.to_owned(), vec![message.into()]);
    fields
}

impl From<HashError> for AppError {
    fn from(err: HashError) -> Self {
        match err {
            HashError::Busy => AppError::Busy,
            other => AppError::Internal(other.into()),
        }
    }
}

impl From<crate::services::StoreError> for AppError {
    /// By cause: a writer queue too long to join is the rush's 503, a store that cannot
    /// be reached is 503 too (try again), a full disk 507, anything else a bug (500).
    fn from(err: crate::services::StoreError) -> Self {
        if matches!(err, crate::services::StoreError::Busy) {
            AppError::Busy
        } else if err.is_storage_full() {
            tracing::error!(error = %err, "storage full");
            AppError::StorageFull
        } else if err.is_unavailable() {
            tracing::warn!(error = %err, "store unavailable");
            AppError::Unavailable
        } else {
            AppError::Internal(err.into())
        }
    }
}

impl From<RegisterError> for AppError {
    fn from(err: RegisterError) -> Self {
        match err {
            RegisterError::Invalid(problems) => AppError::Invalid {
                message: "注册信息有误，请修改后重新提交".into(),
                fields: problems
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), vec![v]))
                    .collect(),
            },
            RegisterError::UsernameTaken => AppError::Conflict {
                code: "username_taken",
                message: "该用户名已被使用，请换一个".into(),
            },
            RegisterError::WrongPhoneCode => AppError::Invalid {
                message: WRONG_CODE.into(),
                fields: field("phone_code", WRONG_CODE),
            },
            RegisterError::Hash(e) => e.into(),
            RegisterError::Store(e) => e.into(),
        }
    }
}

/// A one-time code that is wrong, expired, used up or was never sent: one answer.
const WRONG_CODE: &str = "验证码不正确或已失效，请重新获取";

fn minutes(d: time::Duration) -> i64 {
    (d.whole_seconds() + 59).div_euclid(60).max(1)
}

impl From<CodeRequestError> for AppError {
    fn from(err: CodeRequestError) -> Self {
        match err {
            CodeRequestError::InvalidPhone(message) => AppError::Invalid {
                message: message.clone(),
                fields: field("phone", message),
            },
            CodeRequestError::CaptchaRequired => AppError::Unauthenticated {
                code: "captcha_required",
                message: "请输入图形验证码后再获取短信验证码".into(),
            },
            CodeRequestError::CaptchaWrong => AppError::Unauthenticated {
                code: "captcha_wrong",
                message: "图形验证码不正确或已过期，请重新输入".into(),
            },
            CodeRequestError::Wait {
                retry_after,
                recipient,
            } => AppError::TooManyRequests {
                code: "too_many_codes",
                message: if recipient {
                    format!(
                        "该手机号获取验证码过于频繁，请 {} 分钟后再试；已收到的验证码仍可使用",
                        minutes(retry_after)
                    )
                } else {
                    format!(
                        "本网络获取验证码的次数过多，请 {} 分钟后再试",
                        minutes(retry_after)
                    )
                },
                retry_after_secs: u64::try_from(retry_after.whole_seconds())
                    .unwrap_or(60)
                    .max(1),
            },
            CodeRequestError::Store(e) => e.into(),
        }
    }
}

impl From<SignInError> for AppError {
    fn from(err: SignInError) -> Self {
        match err {
            SignInError::InvalidCredentials {
                captcha_required: false,
            } => AppError::Unauthenticated {
                code: "invalid_credentials",
                message: INVALID_CREDENTIALS.into(),
            },
            SignInError::InvalidCredentials {
                captcha_required: true,
            } => AppError::Unauthenticated {
                code: "invalid_credentials_captcha_required",
                message: format!("{INVALID_CREDENTIALS}。请输入图形验证码后重试"),
            },
            SignInError::CaptchaRequired => AppError::Unauthenticated {
                code: "captcha_required",
                message: "请输入图形验证码".into(),
            },
            SignInError::CaptchaWrong => AppError::Unauthenticated {
                code: "captcha_wrong",
                message: "图形验证码不正确或已过期，请重新输入".into(),
            },
            SignInError::Throttled { retry_after } => AppError::TooManyRequests {
                code: "too_many_attempts",
                message: format!(
                    "该账号登录失败次数过多，为保护账号安全，请 {} 分钟后再试；忘记密码的，可通过“找回密码”重设",
                    minutes(retry_after)
                ),
                retry_after_secs: u64::try_from(retry_after.whole_seconds())
                    .unwrap_or(60)
                    .max(1),
            },
            SignInError::Hash(e) => e.into(),
            SignInError::Store(e) => e.into(),
        }
    }
}

impl From<ChangePasswordError> for AppError {
    fn from(err: ChangePasswordError) -> Self {
        let invalid = |name: &str, message: String| AppError::Invalid {
            message: message.clone(),
            fields: field(name, message),
        };
        match err {
            ChangePasswordError::WrongCurrentPassword => {
                invalid("current_password", "当前密码不正确".into())
            }
            ChangePasswordError::NewPassword(e) => invalid("new_password", e.to_string()),
            ChangePasswordError::Unchanged => {
                invalid("new_password", "新密码不能与当前密码相同".into())
            }
            ChangePasswordError::Hash(e) => e.into(),
            ChangePasswordError::Store(e) => e.into(),
        }
    }
}

impl From<ResetError> for AppError {
    fn from(err: ResetError) -> Self {
        match err {
            ResetError::InvalidCode => AppError::Invalid {
                message: WRONG_CODE.into(),
                fields: field("code", WRONG_CODE),
            },
            ResetError::NewPassword(e) => AppError::Invalid {
                message: e.to_string(),
                fields: field("new_password", e.to_string()),
            },
            ResetError::Hash(e) => e.into(),
            ResetError::Store(e) => e.into(),
        }
    }
}

impl From<CreateStaffError> for AppError {
    fn from(err: CreateStaffError) -> Self {
        match err {
            CreateStaffError::Taken(_) => AppError::Conflict {
                code: "username_taken",
                message: "该用户名已被使用".into(),
            },
            CreateStaffError::Hash(e) => e.into(),
            CreateStaffError::Store(e) => e.into(),
            other => AppError::Invalid {
                message: other.to_string(),
                fields: FieldErrors::new(),
            },
        }
    }
}

impl From<crate::services::registrations::AccessError> for AppError {
    fn from(err: crate::services::registrations::AccessError) -> Self {
        match err {
            crate::services::registrations::AccessError::NotFound => AppError::NotFound,
            crate::services::registrations::AccessError::Store(e) => e.into(),
        }
    }
}

impl From<crate::services::registrations::start_registration::StartError> for AppError {
    fn from(err: crate::services::registrations::start_registration::StartError) -> Self {
        use crate::services::registrations::start_registration::StartError;
        match err {
            StartError::UnknownExam => AppError::Invalid {
                message: "没有这项考试".into(),
                fields: field("exam", "没有这项考试，请从开放报名的考试中选择"),
            },
            StartError::Closed(exam) => AppError::Conflict {
                code: "registration_closed",
                message: format!(
                    "{}的网上报名时间为 {} 至 {}，现在不能报名",
                    exam.title,
                    crate::format::date_time(exam.calendar.registration.opens),
                    crate::format::date_time(exam.calendar.registration.closes)
                ),
            },
            StartError::AlreadyRegistered(no) => AppError::Conflict {
                code: "already_registered",
                message: format!("您已报名本次考试，网报号为 {no}，请继续填写该报名"),
            },
            StartError::Store(e) => e.into(),
        }
    }
}

impl From<crate::services::registrations::save_section::SaveError> for AppError {
    fn from(err: crate::services::registrations::save_section::SaveError) -> Self {
        use crate::services::registrations::save_section::SaveError;
        match err {
            SaveError::NotFound => AppError::NotFound,
            SaveError::Closed(refusal) => AppError::Conflict {
                code: "registration_closed",
                message: wording::refusal(&refusal, Attempt::Edit),
            },
            SaveError::Conflict { current_revision } => AppError::Conflict {
                code: "revision_conflict",
                message: format!(
                    "报名信息已在其他页面或设备上修改（当前为第 {current_revision} 次修改），为避免覆盖，本次未保存。请刷新页面后再修改"
                ),
            },
            SaveError::Invalid(fields) => AppError::Invalid {
                message: "填写的信息有误，请按提示修改".into(),
                fields: fields.into_iter().map(|(k, v)| (k, vec![v])).collect(),
            },
            SaveError::Unprintable(fields) => AppError::Invalid {
                message: "有的字无法打印在申请表上，请按提示修改".into(),
                fields: fields
                    .into_iter()
                    .map(|(field, chars)| {
                        let label = crate::web::candidate::registration_form::label(field).0;
                        let chars: Vec<String> = chars
                            .iter()
                            .map(|c| format!("“{c}”（U+{:04X}）", u32::from(*c)))
                            .collect();
                        (
                            field.to_owned(),
                            vec![format!(
                                "{label}中的{}无法打印在申请表上，请改用常用字或拼音",
                                chars.join("、")
                            )],
                        )
                    })
                    .collect(),
            },
            SaveError::Store(e) => e.into(),
        }
    }
}

impl From<crate::services::forms::FormServiceError> for AppError {
    fn from(err: crate::services::forms::FormServiceError) -> Self {
        use crate::services::forms::FormServiceError;
        match err {
            FormServiceError::NotFound => AppError::NotFound,
            FormServiceError::NotReady(missing) => AppError::Conflict {
                code: "form_not_ready",
                message: format!(
                    "打印申请表前，请先{}",
                    missing
                        .iter()
                        .map(wording::missing_phrase)
                        .collect::<Vec<_>>()
                        .join("、")
                ),
            },
            FormServiceError::Unprintable(message) => AppError::Conflict {
                code: "form_unprintable",
                message,
            },
            FormServiceError::Store(e) => e.into(),
            FormServiceError::Busy(_) => AppError::Busy,
            FormServiceError::Internal(e) => AppError::Internal(anyhow::anyhow!(e)),
        }
    }
}

impl From<crate::services::forms::VerifyError> for AppError {
    fn from(err: crate::services::forms::VerifyError) -> Self {
        use crate::services::forms::VerifyError;
        match err {
            VerifyError::Malformed(message) => AppError::Invalid {
                message: message.to_owned(),
                fields: field(
                    if message.starts_with("网报号") {
                        "no"
                    } else {
                        "code"
                    },
                    message,
                ),
            },
            VerifyError::Store(e) => e.into(),
        }
    }
}

impl From<crate::services::uploads::UploadError> for AppError {
    fn from(err: crate::services::uploads::UploadError) -> Self {
        use crate::services::uploads::UploadError;
        match err {
            UploadError::NotFound => AppError::NotFound,
            UploadError::UnknownSlot(slot) => AppError::NotFoundBecause {
                code: "unknown_slot",
                message: format!("没有编号为“{slot}”的材料框"),
            },
            UploadError::NotApplicable { title } => AppError::Conflict {
                code: "slot_not_applicable",
                message: format!(
                    "根据您填写的报名信息，无需上传“{title}”。如情况有变，请先修改报名信息"
                ),
            },
            UploadError::Closed(refusal) => AppError::Conflict {
                code: "uploads_closed",
                message: wording::refusal(&refusal, Attempt::Files),
            },
            UploadError::NoPhoto => AppError::Conflict {
                code: "no_photo",
                message: "请先上传报名照片，再确认".to_owned(),
            },
            UploadError::Full { title, max } => AppError::Conflict {
                code: "slot_full",
                message: format!("“{title}”最多允许上传 {max} 个文件，请先删除不需要的文件"),
            },
            UploadError::Duplicate { slot } => AppError::Conflict {
                code: "duplicate_file",
                message: format!("这个文件已经上传过（材料框 {slot}），请勿重复上传"),
            },
            UploadError::StaleForm { printed, current } => AppError::Conflict {
                code: "stale_form",
                message: format!(
                    "您上传的申请表为第{printed}版，当前为第{current}版，请重新打印"
                ),
            },
            UploadError::ForeignForm => AppError::Conflict {
                code: "foreign_form",
                message: "您上传的申请表不是本次报名的申请表（条形码中的网报号或版本不符），请上传本人最新打印并签字盖章的申请表".to_owned(),
            },
            UploadError::Rejected(reason) => {
                let message = reason.to_string();
                let (status_code, code) = match reason {
                    examreg_documents::jpeg::JpegError::TooLarge { .. } => (413, "file_too_large"),
                    examreg_documents::jpeg::JpegError::NotJpeg(_) => (415, "not_jpeg"),
                    _ => (422, "invalid_image"),
                };
                match status_code {
                    413 => AppError::PayloadTooLarge { code, message },
                    415 => AppError::UnsupportedMediaType(message),
                    _ => AppError::Invalid {
                        message: message.clone(),
                        fields: field("file", message),
                    },
                }
            }
            UploadError::Store(e) => e.into(),
            UploadError::Busy(_) => AppError::Busy,
            UploadError::Task(e) => AppError::Internal(anyhow::anyhow!(e)),
        }
    }
}

impl From<crate::services::uploads::CompleteError> for AppError {
    fn from(err: crate::services::uploads::CompleteError) -> Self {
        use crate::services::uploads::CompleteError;
        match err {
            CompleteError::NotFound => AppError::NotFound,
            CompleteError::Closed(refusal) => AppError::Conflict {
                code: "uploads_closed",
                message: wording::refusal(&refusal, Attempt::Files),
            },
            CompleteError::Missing(incomplete) => {
                let mut fields = FieldErrors::new();
                for slot in &incomplete.empty_required {
                    fields.insert(
                        format!("slots.{}", slot.id),
                        vec![format!("请上传“{}”", slot.title)],
                    );
                }
                let message = if incomplete.empty_required.is_empty() {
                    "至少上传一项证明材料".to_owned()
                } else {
                    format!(
                        "还有 {} 个必须上传的材料框没有文件",
                        incomplete.empty_required.len()
                    )
                };
                AppError::Invalid { message, fields }
            }
            CompleteError::Store(e) => e.into(),
        }
    }
}

impl From<crate::services::registrations::submit::SubmitError> for AppError {
    fn from(err: crate::services::registrations::submit::SubmitError) -> Self {
        use crate::services::registrations::submit::SubmitError;
        match err {
            SubmitError::NotFound => AppError::NotFound,
            SubmitError::Incomplete(missing) => AppError::Invalid {
                message: format!("还有 {} 项未完成，不能提交", missing.len()),
                fields: missing
                    .iter()
                    .map(|m| (m.field(), vec![wording::missing_sentence(m)]))
                    .collect(),
            },
            SubmitError::Closed(refusal) => AppError::Conflict {
                code: "submission_closed",
                message: wording::refusal(&refusal, Attempt::Submit),
            },
            SubmitError::WithdrawRefused(refusal) => AppError::Conflict {
                code: "withdraw_closed",
                message: wording::refusal(&refusal, Attempt::Withdraw),
            },
            SubmitError::Conflict => AppError::Conflict {
                code: "revision_conflict",
                message: "报名信息已在其他页面或设备上变更，请刷新页面后重试".into(),
            },
            SubmitError::Store(e) => e.into(),
        }
    }
}

impl From<crate::services::review::confirmation::ReviewError> for AppError {
    fn from(err: crate::services::review::confirmation::ReviewError) -> Self {
        use crate::services::review::confirmation::ReviewError;
        match err {
            ReviewError::NotFound => AppError::NotFound,
            ReviewError::Refused(refusal @ Refusal::Role { .. }) => AppError::Forbidden {
                code: "forbidden",
                message: wording::refusal(&refusal, Attempt::Decide),
            },
            ReviewError::Refused(refusal @ Refusal::Status(_)) => AppError::Conflict {
                code: "wrong_status",
                message: wording::refusal(&refusal, Attempt::Decide),
            },
            ReviewError::Refused(refusal) => AppError::Conflict {
                code: "decision_closed",
                message: wording::refusal(&refusal, Attempt::Decide),
            },
            ReviewError::Invalid(problems) => AppError::Invalid {
                message: "审核意见有误".into(),
                fields: problems.into_iter().map(|(k, m)| (k, vec![m])).collect(),
            },
            ReviewError::Stale { current } => AppError::Conflict {
                code: "revision_conflict",
                message: format!(
                    "该报名已在您查看后变更（考生修改或其他审核员已处理，当前为第 {current} 次修改），本次审核未保存，请刷新后重新审核"
                ),
            },
            ReviewError::Store(e) => e.into(),
        }
    }
}

impl From<crate::services::payments::PaymentError> for AppError {
    fn from(err: crate::services::payments::PaymentError) -> Self {
        use crate::services::payments::PaymentError;
        match err {
            PaymentError::NotFound => AppError::NotFound,
            PaymentError::Refused(refusal @ Refusal::Status(_)) => AppError::Conflict {
                code: "not_payable",
                message: wording::refusal(&refusal, Attempt::Pay),
            },
            PaymentError::Refused(refusal) => AppError::Conflict {
                code: "payment_closed",
                message: wording::refusal(&refusal, Attempt::Pay),
            },
            PaymentError::ProviderUnavailable(detail) => {
                tracing::warn!(detail, "payment provider unavailable");
                AppError::Upstream {
                    code: "payment_provider_unavailable",
                    message: "支付平台暂时无法连接，本次没有发起支付，请稍后重试。如您已付款，请勿重复支付，稍后点击“我已支付”查询结果".into(),
                }
            }
            PaymentError::Store(e) => e.into(),
        }
    }
}

impl From<crate::services::payments::callback::CallbackError> for AppError {
    fn from(err: crate::services::payments::callback::CallbackError) -> Self {
        use crate::services::payments::callback::CallbackError;
        match err {
            CallbackError::UnknownProvider => AppError::NotFoundBecause {
                code: "unknown_provider",
                message: "没有这个支付渠道".into(),
            },
            CallbackError::Refused(_) => AppError::Unauthenticated {
                code: "notification_refused",
                message: "通知签名验证失败".into(),
            },
            CallbackError::Store(e) => e.into(),
        }
    }
}

impl From<crate::services::payments::refunds::RefundError> for AppError {
    fn from(err: crate::services::payments::refunds::RefundError) -> Self {
        use crate::services::payments::refunds::RefundError;
        match err {
            RefundError::NotFound => AppError::NotFoundBecause {
                code: "order_not_found",
                message: "没有这个订单".into(),
            },
            RefundError::Refused(refusal) => AppError::Conflict {
                code: "refund_refused",
                message: refusal.to_string(),
            },
            RefundError::Store(e) => e.into(),
        }
    }
}
