//! `schedule`: interleaves the unroll slots of a vector main loop, after
//! Cranelift's optimizer and before instruction selection.
//!
//! **Why.** Cranelift's e-graph pass places every pure instruction just
//! before its first use, depth first from the side-effecting skeleton. An
//! unrolled loop body therefore comes out slot after slot: all of slot 0's
//! dependent chain, then all of slot 1's. For a long chain (Horner's rule:
//! ten dependent multiply/adds per element) the out-of-order core's
//! scheduler window then holds few independent chains and the loop runs at
//! latency, not throughput (0.6-0.7 ns per f64 on Zen 4 against 0.45 for
//! the same instructions interleaved). This pass puts the slots side by
//! side: one instruction of each slot in turn.
//!
//! **What moves.** The block's instructions fall into a *prefix* (pure
//! instructions that depend on no load: address arithmetic, the loop
//! counter, splats of invariants), one *component* per slot (everything
//! connected to that slot's loads and stores by data), and the terminator.
//! The new order takes the components round-robin, each in its original
//! order, placing every prefix instruction just before its first use (the
//! rest, the loop counter's step and compare, before the terminator).
//! Data dependencies hold by construction (a component only uses its own
//! values and the prefix). Memory order is kept within a slot; between
//! slots loads and stores move past each other, which is sound because the
//! caller only asks for loops where different slots touch different
//! elements of every array and outputs never partially overlap inputs (the
//! buffer plan writes in place only element for element, `eval_into` goes
//! through a temporary otherwise).
//!
//! **Whether** a loop may be interleaved at all is the `interleave` loop
//! pass's decision (`loops/interleave.rs`, `interleave` in the `loop`
//! text). **When** it is done: only if the interleaved order keeps at most [`MAX_XMM`] vector
//! and [`MAX_GPR`] general registers live at once (counted on the schedule,
//! loop invariants included), or no more than the original order does;
//! otherwise slots are interleaved in pairs, or the block is left alone.
//! Scalar integer code (lane-by-lane division by a magic number, strided
//! gathers with their address arithmetic) needs many general registers per
//! slot and usually stays as it is: interleaved, it spilled. A block with
//! anything else that has side effects (calls, trapping ops) is left alone.

use cranelift_codegen::ir::{Block, Function, Inst, Value, ValueDef};
use std::collections::{HashMap, HashSet};

/// Vector registers the x86-64 backend allocates (xmm0-xmm15).
pub const MAX_XMM: usize = 16;
/// General registers an interleaved loop may keep live: 16 less the stack
/// and frame pointers, less two for the fixed registers of some lowerings
/// (`umulhi` writes rdx:rax, variable shifts take rcx).
pub const MAX_GPR: usize = 12;

