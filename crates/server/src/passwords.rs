//! Password hashing with Argon2id, off the async runtime and bounded.
//!
//! At most one hash per core runs at a time; a queue waits for a core, as long as what
//! it holds can be hashed within `argon2.max_wait_ms` at the hashing time measured lately
//! (an admission [`Gate`]); anything beyond it is refused at once with
//! [`HashError::Busy`] (the web layer answers 503 with `Retry-After`), so a login storm
//! cannot pile up unbounded work or wait into timeouts.

use std::sync::Arc;
use std::time::Duration;

use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, PasswordHash, Version};
use examreg_domain::account::Password;

use crate::admission::{Gate, Ticket};
use crate::config::Argon2Config;

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// Every core is hashing and the queue holds as much as can be hashed in time.
    #[error("password hashing is saturated")]
    Busy,
    #[error("argon2: {0}")]
    Argon2(String),
    #[error("hashing task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// A place in the hashing queue (see [`PasswordHasher::admit`]).
#[derive(Debug)]
pub struct Admission(Ticket);

#[derive(Debug, Clone)]
pub struct PasswordHasher {
    params: Params,
    /// One hash per core; a queue as long as `max_wait_ms` allows.
    gate: Gate,
    /// A hash of the configured cost, verified when an account does not exist.
    dummy: Arc<std::sync::OnceLock<String>>,
}

impl PasswordHasher {
    pub fn new(config: &Argon2Config) -> Result<PasswordHasher, HashError> {
        let params = Params::new(
            config.memory_kib,
            config.iterations,
            config.parallelism,
            None,
        )
        .map_err(|e| HashError::Argon2(e.to_string()))?;
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Ok(PasswordHasher {
            params,
            gate: Gate::new(
                "password hashing",
                cores,
                Duration::from_millis(config.max_wait_ms),
                Duration::from_millis(50),
            ),
            dummy: Arc::new(std::sync::OnceLock::new()),
        })
    }

    /// How many hashes may be admitted at once (see [`Gate::capacity`]).
    pub fn capacity(&self) -> usize {
        self.gate.capacity()
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// A place in the hashing queue, or `Busy` at once. Sign-in takes it before any other
    /// work, so that an overloaded server turns excess requests away for almost nothing.
    pub fn admit(&self) -> Result<Admission, HashError> {
        self.gate
            .admit()
            .map(Admission)
            .map_err(|_| HashError::Busy)
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(Argon2<'static>) -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let admission = self.admit()?;
        self.run_admitted(admission, work).await
    }

    async fn run_admitted<T: Send + 'static>(
        &self,
        Admission(ticket): Admission,
        work: impl FnOnce(Argon2<'static>) -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let _running = self.gate.run(ticket).await.map_err(|_| HashError::Busy)?;
        let argon2 = self.argon2();
        Ok(tokio::task::spawn_blocking(move || work(argon2)).await?)
    }

    /// A PHC string (`$argon2id$v=19$m=…`) with a fresh random salt.
    pub async fn hash(&self, password: &Password) -> Result<String, HashError> {
        let password = password.expose().to_owned();
        self.run(move |argon2| {
            argon2
                .hash_password(password.as_bytes())
                .map(|h| h.to_string())
                .map_err(|e| HashError::Argon2(e.to_string()))
        })
        .await?
    }

    /// Whether `password` matches `phc`; without a stored hash (no such account), verifies
    /// against a dummy hash of the same cost and answers false, so that both cases take
    /// the same time.
    pub async fn verify_or_dummy(
        &self,
        admission: Admission,
        password: &str,
        phc: Option<&str>,
    ) -> Result<bool, HashError> {
        let (phc, exists) = match phc {
            Some(phc) => (phc.to_owned(), true),
            None => (self.dummy_hash().await?, false),
        };
        let password = password.to_owned();
        let matches = self
            .run_admitted(admission, move |argon2| match PasswordHash::new(&phc) {
                Ok(parsed) => argon2.verify_password(password.as_bytes(), &parsed).is_ok(),
                Err(_) => false,
            })
            .await?;
        Ok(exists && matches)
    }

    async fn dummy_hash(&self) -> Result<String, HashError> {
        if let Some(hash) = self.dummy.get() {
            return Ok(hash.clone());
        }
        let password = Password::parse("dummy password that matches nothing")
            .map_err(|e| HashError::Argon2(e.to_string()))?;
        let hash = self.hash(&password).await?;
        Ok(self.dummy.get_or_init(|| hash).clone())
    }

    /// Whether `password` matches `phc`. A malformed stored hash never matches.
    pub async fn verify(&self, password: &str, phc: &str) -> Result<bool, HashError> {
        let password = password.to_owned();
        let phc = phc.to_owned();
        self.run(move |argon2| match PasswordHash::new(&phc) {
            Ok(parsed) => argon2.verify_password(password.as_bytes(), &parsed).is_ok(),
            Err(_) => false,
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap() -> Argon2Config {
        Argon2Config {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
            max_wait_ms: 0,
        }
    }

    #[tokio::test]
    async fn hashes_are_argon2id_salted_and_verify() {
        let hasher = PasswordHasher::new(&cheap()).unwrap();
        let password = Password::parse("correct horse battery").unwrap();
        let a = hasher.hash(&password).await.unwrap();
        let b = hasher.hash(&password).await.unwrap();
        assert!(a.starts_with("$argon2id$v=19$m=64,t=1,p=1$"), "{a}");
        assert_ne!(a, b, "a fresh salt each time");
        assert!(hasher.verify("correct horse battery", &a).await.unwrap());
        assert!(!hasher.verify("correct horse battery!", &a).await.unwrap());
        assert!(
            !hasher
                .verify("correct horse battery", "not a hash")
                .await
                .unwrap()
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn beyond_cores_and_queue_the_hasher_says_busy() {
        let config = Argon2Config {
            memory_kib: 8 * 1024,
            iterations: 4,
            parallelism: 1,
            max_wait_ms: 0,
        };
        let hasher = PasswordHasher::new(&config).unwrap();
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let tasks: Vec<_> = (0..cores * 4)
            .map(|_| {
                let hasher = hasher.clone();
                tokio::spawn(async move {
                    hasher
                        .verify(
                            "password",
                            "$argon2id$v=19$m=8192,t=4,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
                        )
                        .await
                })
            })
            .collect();
        let mut busy = 0;
        for task in tasks {
            if matches!(task.await.unwrap(), Err(HashError::Busy)) {
                busy += 1;
            }
        }
        assert!(
            busy > 0,
            "some of {} concurrent hashes on {cores} cores are refused",
            cores * 4
        );
    }
}
