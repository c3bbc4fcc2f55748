//! An acknowledged write survives the process being killed: the bytes are durable before
//! the row commits, and the row commits before the answer (DESIGN.md, durability).

use std::collections::{HashMap, HashSet};
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
    let site = DemoSite::new(dir.path()).await;
    let (base, storage) = (site.base.clone(), site.storage.clone());
    let serve = || site.serve();

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
    // Every row has its file. A file written for an upload that never committed (killed
    // between the fsync and the commit) stays until the orphan job collects it an hour
    // later (`uploads::files_without_a_row_are_collected_…`): at most one per upload in
    // flight.
    let store = examreg_store::FileStore::open(&storage).await.unwrap();
    let stored = store.list("registrations").await.unwrap();
    for id in &listed {
        assert!(
            stored.iter().any(|key| key.contains(id.as_str())),
            "no file for row {id}"
        );
    }
    assert!(
        stored.len() - listed.len() <= WORKERS,
        "{} files for {} rows: more orphans than uploads in flight",
        stored.len(),
        listed.len()
    );
}

/// Kill -9 cycles of [`no_acknowledged_write_is_lost_over_kill_cycles`].
const CYCLES: usize = 20;
/// Candidates writing at once, one worker each.
const CANDIDATES: u32 = 3;

/// What the server acknowledged, to be found after every restart.
#[derive(Debug, Default)]
struct Journal {
    /// Acknowledged uploads not (yet) deleted: id → bytes.
    files: HashMap<String, Vec<u8>>,
    /// Deletes in flight when the process died: either outcome is right.
    doubtful: HashSet<String>,
    /// Per registration: the last acknowledged 单位名称, and the one in flight.
    employer: HashMap<String, (String, Option<String>)>,
    /// Sessions handed out.
    tokens: Vec<String>,
    /// Every acknowledged write, over all cycles.
    acknowledged: usize,
}

/// One candidate's writes, in a loop until the process dies: a section save, an upload
/// (or, when the slot is full, a delete), a sign-in.
async fn write_until_killed(
    base: String,
    login: examreg_test_support::CandidateLogin,
    no: String,
    (slot, max_files): (String, usize),
    journal: Arc<Mutex<Journal>>,
    cycle: usize,
) {
    let Ok(client) = try_sign_in(&base, &login).await else {
        return;
    };
    let mut in_slot = listed_in(&client, &no, &slot).await.unwrap_or_default();
    for n in 0usize.. {
        let outcome = match n % 3 {
            0 => {
                let employer = format!("第{cycle}轮第{n}号医院");
                journal
                    .lock()
                    .unwrap()
                    .employer
                    .entry(no.clone())
                    .or_insert_with(|| (String::new(), None))
                    .1 = Some(employer.clone());
                let body = serde_json::json!({"employer": employer, "employer_affiliation": "上海市卫生健康委员会", "employer_nature": "public", "years_in_specialty": 8});
                let saved = client
                    .send(
                        Method::PUT,
                        &format!("/api/v1/registrations/{no}/sections/work"),
                    )
                    .json(&body)
                    .send()
                    .await;
                saved.map(|response| {
                    assert_eq!(response.status(), StatusCode::OK, "save");
                    let mut journal = journal.lock().unwrap();
                    journal.employer.insert(no.clone(), (employer, None));
                    journal.acknowledged += 1;
                })
            }
            1 if in_slot.len() < max_files => {
                let bytes = fixtures::material(40_000 + (cycle * 1_000 + n) as u32);
                upload(&client, &no, &slot, bytes.clone())
                    .await
                    .map(|(status, id)| {
                        assert_eq!(status, StatusCode::CREATED, "upload");
                        in_slot.push(id.clone());
                        let mut journal = journal.lock().unwrap();
                        journal.files.insert(id, bytes);
                        journal.acknowledged += 1;
                    })
            }
            1 => {
                let id = in_slot.remove(0);
                journal.lock().unwrap().doubtful.insert(id.clone());
                let deleted = client
                    .send(
                        Method::DELETE,
                        &format!("/api/v1/registrations/{no}/files/{id}"),
                    )
                    .send()
                    .await;
                deleted.map(|response| {
                    assert_eq!(response.status(), StatusCode::NO_CONTENT, "delete");
                    let mut journal = journal.lock().unwrap();
                    journal.doubtful.remove(&id);
                    journal.files.remove(&id);
                    journal.acknowledged += 1;
                })
            }
            _ => try_sign_in(&base, &login).await.map(|signed_in| {
                let mut journal = journal.lock().unwrap();
                journal.tokens.push(signed_in.token.clone());
                journal.acknowledged += 1;
            }),
        };
        if outcome.is_err() {
            return; // the connection died with the process
        }
    }
}