/// Interleaves the slots of `block` (see the module docs). `slot_of` gives
/// the unroll slot of every load and store in the block. Returns how many
/// slots run side by side (1: left alone).
pub fn interleave(func: &mut Function, block: Block, slot_of: &HashMap<Inst, usize>) -> usize {
    let insts: Vec<Inst> = func.layout.block_insts(block).collect();
    let Some((&term, body)) = insts.split_last() else {
        return 1;
    };
    if !func.dfg.insts[term].opcode().is_terminator() {
        return 1;
    }
    let pos: HashMap<Inst, usize> = insts.iter().enumerate().map(|(k, &i)| (i, k)).collect();
    let deps: Vec<Vec<usize>> = insts
        .iter()
        .map(|&i| {
            func.dfg
                .inst_values(i)
                .filter_map(|v| match func.dfg.value_def(func.dfg.resolve_aliases(v)) {
                    ValueDef::Result(d, _) => pos.get(&d).copied(),
                    _ => None,
                })
                .collect()
        })
        .collect();

    // Prefix: pure, and depending on the prefix only.
    let mut prefix = vec![false; insts.len()];
    for (k, &i) in body.iter().enumerate() {
        let op = func.dfg.insts[i].opcode();
        let effects = op.can_load()
            || op.can_store()
            || op.is_branch()
            || op.is_terminator()
            || op.is_call()
            || op.is_return()
            || op.can_trap()
            || op.other_side_effects();
        if effects && !slot_of.contains_key(&i) {
            return 1;
        }
        prefix[k] = !effects && func.dfg.inst_results(i).len() == 1 && deps[k].iter().all(|&d| prefix[d]);
    }

    // Components: union along data edges and along each slot's memory ops.
    let mut parent: Vec<usize> = (0..insts.len()).collect();
    fn find(p: &mut [usize], mut x: usize) -> usize {
        while p[x] != x {
            p[x] = p[p[x]];
            x = p[x];
        }
        x
    }
    let mut slot_rep: HashMap<usize, usize> = HashMap::new();
    for (k, &i) in body.iter().enumerate() {
        if prefix[k] {
            continue;
        }
        for &d in &deps[k] {
            if !prefix[d] {
                let (a, b) = (find(&mut parent, k), find(&mut parent, d));
                parent[a] = b;
            }
        }
        if let Some(&s) = slot_of.get(&i) {
            let r = *slot_rep.entry(s).or_insert(k);
            let (a, b) = (find(&mut parent, k), find(&mut parent, r));
            parent[a] = b;
        }
    }
    let mut comps: Vec<Vec<usize>> = vec![];
    let mut comp_of: HashMap<usize, usize> = HashMap::new();
    for k in (0..body.len()).filter(|&k| !prefix[k]) {
        let r = find(&mut parent, k);
        let c = *comp_of.entry(r).or_insert_with(|| {
            comps.push(vec![]);
            comps.len() - 1
        });
        comps[c].push(k);
    }
    if comps.len() < 2 {
        return 1;
    }

    // Prefix instructions go just before their first use in the new order
    // (after their own operands), not all at the top: address arithmetic of
    // late slots would otherwise hold general registers across the whole
    // body.
    let order_for = |group: usize| -> Vec<usize> {
        let mut order = Vec::with_capacity(insts.len());
        let mut placed = vec![false; insts.len()];
        fn place(k: usize, deps: &[Vec<usize>], prefix: &[bool], placed: &mut [bool], order: &mut Vec<usize>) {
            for &d in &deps[k] {
                if prefix[d] && !placed[d] {
                    place(d, deps, prefix, placed, order);
                }
            }
            placed[k] = true;
            order.push(k);
        }
        for g in comps.chunks(group) {
            let longest = g.iter().map(Vec::len).max().unwrap_or(0);
            for step in 0..longest {
                for &k in g.iter().filter_map(|c| c.get(step)) {
                    place(k, &deps, &prefix, &mut placed, &mut order);
                }
            }
        }
        // What only the terminator (or nothing) uses: the loop counter's
        // increment and compare, last.
        for k in 0..body.len() {
            if prefix[k] && !placed[k] {
                place(k, &deps, &prefix, &mut placed, &mut order);
            }
        }
        order.push(insts.len() - 1);
        order
    };
    let escapes = escaping(func, block);
    // Interleaving must not make the loop spill: each register class may
    // hold at most what the machine has, or at most what the original
    // order needs already (spills inside the loop cost more than the
    // latency interleaving hides).
    let original: Vec<usize> = (0..insts.len()).collect();
    let (base_xmm, base_gpr) = (
        pressure(func, block, &insts, &original, &escapes, Class::Xmm),
        pressure(func, block, &insts, &original, &escapes, Class::Gpr),
    );
    let mut group = comps.len();
    let chosen = loop {
        if group < 2 {
            return 1;
        }
        let order = order_for(group);
        let (x, r) = (
            pressure(func, block, &insts, &order, &escapes, Class::Xmm),
            pressure(func, block, &insts, &order, &escapes, Class::Gpr),
        );
        if x <= MAX_XMM.max(base_xmm) && r <= MAX_GPR.max(base_gpr) {
            break order;
        }
        group /= 2;
    };
    for &i in &insts {
        func.layout.remove_inst(i);
    }
    for k in chosen {
        func.layout.append_inst(insts[k], block);
    }
    group
}

/// A register class of x86-64.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    /// xmm0-xmm15: floats and vectors.
    Xmm,
    /// The general registers: integers and pointers.
    Gpr,
}

/// The register class a value lives in.
fn class_of(func: &Function, v: Value) -> Class {
    let t = func.dfg.value_type(v);
    if t.is_vector() || t.is_float() {
        Class::Xmm
    } else {
        Class::Gpr
    }
}

/// Values defined in `block` and used in another block.
fn escaping(func: &Function, block: Block) -> HashSet<Value> {
    func.layout
        .blocks()
        .filter(|&b| b != block)
        .flat_map(|b| func.layout.block_insts(b))
        .flat_map(|i| func.dfg.inst_values(i))
        .map(|v| func.dfg.resolve_aliases(v))
        .filter(
            |&v| matches!(func.dfg.value_def(v), ValueDef::Result(d, _) if func.layout.inst_block(d) == Some(block)),
        )
        .collect()
}

/// Most values of register class `class` live at once when `block` runs
/// its instructions `insts` in `order`: values from outside the block that
/// it uses (live throughout), plus block values from definition to last use
/// (to the end if used in another block). A result may take the register of
/// an operand used for the last time (AVX's three-operand forms).
fn pressure(
    func: &Function,
    block: Block,
    insts: &[Inst],
    order: &[usize],
    escapes: &HashSet<Value>,
    class: Class,
) -> usize {
    let mut live_in: HashSet<Value> = HashSet::new();
    let mut last_use: HashMap<Value, usize> = HashMap::new();
    for (t, &k) in order.iter().enumerate() {
        for v in func.dfg.inst_values(insts[k]) {
            let v = func.dfg.resolve_aliases(v);
            if class_of(func, v) != class {
                continue;
            }
            match func.dfg.value_def(v) {
                ValueDef::Result(d, _) if func.layout.inst_block(d) == Some(block) => {
                    last_use.insert(v, t);
                }
                _ => {
                    live_in.insert(v);
                }
            }
        }
    }
    let mut dies_at = vec![0usize; order.len()];
    let (mut live, mut most) = (0usize, 0usize);
    for (t, &k) in order.iter().enumerate() {
        live -= dies_at[t];
        for &v in func.dfg.inst_results(insts[k]) {
            if class_of(func, v) != class {
                continue;
            }
            live += 1;
            most = most.max(live);
            if escapes.contains(&v) {
                continue;
            }
            match last_use.get(&v) {
                Some(&u) if u > t => dies_at[u] += 1,
                _ => live -= 1,
            }
        }
    }
    most + live_in.len()
}
