//! Peak heap of `review_schema`, counted by a counting allocator (bytes, not time): the review keeps
//! what later passes need (the catalog, the findings), not every statement's syntax tree, so its peak
//! grows with the input at a small constant, long `DEFAULT` chains included (each chain's tree is
//! several hundred bytes per term, alive only while its statement is replayed).
//!
//! One test in this file on purpose: the counter is process-wide, and the harness runs the tests of a
//! file on several threads.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use backend_engineering_mcp::decide::schema::{ReviewSchemaInput, review_schema};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwards the caller's layout to the system allocator unchanged.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as GlobalAlloc::realloc, forwarded.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                let now = LIVE.fetch_add(new_size - layout.size(), Ordering::Relaxed)
                    + (new_size - layout.size());
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Heap bytes the review needed at its peak beyond what was live before it (the input included).
fn peak_of(input: &ReviewSchemaInput) -> usize {
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let out = review_schema(input);
    let peak = PEAK.load(Ordering::Relaxed);
    assert!(out.is_ok(), "{:?}", out.err());
    drop(out);
    peak.saturating_sub(base)
}

/// Tables whose columns default to `1+1+...`: 1,200 terms per column, like the hostile input.
fn default_chains(bytes: usize) -> String {
    let chain = "1".to_string() + &"+1".repeat(1_199);
    let mut s = String::new();
    let mut k = 0;
    while s.len() < bytes {
        s.push_str(&format!(
            "CREATE TABLE public.c{k} (id bigint PRIMARY KEY, a int DEFAULT {chain});\n"
        ));
        k += 1;
    }
    s
}

/// A pg_dump-shaped schema: each table with its key, indexes and foreign keys, as separate statements.
fn dump(bytes: usize) -> String {
    let mut s =
        String::from("CREATE TABLE public.accounts (id bigint NOT NULL, name text NOT NULL);\n");
    let mut k = 0;
    while s.len() < bytes {
        s.push_str(&format!(
            "CREATE TABLE public.t{k} (\n    id bigint NOT NULL,\n    account_id bigint NOT NULL,\n    \
             name text NOT NULL,\n    email character varying(255),\n    status smallint DEFAULT 0 NOT NULL,\n    \
             created_at timestamp with time zone DEFAULT now() NOT NULL\n);\n\
             ALTER TABLE ONLY public.t{k} ADD CONSTRAINT t{k}_pkey PRIMARY KEY (id);\n\
             CREATE UNIQUE INDEX t{k}_email_key ON public.t{k} USING btree (account_id, email);\n\
             CREATE INDEX t{k}_created_idx ON public.t{k} USING btree (account_id, created_at);\n\
             ALTER TABLE ONLY public.t{k} ADD CONSTRAINT t{k}_account_fkey FOREIGN KEY (account_id) \
             REFERENCES public.accounts(id);\n"
        ));
        k += 1;
    }
    s
}

#[test]
fn peak_heap_grows_with_the_input_at_a_small_constant() {
    let migration = "SET lock_timeout = '5s';\nALTER TABLE public.t0 ADD COLUMN note text;\n";
    for (what, make) in [
        ("DEFAULT chains", default_chains as fn(usize) -> String),
        ("pg_dump-shaped schema", dump),
    ] {
        let mut peaks = Vec::new();
        for bytes in [256 * 1024, 512 * 1024] {
            let schema = make(bytes);
            let len = schema.len();
            let input = ReviewSchemaInput {
                schema: Some(schema),
                migration: Some(migration.to_string()),
                ..Default::default()
            };
            let peak = peak_of(&input);
            // Before the review kept one syntax tree at a time, 1 MiB of these DEFAULT chains peaked at
            // 383 MiB RSS and a 4 MiB dump at 396 MiB (release build, docs/BENCHMARKS.md).
            assert!(
                peak <= 40 * len,
                "{what}, {len} bytes: peak heap {peak} bytes, over 40 bytes per input byte"
            );
            peaks.push(peak);
        }
        let (a, b) = (peaks[0], peaks[1]);
        assert!(
            b * 10 <= a * 23,
            "{what}: peak heap grew from {a} to {b} bytes when the input doubled"
        );
    }
}
