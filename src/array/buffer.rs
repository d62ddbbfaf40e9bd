//! Reference-counted raw storage behind every [`Array`](crate::Array).
//!
//! A `Buffer` is bytes plus who owns them: a 64-byte-aligned allocation of
//! our own, a read-only memory map of a `.npy` file, or a `Vec` adopted
//! without copying from `ndarray`. Arrays share one `Arc<Buffer>` between a
//! base and all of its views, as NumPy does.

use std::alloc::{self, Layout};
use std::any::Any;
use std::ptr::NonNull;

/// Alignment of buffers lazyfuse allocates: a cache line, so vector loads of
/// a contiguous array never straddle one at the start.
pub const ALIGN: usize = 64;

enum Owner {
    /// Allocated here with `Layout { size, ALIGN }` (size 0: dangling, no alloc).
    Aligned(Layout),
    /// A read-only file mapping.
    Mmap(#[allow(dead_code)] memmap2::Mmap),
    /// Some other owner kept alive until the buffer drops (e.g. a `Vec<T>`).
    Foreign(#[allow(dead_code)] Box<dyn Any + Send + Sync>),
}

/// Raw bytes with an owner. Interior mutability is deliberate: like NumPy,
/// views of one base alias, and `eval_into` writes through the shared buffer.
pub struct Buffer {
    ptr: NonNull<u8>,
    len: usize,
    writable: bool,
    owner: Owner,
}

// SAFETY: the buffer is plain bytes; the owner types are Send + Sync. Writes
// happen only through `&mut Array` entry points (documented aliasing model).
unsafe impl Send for Buffer {}
unsafe impl Sync for Buffer {}

impl Buffer {
    /// A zero-filled, 64-byte-aligned buffer of `len` bytes.
    pub fn zeroed(len: usize) -> Buffer {
        if len == 0 {
            return Buffer {
                ptr: NonNull::new(ALIGN as *mut u8).expect("non-null"),
                len: 0,
                writable: true,
                owner: Owner::Aligned(Layout::from_size_align(0, ALIGN).expect("layout")),
            };
        }
        let layout = Layout::from_size_align(len, ALIGN).expect("buffer size overflows");
        // SAFETY: layout has non-zero size.
        let p = unsafe { alloc::alloc_zeroed(layout) };
        let ptr = NonNull::new(p).unwrap_or_else(|| alloc::handle_alloc_error(layout));
        Buffer {
            ptr,
            len,
            writable: true,
            owner: Owner::Aligned(layout),
        }
    }

    /// Copies `bytes` into a new aligned buffer.
    pub fn from_bytes(bytes: &[u8]) -> Buffer {
        let b = Buffer::zeroed(bytes.len());
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
        }
    }

    /// Adopts a `Vec<T>` without copying.
    pub fn from_vec<T: Copy + Send + Sync + 'static>(mut v: Vec<T>) -> Buffer {
        let len = v.len() * std::mem::size_of::<T>();
        let ptr = NonNull::new(v.as_mut_ptr() as *mut u8).expect("vec pointer");
        Buffer {
            ptr,
            len,
            writable: true,
            owner: Owner::Foreign(Box::new(v)),
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
        if let Owner::Aligned(layout) = self.owner {
            if layout.size() != 0 {
                // SAFETY: allocated in `zeroed` with this layout.
                unsafe { alloc::dealloc(self.ptr.as_ptr(), layout) };
            }
        }
    }
}
