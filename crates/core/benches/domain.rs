//! Micro-benchmarks of the domain rules that run on every request: stage-move decisions with
//! their criteria, board column totals, money parsing and certainty support.
//! `cargo bench -p opportune-core` measures; `cargo test --benches` runs each once (CI).

use criterion::{Criterion, criterion_group, criterion_main};
use opportune_core::board::{ColumnTotals, grand_total};
use opportune_core::process::{CriteriaMode, MoveRequest, StageGate, decide_move, unmet_criteria};
use opportune_core::{Money, certainty};
use std::collections::HashSet;
use std::hint::black_box;

fn criteria(c: &mut Criterion) {
    let criteria: Vec<i64> = (1..=8).collect();
    let ticked: HashSet<i64> = [1, 2, 3, 5, 8].into_iter().collect();
    c.bench_function("unmet_criteria/all_of_8", |b| {
        b.iter(|| {
            unmet_criteria(
                black_box(CriteriaMode::All),
                black_box(&criteria),
                black_box(&ticked),
            )
        });
    });
    // A jump over three stages, each with the eight criteria.
    let gates: Vec<StageGate> = (2..=4)
        .map(|stage_id| StageGate {
            stage_id,
            mode: CriteriaMode::All,
            criteria: &criteria,
        })
        .collect();
    c.bench_function("decide_move/jump_3_stages_override", |b| {
        b.iter(|| {
            decide_move(black_box(&MoveRequest {
                is_open: true,
                same_process: true,
                from_position: 1,
                to_position: 4,
                gates: &gates,
                ticked: &ticked,
                override_reason: Some("客户口头确认"),
            }))
        });
    });
}

fn board(c: &mut Criterion) {
    let sums: Vec<(i64, Money, u8)> = (0..6)
        .map(|i| {
            (
                1_000 + i * 37,
                Money::from_minor(12_345_678_900 + i * 1_000),
                [5, 10, 25, 50, 90, 100][i as usize],
            )
        })
        .collect();
    c.bench_function("board/column_totals_6_stages", |b| {
        b.iter(|| {
            let cols: Vec<ColumnTotals> = black_box(&sums)
                .iter()
                .map(|(n, m, p)| ColumnTotals::from_sum(*n, *m, *p))
                .collect();
            grand_total(&cols)
        });
    });
}

fn parsing(c: &mut Criterion) {
    c.bench_function("money/parse_grouped", |b| {
        b.iter(|| Money::parse(black_box("1,250,000.50")));
    });
    let bits = certainty::evidence_from_levels(&[10, 20, 30, 40, 60]).unwrap_or_default();
    c.bench_function("certainty/is_unsupported", |b| {
        b.iter(|| certainty::is_unsupported(black_box(60), black_box(bits)));
    });
}

criterion_group!(benches, criteria, board, parsing);
criterion_main!(benches);
