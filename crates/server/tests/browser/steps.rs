//! What a person does on the pages, one step at a time, and what they check.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use thirtyfour::prelude::*;

use crate::harness::{Browser, Server};

/// Waits until `check` holds, polling; after 30 s fails with `what` and the page as it is.
pub(crate) async fn eventually<F, Fut>(d: &WebDriver, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(30);
    while !check().await {
        if Instant::now() > deadline {
            let url = d
                .current_url()
                .await
                .map(|u| u.to_string())
                .unwrap_or_default();
            let text = body_text(d).await;
            panic!("timed out waiting for: {what}\nat {url}\n{text}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the current page, its deferred scripts included, has finished loading.
pub(crate) async fn loaded(driver: &WebDriver) {
    eventually(driver, "the page to finish loading", || async {
        driver
            .execute("return document.readyState;", Vec::new())
            .await
            .ok()
            .and_then(|r| r.convert::<String>().ok())
            .is_some_and(|state| state == "complete")
    })
    .await;
}

/// The visible text of the page; empty while a navigation replaces the page.
pub(crate) async fn body_text(driver: &WebDriver) -> String {
    match driver.find(By::Tag("body")).await {
        Ok(body) => body.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

pub(crate) async fn open(b: &Browser, server: &Server, path: &str) {
    b.driver.goto(server.url(path)).await.unwrap();
}

pub(crate) async fn fill(driver: &WebDriver, id: &str, value: &str) {
    let input = driver.find(By::Id(id)).await.unwrap();
    input.clear().await.unwrap();
    input.send_keys(value).await.unwrap();
}

/// Chooses the option with `value` in the select `id`, as a person picking from the list.
pub(crate) async fn choose(driver: &WebDriver, id: &str, value: &str) {
    let option = driver
        .find(By::Css(format!("select#{id} option[value=\"{value}\"]")))
        .await
        .unwrap_or_else(|e| panic!("no option {value} in {id}: {e}"));
    option.click().await.unwrap();
}

pub(crate) async fn click_button(driver: &WebDriver, text: &str) {
    let button = driver
        .find(By::XPath(format!("//button[normalize-space(.)='{text}']")))
        .await
        .unwrap_or_else(|e| panic!("no button {text}: {e}"));
    button.scroll_into_view().await.unwrap();
    button.click().await.unwrap();
}

pub(crate) async fn click_link(driver: &WebDriver, text: &str) {
    let link = driver
        .find(By::XPath(format!(
            "//a[contains(normalize-space(.), '{text}')]"
        )))
        .await
        .unwrap_or_else(|e| panic!("no link {text}: {e}"));
    link.scroll_into_view().await.unwrap();
    link.click().await.unwrap();
}

pub(crate) async fn current_path(driver: &WebDriver) -> String {
    let url = driver.current_url().await.unwrap();
    format!(
        "{}{}",
        url.path(),
        url.query().map(|q| format!("?{q}")).unwrap_or_default()
    )
}

/// Writes `bytes` to a file named `name` for a file input to pick up.
pub(crate) fn file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Picks `path` in the file input `input_id` and presses the form's submit button.
pub(crate) async fn upload(driver: &WebDriver, input_id: &str, path: &Path) {
    // A person chooses a file on a page that has finished loading: before the deferred
    // upload script has run, the form would go without its in-browser shrinking, and a
    // click during the reload after the previous upload can be lost with the old page.
    loaded(driver).await;
    let input = driver.find(By::Id(input_id)).await.unwrap();
    input.scroll_into_view().await.unwrap();
    input.send_keys(path.display().to_string()).await.unwrap();
    let form = input.find(By::XPath("ancestor::form")).await.unwrap();
    form.find(By::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// The number of files shown in the materials slot `slot`.
pub(crate) async fn files_in_slot(driver: &WebDriver, slot: &str) -> usize {
    match driver
        .find_all(By::Css(format!("#slot-{slot} ul.thumbs > li")))
        .await
    {
        Ok(items) => items.len(),
        Err(_) => 0,
    }
}

/// The progress bar's node states, in order (true = 已完成).
pub(crate) async fn progress(driver: &WebDriver) -> Vec<bool> {
    let mut states = Vec::new();
    for item in driver.find_all(By::Css("nav.progress li")).await.unwrap() {
        let class = item.attr("class").await.unwrap().unwrap_or_default();
        states.push(class.contains("reached"));
    }
    states
}

/// Waits for a finished download in the browser's download folder.
pub(crate) async fn downloaded(b: &Browser, extension: &str) -> Vec<u8> {
    let dir = b.downloads.path().to_owned();
    let mut found = None;
    eventually(&b.driver, "the download to finish", || {
        let entries: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        found = entries
            .into_iter()
            .find(|p| p.extension().is_some_and(|e| e == extension));
        let done = found.is_some();
        async move { done }
    })
    .await;
    std::fs::read(found.unwrap()).unwrap()
}

/// Presses 🗑 on the last file of `slot` and waits until the slot holds `left` files.
/// Under load a click can land while the page is still settling after an upload's
/// reload; if the file is still there after a while, the click is made again.
pub(crate) async fn delete_last_file(driver: &WebDriver, slot: &str, left: usize) {
    for _ in 0..3 {
        if let Ok(button) = driver
            .find(By::Css(format!(
                "#slot-{slot} ul.thumbs > li:last-child button"
            )))
            .await
        {
            let _ = button.scroll_into_view().await;
            let _ = button.click().await;
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if files_in_slot(driver, slot).await == left {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    panic!(
        "the last file of slot {slot} was not deleted:\n{}",
        body_text(driver).await
    );
}
