//! Target 1: expression strings — token soup, grammar-built expressions and
//! byte mutations of them.

use super::common::*;
use lazyfuse::internals::runtime::ExecOptions;
use lazyfuse::{Array, Expr};
use std::fmt::Write as _;

const NUMBERS: &[&str] = &[
    "0",
    "1",
    "2",
    "3",
    "7",
    "-1",
    "0.5",
    "2.5",
    "-0.0",
    "1e308",
    "1e-320",
    "5e-324",
    "1.7976931348623157e308",
    "3.4e38",
    "127",
    "128",
    "255",
    "256",
    "-129",
    "65536",
    "4294967296",
    "9223372036854775807",
    "-9223372036854775808",
    "9223372036854775808",
    "18446744073709551615",
    "18446744073709551616",
    "170141183460469231731687303715884105727",
    "1_000",
    ".5",
    "5.",
    "nan",
    "inf",
    "True",
    "False",
];

/// Literals the lexer must reject.
const BAD_NUMBERS: &[&str] = &[
    "340282366920938463463374607431768211456",
    "0x10",
    "1e",
    "1__0",
    "1.2.3",
    "08",
];

const BINOPS: &[&str] = &[
    "+", "-", "*", "/", "//", "%", "**", "&", "|", "^", "<<", ">>", "<", "<=", "==", "!=", ">=", ">",
];

const UNARY_FNS: &[&str] = &[
    "negative",
    "positive",
    "invert",
    "bitwise_not",
    "abs",
    "absolute",
    "sign",
    "sqrt",
    "square",
    "reciprocal",
    "exp",
    "exp2",
    "expm1",
    "log",
    "log2",
    "log10",
    "log1p",
    "sin",
    "cos",
    "tan",
    "arcsin",
    "asin",
    "arccos",
    "arctan",
    "sinh",
    "cosh",
    "tanh",
    "arcsinh",
    "arccosh",
    "arctanh",
    "floor",
    "ceil",
    "trunc",
    "rint",
    "isnan",
    "isinf",
    "isfinite",
    "signbit",
    "logical_not",
    "round",
    "around",
    "copy",
    "conj",
    "real",
    "imag",
    "ones_like",
    "zeros_like",
];

const BINARY_FNS: &[&str] = &[
    "add",
    "subtract",
    "multiply",
    "divide",
    "true_divide",
    "floor_divide",
    "mod",
    "remainder",
    "power",
    "pow",
    "equal",
    "less",
    "greater_equal",
    "bitwise_and",
    "bitwise_xor",
    "left_shift",
    "right_shift",
    "maximum",
    "minimum",
    "fmax",
    "fmin",
    "arctan2",
    "atan2",
    "hypot",
    "fmod",
    "copysign",
    "logaddexp",
    "nextafter",
    "logical_and",
    "logical_or",
    "logical_xor",
];

const REDUCTIONS: &[&str] = &[
    "sum", "prod", "min", "max", "amin", "amax", "mean", "var", "std", "any", "all", "argmin", "argmax",
];

const DTYPE_NAMES: &[&str] = &[
    "bool",
    "int8",
    "uint8",
    "int16",
    "uint16",
    "int32",
    "uint32",
    "int64",
    "uint64",
    "float32",
    "float64",
    "f8",
    "<i4",
    "float16",
    "complex128",
    "object",
    "",
];

const HUGE_INTS: &[&str] = &[
    "9223372036854775807",
    "-9223372036854775808",
    "9223372036854775808",
    "-9223372036854775809",
    "18446744073709551616",
    "4611686018427387904",
];

fn small_int(r: &mut Rng) -> String {
    if r.chance(0.1) {
        r.pick(HUGE_INTS).to_string()
    } else {
        (r.below(11) as i64 - 5).to_string()
    }
}

fn slice_part(r: &mut Rng) -> String {
    if r.chance(0.4) {
        String::new()
    } else if r.chance(0.05) {
        "None".into()
    } else {
        small_int(r)
    }
}

