//! The memory pool of a session with `[engine] memory_limit_mb`: DataFusion's fair spilling
//! pool, with the largest consumers named when the limit is hit, and the buffers of
//! `RepartitionExec` kept outside the limit.
//!
//! Why outside: in DataFusion 55.2, a `RepartitionExec` that cannot reserve memory for a batch
//! spills it to a pool of files, and when two of its inputs spill at once its reader can wait
//! for a batch that sits in the other file, while the writers wait for the reader: every worker
//! parks and the query never returns (apache/datafusion#24883, fixed upstream by #24891, not in
//! the release joblake builds on). A 10M-posting refresh under `memory_limit_mb = 3072` hung
//! that way in the openings model, and the issue's own query hangs every time in a joblake
//! session limited to 2 MB (`tests/it/cli.rs`). A repartition's buffers are a few
//! batches per partition pair in flight (its channels close a gate when every one holds data),
//! the bound DataFusion had before repartitions spilled; the sorts, aggregations and joins
//! that hold the large state stay under the limit and spill as before.

use std::fmt;
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use deltalake::datafusion::common::Result;
use deltalake::datafusion::execution::memory_pool::{
    FairSpillPool, MemoryConsumer, MemoryLimit, MemoryPool, MemoryReservation, TrackConsumersPool,
};

/// Consumers named when the limit is hit.
const TOP_CONSUMERS: NonZeroUsize = NonZeroUsize::new(5).expect("five is not zero");

/// The pool of a session limited to `bytes`.
pub(super) fn limited_pool(bytes: usize) -> Arc<dyn MemoryPool> {
    // Fair: each spilling operator gets an equal share, so one sort cannot starve the others;
    // the tracker names the top consumers when the limit is hit.
    Arc::new(RepartitionOutside {
        inner: TrackConsumersPool::new(FairSpillPool::new(bytes), TOP_CONSUMERS),
        outside: AtomicUsize::new(0),
    })
}

/// A pool that grants `RepartitionExec`'s channel reservations without a limit (counted in
/// `outside`) and passes every other consumer to `inner`.
#[derive(Debug)]
struct RepartitionOutside<P> {
    inner: P,
    outside: AtomicUsize,
}

/// The reservations of a repartition's output channels (`RepartitionExec[3]`): the spillable
/// ones, whose failure to grow sends a batch to the spill pool.
fn is_repartition_channel(consumer: &MemoryConsumer) -> bool {
    consumer.can_spill() && consumer.name().starts_with("RepartitionExec[")
}

impl<P: MemoryPool> MemoryPool for RepartitionOutside<P> {
    fn name(&self) -> &str {
        "RepartitionOutside"
    }

    fn register(&self, consumer: &MemoryConsumer) {
        if !is_repartition_channel(consumer) {
            self.inner.register(consumer);
        }
    }

    fn unregister(&self, consumer: &MemoryConsumer) {
        if !is_repartition_channel(consumer) {
            self.inner.unregister(consumer);
        }
    }

    fn grow(&self, reservation: &MemoryReservation, additional: usize) {
        if is_repartition_channel(reservation.consumer()) {
            self.outside.fetch_add(additional, Ordering::Relaxed);
        } else {
            self.inner.grow(reservation, additional);
        }
    }

    fn shrink(&self, reservation: &MemoryReservation, shrink: usize) {
        if is_repartition_channel(reservation.consumer()) {
            self.outside.fetch_sub(shrink, Ordering::Relaxed);
        } else {
            self.inner.shrink(reservation, shrink);
        }
    }

    fn try_grow(&self, reservation: &MemoryReservation, additional: usize) -> Result<()> {
        if is_repartition_channel(reservation.consumer()) {
            self.outside.fetch_add(additional, Ordering::Relaxed);
            Ok(())
        } else {
            self.inner.try_grow(reservation, additional)
        }
    }

    fn reserved(&self) -> usize {
        self.inner.reserved() + self.outside.load(Ordering::Relaxed)
    }

    fn memory_limit(&self) -> MemoryLimit {
        self.inner.memory_limit()
    }
}

impl<P: MemoryPool> fmt::Display for RepartitionOutside<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (repartition buffers outside it: {} bytes)",
            self.inner,
            self.outside.load(Ordering::Relaxed)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repartition_channels_grow_past_the_limit_and_every_other_consumer_does_not() {
        let pool = limited_pool(1024);
        let channel = MemoryConsumer::new("RepartitionExec[0]")
            .with_can_spill(true)
            .register(&pool);
        let sorter = MemoryConsumer::new("ExternalSorter[0]")
            .with_can_spill(true)
            .register(&pool);
        let merge = MemoryConsumer::new("RepartitionExec[Merge 0]").register(&pool);
        channel.try_grow(1 << 20).expect("a channel is not limited");
        assert!(sorter.try_grow(2048).is_err(), "a sort is limited");
        assert!(merge.try_grow(2048).is_err(), "a merge is limited");
        sorter.try_grow(512).expect("within the limit");
        assert_eq!(pool.reserved(), (1 << 20) + 512);
        channel.shrink(1 << 19);
        assert_eq!(pool.reserved(), (1 << 19) + 512);
        drop(channel);
        drop(sorter);
        assert_eq!(pool.reserved(), 0);
    }
}
