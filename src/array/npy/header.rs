//! Parsing a `.npy` header: the preamble, the Python dict literal NumPy
//! writes (a small parser of Python literals, bounded in depth and size),
//! and the type string (`descr`).

use super::*;

/// Parses magic, version and header length: returns the version, where the
/// header text starts and its length.
pub(super) fn parse_preamble(b: &[u8]) -> std::result::Result<((u8, u8), usize, usize), String> {
    let m = b.len().min(MAGIC.len());
    if b[..m] != MAGIC[..m] {
        return Err(format!(
            "not a .npy file: bad magic {:?} (expected \"\\x93NUMPY\")",
            String::from_utf8_lossy(&b[..m])
        ));
    }
    if b.len() < 8 {
        return Err(format!(
            "truncated header: {} bytes, too short for a .npy file",
            b.len()
        ));
    }
    let version = (b[6], b[7]);
    let len_bytes = match version {
        (1, 0) => 2,
        (2, 0) | (3, 0) => 4,
        (major, minor) => {
            return Err(format!(
                "unsupported .npy format version {major}.{minor} (expected 1.0, 2.0 or 3.0)"
            ))
        }
    };
    let start = 8 + len_bytes;
    if b.len() < start {
        return Err(format!(
            "truncated header: {} bytes, too short for a version {}.0 .npy header",
            b.len(),
            version.0
        ));
    }
    let len = if len_bytes == 2 {
        u16::from_le_bytes([b[8], b[9]]) as usize
    } else {
        u32::from_le_bytes([b[8], b[9], b[10], b[11]]) as usize
    };
    Ok((version, start, len))
}

pub(super) fn truncated_header(need: u64, have: u64) -> String {
    format!("truncated header: the header claims {need} bytes, the file has {have}")
}

/// Parses and checks the whole header (not the data length).
pub(super) fn parse_header(bytes: &[u8]) -> std::result::Result<NpyHeader, String> {
    let (version, start, len) = parse_preamble(bytes)?;
    let end = start
        .checked_add(len)
        .filter(|&e| e <= bytes.len())
        .ok_or_else(|| truncated_header(start as u64 + len as u64, bytes.len() as u64))?;
    let text = &bytes[start..end];
    let value = Parser::new(text).parse_all()?;
    let Py::Dict(items) = value else {
        return Err(format!("bad header: expected a dict literal, found {}", value.kind()));
    };
    let (mut descr, mut fortran, mut shape) = (None, None, None);
    for (k, v) in items {
        let Py::Str(k) = k else {
            return Err(format!("bad header: a key is {}, not a string", k.kind()));
        };
        // Later duplicates win, as in a Python dict literal.
        match k.as_str() {
            "descr" => descr = Some(v),
            "fortran_order" => fortran = Some(v),
            "shape" => shape = Some(v),
            _ => return Err(format!("bad header: unexpected key '{k}'")),
        }
    }
    let missing = |k: &str| format!("bad header: missing key '{k}'");
    let (dtype, big_endian) = match descr.ok_or_else(|| missing("descr"))? {
        Py::Str(s) => dtype_of_descr(&s)?,
        Py::List(_) => return Err("unsupported dtype: structured (record) dtypes".into()),
        v => return Err(format!("bad header: 'descr' is {}", v.kind())),
    };
    let fortran_order = match fortran.ok_or_else(|| missing("fortran_order"))? {
        Py::Bool(b) => b,
        v => return Err(format!("bad header: 'fortran_order' is {}, not a bool", v.kind())),
    };
    let dims = match shape.ok_or_else(|| missing("shape"))? {
        Py::Tuple(d) | Py::List(d) => d,
        v => return Err(format!("bad header: 'shape' is {}, not a tuple", v.kind())),
    };
    if dims.len() > MAX_DIMS {
        return Err(format!(
            "bad header: {} dimensions (at most {MAX_DIMS} are supported)",
            dims.len()
        ));
    }
    let mut shape = Vec::with_capacity(dims.len());
    for d in dims {
        match d {
            Py::Int(v) => match usize::try_from(v) {
                Ok(v) => shape.push(v),
                Err(_) => return Err(format!("bad header: invalid dimension {v} in 'shape'")),
            },
            v => return Err(format!("bad header: 'shape' contains {}", v.kind())),
        }
    }
    // NumPy's rule (`array is too big`): zero dimensions aside, the size in
    // bytes must fit in `isize`. Slightly stricter here so that an aligned
    // allocation of that size is always possible.
    let limit = (isize::MAX as usize) - ARRAY_ALIGN;
    let nbytes = shape
        .iter()
        .filter(|&&d| d != 0)
        .try_fold(dtype.size(), |n, &d| n.checked_mul(d).filter(|&n| n <= limit));
    if nbytes.is_none() {
        return Err(format!("a {dtype} array of shape {} is too large", shape_str(&shape)));
    }
    Ok(NpyHeader {
        version,
        dtype,
        big_endian: big_endian && dtype.size() > 1,
        fortran_order,
        shape,
        data_offset: end,
    })
}

