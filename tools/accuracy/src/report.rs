//! Per-function statistics, the result rows and the Markdown table.

use crate::inputs::*;
use std::fmt::Write as _;

#[derive(Default)]
pub(crate) struct Stat {
    pub(crate) n: u64,
    pub(crate) max: f64,
    pub(crate) sum: f64,
    pub(crate) worst: String,
    pub(crate) specials: u64,
    pub(crate) special_example: String,
}

impl Stat {
    pub(crate) fn add(&mut self, err: f64, special: bool, what: impl FnOnce() -> String) {
        self.n += 1;
        if special {
            self.specials += 1;
            if self.special_example.is_empty() {
                self.special_example = what();
            }
            return;
        }
        self.sum += err;
        if err > self.max || self.worst.is_empty() {
            self.max = err;
            self.worst = what();
        }
    }
}

pub(crate) fn show(x: f64, fmt: Fmt) -> String {
    match fmt {
        Fmt::F64 => format!("{x:e}"),
        Fmt::F32 => format!("{:e}", x as f32),
    }
}

pub(crate) struct Row {
    pub(crate) name: &'static str,
    pub(crate) fmt: Fmt,
    pub(crate) stat: Stat,
}

pub(crate) fn table(rows: &[Row], reference: &str) -> String {
    let mut s = String::new();
    writeln!(
        s,
        "| function | dtype | max ULP | mean ULP | inputs | special-value mismatches | worst input |"
    )
    .unwrap();
    writeln!(s, "|---|---|---:|---:|---:|---:|---|").unwrap();
    for r in rows {
        let st = &r.stat;
        let ok = st.n - st.specials;
        writeln!(
            s,
            "| {} | {} | {:.3} | {:.4} | {} | {}{} | {} |",
            r.name,
            r.fmt.name(),
            st.max,
            if ok > 0 { st.sum / ok as f64 } else { 0.0 },
            st.n,
            st.specials,
            if st.specials > 0 {
                format!(" (e.g. `{}`)", st.special_example)
            } else {
                String::new()
            },
            if st.max > 0.0 {
                format!("`{}`", st.worst)
            } else {
                "—".to_string()
            }
        )
        .unwrap();
    }
    writeln!(s, "\nReference: {reference}.").unwrap();
    s
}
