//! Steps of a candidate's journey through the API, shared by the integration tests and
//! the load generator: what a real client sends, checked as it goes.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{SignedInClient, fixtures};

/// A JSON request with the session; the status and the JSON answer (null when none).
pub async fn send(
    client: &SignedInClient,
    method: Method,
    path: &str,
    body: Value,
) -> (StatusCode, Value) {
    let response = client.send(method, path).json(&body).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Starts a registration for `exam` and saves the four sections of a Shanghai-hukou 主管护师 (bachelor, public hospital).
pub async fn nurse_registration(client: &SignedInClient, exam: &str, residency: &str) -> String {
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
    for (section, body) in nurse_sections(&birth, gender, residency) {
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

/// The four sections of a 主管护师 (bachelor, public hospital) born on `birth`
/// (YYYY-MM-DD) as `gender` (`male`, `female`), as the API takes them, by section key.
pub fn nurse_sections(birth: &str, gender: &str, residency: &str) -> [(&'static str, Value); 4] {
    [
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
    ]
}

/// The required slots of the nurse of [`nurse_registration`] with a Shanghai hukou.
pub const NURSE_REQUIRED: [&str; 9] = [
    "form", "3-1", "3-2", "4-3a", "4-3b", "5-5", "5-6", "8-1", "8-2",
];

/// Uploads and confirms the photo (which printing and submitting need).
pub async fn confirm_photo(client: &SignedInClient, no: &str) {
    let response = client
        .send(Method::PUT, &format!("/api/v1/registrations/{no}/photo"))
        .header("content-type", "image/jpeg")
        .body(fixtures::photo(7))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let (status, _) = send(
        client,
        Method::POST,
        &format!("/api/v1/registrations/{no}/photo/confirm"),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}

/// Confirms the photo and fills every required slot of the nurse of
/// [`nurse_registration`] with distinct files (from `seed`), then completes the materials:
/// the registration is ready to submit.
pub async fn make_ready(client: &SignedInClient, no: &str, seed: u32) {
    confirm_photo(client, no).await;
    for (n, slot) in NURSE_REQUIRED.iter().enumerate() {
        let (status, body) = client
            .upload(
                no,
                slot,
                fixtures::material(seed.wrapping_add(n as u32)),
                "scan.jpg",
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{slot}: {body}");
    }
    let (status, body) = send(
        client,
        Method::POST,
        &format!("/api/v1/registrations/{no}/materials/complete"),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
}
