//! `/verify`: anyone holding a printed application form (a registration point, an
//! employer's HR office) checks that it was printed by this system and is the current
//! revision. Public; shows a masked name only, and only for a correct code.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Html;
use serde::Deserialize;

use crate::services::forms::{self, Verification, VerifyError};
use crate::state::AppState;
use crate::web::error::AppError;
use crate::web::middleware::csrf::CsrfToken;
use crate::web::page::{Chrome, FormErrors};

#[derive(Debug, Default, Deserialize)]
pub struct VerifyForm {
    #[serde(default)]
    no: String,
    #[serde(default)]
    code: String,
}

#[derive(Template)]
#[template(path = "verify.html")]
struct VerifyPage {
    chrome: Chrome,
    errors: FormErrors,
    no: String,
    code: String,
    result: Option<Outcome>,
}

struct Outcome {
    ok: bool,
    heading: String,
    detail: String,
}

pub async fn verify(
    State(app): State<AppState>,
    csrf: CsrfToken,
    Query(form): Query<VerifyForm>,
) -> Result<Html<String>, AppError> {
    let mut errors = FormErrors::default();
    let mut result = None;
    if !form.no.is_empty() || !form.code.is_empty() {
        match forms::verify(&app, &form.no, &form.code).await {
            Ok(Verification::NotAuthentic) => {
                result = Some(Outcome {
                    ok: false,
                    heading: "验证未通过".into(),
                    detail: "网报号与验证码不匹配：这份申请表不是本系统打印的，或号码抄写有误。请核对后重试。".into(),
                });
            }
            Ok(Verification::Authentic {
                revision,
                current_revision,
                masked_name,
                exam_title,
            }) => {
                let current = revision == current_revision;
                result = Some(Outcome {
                    ok: current,
                    heading: if current {
                        "验证通过：这是最新版本的申请表".into()
                    } else {
                        "这份申请表已过期".into()
                    },
                    detail: if current {
                        format!("{exam_title}，考生 {masked_name}，第 {revision} 版。")
                    } else {
                        format!(
                            "{exam_title}，考生 {masked_name}。这份申请表为第 {revision} 版，报名信息已修改，当前为第 {current_revision} 版，请考生重新打印。"
                        )
                    },
                });
            }
            Err(VerifyError::Malformed(message)) => {
                let field = if message.starts_with("网报号") {
                    "no"
                } else {
                    "code"
                };
                errors = FormErrors(vec![crate::web::page::FieldError {
                    field: field.to_owned(),
                    message: message.to_owned(),
                }]);
            }
            Err(VerifyError::Store(e)) => return Err(e.into()),
        }
    }
    let page = VerifyPage {
        chrome: Chrome {
            csrf: csrf.0,
            user: None,
            staff: false,
            todos: Vec::new(),
        },
        errors,
        no: form.no,
        code: form.code,
        result,
    };
    Ok(Html(page.render().map_err(anyhow::Error::from)?))
}
