//! The string parser's limits: nesting beyond 200 levels is a clear error
//! (never a stack overflow), flat chains of any length parse in constant
//! stack, and nothing a user typed comes back whole in a message.

use lazyfuse::{Array, Error, Expr};

/// Runs `f` on a thread with `stack` bytes of stack (a stack overflow
/// would abort the whole test binary, so these tests also prove the bound).
fn with_stack<R: Send + 'static>(stack: usize, f: impl FnOnce() -> R + Send + 'static) -> R {
    std::thread::Builder::new()
        .stack_size(stack)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("no panic")
}

/// Parses `src` over a 3-element f64 input `a` on a thread with Rust's
/// default 2 MiB stack; returns the error message.
fn parse_err(src: String) -> String {
    with_stack(2 << 20, move || {
        let a = Array::from_vec(vec![1.0f64, 2.0, 3.0]);
        match Expr::parse(&src, &[("a", &a)]) {
            Ok(_) => panic!("parsed: {}…", &src[..src.len().min(40)]),
            Err(e) => e.to_string(),
        }
    })
}

const TOO_DEEP: &str = "expression nests too deeply: more than 200 levels";

#[test]
fn three_thousand_nested_parentheses_are_an_error() {
    let src = format!("{}a{}", "(".repeat(3000), ")".repeat(3000));
    assert_eq!(src.len(), 6001);
    assert_eq!(parse_err(src), format!("1:200: {TOO_DEEP}"));
}

#[test]
fn five_thousand_nested_calls_are_an_error() {
    let src = format!("{}a{}", "sin(".repeat(5000), ")".repeat(5000));
    assert_eq!(parse_err(src), format!("1:800: {TOO_DEEP}"));
}

#[test]
fn ten_thousand_unary_minuses_are_an_error() {
    let src = format!("{}a", "-".repeat(10_000));
    assert_eq!(parse_err(src), format!("1:200: {TOO_DEEP}"));
}

#[test]
fn long_right_associative_power_chain_is_an_error() {
    let src = format!("a{}", "**a".repeat(5000));
    assert!(parse_err(src).ends_with(TOO_DEEP));
}

#[test]
fn nesting_through_keywords_methods_and_subscripts_is_bounded() {
    for src in [
        format!("{}a{}", "sum(a, axis=".repeat(3000), ")".repeat(3000)),
        format!("{}a{}", "a.sum(axis=".repeat(3000), ")".repeat(3000)),
        format!("{}a{}", "(a, ".repeat(3000), ")".repeat(3000)),
        format!("{}a{}", "~(+(-".repeat(3000), ")))".repeat(3000)),
    ] {
        assert!(parse_err(src).ends_with(TOO_DEEP));
    }
}

#[test]
fn nesting_up_to_the_limit_parses() {
    // 199 parentheses inside the top level: 200 levels.
    with_stack(2 << 20, || {
        let a = Array::from_vec(vec![1.0f64, 2.0, 3.0]);
        let src = format!("{}a{}", "(".repeat(199), ")".repeat(199));
        let e = Expr::parse(&src, &[("a", &a)]).unwrap();
        assert_eq!(e.eval().unwrap().to_vec::<f64>().unwrap(), vec![1.0, 2.0, 3.0]);
        let src = format!("{}a{}", "sin(".repeat(199), ")".repeat(199));
        assert!(Expr::parse(&src, &[("a", &a)]).is_ok());
        let src = format!("{}a", "-".repeat(199));
        let e = Expr::parse(&src, &[("a", &a)]).unwrap();
        assert_eq!(e.eval().unwrap().to_vec::<f64>().unwrap(), vec![-1.0, -2.0, -3.0]);
        let err = Expr::parse(&format!("-{src}"), &[("a", &a)]).unwrap_err();
        assert_eq!(err.to_string(), format!("1:200: {TOO_DEEP}"));
    });
}

#[test]
fn flat_sum_of_twenty_thousand_terms_parses_in_constant_stack() {
    // The parser must not recurse per term, and neither may lowering,
    // fusion, the interpreter or dropping the deep tree: 512 KiB of stack
    // is plenty for any flat chain.
    with_stack(512 << 10, || {
        let flat = format!("a{}", "+a".repeat(19_999));
        let mixed = format!("a{}", "*a+a-a//a<<a".repeat(2000));
        let a = Array::from_vec(vec![1i64, 2, 3]);
        let e = Expr::parse(&flat, &[("a", &a)]).unwrap();
        assert_eq!(e.eval().unwrap().to_vec::<i64>().unwrap(), vec![20_000, 40_000, 60_000]);
        let e = Expr::parse(&mixed, &[("a", &a)]).unwrap();
        let (g, arrays) = lazyfuse::internals::pipeline::build_graph(std::slice::from_ref(&e)).unwrap();
        let want = lazyfuse::internals::interp::interpret(&g, &arrays).unwrap();
        assert_eq!(e.eval().unwrap(), want[0]);
    });
}

