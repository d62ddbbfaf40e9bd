//! The `plan` stage text:
//!
//! ```text
//! plan @f(%a, %b) {
//!     buf0 8000000 : %t0 %t2
//!     buf1 8000000 output : %t1
//!     %t3 in place of %a
//!     peak 16000000
//!     eager 4 32000000
//!     ; temporaries eliminated: 2, bytes saved: 16000000 (30.5 MiB -> 15.3 MiB)
//! }
//! ```

use super::{BufferPlan, Home, PlanBuf};
use crate::error::{Error, Result};
use crate::expr::graph_text::Lexer;
use std::fmt;

/// `512 B`, `7.8 KiB`, `76.3 MiB`.
pub fn human_bytes(b: usize) -> String {
    match b {
        b if b < 1 << 10 => format!("{b} B"),
        b if b < 1 << 20 => format!("{:.1} KiB", b as f64 / 1024.0),
        b if b < 1 << 30 => format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64),
        b => format!("{:.2} GiB", b as f64 / (1u64 << 30) as f64),
    }
}

/// Writes a plan in its text form.
pub fn write_plan(f: &mut fmt::Formatter<'_>, p: &BufferPlan) -> fmt::Result {
    let names: Vec<String> = p.inputs.iter().map(|n| format!("%{n}")).collect();
    writeln!(f, "plan @f({}) {{", names.join(", "))?;
    for (i, b) in p.bufs.iter().enumerate() {
        write!(f, "    buf{i} {}{} :", b.bytes, if b.output { " output" } else { "" })?;
        for t in &b.tmps {
            write!(f, " %t{t}")?;
        }
        writeln!(f)?;
    }
    for (t, h) in p.homes.iter().enumerate() {
        if let Home::Input(k) = h {
            writeln!(f, "    %t{t} in place of %{}", p.inputs[*k as usize])?;
        }
    }
    writeln!(f, "    peak {}", p.peak_bytes)?;
    writeln!(f, "    eager {} {}", p.eager_arrays, p.eager_bytes)?;
    writeln!(
        f,
        "    ; temporaries eliminated: {}, bytes saved: {} ({} -> {})",
        p.temporaries_eliminated(),
        p.bytes_saved(),
        human_bytes(p.eager_bytes),
        human_bytes(p.planned_bytes())
    )?;
    writeln!(f, "}}")
}

fn tmp_index(lx: &mut Lexer) -> Result<u32> {
    let v = lx.value()?;
    v.strip_prefix('t')
        .and_then(|n| n.parse::<u32>().ok())
        .ok_or_else(|| Error::Parse(format!("expected a temporary like '%t0', found '%{v}'")))
}

/// Parses the `plan` text form.
pub fn parse_plan(text: &str) -> Result<BufferPlan> {
    let mut lx = Lexer::new(text)?;
    lx.expect_kw("plan")?;
    lx.global()?;
    lx.expect('(')?;
    let mut inputs = vec![];
    while !lx.eat(')') {
        if !inputs.is_empty() {
            lx.expect(',')?;
        }
        inputs.push(lx.value()?);
    }
    lx.expect('{')?;
    let mut bufs: Vec<PlanBuf> = vec![];
    let mut inplace: Vec<(u32, u32)> = vec![];
    let (mut peak, mut eager) = (None, None);
    while !lx.eat('}') {
        if lx.at_value() {
            let t = tmp_index(&mut lx)?;
            lx.expect_kw("in")?;
            lx.expect_kw("place")?;
            lx.expect_kw("of")?;
            let name = lx.value()?;
            let k = inputs
                .iter()
                .position(|n| *n == name)
                .ok_or_else(|| Error::Parse(format!("'%{name}' is not an input of the plan")))?;
            inplace.push((t, k as u32));
            continue;
        }
        let kw = lx.ident()?;
        match kw.as_str() {
            "peak" => peak = Some(lx.usize()?),
            "eager" => eager = Some((lx.usize()?, lx.usize()?)),
            b if b.starts_with("buf") => {
                let idx: usize = b[3..]
                    .parse()
                    .map_err(|_| Error::Parse(format!("bad buffer name '{b}'")))?;
                if idx != bufs.len() {
                    return Err(Error::Parse(format!("expected buf{}, found {b}", bufs.len())));
                }
                let bytes = lx.usize()?;
                let output = lx.eat_kw("output");
                lx.expect(':')?;
                let mut tmps = vec![];
                while lx.at_value() {
                    tmps.push(tmp_index(&mut lx)?);
                }
                bufs.push(PlanBuf { bytes, tmps, output });
            }
            other => return Err(Error::Parse(format!("unexpected '{other}' in a plan"))),
        }
    }
    let n = bufs
        .iter()
        .flat_map(|b| b.tmps.iter())
        .chain(inplace.iter().map(|(t, _)| t))
        .map(|&t| t as usize + 1)
        .max()
        .unwrap_or(0);
    let mut homes = vec![None; n];
    for (b, buf) in bufs.iter().enumerate() {
        for &t in &buf.tmps {
            homes[t as usize] = Some(Home::Buf(b as u32));
        }
    }
    for &(t, k) in &inplace {
        if homes[t as usize].replace(Home::Input(k)).is_some() {
            return Err(Error::Parse(format!("%t{t} has two homes")));
        }
    }
    let homes = homes
        .into_iter()
        .enumerate()
        .map(|(t, h)| h.ok_or_else(|| Error::Parse(format!("%t{t} has no home"))))
        .collect::<Result<Vec<_>>>()?;
    let (eager_arrays, eager_bytes) = eager.ok_or_else(|| Error::Parse("plan without 'eager' line".into()))?;
    Ok(BufferPlan {
        bufs,
        homes,
        peak_bytes: peak.ok_or_else(|| Error::Parse("plan without 'peak' line".into()))?,
        eager_arrays,
        eager_bytes,
        inputs,
    })
}
