//! The lazy front end: promotion with weak scalars, shapes, views on
//! expressions, the string syntax and its errors, and graph text round trips.

use lazyfuse::internals::expr::Graph;
use lazyfuse::{lazy, Array, DType, Error, Expr};

fn arr(dt: DType, shape: &[usize]) -> Array {
    Array::zeros(dt, shape)
}

fn parse(src: &str, inputs: &[(&str, &Array)]) -> Result<Expr, Error> {
    Expr::parse(src, inputs)
}

#[test]
fn weak_scalars_keep_the_array_dtype() {
    let a = arr(DType::F32, &[3]);
    let i = arr(DType::I8, &[3]);
    let b = arr(DType::Bool, &[3]);
    let x = lazy(&a);
    assert_eq!((&x * 2.0).dtype().unwrap(), DType::F32);
    assert_eq!((2 * &x).dtype().unwrap(), DType::F32);
    assert_eq!((lazy(&i) + 1).dtype().unwrap(), DType::I8);
    assert_eq!((lazy(&i) + 1.5).dtype().unwrap(), DType::F64);
    assert_eq!((lazy(&b) + 1).dtype().unwrap(), DType::I64);
    assert_eq!((lazy(&b) + true).dtype().unwrap(), DType::Bool);
    assert_eq!((lazy(&i) / 2).dtype().unwrap(), DType::F64);
    assert_eq!(parse("a < 2", &[("a", &a)]).unwrap().dtype().unwrap(), DType::Bool);
}

#[test]
fn out_of_range_literal_is_an_error() {
    let i = arr(DType::I8, &[3]);
    let e = lazy(&i) + 300;
    let err = e.eval().unwrap_err();
    assert!(err.to_string().contains("300 out of bounds for int8"), "{err}");
    let err = parse("a + 300", &[("a", &i)]).unwrap_err();
    assert!(err.to_string().starts_with("1:3: "), "{err}");
}

#[test]
fn numpy_scalars_from_functions_are_strong() {
    // np.cos(3) is a float64 scalar, not a weak Python float: f32 + it is f64.
    let a = arr(DType::F32, &[3]);
    assert_eq!(parse("a + cos(3)", &[("a", &a)]).unwrap().dtype().unwrap(), DType::F64);
    assert_eq!(
        parse("a + (1 + 2.5)", &[("a", &a)]).unwrap().dtype().unwrap(),
        DType::F32
    );
}

#[test]
fn shapes_broadcast_and_views_compose() {
    let a = arr(DType::F64, &[4, 1]);
    let b = arr(DType::F64, &[3]);
    let e = lazy(&a) + lazy(&b);
    assert_eq!(e.shape().unwrap(), vec![4, 3]);
    assert_eq!(e.t().shape().unwrap(), vec![3, 4]);
    assert_eq!(
        parse("(a + b)[1:, ::-2]", &[("a", &a), ("b", &b)])
            .unwrap()
            .shape()
            .unwrap(),
        vec![3, 2]
    );
    assert_eq!(
        parse("a[None, :, 0]", &[("a", &a)]).unwrap().shape().unwrap(),
        vec![1, 4]
    );
    assert_eq!(
        parse("sum(a + b, axis=0, keepdims=True)", &[("a", &a), ("b", &b)])
            .unwrap()
            .shape()
            .unwrap(),
        vec![1, 3]
    );
    assert_eq!(
        parse("std(a + b, axis=(0, 1), ddof=1)", &[("a", &a), ("b", &b)])
            .unwrap()
            .shape()
            .unwrap(),
        Vec::<usize>::new()
    );
    assert_eq!(
        parse("(a + b).sum(axis=-1)", &[("a", &a), ("b", &b)])
            .unwrap()
            .shape()
            .unwrap(),
        vec![4]
    );
    assert_eq!(
        parse("argmax(a + b)", &[("a", &a), ("b", &b)])
            .unwrap()
            .dtype()
            .unwrap(),
        DType::I64
    );
}

#[test]
fn shape_errors_surface_from_eval_naming_the_op() {
    let a = arr(DType::F64, &[3]);
    let b = arr(DType::F64, &[4]);
    let e = (lazy(&a) * 2.0 + lazy(&b)).sqrt();
    let err = e.eval().unwrap_err();
    assert_eq!(err.to_string(), "shape mismatch in add: [3] vs [4]");
    assert_eq!(e.explain().unwrap_err(), err);
    let err = parse("sqrt(a) + b", &[("a", &a), ("b", &b)]).unwrap_err();
    assert_eq!(err.to_string(), "1:9: shape mismatch in add: [3] vs [4]");
}

