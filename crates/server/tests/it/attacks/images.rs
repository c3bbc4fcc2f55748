//! Hostile images: markup hidden in a JPEG, pixel bombs, decode memory under load.

use examreg_test_support::TestApp;
use reqwest::StatusCode;

use super::KillOnDrop;
use super::backend_name;

#[tokio::test]
async fn markup_hidden_in_a_jpeg_is_not_stored_and_huge_pixel_counts_are_refused_unread() {
    let app = TestApp::new().await;
    let (client, no) = crate::journey::nurse(&app, "shanghai_hukou").await;
    let planted = examreg_test_support::fixtures::with_comment(
        &examreg_test_support::fixtures::material(31),
        b"<?php system($_GET['c']); ?><script>alert(document.cookie)</script>",
    );
    let (status, body) = client.upload(&no, "3-1", planted.clone(), "scan.jpg").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let stored = client
        .get(&format!(
            "/api/v1/registrations/{no}/files/{}",
            body["id"].as_str().unwrap()
        ))
        .await
        .bytes()
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&stored);
    assert!(
        !text.contains("<script") && !text.contains("<?php"),
        "stored as a picture only"
    );
    assert_eq!(body["size"], stored.len());
    assert!(stored.len() < planted.len());

    // 6000 × 6000 is inside the side limits but over the pixel cap.
    let mut bomb = examreg_test_support::fixtures::material(32);
    let sof = bomb.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    bomb[sof + 5..sof + 7].copy_from_slice(&6000u16.to_be_bytes());
    bomb[sof + 7..sof + 9].copy_from_slice(&6000u16.to_be_bytes());
    let (status, body) = client.upload(&no, "3-1", bomb, "bomb.jpg").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("万像素的上限"),
        "{body}"
    );
}

/// The peak resident memory of a process so far, in MB.
fn peak_rss_mb(pid: u32) -> u64 {
    examreg_test_support::peak_resident_bytes(Some(pid)).unwrap() >> 20
}

#[tokio::test]
async fn concurrent_decompression_bombs_stay_inside_the_decode_memory_budget() {
    let dir = tempfile::tempdir().unwrap();
    let db = examreg_test_support::TestDb::create(dir.path()).await;
    let port = crate::cli::free_port();
    let mut command = crate::cli::examreg(dir.path());
    command
        .args(["serve", "--demo"])
        .env("EXAMREG_DATABASE_URL", &db.url)
        .env("EXAMREG_LISTEN", format!("127.0.0.1:{port}"))
        .env("EXAMREG_DECODE_MEMORY_MB", "64")
        .env(
            "EXAMREG_STORAGE_URL",
            examreg_test_support::test_storage_url(dir.path()),
        );
    let (child, _) = crate::cli::spawn_serving(command);
    let child = KillOnDrop(Some(child));
    let pid = child.0.as_ref().unwrap().id();
    let base = format!("http://127.0.0.1:{port}");
    // Twelve at once of each: headers claiming 8000 × 8000 (refused unread), and pages of
    // 11.6 million pixels in under 150 KB (as many as a baseline JPEG packs in) that
    // decode to 11.6 MB each.
    let mut bombs = Vec::new();
    for n in 0..12u32 {
        let mut claim = examreg_test_support::fixtures::material(5000 + n);
        let sof = claim.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
        claim[sof + 5..sof + 7].copy_from_slice(&8000u16.to_be_bytes());
        claim[sof + 7..sof + 9].copy_from_slice(&8000u16.to_be_bytes());
        bombs.push((claim, StatusCode::UNPROCESSABLE_ENTITY));
        let page = examreg_test_support::fixtures::sparse_page(3400, n);
        assert!(page.len() <= 150 * 1024, "{} bytes", page.len());
        bombs.push((page, StatusCode::CONFLICT)); // decoded, then the 3-1 slot is full
    }
    let (client, no) = {
        let login = examreg_test_support::register_candidate_at(&base, "bomber", 4321).await;
        let client = examreg_test_support::sign_in_at(
            &base,
            "/api/v1/session",
            &login.username,
            &login.password,
        )
        .await;
        let no = crate::journey::nurse_registration(&client, "demo", "shanghai_hukou").await;
        (client, no)
    };
    let idle = peak_rss_mb(pid);

    let uploads = bombs.into_iter().map(|(bytes, _)| {
        let client = client.clone();
        let no = no.clone();
        async move { client.upload(&no, "10", bytes, "page.jpg").await.0 }
    });
    let statuses = futures::future::join_all(uploads).await;
    assert!(
        statuses.iter().all(|s| [
            StatusCode::CREATED,
            StatusCode::CONFLICT,
            StatusCode::UNPROCESSABLE_ENTITY
        ]
        .contains(s)),
        "{statuses:?}"
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::UNPROCESSABLE_ENTITY)
            .count(),
        12,
        "the claims are refused"
    );
    let peak = peak_rss_mb(pid);
    examreg_test_support::report_figure(&format!(
        "decode bombs ({}): {idle} MB idle, {peak} MB at the peak (budget 64 MB)",
        backend_name()
    ));
    assert!(
        peak < idle + 64 + 96,
        "peak {peak} MB against {idle} MB idle and a 64 MB decode budget"
    );
}
