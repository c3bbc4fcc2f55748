//! An acknowledged upload survives the process being killed: the bytes are durable before
//! the row commits, and the row commits before the answer (DESIGN.md, durability).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use examreg_test_support::{
    SignedInClient, TestDb, fixtures, register_candidate_at, sign_in_at, test_storage_url,
};
use reqwest::{Method, StatusCode};

use crate::cli::{examreg, free_port, spawn_serving};
use crate::journey::nurse_registration;

/// Uploads in flight at once while the process is killed.
const WORKERS: usize = 6;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_acknowledged_upload_is_lost_when_the_process_is_killed() {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDb::create(dir.path()).await;
    let storage = test_storage_url(dir.path());
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let serve = || {
        let mut command = examreg(dir.path());
        command
            .args(["serve", "--demo"])
            .env("EXAMREG_DATABASE_URL", &db.url)
            .env("EXAMREG_STORAGE_URL", &storage)
            .env("EXAMREG_LISTEN", format!("127.0.0.1:{port}"));
        KillOnDrop(spawn_serving(command).0)
    };

    let mut server = serve();
    let login = register_candidate_at(&base, "durable", 9001).await;
    let client = sign_in_at(&base, "/api/v1/session", &login.username, &login.password).await;
    let no = nurse_registration(&client, "demo", "shanghai_hukou").await;
    let (_, slots) = client
        .get_json(&format!("/api/v1/registrations/{no}/slots"))
        .await;
    // Every place a file can go, each to be filled with a different file.
    let places: Vec<String> = slots
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|slot| {
            let id = slot["id"].as_str().unwrap().to_owned();
            let max = slot["max_files"].as_u64().unwrap() as usize;
            std::iter::repeat_n(id, max)
        })
        .collect();
    assert!(places.len() > 3 * WORKERS, "{} places", places.len());
    let kill_after = places.len() / 3;

    // Uploads race until a third are acknowledged, then the process dies mid-flight.
    let queue = Arc::new(Mutex::new(
        places.into_iter().enumerate().collect::<Vec<_>>(),
    ));
    let acknowledged: Arc<Mutex<HashMap<String, Vec<u8>>>> = Arc::default();
    let (killed_tx, killed_rx) = tokio::sync::watch::channel(false);
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let (queue, acknowledged, client, no) = (
                queue.clone(),
                acknowledged.clone(),
                client.clone(),
                no.clone(),
            );
            let killed = killed_rx.clone();
            tokio::spawn(async move {
                loop {
                    let Some((n, slot)) = queue.lock().unwrap().pop() else {
                        return;
                    };
                    if *killed.borrow() {
                        return;
                    }
                    let bytes = fixtures::material(50_000 + n as u32);
                    match upload(&client, &no, &slot, bytes.clone()).await {
                        Ok((StatusCode::CREATED, id)) => {
                            acknowledged.lock().unwrap().insert(id, bytes);
                        }
                        Ok((status, _)) => {
                            assert_eq!(status, StatusCode::CREATED, "{slot}");
                        }
                        Err(_) => return, // the connection died with the process
                    }
                }
            })
        })
        .collect();
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        if acknowledged.lock().unwrap().len() >= kill_after {
            break;
        }
    }
    server.0.kill().unwrap(); // SIGKILL: no shutdown hooks, no flushing
    killed_tx.send(true).unwrap();
    server.0.wait().unwrap();
    for worker in workers {
        worker.await.unwrap();
    }
    let acknowledged = std::mem::take(&mut *acknowledged.lock().unwrap());
    assert!(acknowledged.len() >= kill_after);

    // After a restart every acknowledged file is listed and its bytes are intact.
    let _server = serve();
    let client = sign_in_at(&base, "/api/v1/session", &login.username, &login.password).await;
    let (status, slots) = client
        .get_json(&format!("/api/v1/registrations/{no}/slots"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let listed: Vec<String> = slots
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|slot| slot["files"].as_array().unwrap().clone())
        .map(|file| file["id"].as_str().unwrap().to_owned())
        .collect();
    for (id, bytes) in &acknowledged {
        assert!(listed.contains(id), "acknowledged upload {id} is missing");
        let response = client
            .get(&format!("/api/v1/registrations/{no}/files/{id}"))
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.bytes().await.unwrap() == bytes[..], "{id} changed");
    }
    // Files written for uploads that never committed were collected at start: the store
    // holds exactly the rows' files.
    let store = examreg_store::FileStore::open(&storage).await.unwrap();
    assert_eq!(
        store.list("registrations").await.unwrap().len(),
        listed.len(),
        "stored files match rows one to one"
    );
}

/// A server process that does not outlive its test, even one that fails.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn upload(
    client: &SignedInClient,
    no: &str,
    slot: &str,
    bytes: Vec<u8>,
) -> Result<(StatusCode, String), reqwest::Error> {
    let part = reqwest::multipart::Part::bytes(bytes)
        .file_name("scan.jpg")
        .mime_str("image/jpeg")
        .unwrap();
    let response = client
        .send(
            Method::POST,
            &format!("/api/v1/registrations/{no}/slots/{slot}/files"),
        )
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await?;
    let status = response.status();
    let body: serde_json::Value = response.json().await?;
    Ok((status, body["id"].as_str().unwrap_or_default().to_owned()))
}
