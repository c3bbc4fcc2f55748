//! The sentences people read about the registration's rules: why something may not happen
//! now, what is still missing, what to do next. Written once here, from the facts the
//! domain returns, for pages, the JSON API and the to-do list alike.

use examreg_domain::registration::{Missing, Refusal, Section, Todo};

use crate::format::date_time;

/// What the person was trying to do when refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Save a section.
    Edit,
    /// Upload, delete or confirm files, or 上传全部证明材料.
    Files,
    /// 提交报名信息.
    Submit,
    /// 撤回.
    Withdraw,
    /// A reviewer's decision.
    Decide,
    /// 缴费.
    Pay,
}

impl Attempt {
    fn verb(self) -> &'static str {
        match self {
            Attempt::Edit => "修改报名信息",
            Attempt::Files => "上传或删除材料",
            Attempt::Submit => "提交报名信息",
            Attempt::Withdraw => "撤回",
            Attempt::Decide => "审核",
            Attempt::Pay => "缴费",
        }
    }
}

/// Why `attempt` is refused now.
pub fn refusal(refusal: &Refusal, attempt: Attempt) -> String {
    let verb = attempt.verb();
    match refusal {
        Refusal::Status(status) => match attempt {
            Attempt::Decide => format!("该报名当前状态为“{}”，不能作此审核", status.label()),
            _ => format!("报名状态为“{}”，不能{verb}", status.label()),
        },
        Refusal::NotYetOpen { opens } => {
            format!("网上报名 {} 开始，现在还不能{verb}", date_time(*opens))
        }
        Refusal::RegistrationClosed { opens, closes } => format!(
            "网上报名时间为 {} 至 {}，现在不能{verb}",
            date_time(*opens),
            date_time(*closes)
        ),
        Refusal::ResubmitDeadlinePassed { deadline } => format!(
            "退回修改后重新提交的截止时间为 {}，已过截止时间，不能{verb}",
            date_time(*deadline)
        ),
        Refusal::WithdrawClosed { closes } => format!(
            "网上报名已于 {} 截止，撤回后将无法再次提交，因此不能撤回",
            date_time(*closes)
        ),
        Refusal::ReturnsClosed { closes } => format!(
            "退回考生修改已于 {} 截止（须给考生留出修改时间）。现在只能确认通过；不能确认的，报名确认截止后转考区处理",
            date_time(*closes)
        ),
        Refusal::ConfirmationClosed { closes } => format!(
            "报名确认已于 {} 截止，报名点未确认的报名已转考区审核",
            date_time(*closes)
        ),
        Refusal::OutsideQualificationReview { opens, closes } => format!(
            "资格审核时间为 {} 至 {}，现在不能审核",
            date_time(*opens),
            date_time(*closes)
        ),
        Refusal::ResultsNotPublished { at } => format!(
            "资格审核结果将于 {} 公布，公布后资格审核通过的考生方可缴费",
            date_time(*at)
        ),
        Refusal::PaymentNotYetOpen { opens } => {
            format!("缴费 {} 开始，现在还不能缴费", date_time(*opens))
        }
        Refusal::PaymentClosed { closes } => format!(
            "缴费已于 {} 截止，未在规定时间内缴费的视为自动放弃",
            date_time(*closes)
        ),
        Refusal::Role { role, kind, .. } => format!(
            "您的角色（{}）不能作“{}”：报名确认由报名点审核员进行；资格审核，以及报名点逾期未确认的报名，由考区审核员进行",
            role.label(),
            kind.label()
        ),
    }
}

/// What is missing, as a phrase to follow "请" or to list ("填写“基本情况”").
pub fn missing_phrase(missing: &Missing) -> String {
    match missing {
        Missing::Section(section) => section_phrase(*section),
        Missing::Photo => "上传并确认报名照片".to_owned(),
        Missing::PhotoNotConfirmed => "确认报名照片".to_owned(),
        Missing::Materials => "上传材料并点击“上传全部证明材料”".to_owned(),
        Missing::Form => "上传签字盖章后的《申请表》".to_owned(),
        Missing::StaleForm { current } => format!(
            "重新打印《申请表》（报名信息在上传之后修改过，当前为第 {current} 版），签字盖章后重新上传"
        ),
        Missing::NotEligible { reasons } => {
            format!("符合报考条件后再提交（{}）", reasons.join("；"))
        }
    }
}

fn section_phrase(section: Section) -> String {
    format!("填写“{}”", section.label())
}

/// What is missing, as a sentence of its own.
pub fn missing_sentence(missing: &Missing) -> String {
    match missing {
        Missing::NotEligible { reasons } => format!("不符合报考条件：{}", reasons.join("；")),
        other => format!("请{}", missing_phrase(other)),
    }
}

/// A to-do item of `exam_title`.
pub fn todo(todo: &Todo, exam_title: &str) -> String {
    match todo {
        Todo::Pay {
            open_now: true,
            closes,
            ..
        } => format!(
            "{exam_title}：资格审核已通过，请于 {} 前缴费，逾期未缴费视为自动放弃",
            date_time(*closes)
        ),
        Todo::Pay {
            open_now: false,
            opens,
            closes,
        } => format!(
            "{exam_title}：资格审核已通过，缴费时间为 {} 至 {}，逾期未缴费视为自动放弃",
            date_time(*opens),
            date_time(*closes)
        ),
        Todo::FixReturned { reasons, deadline } => format!(
            "{exam_title}：报名确认不通过，请按审核意见修改后于 {} 前重新提交。审核意见：{}",
            date_time(*deadline),
            reasons.join("；")
        ),
        Todo::Continue { next, closes } => format!(
            "{exam_title}：{}，网上报名 {} 截止",
            match next {
                None => "提交报名信息".to_owned(),
                Some(Missing::Section(section)) => {
                    format!("继续填写报名信息（下一项：{}）", section.label())
                }
                Some(other) => missing_phrase(other),
            },
            date_time(*closes)
        ),
        Todo::ReprintForm { current } => format!(
            "{exam_title}：报名信息已修改（当前为第 {current} 版），请重新打印申请表，签字盖章后重新上传"
        ),
    }
}

/// The answer to a sign-up that went through, in the API and on the sign-in page.
pub(crate) fn sign_up_accepted(phone_masked: &str) -> String {
    format!("注册申请已受理，结果已通过短信发送至 {phone_masked}，请查收短信后登录。")
}
