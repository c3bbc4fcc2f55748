//! Filling the registration with plain HTML forms, as a browser without JavaScript does.

use examreg_test_support::{AnonClient, TestApp};
use reqwest::StatusCode;

use crate::html::{attr, select};

async fn post_form(browser: &AnonClient, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    browser
        .request(reqwest::Method::POST, path)
        .form(form)
        .send()
        .await
        .unwrap()
}

/// Registers and signs in a candidate in `browser`; returns the CSRF token and the
/// birth date and gender of the ID used.
async fn signed_in_browser(app: &TestApp) -> (AnonClient, String, (String, &'static str)) {
    let login = app.register_candidate("page.writer").await;
    let browser = app.anon();
    let page = browser.get("/login").await.text().await.unwrap();
    let csrf = attr(&page, "input[name=csrf_token]", "value").unwrap();
    let response = post_form(
        &browser,
        "/login",
        &[
            ("csrf_token", &csrf),
            ("username", &login.username),
            ("password", &login.password),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let page = browser.get("/").await.text().await.unwrap();
    let csrf = attr(&page, "input[name=csrf_token]", "value").unwrap();
    let id = login.id_number.as_bytes();
    let gender = if (id[16] - b'0') % 2 == 1 {
        "male"
    } else {
        "female"
    };
    let birth = format!(
        "{}-{}-{}",
        &login.id_number[6..10],
        &login.id_number[10..12],
        &login.id_number[12..14]
    );
    (browser, csrf, (birth, gender))
}

#[tokio::test]
async fn a_candidate_fills_every_section_with_forms_and_checks_the_answers() {
    let app = TestApp::new().await;
    let (browser, csrf, (birth, gender)) = signed_in_browser(&app).await;

    // From the home page: start.
    let home = browser.get("/").await.text().await.unwrap();
    assert_eq!(
        select(&home, "form[action='/registrations'] button"),
        ["开始报名"]
    );
    let response = post_form(
        &browser,
        "/registrations",
        &[("csrf_token", &csrf), ("exam", "2025-shanghai")],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let task_list_url = response.headers()["location"].to_str().unwrap().to_owned();
    let no = task_list_url.rsplit('/').next().unwrap().to_owned();

    let page = browser.get(&task_list_url).await.text().await.unwrap();
    assert_eq!(
        select(&page, "#sections li .task-status"),
        ["未开始", "未开始", "未开始", "未开始"]
    );
    assert_eq!(select(&page, ".progress li").len(), 7);
    assert_eq!(select(&page, ".progress li.reached").len(), 0);

    // 基本情况, with one mistake first.
    let basic_url = format!("/registrations/{no}/sections/basic");
    let page = browser.get(&basic_url).await.text().await.unwrap();
    let revision = attr(&page, "input[name=revision]", "value").unwrap();
    assert_eq!(
        select(&page, ".locked-value")[0],
        "张三",
        "the name comes from the account"
    );
    let basic = |birth: &str| {
        vec![
            ("csrf_token", csrf.clone()),
            ("revision", revision.clone()),
            ("gender", gender.to_owned()),
            ("birth_date", birth.to_owned()),
            ("ethnicity", "汉族".to_owned()),
            ("phone", "13812345678".to_owned()),
            ("residency", "shanghai_hukou".to_owned()),
        ]
    };
    let response = browser
        .request(reqwest::Method::POST, &basic_url)
        .form(&basic("1980-01-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.unwrap();
    assert!(select(&page, "title")[0].starts_with("错误："));
    assert_eq!(
        select(&page, ".error-summary a"),
        ["出生日期与证件号码不一致，请核对"]
    );
    assert_eq!(
        attr(&page, ".error-summary a", "href").as_deref(),
        Some("#birth_date")
    );
    assert_eq!(
        attr(&page, "#birth_date", "value").as_deref(),
        Some("1980-01-01"),
        "what was typed is kept"
    );
    assert_eq!(
        attr(&page, "#ethnicity option[selected]", "value").as_deref(),
        Some("汉族")
    );

    let response = browser
        .request(reqwest::Method::POST, &basic_url)
        .form(&basic(&birth))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()["location"],
        format!("/registrations/{no}/sections/exam").as_str()
    );

    let exam = [
        ("csrf_token", csrf.as_str()),
        ("level", "intermediate"),
        ("specialty_code", "368"),
        ("point", "310115"),
        ("subjects", "basic_knowledge"),
        ("subjects", "related_knowledge"),
        ("subjects", "professional_knowledge"),
        ("subjects", "professional_practice"),
        ("current_qualification", "护师"),
        ("current_qualification_date", "2018-06-30"),
        ("practice_category", "nursing"),
        ("practice_licence_date", "2012-09-01"),
    ];
    let response = post_form(
        &browser,
        &format!("/registrations/{no}/sections/exam"),
        &exam,
    )
    .await;
    assert_eq!(
        response.headers()["location"],
        format!("/registrations/{no}/sections/education").as_str()
    );
    let education = [
        ("csrf_token", csrf.as_str()),
        ("highest_education", "bachelor"),
        ("degree", "bachelor"),
        ("graduation_date", "2012-07-01"),
        ("school", "复旦大学"),
        ("major", "护理学"),
    ];
    let response = post_form(
        &browser,
        &format!("/registrations/{no}/sections/education"),
        &education,
    )
    .await;
    assert_eq!(
        response.headers()["location"],
        format!("/registrations/{no}/sections/work").as_str()
    );
    let work = [
        ("csrf_token", csrf.as_str()),
        ("employer", "上海市第一人民医院"),
        ("employer_affiliation", "上海市卫生健康委员会"),
        ("employer_nature", "public"),
        ("years_in_specialty", "8"),
        ("transferred_post", "false"),
        ("residency_training", "false"),
        ("special_case", "false"),
    ];
    let response = post_form(
        &browser,
        &format!("/registrations/{no}/sections/work"),
        &work,
    )
    .await;
    assert_eq!(
        response.headers()["location"],
        format!("/registrations/{no}/check").as_str()
    );

    let page = browser
        .get(&format!("/registrations/{no}/check"))
        .await
        .text()
        .await
        .unwrap();
    let answers = select(&page, ".summary-list div");
    assert!(
        answers.contains(&"报考专业 368 护理学".to_owned()),
        "{answers:?}"
    );
    assert!(
        answers.contains(&"报考科目 基础知识、相关专业知识、专业知识、专业实践能力".to_owned()),
        "{answers:?}"
    );
    assert!(
        answers.contains(&"确认考点（报名点） 浦东新区报名点".to_owned()),
        "{answers:?}"
    );
    assert!(answers.contains(&"是否转岗 否".to_owned()), "{answers:?}");
    assert_eq!(
        select(&page, "a[href$='/sections/work']").len(),
        1,
        "a 修改 link per section"
    );
    assert_eq!(
        select(&page, ".progress li.reached").len(),
        1,
        "填写/修改报考信息 is green"
    );

    let page = browser.get(&task_list_url).await.text().await.unwrap();
    assert_eq!(
        select(&page, "#sections li .task-status"),
        ["已完成", "已完成", "已完成", "已完成"]
    );
    assert_eq!(select(&page, ".eligibility p strong"), ["符合报考条件"]);
    assert!(select(&page, ".notice")[0].contains("第 4 版"));
    let home = browser.get("/").await.text().await.unwrap();
    assert!(
        select(&home, "a.button")[0].contains(&no),
        "the home page leads back to it"
    );
}

#[tokio::test]
async fn a_stale_form_tab_is_refused_with_a_clear_page() {
    let app = TestApp::new().await;
    let (browser, csrf, _) = signed_in_browser(&app).await;
    let response = post_form(
        &browser,
        "/registrations",
        &[("csrf_token", &csrf), ("exam", "2025-shanghai")],
    )
    .await;
    let no = response.headers()["location"]
        .to_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let url = format!("/registrations/{no}/sections/work");
    let page = browser.get(&url).await.text().await.unwrap();
    let stale = attr(&page, "input[name=revision]", "value").unwrap();
    let work = |employer: &'static str| {
        vec![
            ("csrf_token", csrf.clone()),
            ("revision", stale.clone()),
            ("employer", employer.to_owned()),
            ("employer_affiliation", "上海市卫生健康委员会".to_owned()),
            ("employer_nature", "public".to_owned()),
            ("years_in_specialty", "3".to_owned()),
        ]
    };
    let first = browser
        .request(reqwest::Method::POST, &url)
        .form(&work("第一个标签页"))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    let second = browser
        .request(reqwest::Method::POST, &url)
        .form(&work("第二个标签页"))
        .send()
        .await
        .unwrap();
    assert_eq!(second.status(), StatusCode::CONFLICT);
    let page = second.text().await.unwrap();
    assert!(select(&page, "h1")[0].contains("请刷新页面后再修改"));
}

#[tokio::test]
async fn the_to_do_list_says_what_comes_next() {
    let app = TestApp::new().await;
    let client = app.candidate().await;
    let home = client.get("/").await.text().await.unwrap();
    assert!(
        !home.contains("待办事项"),
        "nothing to do before a registration exists"
    );
    let (_, created) = crate::journey::send(
        &client,
        reqwest::Method::POST,
        "/api/v1/registrations",
        serde_json::json!({"exam": "2025-shanghai"}),
    )
    .await;
    let no = created["registration_no"].as_str().unwrap();
    let home = client.get("/").await.text().await.unwrap();
    assert!(
        home.contains(&format!(
            r#"<a href="/registrations/{no}">2025年度卫生专业技术资格考试：继续填写报名信息（下一项：基本情况），网上报名 "#
        )),
        "{home}"
    );
}
