//! The reader's hot path in memory: the chapter body cache (hit, miss, and an
//! insert that evicts), as every chapter request consults it.
//! Run: `cargo bench --bench reader`.

use std::hint::black_box;

use bytes::Bytes;
use criterion::{Criterion, criterion_group, criterion_main};
use trajet::reader::cache::BodyCache;

/// (title, spine index), the shape of a chapter key.
type Key = (u64, u32);

fn body_cache(c: &mut Criterion) {
    let chapter = Bytes::from(vec![b'x'; 30 * 1024]);
    // 64 MiB, the default budget, filled with ~2,000 chapters of 30 KB.
    let cache: BodyCache<Key> = BodyCache::new(64 << 20);
    let keys: Vec<Key> = (0..2_000u64).map(|i| (i / 20, (i % 20) as u32)).collect();
    for key in &keys {
        cache.insert(*key, chapter.clone());
    }
    let mut group = c.benchmark_group("body_cache");
    let mut next = keys.iter().cycle();
    group.bench_function("hit", |b| {
        b.iter(|| cache.get(black_box(next.next().expect("cycle"))))
    });
    group.bench_function("miss", |b| b.iter(|| cache.get(black_box(&(99_999, 0)))));
    let mut fresh = 1_000_000u64;
    group.bench_function("insert_evicting", |b| {
        b.iter(|| {
            fresh += 1;
            cache.insert((fresh, 0), chapter.clone());
        })
    });
    group.finish();
}

criterion_group!(benches, body_cache);
criterion_main!(benches);
