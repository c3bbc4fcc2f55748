//! How the registration's fields read on a page: labels, hints, choices, and the display
//! of saved values. One description serves the section forms and check-your-answers.

use examreg_domain::exam::ExamDefinition;
use examreg_domain::registration::{ETHNIC_GROUPS, FieldErrors, Section, Sections};
use examreg_domain::vocab::{
    Degree, Education, EmployerNature, Gender, IdType, Level, PracticeCategory, Residency, Subject,
    Vocabulary,
};

/// What kind of control a field is.
#[derive(Debug, Clone)]
pub enum FieldKind {
    Text,
    /// A date typed as YYYY-MM-DD.
    Date,
    Number,
    Select(Vec<(String, String)>),
    Checkboxes(Vec<(String, String)>),
    YesNo,
    /// Shown, not editable (identity from the account).
    Locked,
}

/// One field on a page.
#[derive(Debug, Clone)]
pub struct FieldView {
    pub id: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub kind: FieldKind,
    /// The value to show (for selects: the selected key).
    pub value: String,
    /// For checkboxes: the checked keys.
    pub values: Vec<String>,
    pub error: Option<String>,
}

impl FieldView {
    pub fn is_checked(&self, key: &str) -> bool {
        self.values.iter().any(|v| v == key)
    }
}

fn choices<V: Vocabulary>() -> Vec<(String, String)> {
    V::ALL
        .iter()
        .map(|v| (v.key().to_owned(), v.label().to_owned()))
        .collect()
}

/// Label and hint of a field.
pub fn label(id: &str) -> (&'static str, &'static str) {
    match id {
        "name" => ("姓名", "与注册账号一致，不能在此修改"),
        "gender" => ("性别", ""),
        "birth_date" => (
            "出生日期",
            "按 年-月-日 填写，如 1990-03-07；须与证件号码一致",
        ),
        "id_type" => ("证件类型", ""),
        "id_number" => ("证件号码", ""),
        "ethnicity" => ("民族", ""),
        "phone" => ("联系方式（手机号码）", "打印在《申请表》“联系方式”栏"),
        "residency" => (
            "户籍情况",
            "非本市户籍、港澳台居民和外籍人员须上传居住证等材料",
        ),
        "level" => ("报考级别", ""),
        "specialty_code" => ("报考专业", "须与报考级别一致；专业代码的第一位表示级别"),
        "point" => ("确认考点（报名点）", "按工作单位所在区选择"),
        "subjects" => (
            "报考科目",
            "首次报考一般四个科目全选；上一年度部分科目合格的，只选未通过的科目",
        ),
        "previous_ticket_no" => ("上一年度准考证号", "上一年度参加过考试的填写，否则留空"),
        "previous_specialty_code" => ("上一年度报考专业代码", "3 位数字，上一年度参加过考试的填写"),
        "current_qualification" => ("现有技术资格", "如 护师、药士；没有的留空"),
        "current_qualification_date" => {
            ("现有技术资格取得时间", "按证书上的日期填写，如 2018-06-30")
        }
        "practice_category" => (
            "执业类别",
            "医师、护士按执业证书选择；报考主治医师须为所报专业的类别，报考护师、主管护师须为护理。药、技人员不选",
        ),
        "practice_licence_date" => (
            "取得执业证书时间（首次注册）",
            "按执业证书的首次注册日期填写，如 2015-09-01；按执业年限计算报考条件的，从此日起算",
        ),
        "highest_education" => ("最高学历", "按国家承认的最高学历填写"),
        "degree" => ("学位", ""),
        "graduation_date" => ("毕业时间", "按毕业证书填写，如 2012-07-01"),
        "school" => ("毕业学校", ""),
        "major" => ("毕业专业", ""),
        "school_note" => ("学校备注", "学校更名等情况可在此说明"),
        "major_note" => ("毕业专业备注", "专业名称变更等情况可在此说明"),
        "employer" => ("单位名称", "填写与您签订劳动（聘用）合同的单位全称"),
        "employer_affiliation" => ("单位所属", "单位的上级主管部门，如 上海市卫生健康委员会"),
        "employer_nature" => ("单位性质", "民营医疗机构须上传医疗机构许可证"),
        "years_in_specialty" => ("从事本专业年限", "计算至报考年度前一年 12 月 31 日的整年数"),
        "transferred_post" => (
            "是否转岗",
            "转岗人员须提交现岗位 2 年以上的劳动（聘用）合同",
        ),
        "residency_training" => (
            "是否纳入住院医师规范化培训",
            "申报临床、中医、口腔中级的规培人员选“是”",
        ),
        "special_case" => ("是否属于特殊申报情形", ""),
        _ => ("", ""),
    }
}

