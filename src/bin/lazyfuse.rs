//! The `lazyfuse` command: see `lazyfuse --help` and SPEC §6.

use std::process::ExitCode;

#[global_allocator]
static ALLOC: lazyfuse::alloc_count::CountingAlloc = lazyfuse::alloc_count::CountingAlloc;

fn main() -> ExitCode {
    // A panic is a lazyfuse bug; still exit 1 with one line, never a signal.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("lazyfuse: internal error: {info}");
    }));
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut stdout = std::io::stdout().lock();
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| lazyfuse::cli::run(&args, &mut stdout))) {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e)) => {
            eprintln!("lazyfuse: {e}");
            ExitCode::from(1)
        }
        Err(_) => ExitCode::from(1),
    }
}
