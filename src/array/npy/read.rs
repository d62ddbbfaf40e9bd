//! Reading `.npy` files: [`Array::read_npy`] (copied into memory; a FIFO
//! or device read as a stream), [`Array::from_npy_bytes`] and
//! [`Array::open_npy`] (memory-mapped, `unsafe`).
//!
//! Invariant: nothing large is read or allocated before the magic and the
//! header are checked, and the data must be exactly as long as the header
//! says.

use super::*;

impl Array {
    /// Reads a `.npy` file into a new array.
    ///
    /// All 11 dtypes, either byte order (big-endian data is swapped into
    /// native order), C or Fortran order (a Fortran file becomes a
    /// Fortran-strided array, not a transposed copy), 0-d and empty arrays,
    /// format versions 1.0, 2.0 and 3.0. A malformed, truncated or
    /// unsupported file (float16, complex, strings, objects, structured
    /// dtypes, …) is an `Err(Error::Npy)` that names the path and the cause;
    /// a failure to read it is an `Err(Error::Io)`.
    ///
    /// The data is copied into memory, so the array never changes (and the
    /// process never faults) when the file is truncated or rewritten later.
    /// A FIFO or a character device is read as a stream: the magic bytes
    /// and the header first (anything else is a quick `Err`), then exactly
    /// the declared number of data bytes, then one more read must find the
    /// end. A data length larger than this machine's memory, or an
    /// allocation the system refuses, is an `Err`.
    ///
    /// ```
    /// use lazyfuse::Array;
    /// let path = std::env::temp_dir().join(format!("lazyfuse-doc-read-{}.npy", std::process::id()));
    /// let a = Array::from_shape_vec(&[2, 2], vec![1u16, 2, 3, 4])?;
    /// a.write_npy(&path)?;
    /// let b = Array::read_npy(&path)?;
    /// assert_eq!(a, b);
    /// # std::fs::remove_file(&path).unwrap();
    /// assert!(Array::read_npy("/no/such/file.npy").is_err());
    /// # Ok::<(), lazyfuse::Error>(())
    /// ```
    pub fn read_npy(path: impl AsRef<Path>) -> Result<Array> {
        let path = path.as_ref();
        let mut f = File::open(path).map_err(|e| io_err(path, e))?;
        let meta = f.metadata().map_err(|e| io_err(path, e))?;
        if meta.is_dir() {
            return Err(npy_err(path, "is a directory, not a .npy file".into()));
        }
        if !meta.is_file() {
            return read_stream(&mut f, path);
        }
        let total = meta.len();
        let h = read_header(&mut f, total, path)?;
        f.seek(io::SeekFrom::Start(h.data_offset as u64))
            .map_err(|e| io_err(path, e))?;
        check_fits_in_memory(&h).map_err(|m| npy_err(path, m))?;
        let mut buf = Buffer::try_zeroed(h.data_len())?;
        let data = buffer_bytes_mut(&mut buf);
        read_exact_or_npy(&mut f, data, path)?;
        h.fix_in_place(data);
        Ok(h.array(Arc::new(buf), 0))
    }

    /// Reads an array from the bytes of a `.npy` file (a copy; see
    /// [`Array::read_npy`] for what is supported).
    ///
    /// ```
    /// use lazyfuse::Array;
    /// let a = Array::from_vec(vec![1.5f32, -2.0]);
    /// let b = Array::from_npy_bytes(&a.to_npy_bytes())?;
    /// assert_eq!(b.to_vec::<f32>()?, vec![1.5, -2.0]);
    /// assert!(Array::from_npy_bytes(b"not a npy file").is_err());
    /// # Ok::<(), lazyfuse::Error>(())
    /// ```
    pub fn from_npy_bytes(bytes: &[u8]) -> Result<Array> {
        from_bytes(bytes)
    }

