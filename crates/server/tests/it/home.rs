use examreg_test_support::TestApp;
use reqwest::StatusCode;
use time::macros::datetime;

use crate::html::select;

#[tokio::test]
async fn home_page_shows_the_open_exam_its_calendar_and_the_steps() {
    let app = TestApp::new().await; // 2024-12-01: the 2025 Shanghai window is open
    let response = app.anon().get("/").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/html; charset=utf-8"
    );
    let doc = response.text().await.unwrap();

    assert_eq!(select(&doc, "html[lang=zh-CN]").len(), 1);
    let exams = select(&doc, "article.card h3");
    assert_eq!(exams, ["2025年度卫生专业技术资格考试 · 上海考区 报名中"]);
    let milestones = select(&doc, "article.card .milestones div");
    assert!(
        milestones.contains(&"退回修改后重新提交截止 2024年12月11日 17:00".to_owned()),
        "{milestones:?}"
    );
    assert!(
        milestones.contains(&"资格审核结果公布 2025年1月26日 00:00".to_owned()),
        "{milestones:?}"
    );
    assert!(
        milestones.contains(&"考试费用 每科 50.00 元".to_owned()),
        "{milestones:?}"
    );

    let slots = select(&doc, ".slot-list li strong");
    assert_eq!(slots.len(), 30);
    assert_eq!(slots.first().map(String::as_str), Some("材料框 form"));
    let steps = select(&doc, "ol.steps li strong");
    assert_eq!(steps.len(), 7);
    assert_eq!(steps[0], "1. 填写/修改报考信息");
    assert_eq!(steps[6], "7. 缴费");
}

#[tokio::test]
async fn the_demo_exam_is_labelled_and_listed_first() {
    let app = TestApp::builder()
        .at(datetime!(2026-11-25 10:00 +8))
        .demo()
        .build()
        .await;
    let doc = app.anon().get("/").await.text().await.unwrap();
    let exams = select(&doc, "article.card h3");
    assert_eq!(
        exams,
        [
            "2027年度卫生专业技术资格考试（演示） · 上海考区 演示 报名中",
            // Its payment window is open: the demo candidate pays there.
            "2027年度卫生专业技术资格考试（演示·缴费阶段） · 上海考区 演示 报名已截止",
            "2025年度卫生专业技术资格考试 · 上海考区 报名已截止",
        ]
    );
    assert_eq!(select(&doc, "article.card .notice").len(), 2);
}

#[tokio::test]
async fn stylesheet_is_served_from_the_binary() {
    let app = TestApp::new().await;
    let response = app.anon().get("/static/app.css").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/css; charset=utf-8"
    );
    assert!(response.text().await.unwrap().contains(".container"));
}