fn kind(id: &str, exam: &ExamDefinition) -> FieldKind {
    match id {
        "name" | "id_type" | "id_number" => FieldKind::Locked,
        "gender" => FieldKind::Select(choices::<Gender>()),
        "birth_date"
        | "current_qualification_date"
        | "graduation_date"
        | "practice_licence_date" => FieldKind::Date,
        "practice_category" => FieldKind::Select(choices::<PracticeCategory>()),
        "ethnicity" => FieldKind::Select(
            ETHNIC_GROUPS
                .iter()
                .map(|e| ((*e).to_owned(), (*e).to_owned()))
                .collect(),
        ),
        "residency" => FieldKind::Select(choices::<Residency>()),
        "level" => FieldKind::Select(
            exam.levels
                .iter()
                .map(|l| (l.key().to_owned(), l.label().to_owned()))
                .collect(),
        ),
        "specialty_code" => FieldKind::Select(
            exam.specialties
                .iter()
                .map(|s| {
                    (
                        s.code.clone(),
                        format!("{} {}（{}）", s.code, s.name, s.level.label()),
                    )
                })
                .collect(),
        ),
        "point" => FieldKind::Select(
            exam.points
                .iter()
                .map(|p| (p.code.clone(), p.name.clone()))
                .collect(),
        ),
        "subjects" => FieldKind::Checkboxes(
            exam.subjects
                .iter()
                .map(|s| (s.key().to_owned(), s.label().to_owned()))
                .collect(),
        ),
        "highest_education" => FieldKind::Select(choices::<Education>()),
        "degree" => FieldKind::Select(choices::<Degree>()),
        "employer_nature" => FieldKind::Select(choices::<EmployerNature>()),
        "years_in_specialty" => FieldKind::Number,
        "transferred_post" | "residency_training" | "special_case" => FieldKind::YesNo,
        _ => FieldKind::Text,
    }
}

/// The saved values of a section as strings (keys for choices), for the form.
pub fn saved_values(
    section: Section,
    sections: &Sections,
) -> serde_json::Map<String, serde_json::Value> {
    let value = match section {
        Section::Basic => serde_json::to_value(&sections.basic),
        Section::Exam => serde_json::to_value(&sections.exam),
        Section::Education => serde_json::to_value(&sections.education),
        Section::Work => serde_json::to_value(&sections.work),
    };
    match value {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    }
}

fn as_text(value: Option<&serde_json::Value>) -> String {
    match value {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        Some(serde_json::Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

/// The fields of a section with `values` filled in (saved, or as typed) and `errors`.
pub fn fields(
    section: Section,
    exam: &ExamDefinition,
    values: &serde_json::Map<String, serde_json::Value>,
    identity: (&str, IdType, &str),
    errors: &FieldErrors,
) -> Vec<FieldView> {
    section
        .fields()
        .iter()
        .map(|id| {
            let (label, hint) = label(id);
            let kind = kind(id, exam);
            let value = match *id {
                "name" => identity.0.to_owned(),
                "id_type" => identity.1.label().to_owned(),
                "id_number" => identity.2.to_owned(),
                _ => as_text(values.get(*id)),
            };
            let values = match values.get(*id) {
                Some(serde_json::Value::Array(items)) => {
                    items.iter().map(|v| as_text(Some(v))).collect()
                }
                _ if *id == "subjects" && values.is_empty() => {
                    Subject::ALL.iter().map(|s| s.key().to_owned()).collect()
                }
                _ => Vec::new(),
            };
            FieldView {
                id,
                label,
                hint,
                kind,
                value,
                values,
                error: errors.get(*id).cloned(),
            }
        })
        .collect()
}

/// A saved value as a person reads it on check-your-answers.
pub fn display(id: &str, value: Option<&serde_json::Value>, exam: &ExamDefinition) -> String {
    let text = as_text(value);
    let label_of = |choices: Vec<(String, String)>| {
        choices
            .into_iter()
            .find(|(k, _)| *k == text)
            .map_or_else(|| text.clone(), |(_, l)| l)
    };
    match id {
        "gender" => label_of(choices::<Gender>()),
        "residency" => label_of(choices::<Residency>()),
        "level" => Level::from_key(&text).map_or(text.clone(), |l| l.label().to_owned()),
        "specialty_code" => exam
            .specialty(&text)
            .map_or(text.clone(), |s| format!("{} {}", s.code, s.name)),
        "point" => exam.point(&text).map_or(text.clone(), |p| p.name.clone()),
        "highest_education" => label_of(choices::<Education>()),
        "degree" => label_of(choices::<Degree>()),
        "employer_nature" => label_of(choices::<EmployerNature>()),
        "practice_category" if text.is_empty() => "无".to_owned(),
        "practice_category" => label_of(choices::<PracticeCategory>()),
        "id_type" => IdType::from_key(&text).map_or(text.clone(), |t| t.label().to_owned()),
        "transferred_post" | "residency_training" | "special_case" => {
            if text == "true" {
                "是".to_owned()
            } else {
                "否".to_owned()
            }
        }
        "subjects" => match value {
            Some(serde_json::Value::Array(items)) => items
                .iter()
                .filter_map(|v| v.as_str().and_then(Subject::from_key))
                .map(|s| s.label())
                .collect::<Vec<_>>()
                .join("、"),
            _ => String::new(),
        },
        "years_in_specialty" => format!("{text} 年"),
        _ if text.is_empty() => "未填写".to_owned(),
        _ => text,
    }
}
