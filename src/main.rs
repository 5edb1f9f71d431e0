//! The `chemodose` command: a thin layer over the library's command layer
//! (`chemodose::cli`), which parses the command line, calls the library and
//! prints; nothing else prints or exits.

fn main() -> std::process::ExitCode {
    chemodose::cli::run()
}

/// jemalloc, not the C library's malloc: `serve` makes about a thousand
/// small allocations a request, most of which overflowed glibc's per-thread
/// cache; with jemalloc a dose API request takes a fifth fewer
/// instructions, for 5 to 7 MB more at the peak of `batch` and `lines
/// derive` (docs/performance.md, "Fifth round"). The library leaves the
/// allocator to the program that links it (the Python module keeps its own).
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;