#[test]
fn huge_inputs_are_not_echoed_in_messages() {
    let a = Array::from_vec(vec![1.0f64, 2.0, 3.0]);
    let mb = 1 << 20;
    let big = |c: char| std::iter::repeat_n(c, mb).collect::<String>();
    let cases = [
        (format!("a + {}", big('b')), "1:5: unknown name 'bbbb"),
        (format!("a + {}", big('9')), "1:5: integer literal '9999"),
        (format!("a + {}x", big('1')), "1:5: invalid number literal '1111"),
        (
            format!("a + '{}'", big('s')),
            "1:5: strings are only allowed in astype()",
        ),
        (format!("a.astype('{}')", big('s')), "1:3: "),
        (format!("{}(a)", big('f')), "1:1: unknown function 'ffff"),
        (format!("a.{}", big('t')), "1:3: unknown attribute 'tttt"),
        (
            format!("sum(a, {}=0)", big('k')),
            "1:8: unexpected keyword argument 'kkkk",
        ),
        (format!("a + * {}", big('b')), "1:5: expected an operand, found '*'"),
        (
            format!("a {}", big('b')),
            "1:3: expected an operator or end of input, found 'bbbb",
        ),
        (format!("{}$", big(' ')), "1:1048577: unexpected character '$'"),
    ];
    for (src, want) in cases {
        let err = Expr::parse(&src, &[("a", &a)]).unwrap_err().to_string();
        assert!(err.starts_with(want), "{}", &err[..err.len().min(200)]);
        assert!(err.chars().count() <= 240, "{} chars: {}…", err.len(), &err[..200]);
    }
    // A long name is clipped to 60 characters, ending in '…'.
    let err = Expr::parse(&format!("a + {}", big('b')), &[("a", &a)]).unwrap_err();
    let name = format!("{}…", "b".repeat(59));
    assert_eq!(err.to_string(), format!("1:5: unknown name '{name}' (inputs: a)"));
}

#[test]
fn repeated_keyword_argument_is_an_error() {
    let a = Array::from_shape_vec(&[2, 2], vec![1.0f64, 2.0, 3.0, 4.0]).unwrap();
    for (src, want) in [
        ("sum(a, axis=0, axis=1)", "1:16: keyword argument repeated: axis"),
        ("a.std(ddof=1, ddof=1)", "1:15: keyword argument repeated: ddof"),
        (
            "mean(a, keepdims=True, axis=0, keepdims=False)",
            "1:32: keyword argument repeated: keepdims",
        ),
    ] {
        let err = Expr::parse(src, &[("a", &a)]).unwrap_err();
        assert_eq!(err, Error::Parse(want.into()), "{src}");
    }
    // One of each is fine.
    let e = Expr::parse("sum(a, axis=0, keepdims=True)", &[("a", &a)]).unwrap();
    assert_eq!(e.shape().unwrap(), vec![1, 2]);
}

#[test]
fn input_names_that_are_constants_are_rejected() {
    let a = Array::from_vec(vec![1.0f64, 2.0, 3.0]);
    for name in ["inf", "nan", "True", "False", "None"] {
        let err = Expr::parse(&format!("{name} + 1"), &[(name, &a)]).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("input name '{name}' is reserved: it is a constant in expressions")
        );
    }
    for (inputs, want) in [
        (vec!["a b"], "input name 'a b' is not an identifier"),
        (vec![""], "input name '' is not an identifier"),
        (vec!["1x"], "input name '1x' is not an identifier"),
        (vec!["a", "a"], "input 'a' is given twice"),
    ] {
        let bind: Vec<(&str, &Array)> = inputs.iter().map(|n| (*n, &a)).collect();
        assert_eq!(Expr::parse("1", &bind).unwrap_err().to_string(), want);
    }
    // Function names stay usable as input names: a name is a function only
    // when called.
    let e = Expr::parse("sum(sum) + sin", &[("sum", &a), ("sin", &a)]).unwrap();
    assert_eq!(e.eval().unwrap().to_vec::<f64>().unwrap(), vec![7.0, 8.0, 9.0]);
}
