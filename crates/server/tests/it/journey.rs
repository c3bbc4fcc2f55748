//! Steps of the candidate's journey that several tests share.

use examreg_test_support::{CandidateLogin, SignedInClient, TestApp, fixtures};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub(crate) async fn send(
    client: &SignedInClient,
    method: Method,
    path: &str,
    body: Value,
) -> (StatusCode, Value) {
    let response = client.send(method, path).json(&body).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// A Shanghai-hukou 主管护师 candidate (bachelor, public hospital) with all sections saved.
pub(crate) async fn nurse(app: &TestApp, residency: &str) -> (SignedInClient, String) {
    let (client, no, _) = nurse_with_login(app, residency).await;
    (client, no)
}

/// [`nurse`], with the details to sign in again.
pub(crate) async fn nurse_with_login(
    app: &TestApp,
    residency: &str,
) -> (SignedInClient, String, CandidateLogin) {
    let (client, login) = app.candidate_with_login().await;
    let no = nurse_registration(&client, "2025-shanghai", residency).await;
    (client, no, login)
}

/// Starts a registration for `exam` and saves the four sections of the nurse of [`nurse`].
pub(crate) async fn nurse_registration(
    client: &SignedInClient,
    exam: &str,
    residency: &str,
) -> String {
    let (status, created) = send(
        client,
        Method::POST,
        "/api/v1/registrations",
        json!({ "exam": exam }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let no = created["registration_no"].as_str().unwrap().to_owned();
    let (_, me) = client.get_json("/api/v1/me").await;
    let id = me["id_number"].as_str().unwrap().to_owned();
    let gender = if (id.as_bytes()[16] - b'0') % 2 == 1 {
        "male"
    } else {
        "female"
    };
    let birth = format!("{}-{}-{}", &id[6..10], &id[10..12], &id[12..14]);
    for (section, body) in [
        (
            "basic",
            json!({"gender": gender, "birth_date": birth, "ethnicity": "汉族", "phone": "13812345678", "residency": residency}),
        ),
        (
            "exam",
            json!({"level": "intermediate", "specialty_code": "368", "point": "310115", "current_qualification": "护师", "current_qualification_date": "2018-06-30", "practice_category": "nursing", "practice_licence_date": "2012-09-01"}),
        ),
        (
            "education",
            json!({"highest_education": "bachelor", "degree": "bachelor", "graduation_date": "2012-07-01", "school": "复旦大学", "major": "护理学"}),
        ),
        (
            "work",
            json!({"employer": "上海市第一人民医院", "employer_affiliation": "上海市卫生健康委员会", "employer_nature": "public", "years_in_specialty": 8}),
        ),
    ] {
        let (status, body) = send(
            client,
            Method::PUT,
            &format!("/api/v1/registrations/{no}/sections/{section}"),
            body,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    no
}

/// The required slots of the nurse of [`nurse`] with a Shanghai hukou.
pub(crate) const NURSE_REQUIRED: [&str; 9] = [
    "form", "3-1", "3-2", "4-3a", "4-3b", "5-5", "5-6", "8-1", "8-2",
];

/// A nurse's registration with a confirmed photo and completed materials: ready to submit.
pub(crate) async fn ready_to_submit(app: &TestApp) -> (SignedInClient, String) {
    let (client, no, _) = ready_to_submit_with_login(app).await;
    (client, no)
}

/// [`ready_to_submit`], with the details to sign in again.
pub(crate) async fn ready_to_submit_with_login(
    app: &TestApp,
) -> (SignedInClient, String, CandidateLogin) {
    let (client, no, login) = nurse_with_login(app, "shanghai_hukou").await;
    let response = client
        .send(Method::PUT, &format!("/api/v1/registrations/{no}/photo"))
        .header("content-type", "image/jpeg")
        .body(fixtures::photo(7))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let (status, _) = send(
        &client,
        Method::POST,
        &format!("/api/v1/registrations/{no}/photo/confirm"),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let seed = no[4..11].parse::<u32>().unwrap_or(0);
    for (n, slot) in NURSE_REQUIRED.iter().enumerate() {
        let (status, body) = client
            .upload(
                &no,
                slot,
                fixtures::material(seed.wrapping_add(n as u32)),
                "scan.jpg",
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{slot}: {body}");
    }
    let (status, body) = send(
        &client,
        Method::POST,
        &format!("/api/v1/registrations/{no}/materials/complete"),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    (client, no, login)
}

/// A JSON POST without any session, as an API client before sign-in.
pub(crate) async fn post_anonymous(app: &TestApp, path: &str, body: Value) -> (StatusCode, Value) {
    let response = examreg_test_support::http()
        .post(app.url(path))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}
