//! The candidate's journey as the Shanghai guide draws it: seven nodes that turn green
//! one after another.

/// A node of the progress bar shown on every candidate page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    /// 填写/修改报考信息.
    FillIn,
    /// 上传照片.
    Photo,
    /// 上传材料.
    Materials,
    /// 提交信息.
    Submit,
    /// 报名确认: by the registration point, or automatic for a matching historical candidate.
    Confirmation,
    /// 资格审核: by the exam area.
    QualificationReview,
    /// 缴费.
    Payment,
}

/// A node of the progress bar and whether a registration has reached it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepState {
    pub step: Step,
    pub reached: bool,
}

impl Step {
    pub const ALL: [Step; 7] = [
        Self::FillIn,
        Self::Photo,
        Self::Materials,
        Self::Submit,
        Self::Confirmation,
        Self::QualificationReview,
        Self::Payment,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::FillIn => "填写/修改报考信息",
            Self::Photo => "上传照片",
            Self::Materials => "上传材料",
            Self::Submit => "提交信息",
            Self::Confirmation => "报名确认",
            Self::QualificationReview => "资格审核",
            Self::Payment => "缴费",
        }
    }

    /// What the candidate does (or waits for) at this node, in one sentence.
    pub fn summary(self) -> &'static str {
        match self {
            Self::FillIn => "注册账号后填写基本情况、报考信息、教育情况和工作情况。",
            Self::Photo => "上传本人近期白底证件照并确认，照片将用于准考证和证书。",
            Self::Materials => {
                "打印《申请表》，签字并经单位人事部门签字盖章后，与证明材料一并上传（JPG 格式）。"
            }
            Self::Submit => "点击【提交报名信息】，报名点才能对材料进行确认。",
            Self::Confirmation => {
                "报名点审核材料；确认不通过的，按退回原因修改后在截止时间前重新提交。"
            }
            Self::QualificationReview => "考区进行资格审核，于公布时间后可查看结果。",
            Self::Payment => "资格审核通过后在缴费时间内按科目缴费，缴费成功即报名成功。",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seven_nodes_in_the_guides_order() {
        let labels: Vec<_> = Step::ALL.iter().map(|s| s.label()).collect();
        assert_eq!(
            labels,
            [
                "填写/修改报考信息",
                "上传照片",
                "上传材料",
                "提交信息",
                "报名确认",
                "资格审核",
                "缴费"
            ]
        );
        assert!(Step::ALL.windows(2).all(|w| w[0] < w[1]));
    }
}