fn subscript(r: &mut Rng) -> String {
    let n = r.pick(&[1, 1, 1, 2, 2, 3]);
    let items: Vec<String> = (0..n)
        .map(|_| match r.below(10) {
            0 => "None".into(),
            1 => "...".into(),
            2 | 3 => small_int(r),
            4 => ":".into(),
            5 | 6 => format!("{}:{}", slice_part(r), slice_part(r)),
            _ => format!("{}:{}:{}", slice_part(r), slice_part(r), slice_part(r)),
        })
        .collect();
    format!("[{}]", items.join(", "))
}

fn kwargs(r: &mut Rng) -> String {
    let mut s = String::new();
    for _ in 0..r.below(3) {
        let kw = match r.below(30) {
            0..=2 => {
                let v = match r.below(7) {
                    0 => "None".into(),
                    1 => format!("({}, {})", r.below(4) as i64 - 1, r.below(4) as i64 - 1),
                    2 => format!("({},)", r.below(3)),
                    3 => "()".into(),
                    4 => small_int(r),
                    _ => (r.below(5) as i64 - 2).to_string(),
                };
                format!("axis={v}")
            }
            3 | 4 => format!("keepdims={}", r.pick(&["True", "False", "1", "0", "None", "2"])),
            5 => format!("ddof={}", r.pick(&["0", "1", "2", "-1", "True", "4294967296"])),
            6 => "out=a".into(),
            7 => "dtype='float32'".into(),
            _ => format!("axis={}", r.below(3)),
        };
        s.push_str(", ");
        s.push_str(&kw);
    }
    s
}

fn atom(r: &mut Rng, names: &[String]) -> String {
    match r.below(100) {
        0 => "z".into(),
        1 => r.pick(BAD_NUMBERS).to_string(),
        2..=70 if !names.is_empty() => r.pick(names),
        _ => r.pick(NUMBERS).to_string(),
    }
}

pub(crate) fn expr_text(r: &mut Rng, names: &[String], depth: usize) -> String {
    if depth == 0 || r.chance(0.2) {
        return atom(r, names);
    }
    let d = depth - 1;
    match r.below(14) {
        0 => format!("{}{}", r.pick(&["-", "+", "~", "-", "~"]), expr_text(r, names, d)),
        1..=4 => {
            let op = r.pick(BINOPS);
            let (a, b) = (expr_text(r, names, d), expr_text(r, names, d));
            if r.chance(0.5) {
                format!("({a} {op} {b})")
            } else {
                format!("{a}{op}{b}")
            }
        }
        5 | 6 => format!("{}({})", r.pick(UNARY_FNS), expr_text(r, names, d)),
        7 => format!(
            "{}({}, {})",
            r.pick(BINARY_FNS),
            expr_text(r, names, d),
            expr_text(r, names, d)
        ),
        8 | 9 => format!("{}({}{})", r.pick(REDUCTIONS), expr_text(r, names, d), kwargs(r)),
        10 => format!(
            "{}({}, {}, {})",
            r.pick(&["where", "where", "clip"]),
            expr_text(r, names, d),
            expr_text(r, names, d),
            expr_text(r, names, d)
        ),
        11 => format!("({}){}", expr_text(r, names, d), subscript(r)),
        12 => {
            let x = expr_text(r, names, d);
            match r.below(5) {
                0 => format!("({x}).T"),
                1 => format!("({x}).astype('{}')", r.pick(DTYPE_NAMES)),
                2 => format!("({x}).{}({})", r.pick(REDUCTIONS), kwargs(r).trim_start_matches(", ")),
                3 => format!("({x}).{}", r.pick(&["real", "imag", "shape", "foo"])),
                _ => format!("({x}).{}()", r.pick(&["copy", "sum", "round", "conj"])),
            }
        }
        _ => format!("({})", expr_text(r, names, d)),
    }
}

