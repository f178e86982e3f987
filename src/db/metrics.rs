//! What the pool measures of itself: query times and waiting requests,
//! exported by [`crate::metrics`].

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use prometheus_client::metrics::histogram::Histogram;

/// Query time buckets, in seconds: 0.1 ms to 5 s.
const QUERY_BUCKETS: [f64; 12] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 1.0, 5.0,
];

/// Query timings of a pool's connections, and how many requests wait for
/// one. Made with the pool, so that it measures every connection it opens.
#[derive(Debug)]
pub struct DbMetrics {
    pub(crate) query_seconds: Histogram,
    pub(crate) waiting: AtomicI64,
}

impl Default for DbMetrics {
    fn default() -> Self {
        DbMetrics {
            query_seconds: Histogram::new(QUERY_BUCKETS),
            waiting: AtomicI64::new(0),
        }
    }
}

impl DbMetrics {
    pub fn observe_query(&self, elapsed: Duration) {
        self.query_seconds.observe(elapsed.as_secs_f64());
    }

    /// Counts the caller as waiting for a connection until the guard drops.
    pub fn waiting(&self) -> Waiting<'_> {
        self.waiting.fetch_add(1, Ordering::Relaxed);
        Waiting(&self.waiting)
    }
}

pub struct Waiting<'a>(&'a AtomicI64);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}
