//! The review console as a reviewer uses it in a browser without JavaScript: the queue
//! with filters, the case page, and decisions as plain forms.

use examreg_test_support::{SignedInClient, TestApp};
use reqwest::{Method, StatusCode};

use crate::review::submitted;

async fn page(client: &SignedInClient, path: &str) -> (StatusCode, String) {
    let response = client.get(path).await;
    (response.status(), response.text().await.unwrap())
}

async fn post_form(
    client: &SignedInClient,
    path: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, Option<String>, String) {
    let mut body: Vec<(&str, &str)> = vec![("csrf_token", &client.csrf_token)];
    body.extend_from_slice(fields);
    let response = client
        .send(Method::POST, path)
        .form(&body)
        .send()
        .await
        .unwrap();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    (response.status(), location, response.text().await.unwrap())
}

fn revision_of(case_page: &str) -> String {
    let at =
        case_page.find(r#"name="revision" value=""#).unwrap() + r#"name="revision" value=""#.len();
    case_page[at..].split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn the_queue_filters_by_status_level_name_number_date_and_flag() {
    let app = TestApp::new().await;
    let (_, no) = submitted(&app).await;
    let pudong = app.staff("point-reviewer", &["310115"]).await;

    let (status, home) = page(&pudong, "/staff").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        home.contains(&format!(r#"<a href="/staff/registrations/{no}">{no}</a>"#)),
        "{home}"
    );
    assert!(home.contains("张三"));
    assert!(home.contains("浦东新区报名点"));

    for (query, listed) in [
        ("status=submitted".to_owned(), true),
        ("status=confirmed".to_owned(), false),
        ("level=intermediate".to_owned(), true),
        ("level=junior".to_owned(), false),
        ("q=%E5%BC%A0%E4%B8%89".to_owned(), true),  // 张三
        ("q=%E6%9D%8E%E5%9B%9B".to_owned(), false), // 李四
        (format!("q={}", &no[..6]), true),
        ("specialty=368".to_owned(), true),
        ("specialty=203".to_owned(), false),
        ("from=2024-01-01&to=2030-12-31".to_owned(), true),
        ("to=2020-01-01".to_owned(), false),
        // The journey's form scan has no barcode: flagged.
        ("flag=unreadable_form".to_owned(), true),
    ] {
        let (status, html) = page(&pudong, &format!("/staff?{query}")).await;
        assert_eq!(status, StatusCode::OK, "{query}");
        assert_eq!(
            html.contains(&format!("/staff/registrations/{no}\"")),
            listed,
            "{query}"
        );
    }

    let (status, html) = page(&pudong, "/staff?from=yesterday").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("错误：审核工作台"));
    assert!(
        html.contains(r##"<a href="#from">日期应为 YYYY-MM-DD，收到 yesterday</a>"##),
        "{html}"
    );

    // Another point's reviewer sees none of it.
    let huangpu = app.staff("point-reviewer", &["310101"]).await;
    let (_, html) = page(&huangpu, "/staff").await;
    assert!(!html.contains(&no));
    let (status, _) = page(&huangpu, &format!("/staff/registrations/{no}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_case_is_returned_with_reasons_and_stale_or_empty_decisions_are_refused() {
    let app = TestApp::new().await;
    let (candidate, no) = submitted(&app).await;
    let pudong = app.staff("point-reviewer", &["310115"]).await;
    let case_path = format!("/staff/registrations/{no}");

    let (status, case) = page(&pudong, &case_path).await;
    assert_eq!(status, StatusCode::OK);
    for expected in [
        "已提交，待报名点确认",
        "上海市第一人民医院",
        "报名照片",
        "报名确认",
        "申请表未签字盖章",
        "确认不通过（退回考生修改）",
    ] {
        assert!(case.contains(expected), "{expected}: {case}");
    }
    assert!(
        case.contains(&format!("/api/v1/staff/registrations/{no}/files/")),
        "images of every slot"
    );
    assert!(case.contains("?size=thumb"));
    assert!(case.contains(r#"<script src="/static/viewer.js" defer></script>"#));
    let revision = revision_of(&case);

    // A return needs a reason.
    let decision_path = format!("{case_path}/confirmation");
    let (status, _, html) = post_form(
        &pudong,
        &decision_path,
        &[("decision", "return"), ("revision", &revision)],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains(r##"<a href="#reasons">不通过时请至少选择一个原因</a>"##),
        "{html}"
    );

    // A decision on an old revision is refused with the reason.
    let (status, _, html) = post_form(
        &pudong,
        &decision_path,
        &[("decision", "confirm"), ("revision", "0")],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(html.contains("您审核期间该报名已有变化"), "{html}");

    // Returned with two reasons, one tied to a slot, and a note.
    let (status, location, _) = post_form(
        &pudong,
        &decision_path,
        &[
            ("decision", "return"),
            ("reason", "material_unclear"),
            ("reason", "form_not_signed"),
            ("slot", "3-1"),
            ("note", "身份证反面看不清"),
            ("revision", &revision),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some(case_path.as_str()));
    let (_, case) = page(&pudong, &case_path).await;
    assert!(case.contains("报名确认不通过"));
    assert!(case.contains("上次审核意见"));
    assert!(case.contains("（材料框 3-1）：身份证反面看不清"), "{case}");
    assert!(
        !case.contains("提交审核意见"),
        "no decision is open on a returned case"
    );

    // The candidate sees the reasons in the to-do list of every page.
    for path in ["/", "/account", &format!("/registrations/{no}/materials")] {
        let (_, html) = page(&candidate, path).await;
        assert!(html.contains("待办事项"), "{path}: {html}");
        assert!(
            html.contains("报名确认不通过，请按审核意见修改后于 2024年12月11日 17:00 前重新提交。审核意见：材料不清晰（材料框 3-1）：身份证反面看不清"),
            "{path}: {html}"
        );
    }
    let (_, registration) = candidate
        .get_json(&format!("/api/v1/registrations/{no}"))
        .await;
    assert_eq!(registration["status"], "returned");
    assert_eq!(registration["return_reasons"].as_array().unwrap().len(), 2);

    // The candidate corrects the employer; the reviewer sees exactly that change.
    let (status, body) = crate::journey::send(
        &candidate,
        Method::PUT,
        &format!("/api/v1/registrations/{no}/sections/work"),
        serde_json::json!({"employer": "上海市第六人民医院", "employer_affiliation": "上海市卫生健康委员会", "employer_nature": "public", "years_in_specialty": 8}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, case) = page(&pudong, &case_path).await;
    assert!(
        case.contains(
            "<td>工作情况 · 单位名称</td><td>上海市第一人民医院</td><td>上海市第六人民医院</td>"
        ),
        "{case}"
    );
    let (_, api_case) = pudong
        .get_json(&format!("/api/v1/staff/registrations/{no}"))
        .await;
    assert_eq!(
        api_case["changes_since_last_decision"]["fields"],
        serde_json::json!([{"section": "work", "field": "employer", "before": "上海市第一人民医院", "after": "上海市第六人民医院"}])
    );
}

#[tokio::test]
async fn the_area_reviewer_qualifies_a_confirmed_case_and_candidates_cannot_open_the_console() {
    let app = TestApp::new().await;
    let (candidate, no) = submitted(&app).await;
    let pudong = app.staff("point-reviewer", &["310115"]).await;
    let case_path = format!("/staff/registrations/{no}");
    let (_, case) = page(&pudong, &case_path).await;
    let (status, _, _) = post_form(
        &pudong,
        &format!("{case_path}/confirmation"),
        &[("decision", "confirm"), ("revision", &revision_of(&case))],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    app.clock.set(time::macros::datetime!(2025-01-06 09:00 +8));
    let area = app.staff("area-reviewer", &[]).await;
    let (_, case) = page(&area, &case_path).await;
    assert!(case.contains("资格审核通过"), "{case}");
    let (status, _, _) = post_form(
        &area,
        &format!("{case_path}/qualification"),
        &[("decision", "approve"), ("revision", &revision_of(&case))],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, case) = page(&area, &case_path).await;
    assert!(case.contains("<dd>资格审核通过</dd>"), "{case}");

    // A point reviewer cannot take the area's decision, and nobody posts to other kinds.
    let pudong = app.staff("point-reviewer", &["310115"]).await;
    let (status, _, _) = post_form(
        &pudong,
        &format!("{case_path}/payment"),
        &[("decision", "x")],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A candidate is not staff: the console shows the sign-in form, the case is refused.
    let (status, html) = page(&candidate, "/staff").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("工作人员登录"));
    let (status, _) = page(&candidate, &case_path).await;
    assert!(
        matches!(
            status,
            StatusCode::FORBIDDEN | StatusCode::SEE_OTHER | StatusCode::UNAUTHORIZED
        ),
        "{status}"
    );
}
