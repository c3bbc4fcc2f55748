//! The account pages as a browser without JavaScript uses them.

use examreg_test_support::{TestApp, resident_id};
use reqwest::StatusCode;

use crate::html::{attr, select};

#[tokio::test]
async fn register_sign_in_and_out_with_plain_forms() {
    let app = TestApp::new().await;
    let browser = app.anon();

    // Step 1: the phone number gets a code.
    let page = browser.get("/register").await.text().await.unwrap();
    let csrf = attr(&page, "input[name=csrf_token]", "value").unwrap();
    assert_eq!(csrf.len(), 43);
    assert_eq!(
        select(&page, "form[action='/register/phone-code'] input#phone").len(),
        1
    );
    assert_eq!(select(&page, "label[for=phone]").len(), 1);
    let response = browser
        .request(reqwest::Method::POST, "/register/phone-code")
        .form(&[("csrf_token", csrf.as_str()), ("phone", "1391234567")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.unwrap();
    assert_eq!(
        attr(&page, ".error-summary li a", "href").as_deref(),
        Some("#phone")
    );
    let response = browser
        .request(reqwest::Method::POST, "/register/phone-code")
        .form(&[("csrf_token", csrf.as_str()), ("phone", "13912345678")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.unwrap();
    assert_eq!(
        select(&page, ".code-sent")[0].split('。').next().unwrap(),
        "短信验证码已发送至 139****5678，10 分钟内有效"
    );
    assert!(
        select(&page, ".sandbox-code").is_empty(),
        "only a demo server shows the code"
    );
    // Step 2: the code and the account's fields.
    for id in [
        "phone_code",
        "username",
        "password",
        "name",
        "id_type",
        "id_number",
        "email",
    ] {
        assert_eq!(
            select(&page, &format!("label[for={id}]")).len(),
            1,
            "a label for {id}"
        );
    }
    assert_eq!(
        attr(&page, "input[type=hidden][name=phone]", "value").as_deref(),
        Some("13912345678")
    );
    let code = app.sms_code_to("13912345678").await.unwrap();

    // One mistake: the error summary names it, links to the field, and keeps the input.
    let id_number = resident_id(7);
    let mut form = vec![
        ("csrf_token", csrf.clone()),
        ("phone", "13912345678".to_owned()),
        ("phone_code", code),
        ("username", "form.user".to_owned()),
        ("password", "长江后浪推前浪 2024".to_owned()),
        ("name", "李四".to_owned()),
        ("id_type", "resident_id".to_owned()),
        ("id_number", "310101199003071231".to_owned()),
        ("email", String::new()),
    ];
    let response = browser
        .request(reqwest::Method::POST, "/register")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.unwrap();
    assert!(select(&page, "title")[0].starts_with("错误："));
    assert_eq!(
        select(&page, ".error-summary li a"),
        ["居民身份证号码校验位不正确，请核对号码"]
    );
    assert_eq!(
        attr(&page, ".error-summary li a", "href").as_deref(),
        Some("#id_number")
    );
    assert_eq!(
        attr(&page, "#id_number", "aria-invalid").as_deref(),
        Some("true")
    );
    assert_eq!(
        attr(&page, "#username", "value").as_deref(),
        Some("form.user")
    );
    assert_eq!(
        attr(&page, "#password", "value").as_deref(),
        Some(""),
        "passwords are never echoed"
    );
    assert_eq!(
        select(&page, ".code-sent")[0].split('。').next().unwrap(),
        "短信验证码已发送至 139****5678",
        "still the second step"
    );

    form[7].1 = id_number;
    let response = browser
        .request(reqwest::Method::POST, "/register")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()["location"],
        "/login?registered=139****5678"
    );
    let page = browser
        .get("/login?registered=139****5678")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        select(&page, ".notice"),
        ["注册申请已受理，结果已通过短信发送至 139****5678，请查收短信后登录。"]
    );
    let page = browser
        .get("/login?registered=%E8%AF%B7%E6%8B%A8%E6%89%93400")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        select(&page, ".notice"),
        ["注册申请已受理，结果已通过短信发送，请查收短信后登录。"],
        "text from the address bar is never shown"
    );

    let login = [
        ("csrf_token", csrf.as_str()),
        ("username", "form.user"),
        ("password", "长江后浪推前浪 2024"),
    ];
    let response = browser
        .request(reqwest::Method::POST, "/login")
        .form(&login)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/account");

    let page = browser.get("/account").await.text().await.unwrap();
    assert!(select(&page, ".milestones dd").contains(&"李四".to_owned()));
    // The CSRF token was rotated at sign-in: the old one no longer works.
    let new_csrf = attr(&page, "input[name=csrf_token]", "value").unwrap();
    assert_ne!(new_csrf, csrf);
    let response = browser
        .request(reqwest::Method::POST, "/logout")
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = browser
        .request(reqwest::Method::POST, "/logout")
        .form(&[("csrf_token", new_csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let response = browser.get("/account").await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "signed out: back to the sign-in page"
    );
    assert_eq!(response.headers()["location"], "/login");
}

#[tokio::test]
async fn a_failed_sign_in_page_says_the_same_for_unknown_users() {
    let app = TestApp::new().await;
    let browser = app.anon();
    let page = browser.get("/login").await.text().await.unwrap();
    let csrf = attr(&page, "input[name=csrf_token]", "value").unwrap();
    let login = [
        ("csrf_token", csrf.as_str()),
        ("username", "nobody"),
        ("password", "whatever it is"),
    ];
    let response = browser
        .request(reqwest::Method::POST, "/login")
        .form(&login)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let page = response.text().await.unwrap();
    assert_eq!(select(&page, ".error-summary li"), ["用户名或密码不正确"]);
}

#[tokio::test]
async fn staff_sign_in_at_staff() {
    let app = TestApp::new().await;
    examreg_server::services::create_staff::create_staff(
        &app.state,
        &examreg_domain::account::Actor::Operator,
        examreg_server::services::create_staff::NewStaffInput {
            username: "pudong.li".into(),
            role: "point-reviewer".into(),
            points: vec!["310115".into()],
            password: "a staff passphrase".into(),
        },
    )
    .await
    .unwrap();
    let browser = app.anon();
    let page = browser.get("/staff").await.text().await.unwrap();
    assert_eq!(select(&page, "h1"), ["工作人员登录"]);
    let csrf = attr(&page, "input[name=csrf_token]", "value").unwrap();
    let login = [
        ("csrf_token", csrf.as_str()),
        ("username", "pudong.li"),
        ("password", "a staff passphrase"),
    ];
    let response = browser
        .request(reqwest::Method::POST, "/staff/login")
        .form(&login)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let page = browser.get("/staff").await.text().await.unwrap();
    assert_eq!(select(&page, "h1"), ["审核工作台"]);
    assert!(select(&page, ".milestones dd").contains(&"浦东新区报名点".to_owned()));
}
