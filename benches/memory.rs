//! Memory (issue #6): bytes per cached grant, measured with a counting global
//! allocator, and the peak resident memory of opening a file of 1,000,000 grants
//! and answering the first call (VmHWM). `cargo bench --bench memory`.
//! (SQLite's own page cache is allocated by SQLite, not Rust: the peak RSS
//! figure includes it, the per-grant figure is the engine's cache alone.)

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use futures::executor::block_on;
use miniapp_auth::{AuthEngine, Caller};

mod support;

struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

use support::{AllowAll, FILL_SCOPES as SCOPES};

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// In a fresh process: open the file, answer the first call, print peak RSS.
fn open_only(path: &str) {
    let engine = AuthEngine::open(path.to_string(), Arc::new(AllowAll), None).unwrap();
    assert!(block_on(engine.authorize(Caller::new("me", "wxMem"), "scope.record".into())).ok);
    println!("{}", peak_rss_kib());
}

/// Peak RSS (KiB) of a fresh process opening `path` and answering one call.
fn peak_of_open(path: &str) -> u64 {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--open-only", path])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--list") {
        return;
    }
    if let Some(i) = args.iter().position(|a| a == "--open-only") {
        return open_only(&args[i + 1]);
    }
    let max: u64 = std::env::var("MINIAPP_AUTH_BENCH_MAX_GRANTS")
        .ok()
        .and_then(|m| m.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().unwrap();

    // Bytes per cached grant: 1,000 namespaces of 8 decided scopes each.
    let path = dir.path().join("cache.db").display().to_string();
    {
        let engine = AuthEngine::open(path.clone(), Arc::new(AllowAll), None).unwrap();
        for u in 0..1000 {
            for scope in SCOPES {
                engine
                    .set_grant(
                        format!("user{u}"),
                        "wxMem".into(),
                        None,
                        scope.into(),
                        u % 2 == 0,
                    )
                    .unwrap();
            }
        }
    }
    let engine = AuthEngine::open(path, Arc::new(AllowAll), None).unwrap();
    let before = LIVE.load(Ordering::Relaxed);
    for u in 0..1000 {
        block_on(engine.get_setting(Caller::new(&format!("user{u}"), "wxMem"), false));
    }
    // Answers were dropped; what stays is the cache (namespaces and agreements).
    let cached = LIVE.load(Ordering::Relaxed).saturating_sub(before);
    println!(
        "memory: {} bytes per cached grant ({cached} bytes for 8,000 grants in 1,000 namespaces)",
        cached / 8000
    );
    drop(engine);

    // Peak resident memory of opening a file of `max` grants, beside an empty one,
    // each in a fresh process.
    let file_with = |n: u64, name: &str| {
        let path = dir.path().join(name).display().to_string();
        support::file_with_grants(&path, &Caller::new("me", "wxMem"), n);
        path
    };
    let empty = peak_of_open(&file_with(0, "empty.db"));
    let big = peak_of_open(&file_with(max, "big.db"));
    println!(
        "memory: peak RSS of a fresh process opening a file and answering the first call: {big} KiB with {max} grants, {empty} KiB with none"
    );
}
