//! `examreg serve [--demo]`.

use std::sync::Arc;

use anyhow::Context;
use examreg_domain::Clock;
use examreg_domain::account::Actor;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::services::create_staff::{NewStaffInput, ensure_staff_with_password};
use crate::state::AppState;
use crate::{app, exams, web};

pub(super) async fn run(
    mut config: Config,
    clock: Arc<dyn Clock>,
    demo: bool,
) -> anyhow::Result<()> {
    config.demo = demo;
    // Everything that can fail without writing anything goes first.
    let exams = exams::load(config.exams_dir.as_deref(), demo.then(|| clock.now()))?;
    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let state = app::build_state(config, exams, clock).await?;
    if demo {
        create_demo_staff(&state).await?;
    }
    let address = listener.local_addr()?;
    tracing::info!(%address, database = %state.config.database_url_for_humans(), "examreg is serving");
    println!("examreg is serving on http://{address}/");

    let jobs = crate::jobs::spawn(state.clone());
    let router = web::router(state.clone());
    let limits = crate::listen::ConnectionLimits::from_config(&state.config);
    crate::listen::serve(listener, router, limits, shutdown_signal())
        .await
        .context("server error")?;
    jobs.abort();
    tracing::info!("shut down");
    state.store.close().await?;
    Ok(())
}

/// The demo accounts, one per role, with fresh random passwords printed on every start.
async fn create_demo_staff(state: &AppState) -> anyhow::Result<()> {
    let accounts = [
        (
            "demo-point",
            "point-reviewer",
            vec!["310115".to_owned()],
            "浦东新区报名点审核员",
        ),
        ("demo-area", "area-reviewer", vec![], "考区审核员"),
        ("demo-admin", "admin", vec![], "管理员"),
    ];
    println!("演示账号（仅供演示，每次启动重新生成密码）：");
    for (username, role, points, label) in accounts {
        let password = random_password();
        ensure_staff_with_password(
            state,
            &Actor::Operator,
            NewStaffInput {
                username: username.to_owned(),
                role: role.to_owned(),
                points,
                password: password.clone(),
            },
        )
        .await
        .with_context(|| format!("cannot set up the demo account {username}"))?;
        println!("  {label}: 用户名 {username}  密码 {password}");
    }
    let password = random_password();
    let no = crate::demo::paying_candidate(state, &password)
        .await
        .context("cannot set up the demo candidate")?;
    println!(
        "  考生（资格审核已通过，可演示缴费，网报号 {no}）: 用户名 {}  密码 {password}",
        crate::demo::CANDIDATE
    );
    Ok(())
}

/// 16 characters from an alphabet without look-alikes (no 0/O, 1/l/I).
fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let bytes = uuid::Uuid::new_v4().into_bytes();
    bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect()
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received; finishing requests in flight");
}