async fn try_sign_in(
    base: &str,
    login: &examreg_test_support::CandidateLogin,
) -> Result<SignedInClient, reqwest::Error> {
    examreg_test_support::try_sign_in_at(base, "/api/v1/session", &login.username, &login.password)
        .await
}

/// The ids of the files in `slot`, as the server lists them.
async fn listed_in(client: &SignedInClient, no: &str, slot: &str) -> Option<Vec<String>> {
    let response = client
        .get(&format!("/api/v1/registrations/{no}/slots"))
        .await;
    let slots: serde_json::Value = response.json().await.ok()?;
    Some(
        slots
            .as_array()?
            .iter()
            .filter(|s| s["id"] == slot)
            .flat_map(|s| s["files"].as_array().cloned().unwrap_or_default())
            .filter_map(|f| f["id"].as_str().map(str::to_owned))
            .collect(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_acknowledged_write_is_lost_over_kill_cycles() {
    let dir = tempfile::tempdir().unwrap();
    let site = DemoSite::new(dir.path()).await;
    let base = site.base.clone();
    let serve = || site.serve();
    let mut server = serve();
    let mut candidates = Vec::new();
    for n in 0..CANDIDATES {
        let login = register_candidate_at(&base, &format!("cycled{n}"), 9100 + n).await;
        let client = sign_in_at(&base, "/api/v1/session", &login.username, &login.password).await;
        let no = nurse_registration(&client, "demo", "shanghai_hukou").await;
        let (_, slots) = client
            .get_json(&format!("/api/v1/registrations/{no}/slots"))
            .await;
        // The slot that takes the most files: uploads fill it, deletes make room.
        let slot = slots
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["id"] != "photo" && s["id"] != "form")
            .max_by_key(|s| s["max_files"].as_u64().unwrap())
            .map(|s| {
                (
                    s["id"].as_str().unwrap().to_owned(),
                    s["max_files"].as_u64().unwrap() as usize,
                )
            })
            .unwrap();
        candidates.push((login, no, slot));
    }

    let journal: Arc<Mutex<Journal>> = Arc::default();
    for cycle in 0..CYCLES {
        let workers: Vec<_> = candidates
            .iter()
            .map(|(login, no, slot)| {
                tokio::spawn(write_until_killed(
                    base.clone(),
                    login.clone(),
                    no.clone(),
                    slot.clone(),
                    journal.clone(),
                    cycle,
                ))
            })
            .collect();
        // Let the load run for a while that differs from cycle to cycle.
        let before = journal.lock().unwrap().acknowledged;
        let wanted = before + 8 + (cycle * 7) % 25;
        while journal.lock().unwrap().acknowledged < wanted {
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
        server.0.kill().unwrap(); // SIGKILL: no shutdown hooks, no flushing
        server.0.wait().unwrap();
        for worker in workers {
            worker.await.unwrap();
        }
        server = serve();
        verify(&base, &candidates, &journal).await;
    }
    let journal = journal.lock().unwrap();
    examreg_test_support::report_figure(&format!(
        "kill -9 ({}): {} acknowledged writes over {CYCLES} cycles, none lost ({} files, {} sessions)",
        site.backend(),
        journal.acknowledged,
        journal.files.len(),
        journal.tokens.len()
    ));
    assert!(journal.acknowledged >= CYCLES * 8);
}

/// Everything the journal holds is there after the restart; what was in flight is taken
/// as the server has it.
async fn verify(
    base: &str,
    candidates: &[(
        examreg_test_support::CandidateLogin,
        String,
        (String, usize),
    )],
    journal: &Mutex<Journal>,
) {
    let mut listed = HashSet::new();
    for (login, no, _) in candidates {
        let client = sign_in_at(base, "/api/v1/session", &login.username, &login.password).await;
        let (status, registration) = client
            .get_json(&format!("/api/v1/registrations/{no}"))
            .await;
        assert_eq!(status, StatusCode::OK);
        let stored = registration["sections"]["work"]["employer"]
            .as_str()
            .unwrap()
            .to_owned();
        let (acked, in_flight) = journal.lock().unwrap().employer[no].clone();
        assert!(
            stored == acked || Some(&stored) == in_flight.as_ref(),
            "{no}: stored {stored}, acknowledged {acked}, in flight {in_flight:?}"
        );
        journal
            .lock()
            .unwrap()
            .employer
            .insert(no.clone(), (stored, None));
        let (_, slots) = client
            .get_json(&format!("/api/v1/registrations/{no}/slots"))
            .await;
        listed.extend(
            slots
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|slot| slot["files"].as_array().unwrap().clone())
                .map(|file| file["id"].as_str().unwrap().to_owned()),
        );
        let expected: Vec<(String, Vec<u8>)> = {
            let journal = journal.lock().unwrap();
            journal
                .files
                .iter()
                .filter(|(id, _)| !journal.doubtful.contains(*id))
                .map(|(id, bytes)| (id.clone(), bytes.clone()))
                .collect()
        };
        for (id, bytes) in expected {
            let response = client
                .get(&format!("/api/v1/registrations/{no}/files/{id}"))
                .await;
            if response.status() == StatusCode::NOT_FOUND {
                continue; // another candidate's file
            }
            assert_eq!(response.status(), StatusCode::OK, "{id}");
            assert!(response.bytes().await.unwrap() == bytes[..], "{id} changed");
        }
    }
    let tokens: Vec<String> = {
        let mut journal = journal.lock().unwrap();
        for id in journal.files.keys() {
            assert!(
                listed.contains(id) || journal.doubtful.contains(id),
                "acknowledged upload {id} is missing"
            );
        }
        // Deletes in flight: the server's listing decides.
        let doubtful: Vec<String> = journal.doubtful.drain().collect();
        for id in doubtful {
            if !listed.contains(&id) {
                journal.files.remove(&id);
            }
        }
        // Sessions handed out still sign their holder in (the last few of each cycle).
        journal.tokens.iter().rev().take(6).cloned().collect()
    };
    for token in tokens {
        let response = examreg_test_support::http()
            .get(format!("{base}/api/v1/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "an acknowledged session is gone"
        );
    }
}

/// A demo server's database, file store and address, to start (and start again) on.
pub(crate) struct DemoSite {
    dir: std::path::PathBuf,
    db: TestDb,
    storage: String,
    port: u16,
    pub(crate) base: String,
}

impl DemoSite {
    pub(crate) async fn new(dir: &std::path::Path) -> DemoSite {
        let port = free_port();
        DemoSite {
            dir: dir.to_owned(),
            db: TestDb::create(dir).await,
            storage: test_storage_url(dir),
            port,
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    /// The database the site's server uses.
    pub(crate) fn database_url(&self) -> &str {
        &self.db.url
    }

    pub(crate) fn backend(&self) -> &'static str {
        if self.db.url.starts_with("postgres") {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    }

    /// `examreg serve --demo` on the site, up and answering.
    fn serve(&self) -> KillOnDrop {
        self.serve_with(&[])
    }

    /// [`DemoSite::serve`] with more settings in the environment.
    pub(crate) fn serve_with(&self, settings: &[(&str, &str)]) -> KillOnDrop {
        let mut command = examreg(&self.dir);
        command
            .args(["serve", "--demo"])
            .env("EXAMREG_DATABASE_URL", &self.db.url)
            .env("EXAMREG_STORAGE_URL", &self.storage)
            .env("EXAMREG_LISTEN", format!("127.0.0.1:{}", self.port))
            .envs(settings.iter().copied());
        KillOnDrop(spawn_serving(command).0)
    }
}

/// A server process that does not outlive its test, even one that fails.
pub(crate) struct KillOnDrop(pub(crate) std::process::Child);

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
