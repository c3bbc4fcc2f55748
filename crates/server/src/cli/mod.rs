//! The `examreg` command line (CONTRACT.md).

mod check_config;
mod serve;
mod staff;

use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use examreg_domain::{Clock, SystemClock};

use crate::config::Config;
use crate::{exams, telemetry};

#[derive(Debug, Parser)]
#[command(name = "examreg", version, about = "卫生专业技术资格考试网上报名系统")]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the web application (migrates the database first).
    Serve {
        /// Add a demo exam open now and demo staff accounts, printed on start.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage staff accounts.
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
    /// Validate the configuration and exam definitions, and print a summary.
    CheckConfig,
}

#[derive(Debug, Subcommand)]
enum StaffCommand {
    /// Create a staff account; the password is read from standard input.
    Add {
        #[arg(long)]
        username: String,
        /// point-reviewer, area-reviewer or admin.
        #[arg(long)]
        role: String,
        /// A registration point code the reviewer works for (repeatable).
        #[arg(long = "point")]
        points: Vec<String>,
    },
}

impl Cli {
    pub async fn run(self) -> anyhow::Result<()> {
        let config = Config::load()?;
        telemetry::init_logging(config.log_format);
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        match self.command {
            Command::Serve { demo } => serve::run(config, clock, demo).await,
            Command::Migrate => {
                let store = crate::app::connect(&config).await?;
                let pending = store
                    .pending_migrations()
                    .await
                    .context("cannot read migrations")?;
                store
                    .migrate()
                    .await
                    .context("cannot migrate the database")?;
                if pending.is_empty() {
                    println!(
                        "database {} is up to date",
                        config.database_url_for_humans()
                    );
                } else {
                    println!(
                        "applied {} migration(s): {}",
                        pending.len(),
                        pending.join(", ")
                    );
                }
                store.close().await?;
                Ok(())
            }
            Command::Staff {
                command:
                    StaffCommand::Add {
                        username,
                        role,
                        points,
                    },
            } => {
                let exams = exams::load(config.exams_dir.as_deref(), None)?;
                staff::add(config, exams, clock, username, role, points).await
            }
            Command::CheckConfig => check_config::run(&config),
        }
    }
}
