//! The lexer of the string syntax: names, numbers, strings, operators,
//! each token with its line and column.

use super::*;

#[derive(Clone, Debug, PartialEq)]
pub(super) enum T {
    Name(String),
    Int(i128),
    Float(f64),
    Str(String),
    Op(&'static str),
    Eof,
}

impl std::fmt::Display for T {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            T::Name(s) => write!(f, "'{}'", clip(s)),
            T::Int(i) => write!(f, "'{i}'"),
            T::Float(x) => write!(f, "'{x}'"),
            T::Str(s) => write!(f, "'{}'", clip(&format!("{s:?}"))),
            T::Op(o) => write!(f, "'{o}'"),
            T::Eof => f.write_str("end of input"),
        }
    }
}

/// (token, line, column)
pub(super) type Tok = (T, usize, usize);

pub(super) const OPS: &[&str] = &[
    "**", "//", "<<", ">>", "<=", ">=", "==", "!=", "...", "+", "-", "*", "/", "%", "<", ">", "&", "|", "^", "~", "(",
    ")", "[", "]", ",", ":", ".", "=",
];

pub(super) fn lex(src: &str) -> Result<Vec<Tok>> {
    let mut out = vec![];
    let mut end = (1, 1);
    for (ln, line) in src.split('\n').enumerate() {
        let cs: Vec<char> = line.chars().collect();
        let mut i = 0;
        while i < cs.len() {
            let before = out.len();
            let c = cs[i];
            let col = i + 1;
            let here = |msg: String| Error::Parse(format!("{}:{col}: {msg}", ln + 1));
            if c.is_whitespace() {
                i += 1;
            } else if c.is_ascii_digit() || (c == '.' && cs.get(i + 1).is_some_and(|d| d.is_ascii_digit())) {
                let start = i;
                let mut float = false;
                while i < cs.len() && (cs[i].is_ascii_digit() || cs[i] == '_') {
                    i += 1;
                }
                if i < cs.len() && cs[i] == '.' && cs.get(i + 1) != Some(&'.') {
                    float = true;
                    i += 1;
                    while i < cs.len() && (cs[i].is_ascii_digit() || cs[i] == '_') {
                        i += 1;
                    }
                }
                if i < cs.len() && (cs[i] == 'e' || cs[i] == 'E') {
                    let save = i;
                    i += 1;
                    if i < cs.len() && (cs[i] == '+' || cs[i] == '-') {
                        i += 1;
                    }
                    if i < cs.len() && cs[i].is_ascii_digit() {
                        float = true;
                        while i < cs.len() && cs[i].is_ascii_digit() {
                            i += 1;
                        }
                    } else {
                        i = save;
                    }
                }
                if i < cs.len() && (cs[i].is_ascii_alphabetic() || cs[i] == '_') {
                    return Err(here(format!(
                        "invalid number literal '{}'",
                        clip(&cs[start..=i].iter().collect::<String>())
                    )));
                }
                let text: String = cs[start..i].iter().filter(|&&c| c != '_').collect();
                let t = if float {
                    T::Float(
                        text.parse()
                            .map_err(|_| here(format!("invalid number literal '{}'", clip(&text))))?,
                    )
                } else {
                    T::Int(
                        text.parse()
                            .map_err(|_| here(format!("integer literal '{}' is too large", clip(&text))))?,
                    )
                };
                out.push((t, ln + 1, col));
            } else if c.is_alphabetic() || c == '_' {
                let start = i;
                while i < cs.len() && (cs[i].is_alphanumeric() || cs[i] == '_') {
                    i += 1;
                }
                out.push((T::Name(cs[start..i].iter().collect()), ln + 1, col));
            } else if c == '\'' || c == '"' {
                let start = i + 1;
                i += 1;
                while i < cs.len() && cs[i] != c {
                    i += 1;
                }
                if i == cs.len() {
                    return Err(here("unterminated string".into()));
                }
                out.push((T::Str(cs[start..i].iter().collect()), ln + 1, col));
                i += 1;
            } else if let Some(op) = OPS
                .iter()
                .find(|op| cs[i..].iter().take(op.len()).copied().eq(op.chars()))
            {
                out.push((T::Op(op), ln + 1, col));
                i += op.len();
            } else {
                return Err(here(format!("unexpected character '{c}'")));
            }
            if out.len() > before {
                end = (ln + 1, i + 1);
            }
        }
    }
    // End of input is reported just after the last token.
    out.push((T::Eof, end.0, end.1));
    Ok(out)
}
