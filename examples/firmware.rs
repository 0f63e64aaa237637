//! An engine held the way firmware holds it: in static storage, built in
//! `const` context, used without a heap, with one fixed buffer set aside
//! for persistence.
//!
//! On a microcontroller the engine would sit in a `static` guarded by a
//! critical section (for instance the `critical-section` crate's
//! `Mutex<RefCell<SmallEngine>>`, borrowed inside its `with`). That crate
//! is not a dependency here, so this example stands a `thread_local!` with
//! a `const` initializer in for it: one execution context, a `RefCell`
//! checked at run time, no lock. [`with_engine`] is the only place that
//! knows which one is used; the code that drives the engine is the same.
//!
//! The claim "no allocation" is checked, not assumed: a counting global
//! allocator records every heap allocation, and `main` asserts that none
//! happened while the engine was built, driven and persisted. (Printing
//! does allocate, so it happens after the count is taken.)
//!
//! Run it with `cargo run --example firmware`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};

use imbot_like::{
    Action, AppId, BotId, ChatId, LikeError, LikeRequest, MessageId, SmallEngine, UserId,
    UserLikeRequest,
};

thread_local! {
    /// The engine: about 11 KiB, all of it in static storage. `const`
    /// initialization runs at compile time, so nothing is built or
    /// allocated when it is first touched.
    static ENGINE: RefCell<SmallEngine> = const { RefCell::new(SmallEngine::new()) };

    /// The persistence area: on a device, a page of flash or of
    /// battery-backed RAM.
    static PERSIST: RefCell<[u8; PERSIST_BYTES]> = const { RefCell::new([0; PERSIST_BYTES]) };
}

/// Size of the persistence area.
const PERSIST_BYTES: usize = 512;

/// One persisted record: a message id (8 bytes) and its like count (2).
const RECORD_BYTES: usize = 10;

/// Runs `f` with the engine borrowed mutably: the one function to change
/// when the engine moves behind a critical section.
fn with_engine<R>(f: impl FnOnce(&mut SmallEngine) -> R) -> R {
    ENGINE.with_borrow_mut(f)
}

/// An id from a literal the example knows is valid.
fn user(id: u32) -> UserId {
    UserId::new(id).expect("a non-zero user id")
}

/// The device's world: one bot of the firmware's own application, one
/// chat with three people, two messages.
fn set_up(e: &mut SmallEngine) -> Result<(), Box<dyn std::error::Error>> {
    let bot = BotId::new(39).ok_or("bot id")?;
    let chat = ChatId::new(7).ok_or("chat id")?;
    e.register_bot(bot, APP)?;
    e.open_chat(chat, &[user(1), user(2), user(3), bot.user()])?;
    e.post_message(message(100), chat, user(1))?;
    e.post_message(message(101), chat, user(2))?;
    Ok(())
}

/// The firmware's own application handle.
const APP: AppId = AppId(1);

/// A message id from a literal the example knows is valid.
fn message(id: u64) -> MessageId {
    MessageId::new(id).expect("a message id in range")
}

/// What happened while the engine ran: answers kept as plain values, so
/// nothing is printed (or allocated) until the run is over.
#[derive(Debug, Default)]
struct Run {
    likes_set: usize,
    refused: Option<LikeError>,
    persisted: usize,
}

/// Drives the engine: a few likes from people and from the bot, one
/// refused request, then the persistence step.
fn run(e: &mut SmallEngine) -> Run {
    let mut run = Run::default();
    for (who, id) in [(2, 100), (3, 100), (1, 101), (3, 101)] {
        let request = UserLikeRequest::new(user(who), message(id)).action(Action::Plus);
        if e.like_as_user(&request).is_ok() {
            run.likes_set += 1;
        }
    }
    // BOT_ID omitted: the application owns exactly one bot (rule L2).
    if e.like(&LikeRequest::new(message(100)).app(APP)).is_ok() {
        run.likes_set += 1;
    }
    // User 2 already likes message 100: rule L8, nothing changes.
    let again = UserLikeRequest::new(user(2), message(100)).action(Action::Plus);
    run.refused = e.like_as_user(&again).err();
    run.persisted = PERSIST.with_borrow_mut(|area| persist(e, area));
    run
}

/// The persistence spot. A snapshot of the whole engine, from which it
/// could be restored after a reset, would be written into `area` here
/// (this crate keeps such a format in its `snapshot` module, in versions
/// that have one). This example stores what the public queries give:
/// each message's id and like count, as fixed-size little-endian records.
/// Returns the number of records written; messages that do not fit are
/// left out.
fn persist(e: &SmallEngine, area: &mut [u8]) -> usize {
    let records = area.chunks_exact_mut(RECORD_BYTES);
    let messages = e.messages().map(|(id, _)| id);
    let mut written = 0;
    for (record, id) in records.zip(messages) {
        let count = e.like_count(id).unwrap_or(0);
        let count = u16::try_from(count).unwrap_or(u16::MAX);
        let (id_bytes, count_bytes) = record.split_at_mut(8);
        id_bytes.copy_from_slice(&id.get().to_le_bytes());
        count_bytes.copy_from_slice(&count.to_le_bytes());
        written += 1;
    }
    written
}

/// Reads the records back, as the device would after a reset.
fn read_back(area: &[u8], records: usize) -> Vec<(u64, u16)> {
    area.chunks_exact(RECORD_BYTES)
        .take(records)
        .map(|record| {
            let (id, count) = record.split_at(8);
            let id = u64::from_le_bytes(id.try_into().expect("8 bytes"));
            let count = u16::from_le_bytes(count.try_into().expect("2 bytes"));
            (id, count)
        })
        .collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    with_engine(set_up)?;
    let run = with_engine(run);
    let allocations = ALLOCATIONS.load(Ordering::Relaxed) - before;

    println!(
        "engine: {} bytes of static storage, persistence area: {PERSIST_BYTES} bytes",
        size_of::<SmallEngine>()
    );
    println!("likes set: {}", run.likes_set);
    if let Some(refused) = run.refused {
        println!(
            "refused: {} (rule L{}, wire code {})",
            refused,
            refused.rule(),
            refused.code().as_str()
        );
    }
    let mut records = PERSIST.with_borrow(|area| read_back(area, run.persisted));
    records.sort_unstable();
    for (id, count) in &records {
        println!("persisted: message {id} has {count} likes");
    }
    println!("heap allocations while the engine ran: {allocations}");

    assert_eq!(allocations, 0, "the engine must not allocate");
    assert_eq!(run.likes_set, 5);
    assert_eq!(run.refused, Some(LikeError::AlreadyLiked));
    assert_eq!(records, [(100, 3), (101, 2)]);
    Ok(())
}

/// Counts heap allocations, so `main` can check that the engine made none.
/// Only a desktop check: firmware built on this crate has no allocator.
struct CountingAllocator;

/// Heap allocations so far.
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator, which
// upholds `GlobalAlloc`'s contract; the counter has no effect on memory.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller's guarantees about `layout` are passed on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc` above, that is from `System`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;
