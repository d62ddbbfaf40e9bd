//! Reference-counted raw storage behind every [`Array`](crate::Array).
//!
//! A `Buffer` is bytes plus who owns them: a 64-byte-aligned allocation of
//! our own, a read-only memory map of a `.npy` file, a `Vec` adopted
//! without copying (from `ndarray`, and handed back to it the same way), or
//! read-only memory kept alive by another owner (a shared `ArcArray`).
//! Arrays share one `Arc<Buffer>` between a base and all of its views, as
//! NumPy does.
//!
//! **Large buffers** (≥ [`LARGE`]) are anonymous mappings aligned to 2 MiB
//! and advised `MADV_HUGEPAGE`: first touching a fresh multi-megabyte output
//! otherwise costs one page fault per 4 KiB, more than a memory-bound kernel
//! itself. When a large buffer is freed it goes to a bounded pool
//! ([`POOL_LIMIT`] bytes, `LAZYFUSE_POOL_BYTES` to change, 0 to disable) and
//! [`Buffer::for_output`] hands it out again already faulted in, so a
//! repeated evaluation that allocates its result costs about the same as one
//! into a reused buffer. Mapped bytes are reported to
//! [`alloc_count`](crate::alloc_count) like heap bytes; pooled bytes are not
//! live (see [`pool_bytes`]).

use crate::alloc_count;
use crate::error::{Error, Result};
use std::alloc::{self, Layout};
use std::any::Any;
use std::ptr::NonNull;
use std::sync::{Arc, Mutex};

/// Buffers of at least this many bytes are huge-page-backed mappings.
pub const LARGE: usize = 4 << 20;
const HUGE_PAGE: usize = 2 << 20;
/// Default bound of the pool of freed large buffers.
pub const POOL_LIMIT: usize = 512 << 20;

struct Pool {
    maps: Vec<(usize, memmap2::MmapMut)>,
    bytes: usize,
}
static POOL: Mutex<Pool> = Mutex::new(Pool {
    maps: Vec::new(),
    bytes: 0,
});

fn pool_limit() -> usize {
    crate::env::pool_bytes(POOL_LIMIT)
}

/// Bytes held by the pool of freed large buffers.
pub fn pool_bytes() -> usize {
    POOL.lock().map(|p| p.bytes).unwrap_or(0)
}

/// Empties the pool (its memory goes back to the system).
pub fn clear_pool() {
    if let Ok(mut p) = POOL.lock() {
        p.maps.clear();
        p.bytes = 0;
    }
}

/// Alignment of buffers lazyfuse allocates: a cache line, so vector loads of
/// a contiguous array never straddle one at the start.
pub const ALIGN: usize = 64;

