//! Admission control for CPU-bound work (password hashing, image checks and previews, the
//! application form's PDF): at most one piece of a class per worker runs at a time, and a
//! queue waits for a worker as long as what it holds can be done within `max_wait` at the
//! time such work has taken lately. Beyond that the work is refused at once
//! ([`Saturated`]; the web layer answers 503 with `Retry-After`), so a rush at the
//! deadline meets a prompt "try again shortly" instead of queueing into timeouts, and what
//! is admitted keeps its latency however much more is offered.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The class's queue holds as much as can be done within its wait: come back shortly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{0} is saturated")]
pub struct Saturated(pub &'static str);

/// One class of work and its admission.
#[derive(Debug, Clone)]
pub struct Gate {
    name: &'static str,
    workers: usize,
    max_wait: Duration,
    /// Admitted: running plus queued.
    in_flight: Arc<AtomicUsize>,
    /// A moving average of one piece's time, in microseconds.
    mean_micros: Arc<AtomicU64>,
    running: Arc<Semaphore>,
}

/// A place in the queue; given back on drop.
#[derive(Debug)]
pub struct Ticket {
    in_flight: Arc<AtomicUsize>,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A worker held for one piece of work; its time is recorded when it is dropped.
#[derive(Debug)]
pub struct Running {
    gate: Gate,
    started: Instant,
    _permit: OwnedSemaphorePermit,
    _ticket: Ticket,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.gate.record(self.started.elapsed());
    }
}

impl Gate {
    /// `workers` at a time (at least one); `first_estimate` is what a piece is assumed to
    /// take until one was measured.
    pub fn new(
        name: &'static str,
        workers: usize,
        max_wait: Duration,
        first_estimate: Duration,
    ) -> Gate {
        let workers = workers.max(1);
        Gate {
            name,
            workers,
            max_wait,
            in_flight: Arc::new(AtomicUsize::new(0)),
            mean_micros: Arc::new(AtomicU64::new(micros(first_estimate).max(1))),
            running: Arc::new(Semaphore::new(workers)),
        }
    }

    /// How many pieces may be admitted at once: one running per worker, and as many
    /// waiting as the workers get through within `max_wait` at the measured time.
    pub fn capacity(&self) -> usize {
        let mean = self.mean_micros.load(Ordering::Relaxed).max(1);
        let per_worker = usize::try_from(micros(self.max_wait) / mean).unwrap_or(usize::MAX);
        self.workers
            .saturating_add(self.workers.saturating_mul(per_worker))
    }

    /// The moving average of a piece's time so far.
    pub fn mean_time(&self) -> Duration {
        Duration::from_micros(self.mean_micros.load(Ordering::Relaxed))
    }

    /// A place in the queue, or [`Saturated`] at once. Take it before any other work on
    /// the request, so that an overloaded server turns excess away for almost nothing.
    pub fn admit(&self) -> Result<Ticket, Saturated> {
        let capacity = self.capacity();
        self.in_flight
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < capacity).then_some(n + 1)
            })
            .map(|_| Ticket {
                in_flight: Arc::clone(&self.in_flight),
            })
            .map_err(|_| Saturated(self.name))
    }

    /// Waits for a worker for admitted work.
    pub async fn run(&self, ticket: Ticket) -> Result<Running, Saturated> {
        let permit = Arc::clone(&self.running)
            .acquire_owned()
            .await
            .map_err(|_| Saturated(self.name))?;
        Ok(Running {
            gate: self.clone(),
            started: Instant::now(),
            _permit: permit,
            _ticket: ticket,
        })
    }

    /// [`Gate::admit`], then [`Gate::run`].
    pub async fn enter(&self) -> Result<Running, Saturated> {
        let ticket = self.admit()?;
        self.run(ticket).await
    }

    fn record(&self, took: Duration) {
        let sample = micros(took);
        // An average over about the last eight pieces.
        let _ = self
            .mean_micros
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |mean| {
                Some((mean - mean / 8 + sample / 8).max(1))
            });
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_queue_holds_what_can_be_done_within_the_wait() {
        let gate = Gate::new("test", 2, Duration::from_secs(2), Duration::from_millis(50));
        // Before anything ran: 50 ms assumed, 40 a worker within 2 s.
        assert_eq!(gate.capacity(), 2 + 2 * 40);
        for _ in 0..64 {
            gate.record(Duration::from_millis(100));
        }
        let slow = gate.capacity();
        assert!(
            (2 + 2 * 19..=2 + 2 * 20).contains(&slow),
            "at 100 ms: {slow}"
        );
        let admitted: Vec<_> = (0..slow).map(|_| gate.admit().unwrap()).collect();
        assert_eq!(gate.admit().unwrap_err(), Saturated("test"));
        drop(admitted);
        assert!(gate.admit().is_ok(), "places come back");
        // Fast work grows the queue again.
        for _ in 0..64 {
            drop(gate.enter().await.unwrap());
        }
        assert!(gate.mean_time() < Duration::from_millis(5));
        assert!(gate.capacity() > 1000);
    }

    #[tokio::test]
    async fn without_a_wait_only_the_workers_are_admitted() {
        let gate = Gate::new("test", 2, Duration::ZERO, Duration::from_millis(10));
        let first = gate.enter().await.unwrap();
        let second = gate.enter().await.unwrap();
        assert!(gate.enter().await.is_err());
        drop(first);
        let third = gate.enter().await.unwrap();
        drop((second, third));
    }
}