#[test]
fn dtype_errors_name_the_op() {
    let f = arr(DType::F64, &[3]);
    let b = arr(DType::Bool, &[3]);
    assert_eq!(
        parse("a & 1", &[("a", &f)]).unwrap_err().to_string(),
        "1:3: and is not supported for dtype f64"
    );
    assert_eq!(
        parse("-a", &[("a", &b)]).unwrap_err().to_string(),
        "1:1: neg is not supported for dtype bool"
    );
    assert!(lazy(&f).astype(DType::I32).shl(lazy(&f)).dtype().is_err());
}

trait Shl {
    fn shl(&self, o: Expr) -> Expr;
}
impl Shl for Expr {
    fn shl(&self, o: Expr) -> Expr {
        self.clone() << o
    }
}

#[test]
fn parse_errors_name_the_position() {
    let a = arr(DType::F64, &[3]);
    let cases = [
        ("a + * 2", "1:5: expected an operand, found '*'"),
        ("a +", "1:4: expected an operand, found end of input"),
        ("(a + 1", "1:7: expected ')', found end of input"),
        ("a b", "1:3: expected an operator or end of input, found 'b'"),
        ("zz + 1", "1:1: unknown name 'zz' (inputs: a)"),
        ("foo(a)", "1:1: unknown function 'foo'"),
        ("sin(a, a)", "1:1: sin() takes 1 positional argument, got 2"),
        (
            "sum(a, axis=1.5)",
            "1:13: axis must be an integer, a tuple of integers or None",
        ),
        ("a[::0]", "1:5: slice step cannot be zero"),
        ("a $ 1", "1:3: unexpected character '$'"),
        ("1 < a < 2", "1:7: chained comparisons are not supported"),
        ("a.astype('float128')", "1:3: unknown dtype 'float128'"),
        (
            "sum(a, axis=3)",
            "1:1: axis 3 is out of bounds for array of dimension 1",
        ),
        ("a[5]", "1:2: index: index 5 is out of bounds for axis 0 with size 3"),
    ];
    for (src, want) in cases {
        let got = parse(src, &[("a", &a)]).err().map(|e| e.to_string());
        assert_eq!(got.as_deref(), Some(want), "for {src:?}");
    }
}

#[test]
fn python_precedence() {
    let a = arr(DType::F64, &[3]);
    // -a**2 is -(a**2); ** is right-associative; 2**-1 is allowed.
    let g = parse("-a**2", &[("a", &a)]).unwrap().to_graph().unwrap().0.to_string();
    assert!(g.contains("square %a") && g.contains("neg %0"), "{g}");
    let g = parse("2**3**2 + a", &[("a", &a)])
        .unwrap()
        .to_graph()
        .unwrap()
        .0
        .to_string();
    assert!(g.contains("const 512"), "{g}");
    assert!(parse("a * 2**-1", &[("a", &a)]).is_ok());
    let g = parse("a + b * c", &[("a", &a), ("b", &a), ("c", &a)])
        .unwrap()
        .to_graph()
        .unwrap()
        .0
        .to_string();
    assert!(g.find("mul").unwrap() < g.find("add").unwrap(), "{g}");
}

#[test]
fn graph_text_round_trips() {
    let a = arr(DType::F64, &[4, 3]);
    let i = arr(DType::I16, &[3]);
    let sources = [
        "2*a + 3*a*a - a/4 + 1",
        "where(a > 0.5, a * i, -a)",
        "sum(a ** 2, axis=1, keepdims=True) + std(a, ddof=1)",
        "argmax(a, axis=0) + argmin(a)",
        "a.T[::-1, 1:] + (i.astype('float32') // 3)[None, :].T[0:1]",
        "clip(i, -3, 7) << 2 | (i >> 1) ^ ~i",
        "isnan(a) & (a != a) | signbit(-a)",
        "a.reshape((3, 4))",
        "var(i, axis=(0,))",
        "logaddexp(a, 1) + hypot(a, a) + arctan2(a, 2.5) + nextafter(a, 0) + copysign(a, -1)",
        "ones_like(a) + zeros_like(i) + a.imag",
    ];
    for src in sources {
        let e = match parse(src, &[("a", &a), ("i", &i)]) {
            Ok(e) => e,
            Err(Error::UnknownName(_)) | Err(Error::Parse(_)) if src.contains("reshape") => continue,
            Err(e) => panic!("{src}: {e}"),
        };
        let (g, _) = e.to_graph().unwrap_or_else(|e| panic!("{src}: {e}"));
        let text = g.to_string();
        let back = Graph::parse(&text).unwrap_or_else(|e| panic!("{src}: {e}\n{text}"));
        assert_eq!(back, g, "{text}");
        assert_eq!(back.to_string(), text);
    }
}

