//! Writes the `loop` stage text (see the module docs of [`crate::loops`]).

use super::{LOp, LoopFunc};
use crate::array::layout::fmt_list;
use std::fmt;

/// Writes a loop function in its text form.
pub fn write_loop(f: &mut fmt::Formatter<'_>, lf: &LoopFunc) -> fmt::Result {
    write!(f, "loop @{}(", lf.name)?;
    for (k, p) in lf.params.iter().enumerate() {
        if k > 0 {
            f.write_str(", ")?;
        }
        write!(f, "%{}: {}{}", p.name, p.dtype, if p.output { " out" } else { "" })?;
    }
    f.write_str(") {\n    dims ")?;
    fmt_list(f, &lf.dims)?;
    f.write_str("\n    strides")?;
    for (k, p) in lf.params.iter().enumerate() {
        write!(f, "{} %{} ", if k > 0 { "," } else { "" }, p.name)?;
        fmt_list(f, &p.strides)?;
    }
    write!(f, "\n    vector {} unroll {}", lf.vector, lf.unroll)?;
    if lf.sched.interleave {
        f.write_str(" interleave")?;
    }
    if lf.sched.fma_sums > 0 {
        write!(f, " fma_sums {}", lf.sched.fma_sums)?;
    }
    f.write_str("\n")?;
    let n = lf.ndims();
    for (v, i) in lf.body.iter().enumerate() {
        f.write_str("    ")?;
        match &i.op {
            LOp::Store(p, a) => write!(f, "store %{}, v{a}", lf.params[*p].name)?,
            LOp::Accum(p, b, a) => write!(f, "accum {b} %{}, v{a}", lf.params[*p].name)?,
            LOp::ArgAccum {
                min,
                index_out,
                value_out,
                v,
                i,
            } => write!(
                f,
                "accum {} %{}, %{}, v{v}, v{i}",
                if *min { "argmin" } else { "argmax" },
                lf.params[*index_out].name,
                lf.params[*value_out].name
            )?,
            op => {
                write!(f, "v{v} = ")?;
                match op {
                    LOp::Load(p) => write!(f, "load %{}", lf.params[*p].name)?,
                    LOp::Index(p) => write!(f, "index %{}", lf.params[*p].name)?,
                    LOp::Const(c) => write!(f, "const {c}")?,
                    LOp::Unary(u, a) => write!(f, "{u} v{a}")?,
                    LOp::Binary(b, x, y) => write!(f, "{b} v{x}, v{y}")?,
                    LOp::Select(c, x, y) => write!(f, "select v{c}, v{x}, v{y}")?,
                    LOp::Cast(a) => write!(f, "cast v{a}")?,
                    LOp::Store(..) | LOp::Accum(..) | LOp::ArgAccum { .. } => unreachable!(),
                }
                write!(f, " : {}", i.ty)?;
            }
        }
        if i.level != n {
            write!(f, " hoist {}", i.level)?;
        }
        if let Some(o) = &lf.sched.outline {
            if o.outlined[v] {
                f.write_str(" outline")?;
            }
            if o.direct[v] {
                f.write_str(" direct")?;
            }
            if let Some(w) = o.sincos[v] {
                write!(f, " sincos v{w}")?;
            }
        }
        f.write_str("\n")?;
    }
    f.write_str("}\n")
}
