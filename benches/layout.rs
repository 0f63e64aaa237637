//! The message table's layout: three fixed-capacity tables from id to row,
//! measured side by side.
//!
//! - `id_table`: the engine's own table (`imbot_like::internals::Table`,
//!   behind the `unstable-internals` feature). Rows sit in one dense vector;
//!   an open-addressing index of 2N `u32` slots, never more than half full,
//!   maps a Fibonacci hash of the id to a row number, probing linearly.
//!   Removal shifts the rest of the probe run back (no tombstones) and moves
//!   the last row into the hole.
//! - `fnv_index_map`: `heapless`'s `FnvIndexMap`, dense entries plus a
//!   robin-hood index of N slots hashed with FNV, so its index is full when
//!   the map is, and its probe lengths grow with the load.
//! - `sorted_vec`: a `heapless::Vec` kept sorted by id and searched by
//!   bisection, whose cost grows with log N and its cache misses.
//!
//! Each holds `(message id, row)` pairs with a small row (`(u32, u32)`, a
//! chat and an author), at capacities N = 256, 4096 and 65 536, and is
//! measured on the operations the engine does on its message table:
//!
//! - `lookup_hit/half` and `lookup_hit/full`: finding a stored id, the work
//!   of every like request and query, with the table at half load (N/2 ids)
//!   and full (N ids).
//! - `insert/append`: storing an id greater than every stored one, the way a
//!   portal's ids grow (a sorted vector appends after one bisection).
//! - `insert/between`: storing an id that lands between stored ones (the
//!   sorted vector shifts the rows after it, O(N)).
//! - `remove`: deleting a stored id picked pseudo-randomly, from a full
//!   table (the sorted vector shifts the rows after it back).
//!
//! Inserts take the table from N − 16 to N rows (near full, where a host
//! that sized its engine tightly runs); each batch of 16 is timed and then
//! removed untimed. Removals take it from N to N − 16 rows; each batch of 16
//! is timed and then inserted again untimed. Ids ascend with pseudo-random
//! gaps, as a portal's ids look to one bot; lookups follow a precomputed
//! pseudo-random sequence (xorshift with a fixed seed). Keys are converted to
//! each table's key type before timing. The tables live in `static`s, filled
//! in place, so no large value is ever built on a stack; after every stage
//! each table is checked against the expected contents.
//!
//! Run with `cargo bench --bench layout --features unstable-internals`;
//! adding `-- --test` runs every case once, as a smoke test.

mod common;

use common::{Rng, SEQ};
use std::collections::HashSet;
use std::hint::black_box;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion, criterion_group, criterion_main};
use heapless::Vec;
use heapless::index_map::FnvIndexMap;
use imbot_like::MessageId;
use imbot_like::internals::Table as IdTable;

/// A small message row: chat and author.
type Row = (u32, u32);

/// The engine's table of `N` rows, with the backing arrays a sizing gives.
type Ids<const N: usize> = IdTable<MessageId, Row, [(MessageId, Row); N], [[u32; 2]; N]>;

static MAP_256: Mutex<FnvIndexMap<u64, Row, 256>> = Mutex::new(FnvIndexMap::new());
static MAP_4096: Mutex<FnvIndexMap<u64, Row, 4096>> = Mutex::new(FnvIndexMap::new());
static MAP_65536: Mutex<FnvIndexMap<u64, Row, 65_536>> = Mutex::new(FnvIndexMap::new());
static VEC_256: Mutex<Vec<(u64, Row), 256>> = Mutex::new(Vec::new());
static VEC_4096: Mutex<Vec<(u64, Row), 4096>> = Mutex::new(Vec::new());
static VEC_65536: Mutex<Vec<(u64, Row), 65_536>> = Mutex::new(Vec::new());
static IDS_256: Mutex<Ids<256>> = Mutex::new(Ids::new());
static IDS_4096: Mutex<Ids<4096>> = Mutex::new(Ids::new());
static IDS_65536: Mutex<Ids<65_536>> = Mutex::new(Ids::new());

/// Ids inserted or removed per timed batch.
const BATCH: usize = 16;

/// What the benchmark needs of a message table.
trait Table {
    const NAME: &'static str;
    /// The table's own key type, built from an id before timing.
    type Key: Copy;
    fn key(id: u64) -> Self::Key;
    /// Stores a new id; the id is absent and the table has room.
    fn put(&mut self, key: Self::Key, row: Row);
    fn find(&self, key: Self::Key) -> Option<&Row>;
    /// Removes a stored id.
    fn take(&mut self, key: Self::Key) -> Option<Row>;
    fn size(&self) -> usize;
}

impl<const N: usize> Table for Ids<N> {
    const NAME: &'static str = "id_table";
    type Key = MessageId;

    fn key(id: u64) -> MessageId {
        MessageId::new(id).expect("valid message id")
    }

    fn put(&mut self, key: MessageId, row: Row) {
        self.insert(key, row).expect("room in the table");
    }

    fn find(&self, key: MessageId) -> Option<&Row> {
        self.get(key)
    }

    fn take(&mut self, key: MessageId) -> Option<Row> {
        self.remove(key).map(|(row, _)| row)
    }