#[test]
fn common_subexpressions_are_shared() {
    let a = arr(DType::F64, &[3]);
    let (g, _) = parse("sin(a) * sin(a) + sin(a)", &[("a", &a)])
        .unwrap()
        .to_graph()
        .unwrap();
    assert_eq!(g.to_string().matches("sin").count(), 1, "{g}");
    let x = lazy(&a);
    let (g, _) = ((&x + 1.0) * (lazy(&a) + 1.0)).to_graph().unwrap();
    assert_eq!(g.to_string().matches("add").count(), 1, "{g}");
}

#[test]
fn graph_parse_rejects_bad_text_without_panicking() {
    let good = "graph @f(%a: f64[3]) {\n    %0 = add %a, %a : f64[3]\n    return %0\n}\n";
    assert!(Graph::parse(good).is_ok());
    let bad = [
        ("", "1:1: expected 'graph', found end of input"),
        (
            "graph @f(%a: f64[3]) {\n    %0 = add %a, %b : f64[3]\n    return %0\n}",
            "2:18: use of undefined value '%b'",
        ),
        (
            "graph @f(%a: f64[3]) {\n    %0 = add %a, %a : f32[3]\n    return %0\n}",
            "2:23: annotated type f32[3] does not match the inferred f64[3]",
        ),
        (
            "graph @f(%a: f64[3], %b: f64[4]) {\n    %0 = add %a, %b : f64[3]\n    return %0\n}",
            "2:10: shape mismatch in add: [3] vs [4]",
        ),
        (
            "graph @f(%a: f64[3]) {\n    %0 = frob %a : f64[3]\n    return %0\n}",
            "2:10: unknown op 'frob'",
        ),
        (
            "graph @f(%a: i64[3]) {\n    %0 = sin %a : f64[3]\n    return %0\n}",
            "2:10: sin computes in f64: cast its i64 operand first",
        ),
        ("graph @f(%a: q64[3]) {", "1:14: expected a dtype, found 'q64'"),
    ];
    for (text, want) in bad {
        assert_eq!(Graph::parse(text).unwrap_err().to_string(), want, "for {text:?}");
    }
    // Every prefix and every single-byte corruption: Err or Ok, never a panic.
    for k in 0..good.len() {
        let _ = Graph::parse(&good[..k]);
        for c in ['%', '[', ']', '-', '9', ':', ',', '\n', 'x'] {
            let mut s: Vec<char> = good.chars().collect();
            s[k] = c;
            let _ = Graph::parse(&s.into_iter().collect::<String>());
        }
    }
}

#[test]
fn expression_strings_never_panic() {
    let a = arr(DType::F64, &[3]);
    let i = arr(DType::I32, &[2, 3]);
    let alphabet: Vec<&str> = vec![
        "a",
        "i",
        "1",
        "2.5",
        "-",
        "+",
        "*",
        "**",
        "/",
        "//",
        "%",
        "(",
        ")",
        "[",
        "]",
        ":",
        ",",
        "None",
        "...",
        "sum(",
        "axis=",
        "True",
        "<",
        "&",
        "~",
        ".T",
        ".astype('i8')",
        "where(",
        "1e400",
        "99999999999999999999999999",
        ">>",
        "<<",
        "argmax(",
        "ddof=",
        "'",
        "keepdims=",
    ];
    let mut seed = 0x1234_5678_u64;
    for _ in 0..20_000 {
        let mut s = String::new();
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let len = (seed % 9) as usize + 1;
        let mut x = seed;
        for _ in 0..len {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            s.push_str(alphabet[(x >> 33) as usize % alphabet.len()]);
        }
        if let Ok(e) = parse(&s, &[("a", &a), ("i", &i)]) {
            let _ = e.to_graph();
        }
    }
}