    /// Memory-maps a `.npy` file: the array views the mapping, read-only,
    /// and no data is read until it is used. The array is not
    /// [writable](Array::is_writable); evaluating into it is an error. Use
    /// it for inputs larger than memory (with [`Expr::eval_to_npy`]
    /// streaming the result); [`Array::read_npy`] is the safe reader.
    ///
    /// Falls back to reading the file into memory (like
    /// [`Array::read_npy`]) when the data cannot be used in place:
    /// big-endian data on a little-endian machine (it must be swapped),
    /// data not aligned to the element size (only in hand-made files: NumPy
    /// pads the header so the data starts 64-byte aligned), bool data with
    /// bytes other than 0 and 1 (checking this reads the bool data), and
    /// files that are not regular files (pipes, devices).
    ///
    /// # Safety
    ///
    /// The reasoning of [`memmap2::Mmap::map`]: the array, its clones and
    /// views read the file's pages directly, so for as long as any of them
    /// is alive the file must not be truncated (the process would be killed
    /// by `SIGBUS` on the next access) or modified in place (values would
    /// change under shared references, which is undefined behaviour) — by
    /// this process or any other. Replacing the file by renaming a new one
    /// over it is fine: [`Array::write_npy`] and [`Expr::eval_to_npy`] do
    /// that for a file with one link, so writing the result of an
    /// evaluation over one of its mapped inputs is safe. A file with several
    /// hard links, however, is rewritten in place by those writers (so that
    /// every link sees the new content): do not write to such a file while
    /// an array maps it.
    ///
    /// ```
    /// use lazyfuse::Array;
    /// let path = std::env::temp_dir().join(format!("lazyfuse-doc-open-{}.npy", std::process::id()));
    /// Array::from_shape_vec(&[2, 3], (0..6).map(|i| i as f64).collect())?.write_npy(&path)?;
    /// // SAFETY: nothing truncates or modifies the file while `m` is alive.
    /// let m = unsafe { Array::open_npy(&path)? };
    /// assert!(!m.is_writable());
    /// assert_eq!(m.t().to_vec::<f64>()?, vec![0.0, 3.0, 1.0, 4.0, 2.0, 5.0]);
    /// # drop(m);
    /// # std::fs::remove_file(&path).unwrap();
    /// # Ok::<(), lazyfuse::Error>(())
    /// ```
    ///
    /// [`Expr::eval_to_npy`]: crate::Expr::eval_to_npy
    pub unsafe fn open_npy(path: impl AsRef<Path>) -> Result<Array> {
        let path = path.as_ref();
        let f = File::open(path).map_err(|e| io_err(path, e))?;
        let meta = f.metadata().map_err(|e| io_err(path, e))?;
        if !meta.is_file() {
            return Array::read_npy(path);
        }
        // SAFETY: the mapping is read-only and we never write to the file;
        // that nobody else truncates or modifies it while mapped is this
        // function's contract with its caller.
        let map = unsafe { memmap2::Mmap::map(&f) }.map_err(|e| io_err(path, e))?;
        let h = parse_header(&map).map_err(|m| npy_err(path, m))?;
        h.check_data_len(map.len() as u64).map_err(|m| npy_err(path, m))?;
        let data = &map[h.data_offset..];
        let size = h.dtype.size();
        let aligned = (map.as_ptr() as usize + h.data_offset).is_multiple_of(size);
        let bad_bools = h.dtype == DType::Bool && data.iter().any(|&b| b > 1);
        if h.needs_swap() || !aligned || bad_bools {
            return h.copy_array(data);
        }
        let offset = (h.data_offset / size) as isize;
        Ok(h.array(Arc::new(Buffer::from_file_mmap(map, f)), offset))
    }
}

fn from_bytes(bytes: &[u8]) -> Result<Array> {
    let h = parse_header(bytes).map_err(Error::Npy)?;
    h.check_data_len(bytes.len() as u64).map_err(Error::Npy)?;
    h.copy_array(&bytes[h.data_offset..])
}

/// Reads a `.npy` file from a stream (a FIFO, a character device): never
/// more than the preamble before the magic is checked, never more than
/// [`MAX_STREAM_HEADER`] bytes of header, then exactly the declared data.
fn read_stream(f: &mut File, path: &Path) -> Result<Array> {
    let err = |m| npy_err(path, m);
    // Magic and version (8 bytes), then the 2- or 4-byte header length.
    let mut head = vec![0u8; 12];
    let mut n = read_up_to(f, &mut head[..8]).map_err(|e| io_err(path, e))?;
    if n == 8 && head[..6] == MAGIC[..] {
        let len_bytes = if head[6] == 1 { 2 } else { 4 };
        n += read_up_to(f, &mut head[8..8 + len_bytes]).map_err(|e| io_err(path, e))?;
    }
    head.truncate(n);
    let (_, start, len) = parse_preamble(&head).map_err(err)?;
    if len > MAX_STREAM_HEADER {
        return Err(err(format!(
            "bad header: {len} bytes long (at most {MAX_STREAM_HEADER} are accepted from a stream)"
        )));
    }
    head.resize(start + len, 0);
    read_exact_or_npy(f, &mut head[n..], path)?;
    let h = parse_header(&head).map_err(err)?;
    check_fits_in_memory(&h).map_err(err)?;
    let mut buf = Buffer::try_zeroed(h.data_len())?;
    let data = buffer_bytes_mut(&mut buf);
    read_exact_or_npy(f, data, path)?;
    let mut more = [0u8; 1];
    if read_up_to(f, &mut more).map_err(|e| io_err(path, e))? > 0 {
        return Err(err(format!(
            "unexpected bytes after the data of a {} array of shape {}",
            h.dtype,
            shape_str(&h.shape)
        )));
    }
    h.fix_in_place(data);
    Ok(h.array(Arc::new(buf), 0))
}

/// `Err` when the data of `h` is larger than this machine's memory and
/// swap: no allocation of that size can be used, and where the system
/// overcommits, trying would end with the OOM killer instead of an error.
fn check_fits_in_memory(h: &NpyHeader) -> std::result::Result<(), String> {
    let need = h.data_len() as u64;
    #[cfg(target_os = "linux")]
    {
        // SAFETY: `sysinfo` fills the zeroed struct it is given.
        let mut si: libc::sysinfo = unsafe { std::mem::zeroed() };
        if unsafe { libc::sysinfo(&mut si) } == 0 {
            let unit = (si.mem_unit as u64).max(1);
            let have = (si.totalram as u64)
                .saturating_add(si.totalswap as u64)
                .saturating_mul(unit);
            if need > have {
                return Err(format!(
                    "a {} array of shape {} needs {need} bytes, more than this machine's memory ({have} bytes)",
                    h.dtype,
                    shape_str(&h.shape)
                ));
            }
        }
    }
    let _ = need;
    Ok(())
}