    fn size(&self) -> usize {
        self.len()
    }
}

impl<const N: usize> Table for FnvIndexMap<u64, Row, N> {
    const NAME: &'static str = "fnv_index_map";
    type Key = u64;

    fn key(id: u64) -> u64 {
        id
    }

    fn put(&mut self, key: u64, row: Row) {
        let old = self.insert(key, row).expect("room in the map");
        debug_assert!(old.is_none());
    }

    fn find(&self, key: u64) -> Option<&Row> {
        self.get(&key)
    }

    fn take(&mut self, key: u64) -> Option<Row> {
        self.swap_remove(&key)
    }

    fn size(&self) -> usize {
        self.len()
    }
}

impl<const N: usize> Table for Vec<(u64, Row), N> {
    const NAME: &'static str = "sorted_vec";
    type Key = u64;

    fn key(id: u64) -> u64 {
        id
    }

    fn put(&mut self, key: u64, row: Row) {
        let pos = self
            .binary_search_by_key(&key, |&(k, _)| k)
            .expect_err("id is absent");
        self.insert(pos, (key, row)).expect("room in the vector");
    }

    fn find(&self, key: u64) -> Option<&Row> {
        let pos = self.binary_search_by_key(&key, |&(k, _)| k).ok()?;
        self.get(pos).map(|(_, row)| row)
    }

    fn take(&mut self, key: u64) -> Option<Row> {
        let pos = self.binary_search_by_key(&key, |&(k, _)| k).ok()?;
        Some(self.remove(pos).1)
    }

    fn size(&self) -> usize {
        self.len()
    }
}

/// `n` ascending ids with gaps of 2 to 9, so `id + 1` is never stored.
fn ids(n: usize) -> std::vec::Vec<u64> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut id = 5_000_000_u64;
    (0..n)
        .map(|_| {
            id += rng.next() % 8 + 2;
            id
        })
        .collect()
}

fn row(key: u64) -> Row {
    let low = u32::try_from(key & 0xffff_ffff).expect("masked to 32 bits");
    (low % 1024, low % 4096)
}

/// Ids drawn pseudo-randomly from `keys`, one per lookup.
fn lookups(keys: &[u64], seed: u64) -> std::vec::Vec<u64> {
    let mut rng = Rng(seed);
    (0..SEQ).map(|_| keys[rng.below(keys.len())]).collect()
}

/// `count` distinct ids drawn pseudo-randomly from `keys`, each moved by
/// `offset`.
fn distinct(keys: &[u64], count: usize, offset: u64, seed: u64) -> std::vec::Vec<u64> {
    let mut rng = Rng(seed);
    let mut picked = std::vec::Vec::new();
    let mut taken = HashSet::new();
    while picked.len() < keys.len().min(count) {
        let key = keys[rng.below(keys.len())] + offset;
        if taken.insert(key) {
            picked.push(key);
        }
    }
    picked
}

fn fill<T: Table>(table: &mut T, keys: &[u64]) {
    for &key in keys {
        table.put(T::key(key), row(key));
    }
}

fn drain<T: Table>(table: &mut T, keys: &[u64]) {
    for &key in keys {
        assert_eq!(table.take(T::key(key)), Some(row(key)), "{}", T::NAME);
    }
}

/// Checks that `table` holds exactly `stored`, with their rows, and none of
/// the ids just above them.
fn verify<T: Table>(table: &T, stored: &[u64]) {
    assert_eq!(table.size(), stored.len(), "{}", T::NAME);
    for &key in stored {
        assert_eq!(table.find(T::key(key)), Some(&row(key)), "{}", T::NAME);
        assert_eq!(table.find(T::key(key + 1)), None, "{}", T::NAME);
    }
}

fn configure(group: &mut BenchmarkGroup<'_, WallTime>) {
    group
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(1))
        .sample_size(30);
}

fn bench_lookup<T: Table>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    n: usize,
    table: &T,
    seq: &[u64],
) {
    let seq: std::vec::Vec<T::Key> = seq.iter().copied().map(T::key).collect();
    group.bench_function(BenchmarkId::new(T::NAME, n), |b| {
        let mut i = 0;
        b.iter(|| {
            let key = seq[i];
            i = (i + 1) % SEQ;
            black_box(table.find(black_box(key)).copied())
        });
    });
}

/// Times `timed` on `ids`, `BATCH` at a time, each batch then given to
/// `undo` (untimed) before the next.
fn bench_batches<T: Table>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    n: usize,
    table: &mut T,
    ids: &[u64],
    timed: impl Fn(&mut T, T::Key, Row),
    undo: impl Fn(&mut T, T::Key, Row),
) {
    let keys: std::vec::Vec<(T::Key, Row)> = ids.iter().map(|&id| (T::key(id), row(id))).collect();
    group.bench_function(BenchmarkId::new(T::NAME, n), |b| {
        let mut start = 0;
        b.iter_custom(|iters| {
            let mut elapsed = Duration::ZERO;
            let mut done = 0;
            while done < iters {
                let count = BATCH.min(usize::try_from(iters - done).unwrap_or(BATCH));
                if start + count > keys.len() {
                    start = 0;
                }
                let batch = &keys[start..start + count];
                let clock = Instant::now();
                for &(key, row) in batch {
                    timed(table, key, row);
                }
                elapsed += clock.elapsed();
                for &(key, row) in batch {
                    undo(table, key, row);
                }
                start += count;
                done += u64::try_from(count).expect("count fits u64");
            }
            elapsed
        });
    });
}

