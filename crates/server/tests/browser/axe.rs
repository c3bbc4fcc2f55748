//! Accessibility: axe-core (from the npm registry; `.ci/run` installs it) injected into a
//! page; serious and critical violations fail the journey.

use std::path::PathBuf;

use thirtyfour::prelude::*;

fn axe_source() -> String {
    let path = std::env::var_os("EXAMREG_AXE_JS").map_or_else(
        || PathBuf::from("/var/tmp/examreg-tools/node_modules/axe-core/axe.min.js"),
        PathBuf::from,
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "axe-core is missing at {} ({e}): npm install --prefix /var/tmp/examreg-tools axe-core@4 (.ci/run does)",
            path.display()
        )
    })
}

/// The serious and critical violations on the current page, one line each.
pub(crate) async fn violations(driver: &WebDriver) -> Vec<String> {
    driver.execute(axe_source(), Vec::new()).await.unwrap();
    let result = driver
        .execute_async(
            r#"
            const done = arguments[arguments.length - 1];
            axe.run(document, { resultTypes: ['violations'] }).then((r) => done(
                r.violations
                    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
                    .map((v) => `${v.id} (${v.impact}): ${v.help} @ ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
            ), (e) => done([`axe failed: ${e}`]));
            "#,
            Vec::new(),
        )
        .await
        .unwrap();
    result.convert::<Vec<String>>().unwrap()
}

/// Fails with the list of serious or critical violations on the current page.
pub(crate) async fn assert_accessible(driver: &WebDriver, page: &str) {
    let found = violations(driver).await;
    assert!(
        found.is_empty(),
        "{page}: accessibility violations:\n{}",
        found.join("\n")
    );
}
