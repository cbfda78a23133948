//! Criterion benches on the exchange-core mix: the matching core and the full engine.

mod mix;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use skyx_engine::Engine;
use std::hint::black_box;

fn benches(c: &mut Criterion) {
    let m = mix::generate(1, 20_000);
    let (envs, start) = mix::envelopes(&m);
    let mut g = c.benchmark_group("mix_20k");
    g.throughput(Throughput::Elements(m.ops.len() as u64));
    g.sample_size(10);
    g.bench_function("core", |b| {
        b.iter_batched(
            || {
                let mut core = mix::Core::new();
                for op in &m.prefill {
                    core.apply(op);
                }
                core
            },
            |mut core| {
                for op in &m.ops {
                    core.apply(op);
                }
                black_box(core.sink.fills)
            },
            BatchSize::LargeInput,
        )
    });
    g.bench_function("engine", |b| {
        b.iter_batched(
            || {
                let mut e = Engine::new();
                e.set_paranoid(false);
                for x in &envs[..start] {
                    e.apply(x);
                }
                e
            },
            |mut e| {
                for x in &envs[start..] {
                    black_box(e.apply(x).len());
                }
                e
            },
            BatchSize::LargeInput,
        )
    });
    g.bench_function("plain", |b| {
        b.iter_batched(
            || {
                let mut p = mix::Plain::default();
                for op in &m.prefill {
                    p.apply(op);
                }
                p
            },
            |mut p| {
                for op in &m.ops {
                    p.apply(op);
                }
                p
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group!(mix_benches, benches);
criterion_main!(mix_benches);
