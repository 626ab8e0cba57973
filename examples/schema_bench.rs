//! Benchmark of `review_schema` on generated pg_dump-shaped schemas of about 100 KB, 1 MiB and 4 MiB:
//! wall time per review (best of 3) and the process's peak resident memory (VmHWM) after each size.
//! Run: `cargo run --profile profiling --example schema_bench` (numbers go in docs/BENCHMARKS.md).

use std::time::Instant;

use backend_engineering_mcp::decide::schema::{ReviewSchemaInput, review_schema};

/// A pg_dump-like schema of at least `bytes` bytes: tables with a sequence, a key, an index and a
/// foreign key to the previous table.
fn schema(bytes: usize) -> String {
    let mut s = String::from("SET statement_timeout = 0;\nSET lock_timeout = 0;\n");
    let mut k = 0usize;
    while s.len() < bytes {
        s.push_str(&format!(
            "CREATE TABLE public.t{k} (\n    id bigint NOT NULL,\n    parent_id bigint,\n    name text NOT NULL,\n    \
             email character varying(255),\n    amount_cents bigint DEFAULT 0 NOT NULL,\n    \
             created_at timestamp with time zone DEFAULT now() NOT NULL\n);\n\n\
             CREATE SEQUENCE public.t{k}_id_seq START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;\n\
             ALTER SEQUENCE public.t{k}_id_seq OWNED BY public.t{k}.id;\n\
             ALTER TABLE ONLY public.t{k} ALTER COLUMN id SET DEFAULT nextval('public.t{k}_id_seq'::regclass);\n\
             ALTER TABLE ONLY public.t{k} ADD CONSTRAINT t{k}_pkey PRIMARY KEY (id);\n\
             CREATE INDEX t{k}_created_at_idx ON public.t{k} USING btree (created_at);\n"
        ));
        if k > 0 {
            s.push_str(&format!(
                "CREATE INDEX t{k}_parent_id_idx ON public.t{k} USING btree (parent_id);\n\
                 ALTER TABLE ONLY public.t{k} ADD CONSTRAINT t{k}_parent_fkey FOREIGN KEY (parent_id) REFERENCES public.t{p}(id);\n\n",
                p = k - 1
            ));
        }
        k += 1;
    }
    s
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
}

fn main() {
    for (label, bytes) in [("100 KB", 100_000), ("1 MiB", 1 << 20), ("4 MiB", 4 << 20)] {
        let ddl = schema(bytes);
        let input = ReviewSchemaInput {
            ddl: Some(ddl.clone()),
            ..Default::default()
        };
        let mut best = f64::MAX;
        let mut findings = 0;
        for _ in 0..3 {
            let t = Instant::now();
            match review_schema(&input) {
                Ok(out) => findings = out.findings.len(),
                Err(e) => {
                    eprintln!("{label}: {e}");
                    return;
                }
            }
            best = best.min(t.elapsed().as_secs_f64());
        }
        println!(
            "{label}: {} bytes, {} statements-ish, review {:.0} ms (best of 3), {findings} findings, peak RSS {} KiB",
            ddl.len(),
            ddl.matches(";\n").count(),
            best * 1000.0,
            peak_rss_kib().map_or("?".to_string(), |v| v.to_string())
        );
    }
}