// Without ndarray nothing hands a `Vec` back or shares foreign memory.
#[cfg_attr(not(any(feature = "ndarray", feature = "ndarray-0_16")), allow(dead_code))]
enum Owner {
    /// Allocated here with `Layout { size, ALIGN }` (size 0: dangling, no alloc).
    Aligned(Layout),
    /// A read-only file mapping.
    Mmap(#[allow(dead_code)] memmap2::Mmap),
    /// An anonymous mapping of our own (large buffers); `None` once handed
    /// to the pool on drop.
    Anon(Option<memmap2::MmapMut>),
    /// A `Vec` adopted without copying, kept as its raw parts so it can be
    /// handed back ([`Buffer::into_vec`]): `cap` elements of layout `elem`
    /// from the global allocator; `free` rebuilds the `Vec<T>` and drops it.
    Vec {
        cap: usize,
        elem: Layout,
        free: unsafe fn(*mut u8, usize),
    },
    /// Some other owner kept alive until the buffer drops (e.g. a shared
    /// `ndarray::ArcArray`).
    Foreign(#[allow(dead_code)] Box<dyn Any + Send + Sync>),
}

/// Drops the `Vec<T>` whose raw parts are `ptr` and `cap` (length 0: the
/// elements are plain data).
///
/// # Safety
///
/// `ptr` and `cap` come from one `Vec<T>` that nothing else owns.
unsafe fn free_vec<T>(ptr: *mut u8, cap: usize) {
    // SAFETY: the caller's contract; length 0 is always valid.
    drop(unsafe { Vec::from_raw_parts(ptr as *mut T, 0, cap) });
}

/// Raw bytes with an owner, shared by arrays through an `Arc`.
///
/// The bytes are written only by a holder of the *only* `Arc` (see
/// `array/view_mut.rs`: copy-on-write through `&mut Array`, and
/// `ArrayViewMut`, which borrows its unique parent mutably), or by the
/// runtime into buffers it allocated or took over as the only owner. A
/// buffer reachable from two handles is never written.
pub struct Buffer {
    ptr: NonNull<u8>,
    len: usize,
    writable: bool,
    owner: Owner,
    /// For a mapping of a whole file: the file, which a streamed
    /// evaluation reads with `pread` instead of touching the mapping.
    file: Option<Arc<std::fs::File>>,
}

// SAFETY: the buffer is plain bytes behind a raw pointer, and its owners
// (allocation, mappings, a `Box<dyn Any + Send + Sync>`) may move between
// threads. Sharing across threads is sound because a shared buffer is
// immutable: every write needs the only `Arc` (copy-on-write in
// `Array::make_unique`), or an `ArrayViewMut` whose parent held the only
// `Arc` and is mutably borrowed — so no write can race a read, and no
// `&[T]` from `Array::as_slice` can see a change.
unsafe impl Send for Buffer {}
unsafe impl Sync for Buffer {}

impl Buffer {
    /// A zero-filled, 64-byte-aligned buffer of `len` bytes.
    ///
    /// # Panics
    ///
    /// If the memory cannot be had (see [`Buffer::try_zeroed`]).
    pub fn zeroed(len: usize) -> Buffer {
        Buffer::try_zeroed(len).unwrap_or_else(|e| panic!("{e}"))
    }

    /// A zero-filled, 64-byte-aligned buffer of `len` bytes, or an `Err`
    /// when the size overflows `isize` or the system refuses the memory
    /// (never an abort: sizes often come from users).
    pub fn try_zeroed(len: usize) -> Result<Buffer> {
        let too_big = || Error::Shape(format!("cannot allocate {len} bytes: not enough memory"));
        if len > isize::MAX as usize - ALIGN {
            return Err(too_big());
        }
        if len >= LARGE {
            if let Some(b) = Buffer::anon(len) {
                return Ok(b);
            }
        }
        if len == 0 {
            return Ok(Buffer {
                ptr: NonNull::new(ALIGN as *mut u8).expect("non-null"),
                len: 0,
                writable: true,
                owner: Owner::Aligned(Layout::from_size_align(0, ALIGN).expect("layout")),
                file: None,
            });
        }
        let layout = Layout::from_size_align(len, ALIGN).map_err(|_| too_big())?;
        // SAFETY: layout has non-zero size.
        let p = unsafe { alloc::alloc_zeroed(layout) };
        let ptr = NonNull::new(p).ok_or_else(too_big)?;
        Ok(Buffer {
            ptr,
            len,
            writable: true,
            owner: Owner::Aligned(layout),
            file: None,
        })
    }

    /// A fresh huge-page-advised anonymous mapping (zero-filled), or `None`
    /// if the system refuses (the caller falls back to the heap).
    fn anon(len: usize) -> Option<Buffer> {
        let map = memmap2::MmapMut::map_anon(len.checked_add(HUGE_PAGE)?).ok()?;
        #[cfg(target_os = "linux")]
        if !crate::env::no_hugepages() {
            let _ = map.advise(memmap2::Advice::HugePage);
        }
        Some(Buffer::adopt_anon(map, len))
    }

    fn adopt_anon(mut map: memmap2::MmapMut, len: usize) -> Buffer {
        let base = map.as_mut_ptr();
        let skip = base.align_offset(HUGE_PAGE).min(HUGE_PAGE);
        alloc_count::note_alloc(len);
        Buffer {
            ptr: NonNull::new(base.wrapping_add(skip)).expect("mapping is non-null"),
            len,
            writable: true,
            owner: Owner::Anon(Some(map)),
            file: None,
        }
    }

    /// A buffer for a result that will be completely overwritten: a pooled
    /// large buffer of the same size when one is free (its old contents are
    /// still there), else a fresh one.
    pub fn for_output(len: usize) -> Result<Buffer> {
        if len >= LARGE {
            let found = POOL.lock().ok().and_then(|mut p| {
                let i = p.maps.iter().position(|(l, _)| *l == len)?;
                let (l, m) = p.maps.swap_remove(i);
                p.bytes -= l;
                Some(m)
            });
            if let Some(map) = found {
                return Ok(Buffer::adopt_anon(map, len));
            }
        }
        Buffer::try_zeroed(len)
    }

    /// Copies `bytes` into a new aligned buffer.
    pub fn from_bytes(bytes: &[u8]) -> Buffer {
        let b = Buffer::zeroed(bytes.len());
        // (`bytes` already exists in memory, so its length is a real size.)
        // SAFETY: fresh allocation of exactly bytes.len() bytes.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), b.ptr.as_ptr(), bytes.len()) };
        b
    }

    /// Adopts a read-only memory map (arrays locate their data with their
    /// element offset).
    pub fn from_mmap(map: memmap2::Mmap) -> Buffer {
        let len = map.len();
        let ptr = NonNull::new(map.as_ptr() as *mut u8).unwrap_or(NonNull::dangling());
        Buffer {
            ptr,
            len,
            writable: false,
            owner: Owner::Mmap(map),
            file: None,
        }
    }

    /// Adopts a read-only map of the whole of `file` (from byte 0), keeping
    /// the file for streamed reads ([`Buffer::mapped_file`]).
    pub(crate) fn from_file_mmap(map: memmap2::Mmap, file: std::fs::File) -> Buffer {
        let mut b = Buffer::from_mmap(map);
        b.file = Some(Arc::new(file));
        b
    }

    /// The file this buffer maps from its byte 0, if it is such a mapping.
    pub(crate) fn mapped_file(&self) -> Option<&Arc<std::fs::File>> {
        self.file.as_ref()
    }

    /// Adopts a `Vec<T>` without copying.
    /// (`T` is an element type: plain data without padding, so every byte
    /// of the buffer is initialised; a padded type does not compile.)
    ///
    /// ```compile_fail
    /// let b = lazyfuse::internals::array::Buffer::from_vec(vec![(1u8, 2u32); 4]);
    /// ```
    pub fn from_vec<T: crate::array::Element>(v: Vec<T>) -> Buffer {
        let mut v = std::mem::ManuallyDrop::new(v);
        let len = v.len() * std::mem::size_of::<T>();
        let ptr = NonNull::new(v.as_mut_ptr() as *mut u8).expect("vec pointer");
        Buffer {
            ptr,
            len,
            writable: true,
            owner: Owner::Vec {
                cap: v.capacity(),
                elem: Layout::new::<T>(),
                free: free_vec::<T>,
            },
            file: None,
        }
    }

    /// Hands an adopted `Vec` back as a `Vec<U>` without copying, when `U`
    /// has the size and alignment of the element type it was adopted with
    /// (so the allocation's layout is the one `Vec<U>` frees with); gives
    /// the buffer back otherwise (our own allocations are 64-byte aligned
    /// or mappings, never a `Vec`'s).
    ///
    /// # Safety
    ///
    /// Every byte of the buffer belongs to a valid `U` (for `bool`: 0 or 1).
    #[cfg_attr(not(any(feature = "ndarray", feature = "ndarray-0_16")), allow(dead_code))]
    pub(crate) unsafe fn into_vec<U: crate::array::Element>(self) -> std::result::Result<Vec<U>, Buffer> {
        match self.owner {
            Owner::Vec { cap, elem, .. } if elem == Layout::new::<U>() => {
                let this = std::mem::ManuallyDrop::new(self);
                // SAFETY: `ptr` and `cap` are a `Vec`'s raw parts, allocated
                // by the global allocator for `cap` elements of `U`'s size
                // and alignment, i.e. the layout `Vec<U>` frees; `len` bytes
                // are initialised valid `U`s (the caller's contract); the
                // buffer is consumed and its `Drop` skipped, so the `Vec` is
                // the allocation's only owner.
                Ok(unsafe { Vec::from_raw_parts(this.ptr.as_ptr() as *mut U, this.len / elem.size(), cap) })
            }
            _ => Err(self),
        }
    }

    /// Read-only bytes owned by `owner` (kept alive until the buffer drops).
    ///
    /// # Safety
    ///
    /// `ptr..ptr + len` is initialised memory that stays valid and that
    /// nobody writes while `owner` lives.
    #[cfg_attr(not(any(feature = "ndarray", feature = "ndarray-0_16")), allow(dead_code))]
    pub(crate) unsafe fn from_foreign(ptr: NonNull<u8>, len: usize, owner: Box<dyn Any + Send + Sync>) -> Buffer {
        Buffer {
            ptr,
            len,
            writable: false,
            owner: Owner::Foreign(owner),
            file: None,
        }
    }

    /// Start of the bytes.
    pub fn as_ptr(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }
    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }
    /// True for a zero-length buffer.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// Whether writes are allowed (memory maps are read-only).
    pub fn is_writable(&self) -> bool {
        self.writable
    }
}

impl Drop for Buffer {
    fn drop(&mut self) {
        if let Owner::Anon(map) = &mut self.owner {
            alloc_count::note_free(self.len);
            if let (Some(map), Ok(mut pool)) = (map.take(), POOL.lock()) {
                if pool.bytes + self.len <= pool_limit() {
                    pool.bytes += self.len;
                    pool.maps.push((self.len, map));
                }
            }
            return;
        }
        if let Owner::Aligned(layout) = self.owner {
            if layout.size() != 0 {
                // SAFETY: allocated in `zeroed` with this layout.
                unsafe { alloc::dealloc(self.ptr.as_ptr(), layout) };
            }
        }
        if let Owner::Vec { cap, free, .. } = self.owner {
            // SAFETY: `ptr` and `cap` are the raw parts of the `Vec<T>`
            // adopted in `from_vec` (`free` is `free_vec::<T>`), owned by
            // nothing else since.
            unsafe { free(self.ptr.as_ptr(), cap) };
        }
    }
}
