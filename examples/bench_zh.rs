//! What Chinese costs, for docs/BENCHMARKS.md: the glossary parse (once per process), translating a
//! question, and a Chinese search against an English one of the same meaning. Not a test; release build:
//!
//! ```sh
//! cargo run --release --example bench_zh
//! ```

use std::time::{Duration, Instant};

use backend_engineering_mcp::content::Skill;
use backend_engineering_mcp::search::{SearchIndex, SearchRequest};
use backend_engineering_mcp::zh::Glossary;

const GLOSSARY: &str = include_str!("../src/zh/glossary.tsv");
const PAIRS: &[(&str, &str)] = &[
    (
        "客户端重试导致重复扣款，如何避免",
        "client retries cause duplicate charges, how to avoid",
    ),
    (
        "如何给 orders 表加索引",
        "how to add an index to the orders table",
    ),
    ("p99 延迟突然变高", "p99 latency suddenly went up"),
    (
        "数据库连接池应该设置多少合适?",
        "how big should the database connection pool be",
    ),
    (
        "缓存与数据库双写一致性的问题",
        "keeping the cache and the database consistent on writes",
    ),
    (
        "分布式事务一致性解决方案",
        "distributed transaction consistency solutions",
    ),
    (
        "MySQL读写分离，写入后读不到最新数据",
        "MySQL read replica, cannot read the latest data after a write",
    ),
    (
        "熔断器半开状态是怎么工作的",
        "how does the circuit breaker half-open state work",
    ),
];

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn time<F: FnMut()>(rounds: usize, mut f: F) -> Duration {
    let samples = (0..rounds)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    median(samples)
}

fn main() {
    let parse = time(200, || {
        std::hint::black_box(
            Glossary::parse(GLOSSARY)
                .map(|g| g.entries().len())
                .unwrap_or(0),
        );
    });
    let glossary = Glossary::get();
    let translate = time(2_000, || {
        for (zh, _) in PAIRS {
            std::hint::black_box(glossary.translate(zh));
        }
    }) / PAIRS.len() as u32;
    let index = SearchIndex::build(Skill::get()).expect("index");
    let search = |q: &str| {
        std::hint::black_box(
            index
                .search(&SearchRequest {
                    query: q.to_string(),
                    ..Default::default()
                })
                .map(|r| r.hits.len())
                .unwrap_or(0),
        );
    };
    let zh = time(200, || PAIRS.iter().for_each(|(q, _)| search(q))) / PAIRS.len() as u32;
    let en = time(200, || PAIRS.iter().for_each(|(_, q)| search(q))) / PAIRS.len() as u32;
    println!("glossary entries:            {}", glossary.entries().len());
    println!(
        "embedded bytes: glossary {} B, SKILL.zh.md {} B",
        GLOSSARY.len(),
        Skill::get().skill_md_zh.text.len()
    );
    println!("glossary parse (once):       {parse:?}");
    println!("translate one question:      {translate:?}");
    println!("search, Chinese question:    {zh:?}");
    println!("search, English equivalent:  {en:?}");
}