/// Tokens for the soup and for mutations.
fn token(r: &mut Rng, names: &[String]) -> String {
    match r.below(8) {
        0 => r.pick(NUMBERS).to_string(),
        1 => r.pick(BINOPS).trim().to_string(),
        2 => r
            .pick(&["(", ")", "[", "]", ",", ":", ".", "=", "...", "'", "\"", "None", "T"])
            .to_string(),
        3 => r.pick(UNARY_FNS).to_string(),
        4 => r.pick(REDUCTIONS).to_string(),
        5 => r
            .pick(&[
                "axis=",
                "keepdims=",
                "ddof=",
                "not",
                "and",
                "or",
                "lambda",
                "\n",
                "\t",
                "é",
                "\u{0}",
                "#",
            ])
            .to_string(),
        _ => atom(r, names),
    }
}

/// One to three byte-level edits: insert, delete, replace or duplicate a
/// span, or insert a token. The result is made valid UTF-8 lossily.
pub(crate) fn mutate_bytes(r: &mut Rng, text: &[u8], tokens: &mut dyn FnMut(&mut Rng) -> String) -> Vec<u8> {
    let mut t = text.to_vec();
    for _ in 0..1 + r.below(3) {
        let n = t.len();
        let at = r.below(n + 1);
        let span = (r.below(8) + 1).min(n - at.min(n));
        match r.below(6) {
            0 => {
                let byte = if r.chance(0.2) {
                    r.u64() as u8
                } else {
                    r.pick(b"()[],:.+-*/ 0123456789abcd")
                };
                t.insert(at, byte)
            }
            1 => {
                t.drain(at..at + span);
            }
            2 => {
                let tok = tokens(r);
                t.splice(at..at + span, tok.into_bytes());
            }
            3 => {
                let dup: Vec<u8> = t[at..at + span].to_vec();
                t.splice(at..at, dup);
            }
            4 => {
                let tok = tokens(r);
                t.splice(at..at, tok.into_bytes());
            }
            _ => {
                if at < n {
                    t[at] = r.pick(b"()[],:.=+-*/%<>&|^~ 0123456789abcdabcdabcdTNe_'\n\x7f");
                }
            }
        }
    }
    t
}

fn expression_case(r: &mut Rng, c: &mut Case) -> Result<(), String> {
    let ins = inputs(r);
    let names: Vec<String> = ins.iter().map(|(n, _)| n.clone()).collect();
    let src = match r.below(10) {
        0 => {
            let n = 1 + r.below(20);
            let sep = if r.chance(0.5) { " " } else { "" };
            (0..n).map(|_| token(r, &names)).collect::<Vec<_>>().join(sep)
        }
        1..=3 => {
            let depth = 1 + r.below(6);
            let valid = expr_text(r, &names, depth);
            let names2 = names.clone();
            let bytes = mutate_bytes(r, valid.as_bytes(), &mut |r| token(r, &names2));
            String::from_utf8_lossy(&bytes).into_owned()
        }
        _ => {
            let depth = 1 + r.below(6);
            expr_text(r, &names, depth)
        }
    };
    c.set_input("expression", &src);
    let mut desc = String::new();
    for (n, a) in &ins {
        let _ = write!(desc, "; {n} = {a:?} strides {:?}", a.strides());
    }
    c.input.push_str(&desc);
    let bind: Vec<(&str, &Array)> = ins.iter().map(|(n, a)| (n.as_str(), a)).collect();
    let Ok(e) = Expr::parse(&src, &bind) else {
        return Ok(());
    };
    c.stats.parsed += 1;
    let threads = if r.chance(0.3) { 2 } else { 1 };
    let got = e
        .eval_with(&ExecOptions::default().with_threads(threads))
        .map(|a| vec![a]);
    match lazyfuse::internals::pipeline::build_graph(std::slice::from_ref(&e)) {
        Ok((g, arrays)) => {
            let want = lazyfuse::internals::interp::interpret(&g, &arrays);
            agree(&format!("JIT ({threads} threads)"), &g, &want, &got, c)
        }
        Err(b) => match got {
            Err(j) if j.to_string() == b.to_string() => Ok(()),
            _ => Err(format!("build_graph failed with {b:?} but eval gave {got:?}")),
        },
    }
}

/// Expression strings: token soup, grammar-built expressions and byte
/// mutations of them.
#[test]
fn expression_strings() {
    run("expression_strings", 1, 20000, expression_case);
}
