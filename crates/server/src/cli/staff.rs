//! `examreg staff add`.

use std::io::BufRead;
use std::sync::Arc;

use anyhow::{Context, bail};
use examreg_domain::Clock;
use examreg_domain::account::Actor;
use examreg_domain::exam::ExamCatalog;

use crate::config::Config;
use crate::services::create_staff::{NewStaffInput, create_staff};

pub(super) async fn add(
    config: Config,
    exams: ExamCatalog,
    clock: Arc<dyn Clock>,
    username: String,
    role: String,
    points: Vec<String>,
) -> anyhow::Result<()> {
    let password = read_password()?;
    // Refuse to run against an old schema rather than migrating behind the operator's back.
    let store = crate::app::connect(&config).await?;
    let pending = store
        .pending_migrations()
        .await
        .context("cannot read migrations")?;
    store.close().await?;
    if !pending.is_empty() {
        bail!("the database is not migrated: run `examreg migrate` first");
    }
    let app = crate::app::build_state(config, exams, clock).await?;
    let id = create_staff(
        &app,
        &Actor::Operator,
        NewStaffInput {
            username,
            role,
            points,
            password,
        },
    )
    .await
    .context("cannot create the staff account")?;
    app.store.close().await?;
    println!("created staff account {id}");
    Ok(())
}

/// The first line of standard input, without its line ending.
fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        bail!("no password on standard input");
    }
    Ok(password)
}