/// The dtype and byte order (`true` = big-endian) of a type string.
///
/// The grammar is NumPy's array-protocol type string: an optional byte
/// order (`<` little, `>` big, `=` native, `|` not applicable), a kind
/// character and the item size in bytes (`<f8`, `|b1`, `>u2`); NumPy also
/// writes `[unit]` after datetimes (`<M8[ns]`). Names such as `float64` or
/// `int32` (no `<`/`>` order) are accepted too, as NumPy accepts them.
/// Only the 11 dtypes are supported; every other kind is an `Err` naming
/// it.
pub(super) fn dtype_of_descr(s: &str) -> std::result::Result<(DType, bool), String> {
    let shown = crate::expr::parse::clip(s);
    let (order, rest) = match s.chars().next() {
        Some(c @ ('<' | '>' | '=' | '|')) => (Some(c), &s[1..]),
        _ => (None, s),
    };
    let mut chars = rest.chars();
    let kind = chars.next();
    let tail = chars.as_str();
    let digits = tail.bytes().take_while(u8::is_ascii_digit).count();
    let (size, units) = tail.split_at(digits);
    let code = kind.filter(|&k| {
        "biufcmMSaUOV".contains(k)
            && (!size.is_empty() || k == 'O')
            && (units.is_empty() || (matches!(k, 'm' | 'M') && units.starts_with('[') && units.ends_with(']')))
    });
    let Some(kind) = code else {
        // NumPy also accepts names such as 'float64' (native order).
        return match s.parse::<DType>() {
            Ok(d) if !s.starts_with(['<', '>']) => Ok((d, cfg!(target_endian = "big"))),
            _ => Err(format!("unsupported dtype '{shown}': not a type string like '<f8'")),
        };
    };
    // More digits than any size: no dtype has it.
    let size: u64 = size.parse().unwrap_or(u64::MAX);
    let big = match order {
        Some('<') => false,
        Some('>') => true,
        _ => cfg!(target_endian = "big"),
    };
    let dtype = match (kind, size) {
        ('b', 1) => DType::Bool,
        ('i', 1) => DType::I8,
        ('i', 2) => DType::I16,
        ('i', 4) => DType::I32,
        ('i', 8) => DType::I64,
        ('u', 1) => DType::U8,
        ('u', 2) => DType::U16,
        ('u', 4) => DType::U32,
        ('u', 8) => DType::U64,
        ('f', 4) => DType::F32,
        ('f', 8) => DType::F64,
        (k, _) => {
            let what = match k {
                'f' if size == 2 => "float16",
                'f' if size == 12 || size == 16 => "extended-precision floats",
                'c' => "complex numbers",
                'S' | 'a' | 'U' => "strings",
                'O' => "Python objects",
                'm' | 'M' => "datetimes",
                'V' => "raw bytes (void)",
                _ => "no such size",
            };
            return Err(format!("unsupported dtype '{shown}' ({what})"));
        }
    };
    Ok((dtype, big))
}

// ------------------------------------------------- the header literal parser

/// A Python literal, as far as `.npy` headers use them.
#[derive(Debug)]
pub(super) enum Py {
    Str(String),
    Int(i128),
    Bool(bool),
    None,
    Tuple(Vec<Py>),
    List(Vec<Py>),
    Dict(Vec<(Py, Py)>),
}

impl Py {
    fn kind(&self) -> &'static str {
        match self {
            Py::Str(_) => "a string",
            Py::Int(_) => "an integer",
            Py::Bool(_) => "a bool",
            Py::None => "None",
            Py::Tuple(_) => "a tuple",
            Py::List(_) => "a list",
            Py::Dict(_) => "a dict",
        }
    }
}

/// A strict recursive-descent reader of strings, integers, `True`, `False`,
/// `None`, tuples, lists and dicts: the subset of `ast.literal_eval` that
/// NumPy's headers use. Errors carry the byte position in the header text.
pub(super) struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    depth: usize,
}

