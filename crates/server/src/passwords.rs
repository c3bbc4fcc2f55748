//! Password hashing with Argon2id, off the async runtime and bounded.
//!
//! At most one hash per core runs at a time; a queue waits for a core, as long as what
//! it holds can be hashed within `max_wait` at the hashing time measured lately (so a
//! machine that hashes fast, or a quiet one, queues more); anything beyond it is refused
//! at once with [`HashError::Busy`] (the web layer answers 503 with `Retry-After`), so a
//! login storm cannot pile up unbounded work or wait into timeouts.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, PasswordHash, Version};
use examreg_domain::account::Password;
use tokio::sync::Semaphore;

use crate::config::Argon2Config;

/// What a hash is assumed to take before any was measured.
const FIRST_ESTIMATE: Duration = Duration::from_millis(50);

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

/// A place in the hashing queue (see [`PasswordHasher::admit`]); given back on drop.
#[derive(Debug)]
pub struct Admission {
    in_flight: Arc<AtomicUsize>,
}

impl Drop for Admission {
    fn drop(&mut self) {
        self.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

#[derive(Debug, Clone)]
pub struct PasswordHasher {
    params: Params,
    cores: usize,
    max_wait: Duration,
    /// Admitted: running plus queued.
    in_flight: Arc<AtomicUsize>,
    /// A moving average of one hash's time, in microseconds.
    mean_micros: Arc<AtomicU64>,
    /// Running: one per core.
    running: Arc<Semaphore>,
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
            cores,
            max_wait: Duration::from_millis(config.max_wait_ms),
            in_flight: Arc::new(AtomicUsize::new(0)),
            mean_micros: Arc::new(AtomicU64::new(FIRST_ESTIMATE.as_micros() as u64)),
            running: Arc::new(Semaphore::new(cores)),
            dummy: Arc::new(std::sync::OnceLock::new()),
        })
    }

    /// How many hashes may be admitted at once: one running per core, and as many waiting
    /// as the cores get through within `max_wait` at the measured hashing time.
    pub fn capacity(&self) -> usize {
        let mean = self.mean_micros.load(Ordering::Relaxed).max(1);
        let per_core = (self.max_wait.as_micros() as u64 / mean) as usize;
        self.cores + self.cores * per_core
    }

    /// The moving average of a hash's time so far.
    pub fn mean_hash_time(&self) -> Duration {
        Duration::from_micros(self.mean_micros.load(Ordering::Relaxed))
    }

    fn record(&self, took: Duration) {
        let sample = took.as_micros().min(u128::from(u64::MAX)) as u64;
        // An average over about the last eight hashes.
        let _ = self
            .mean_micros
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |mean| {
                Some(mean - mean / 8 + sample / 8)
            });
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// A place in the hashing queue, or `Busy` at once. Sign-in takes it before any other
    /// work, so that an overloaded server turns excess requests away for almost nothing.
    pub fn admit(&self) -> Result<Admission, HashError> {
        let capacity = self.capacity();
        self.in_flight
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < capacity).then_some(n + 1)
            })
            .map(|_| Admission {
                in_flight: Arc::clone(&self.in_flight),
            })
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
        admission: Admission,
        work: impl FnOnce(Argon2<'static>) -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let _admitted = admission;
        let _running = Arc::clone(&self.running)
            .acquire_owned()
            .await
            .map_err(|_| HashError::Busy)?;
        let argon2 = self.argon2();
        let (result, took) = tokio::task::spawn_blocking(move || {
            let started = Instant::now();
            let result = work(argon2);
            (result, started.elapsed())
        })
        .await?;
        self.record(took);
        Ok(result)
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

    #[tokio::test]
    async fn the_queue_holds_what_can_be_hashed_within_the_wait() {
        let config = Argon2Config {
            memory_kib: 1024,
            iterations: 1,
            parallelism: 1,
            max_wait_ms: 2000,
        };
        let hasher = PasswordHasher::new(&config).unwrap();
        let cores = hasher.cores;
        // Before any hash: 50 ms assumed, 40 a core within 2 s.
        assert_eq!(hasher.capacity(), cores + cores * 40);
        for _ in 0..64 {
            hasher.record(Duration::from_millis(100));
        }
        let slow = hasher.capacity();
        assert!(
            (cores + cores * 20..=cores + cores * 21).contains(&slow),
            "at 100 ms a hash: {slow}"
        );
        let admitted: Vec<_> = (0..slow).map(|_| hasher.admit().unwrap()).collect();
        assert!(matches!(hasher.admit(), Err(HashError::Busy)));
        drop(admitted);
        assert!(hasher.admit().is_ok(), "places come back");
        // Real hashes of this cost take well under 100 ms: the queue grows.
        let password = Password::parse("correct horse battery").unwrap();
        for _ in 0..40 {
            hasher.hash(&password).await.unwrap();
        }
        assert!(hasher.mean_hash_time() < Duration::from_millis(50));
        assert!(hasher.capacity() > slow);
    }

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
