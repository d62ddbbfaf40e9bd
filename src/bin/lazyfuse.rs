//! The `lazyfuse` command: see `lazyfuse --help`, README.md ("The command
//! line") and `src/cli/`.

use std::process::ExitCode;

#[global_allocator]
static ALLOC: lazyfuse::internals::alloc_count::CountingAlloc = lazyfuse::internals::alloc_count::CountingAlloc;

fn main() -> ExitCode {
    // A file-size limit (`ulimit -f`) makes writing past it an error
    // (EFBIG: reported, the output left untouched) instead of a SIGXFSZ
    // that kills the process with a temporary half written.
    // SAFETY: installs the "ignore" disposition, no handler code.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
    // A panic is a lazyfuse bug; still exit 1 with one line, never a signal.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("lazyfuse: internal error: {info}");
    }));
    // `std::env::args` panics on an argument that is not UTF-8.
    let args: Vec<String> = match std::env::args_os().skip(1).map(|a| a.into_string()).collect() {
        Ok(args) => args,
        Err(bad) => {
            let bad = bad.to_string_lossy().chars().take(60).collect::<String>();
            eprintln!("lazyfuse: argument '{bad}' is not valid UTF-8");
            return ExitCode::from(1);
        }
    };
    let mut stdout = std::io::stdout().lock();
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        lazyfuse::internals::cli::run(&args, &mut stdout)
    })) {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e)) => {
            eprintln!("lazyfuse: {e}");
            ExitCode::from(1)
        }
        Err(_) => ExitCode::from(1),
    }
}