/// Times inserting `fresh` ids, each batch removed (untimed) before the next.
fn bench_insert<T: Table>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    n: usize,
    table: &mut T,
    fresh: &[u64],
) {
    let put = |table: &mut T, key, row| table.put(black_box(key), row);
    let take = |table: &mut T, key, _| {
        black_box(table.take(key));
    };
    bench_batches(group, n, table, fresh, put, take);
}

/// Times removing `stored` ids, each batch inserted again (untimed) before
/// the next.
fn bench_remove<T: Table>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    n: usize,
    table: &mut T,
    stored: &[u64],
) {
    let take = |table: &mut T, key, _| {
        black_box(table.take(black_box(key)));
    };
    let put = |table: &mut T, key, row| table.put(key, row);
    bench_batches(group, n, table, stored, take, put);
}

fn bench_size<A: Table, B: Table, C: Table>(
    c: &mut Criterion,
    n: usize,
    ids_table: &mut A,
    map: &mut B,
    vec: &mut C,
) {
    let keys = ids(n);
    let (lower, upper) = keys.split_at(n / 2);
    fill(ids_table, lower);
    fill(map, lower);
    fill(vec, lower);
    verify(ids_table, lower);
    verify(map, lower);
    verify(vec, lower);
    let seed = u64::try_from(n).expect("n fits u64");
    let seq = lookups(lower, seed);
    let mut group = c.benchmark_group("lookup_hit/half");
    configure(&mut group);
    bench_lookup(&mut group, n, ids_table, &seq);
    bench_lookup(&mut group, n, map, &seq);
    bench_lookup(&mut group, n, vec, &seq);
    group.finish();

    fill(ids_table, upper);
    fill(map, upper);
    fill(vec, upper);
    verify(ids_table, &keys);
    verify(map, &keys);
    verify(vec, &keys);
    let seq = lookups(&keys, seed);
    let mut group = c.benchmark_group("lookup_hit/full");
    configure(&mut group);
    bench_lookup(&mut group, n, ids_table, &seq);
    bench_lookup(&mut group, n, map, &seq);
    bench_lookup(&mut group, n, vec, &seq);
    group.finish();

    // Make room for one batch: the greatest ids leave, and come back as the
    // appended batch.
    let (resident, top) = keys.split_at(n - BATCH);
    drain(ids_table, top);
    drain(map, top);
    drain(vec, top);
    let mut group = c.benchmark_group("insert/append");
    configure(&mut group);
    bench_insert(&mut group, n, ids_table, top);
    bench_insert(&mut group, n, map, top);
    bench_insert(&mut group, n, vec, top);
    group.finish();
    verify(ids_table, resident);
    verify(map, resident);
    verify(vec, resident);

    // Distinct ids, each just above a resident one, in pseudo-random order.
    let between = distinct(resident, 1024, 1, seed ^ 0xffff);
    let mut group = c.benchmark_group("insert/between");
    configure(&mut group);
    bench_insert(&mut group, n, ids_table, &between);
    bench_insert(&mut group, n, map, &between);
    bench_insert(&mut group, n, vec, &between);
    group.finish();
    verify(ids_table, resident);
    verify(map, resident);
    verify(vec, resident);

    // Full again; distinct stored ids in pseudo-random order leave.
    fill(ids_table, top);
    fill(map, top);
    fill(vec, top);
    let stored = distinct(&keys, 1024, 0, seed ^ 0xaaaa);
    let mut group = c.benchmark_group("remove");
    configure(&mut group);
    bench_remove(&mut group, n, ids_table, &stored);
    bench_remove(&mut group, n, map, &stored);
    bench_remove(&mut group, n, vec, &stored);
    group.finish();
    verify(ids_table, &keys);
    verify(map, &keys);
    verify(vec, &keys);
}

fn bench_layout(c: &mut Criterion) {
    let mut ids_table = IDS_256.lock().expect("table lock");
    let mut map = MAP_256.lock().expect("map lock");
    let mut vec = VEC_256.lock().expect("vector lock");
    bench_size(c, 256, &mut *ids_table, &mut *map, &mut *vec);
    let mut ids_table = IDS_4096.lock().expect("table lock");
    let mut map = MAP_4096.lock().expect("map lock");
    let mut vec = VEC_4096.lock().expect("vector lock");
    bench_size(c, 4096, &mut *ids_table, &mut *map, &mut *vec);
    let mut ids_table = IDS_65536.lock().expect("table lock");
    let mut map = MAP_65536.lock().expect("map lock");
    let mut vec = VEC_65536.lock().expect("vector lock");
    bench_size(c, 65_536, &mut *ids_table, &mut *map, &mut *vec);
}

criterion_group!(benches, bench_layout);
criterion_main!(benches);