impl<'a> Parser<'a> {
    pub(super) fn new(s: &'a [u8]) -> Parser<'a> {
        Parser { s, i: 0, depth: 0 }
    }

    fn err<T>(&self, what: &str) -> std::result::Result<T, String> {
        let found = match self.s.get(self.i) {
            None => "the end".to_string(),
            Some(&c) if c.is_ascii_graphic() => format!("'{}'", c as char),
            Some(&c) => format!("byte 0x{c:02x}"),
        };
        Err(format!("bad header: expected {what} at byte {}, found {found}", self.i))
    }

    fn skip_ws(&mut self) {
        while matches!(self.s.get(self.i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.s.get(self.i).copied()
    }

    pub(super) fn parse_all(mut self) -> std::result::Result<Py, String> {
        let v = self.value()?;
        if self.peek().is_some() {
            return self.err("the end of the header");
        }
        Ok(v)
    }

    fn value(&mut self) -> std::result::Result<Py, String> {
        match self.peek() {
            Some(q @ (b'\'' | b'"')) => self.string(q),
            Some(b'(') => self.seq(b')').map(|(v, tuple)| {
                // `(x)` is just x; `(x,)` and `()` are tuples.
                if !tuple && v.len() == 1 {
                    v.into_iter().next().expect("one item")
                } else {
                    Py::Tuple(v)
                }
            }),
            Some(b'[') => self.seq(b']').map(|(v, _)| Py::List(v)),
            Some(b'{') => self.dict(),
            Some(b'-' | b'+' | b'0'..=b'9') => self.int(),
            Some(c) if c.is_ascii_alphabetic() => {
                let start = self.i;
                while self.s.get(self.i).is_some_and(|c| c.is_ascii_alphanumeric()) {
                    self.i += 1;
                }
                match &self.s[start..self.i] {
                    b"True" => Ok(Py::Bool(true)),
                    b"False" => Ok(Py::Bool(false)),
                    b"None" => Ok(Py::None),
                    _ => {
                        self.i = start;
                        self.err("a literal")
                    }
                }
            }
            _ => self.err("a value"),
        }
    }

    fn enter(&mut self) -> std::result::Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.err("less nesting");
        }
        Ok(())
    }

    /// Items up to `close`; also returns whether a top-level comma was seen.
    fn seq(&mut self, close: u8) -> std::result::Result<(Vec<Py>, bool), String> {
        self.enter()?;
        self.i += 1;
        let mut items = Vec::new();
        let mut comma = false;
        loop {
            if self.peek() == Some(close) {
                self.i += 1;
                break;
            }
            items.push(self.value()?);
            match self.peek() {
                Some(b',') => {
                    self.i += 1;
                    comma = true;
                }
                Some(c) if c == close => {}
                _ => return self.err(&format!("',' or '{}'", close as char)),
            }
        }
        self.depth -= 1;
        Ok((items, comma))
    }

    fn dict(&mut self) -> std::result::Result<Py, String> {
        self.enter()?;
        self.i += 1;
        let mut items = Vec::new();
        loop {
            if self.peek() == Some(b'}') {
                self.i += 1;
                break;
            }
            let k = self.value()?;
            if self.peek() != Some(b':') {
                return self.err("':'");
            }
            self.i += 1;
            let v = self.value()?;
            items.push((k, v));
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {}
                _ => return self.err("',' or '}'"),
            }
        }
        self.depth -= 1;
        Ok(Py::Dict(items))
    }

    fn string(&mut self, quote: u8) -> std::result::Result<Py, String> {
        self.i += 1;
        let mut out = Vec::new();
        loop {
            match self.s.get(self.i) {
                None | Some(b'\n') => return self.err("the end of the string"),
                Some(&c) if c == quote => {
                    self.i += 1;
                    break;
                }
                Some(b'\\') => {
                    self.i += 1;
                    match self.s.get(self.i) {
                        Some(&c @ (b'\\' | b'\'' | b'"')) => out.push(c),
                        _ => return self.err("one of \\\\ \\' \\\" (other escapes are not supported)"),
                    }
                    self.i += 1;
                }
                Some(&c) => {
                    out.push(c);
                    self.i += 1;
                }
            }
        }
        // Versions 1.0/2.0 are latin-1 and 3.0 is UTF-8; only ASCII matters
        // for the keys and type strings we accept, so be lossy.
        Ok(Py::Str(String::from_utf8_lossy(&out).into_owned()))
    }

    fn int(&mut self) -> std::result::Result<Py, String> {
        let start = self.i;
        let neg = match self.s[self.i] {
            b'-' => {
                self.i += 1;
                true
            }
            b'+' => {
                self.i += 1;
                false
            }
            _ => false,
        };
        let digits = self.i;
        let mut v: i128 = 0;
        while let Some(&c @ b'0'..=b'9') = self.s.get(self.i) {
            v = match v.checked_mul(10).and_then(|v| v.checked_add((c - b'0') as i128)) {
                Some(v) => v,
                None => {
                    self.i = start;
                    return self.err("an integer that fits in 128 bits");
                }
            };
            self.i += 1;
        }
        if self.i == digits {
            return self.err("digits");
        }
        // Python 2 era NumPy wrote longs as `3L`.
        if matches!(self.s.get(self.i), Some(b'L')) {
            self.i += 1;
        }
        if self
            .s
            .get(self.i)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'.')
        {
            return self.err("an integer (floats and other bases are not supported)");
        }
        Ok(Py::Int(if neg { -v } else { v }))
    }
}

// ------------------------------------------------------------------ errors
