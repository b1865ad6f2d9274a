//! The `sakip` binary: parses the command line and hands over to `cli`.

mod cli;

fn main() {
    let code = cli::main();
    write_peak_rss();
    std::process::exit(code);
}

/// With `SAKIP_PEAK_RSS_FILE` set, write this process's peak resident
/// memory (Linux `VmHWM`, in bytes) to that file at exit: how `sakip bench`
/// measures the memory of `sakip verify` and `sakip rebuild`.
fn write_peak_rss() {
    let Some(path) = std::env::var_os("SAKIP_PEAK_RSS_FILE") else {
        return;
    };
    let peak = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        });
    if let Some(kb) = peak {
        let _ = std::fs::write(path, (kb * 1024).to_string());
    }
}
