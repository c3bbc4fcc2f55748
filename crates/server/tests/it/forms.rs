//! 打印报名表, the verification code, and stale or foreign form scans refused on upload.

use examreg_test_support::{SignedInClient, TestApp, fixtures};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub(crate) use examreg_test_support::journeys::confirm_photo;

use crate::journey::{nurse, send};

async fn print(client: &SignedInClient, no: &str) -> Vec<u8> {
    let response = client
        .get(&format!("/api/v1/registrations/{no}/form.pdf"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    assert_eq!(response.headers()["cache-control"], "private, no-store");
    response.bytes().await.unwrap().to_vec()
}

fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("form.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

/// The 验证码 as printed on the form.
fn printed_code(text: &str) -> String {
    let at = text.find("验证码：").unwrap() + "验证码：".len();
    text[at..].split_whitespace().next().unwrap().to_owned()
}

async fn change_employer(client: &SignedInClient, no: &str, employer: &str) {
    let (status, body) = send(
        client,
        Method::PUT,
        &format!("/api/v1/registrations/{no}/sections/work"),
        json!({"employer": employer, "employer_affiliation": "上海市卫生健康委员会", "employer_nature": "public", "years_in_specialty": 8}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn form_revision(client: &SignedInClient, no: &str) -> i64 {
    let (_, registration) = client
        .get_json(&format!("/api/v1/registrations/{no}"))
        .await;
    registration["form_revision"].as_i64().unwrap()
}

async fn verify(app: &TestApp, no: &str, code: &str) -> (StatusCode, Value) {
    app.anon()
        .get_json(&format!("/api/v1/verify?no={no}&code={code}"))
        .await
}

#[tokio::test]
async fn the_form_waits_for_every_section_and_the_confirmed_photo() {
    let app = TestApp::new().await;
    let (client, no) = nurse(&app, "shanghai_hukou").await;
    let response = client
        .get(&format!("/api/v1/registrations/{no}/form.pdf"))
        .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "form_not_ready");
    assert_eq!(
        body["error"]["message"],
        "打印申请表前，请先上传并确认报名照片"
    );

    // Someone else's registration is not found; so is a number that does not exist.
    let stranger = app.candidate().await;
    let response = stranger
        .get(&format!("/api/v1/registrations/{no}/form.pdf"))
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_printed_form_carries_the_data_and_a_code_that_verifies() {
    let app = TestApp::new().await;
    let (client, no) = nurse(&app, "shanghai_hukou").await;
    confirm_photo(&client, &no).await;
    let rev = form_revision(&client, &no).await;
    let pdf = print(&client, &no).await;
    let text = pdf_text(&pdf);
    let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    for expected in [
        "2025年度卫生专业技术资格考试报名申请表",
        &no,
        "张三",
        "上海市第一人民医院",
        "复旦大学",
        "护理学",
        "浦东新区",
        &format!("第{rev}版"),
    ] {
        assert!(squeezed.contains(expected), "{expected} missing:\n{text}");
    }
    let code = printed_code(&text);
    assert!(code.ends_with(&format!("-{rev:02}")), "{code}");

    let (status, result) = verify(&app, &no, &code).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(result["authentic"], true);
    assert_eq!(result["current"], true);
    assert_eq!(result["name"], "张*");
    // Typed in lower case without hyphens it is the same code.
    let typed = code.to_lowercase().replace('-', "");
    assert_eq!(verify(&app, &no, &typed).await.1["authentic"], true);

    // A forged code (one character changed) and a code for another number fail, and
    // say nothing about the candidate.
    let mut forged = code.clone().into_bytes();
    forged[0] = if forged[0] == b'A' { b'B' } else { b'A' };
    let (_, result) = verify(&app, &no, &String::from_utf8(forged).unwrap()).await;
    assert_eq!(result["authentic"], false);
    assert_eq!(result["name"], Value::Null);
    let (_, other) = nurse(&app, "shanghai_hukou").await;
    assert_eq!(verify(&app, &other, &code).await.1["authentic"], false);

    // Malformed input is a 422 naming the field.
    let (status, body) = verify(&app, "123", &code).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["no"].is_array(), "{body}");
    let (status, body) = verify(&app, &no, "xyz").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["code"].is_array(), "{body}");

    // The data changes: the old print is still authentic, but out of date.
    change_employer(&client, &no, "上海市第六人民医院").await;
    let (_, result) = verify(&app, &no, &code).await;
    assert_eq!(result["authentic"], true);
    assert_eq!(result["current"], false);
    assert_eq!(result["revision"], rev);
    assert_eq!(result["current_revision"], rev + 1);
    let new_code = printed_code(&pdf_text(&print(&client, &no).await));
    assert!(new_code.ends_with(&format!("-{:02}", rev + 1)));
    assert_ne!(new_code[..9], code[..9]);

    // The public page says the same in Chinese.
    let page = app
        .anon()
        .get(&format!("/verify?no={no}&code={code}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("这份申请表已过期"), "{page}");
    assert!(page.contains(&format!("当前为第 {} 版", rev + 1)));
}

#[tokio::test]
async fn a_stale_or_foreign_form_scan_is_refused_and_the_current_one_accepted() {
    let app = TestApp::new().await;
    let (client, no) = nurse(&app, "shanghai_hukou").await;
    confirm_photo(&client, &no).await;
    let rev = form_revision(&client, &no).await;
    let first_print = print(&client, &no).await;

    // The data changes after printing: the first print is now stale.
    change_employer(&client, &no, "上海市第六人民医院").await;
    let (status, body) = client
        .upload(
            &no,
            "form",
            fixtures::scan_of_pdf(&first_print, 100, 0),
            "form.jpg",
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "stale_form");
    assert_eq!(
        body["error"]["message"],
        format!(
            "您上传的申请表为第{rev}版，当前为第{}版，请重新打印",
            rev + 1
        )
    );
    assert!(
        app.stored_keys("registrations").await.len() == 1,
        "only the photo is stored"
    );

    // Another candidate's current form is refused too.
    let (other, other_no) = nurse(&app, "shanghai_hukou").await;
    confirm_photo(&other, &other_no).await;
    let foreign = print(&other, &other_no).await;
    let (status, body) = client
        .upload(
            &no,
            "form",
            fixtures::scan_of_pdf(&foreign, 100, 1),
            "form.jpg",
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "foreign_form");

    // The current print, scanned, is accepted.
    let current = print(&client, &no).await;
    let (status, body) = client
        .upload(
            &no,
            "form",
            fixtures::scan_of_pdf(&current, 100, 2),
            "form.jpg",
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["form_barcode"], "current");
}

#[tokio::test]
async fn a_form_scan_without_a_readable_barcode_is_accepted_and_flagged() {
    let app = TestApp::new().await;
    let (client, no) = nurse(&app, "shanghai_hukou").await;
    let (status, body) = client
        .upload(&no, "form", fixtures::material(77), "form.jpg")
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["form_barcode"], "unreadable");
    // Other slots are not read for barcodes.
    let (_, body) = client
        .upload(&no, "3-1", fixtures::material(78), "id.jpg")
        .await;
    assert_eq!(body.get("form_barcode"), None);
}

#[tokio::test]
async fn the_materials_page_offers_the_form_and_says_when_the_upload_is_stale() {
    let app = TestApp::new().await;
    let (client, no) = nurse(&app, "shanghai_hukou").await;
    let page = client
        .get(&format!("/registrations/{no}/materials"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("打印申请表前，请先上传并确认报名照片"),
        "{page}"
    );
    confirm_photo(&client, &no).await;
    let (status, _) = client
        .upload(&no, "form", fixtures::material(79), "form.jpg")
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let page = client
        .get(&format!("/registrations/{no}/materials"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("href=\"/api/v1/registrations/{no}/form.pdf\"")),
        "{page}"
    );
    assert!(page.contains("打印报名表"));
    assert!(!page.contains("请重新打印申请表"));
    let rev = form_revision(&client, &no).await;
    change_employer(&client, &no, "上海市第六人民医院").await;
    let page = client
        .get(&format!("/registrations/{no}/materials"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!(
            "您上传的申请表为第{rev}版，报名信息已修改，当前为第{}版。请重新打印申请表",
            rev + 1
        )),
        "{page}"
    );
}

#[tokio::test]
async fn a_name_the_font_cannot_print_is_named_at_sign_up_not_found_at_printing() {
    let app = TestApp::new().await;
    let id_number = examreg_test_support::resident_id(4242);
    let response = examreg_test_support::http()
        .post(app.url("/api/v1/accounts"))
        .json(&json!({
            "username": "rarename", "password": "长江后浪推前浪 2024", "name": "王\u{30000}",
            "id_type": "resident_id", "id_number": id_number, "phone": "13800004242",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["error"]["fields"]["name"][0],
        "姓名中的“\u{30000}”（U+30000）暂时无法打印在申请表上。请先用拼音代替该字注册，并向报名点说明"
    );
}

#[tokio::test]
async fn a_name_with_extension_b_characters_signs_up_and_prints() {
    let app = TestApp::new().await;
    let phone = "13800004243";
    let code = app.sign_up_code(phone).await;
    let login = examreg_test_support::CandidateLogin {
        username: "rare.ext.b".into(),
        password: "长江后浪推前浪 2024".into(),
        id_number: examreg_test_support::resident_id(4243),
        phone: phone.into(),
    };
    let (status, body) = crate::journey::post_anonymous(
        &app,
        "/api/v1/accounts",
        json!({
            "username": login.username, "password": login.password, "name": "王𪚥𠮷",
            "id_type": "resident_id", "id_number": login.id_number, "phone": phone,
            "phone_code": code,
        }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let client = app.sign_in_as(&login).await;
    let no = crate::journey::nurse_registration(&client, "2025-shanghai", "shanghai_hukou").await;
    confirm_photo(&client, &no).await;
    let text: String = pdf_text(&print(&client, &no).await)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    assert!(text.contains("王𪚥𠮷"), "{text}");
}
