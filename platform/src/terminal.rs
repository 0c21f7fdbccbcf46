//! The width of the terminal standard output goes to, for wrapping text
//! output: `COLUMNS` when set, else what the OS says, else `None`.

/// Columns of the terminal on standard output, if it is one.
pub fn width() -> Option<usize> {
    if let Some(c) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c >= 20)
    {
        return Some(c);
    }
    os_width().filter(|&c| c >= 20)
}

#[cfg(unix)]
fn os_width() -> Option<usize> {
    // SAFETY: TIOCGWINSZ writes a winsize into the struct we pass; a
    // failing call (not a terminal) leaves it zeroed.
    let mut ws = libc::winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    let rc = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut ws) };
    (rc == 0 && ws.ws_col > 0).then_some(ws.ws_col as usize)
}

#[cfg(windows)]
fn os_width() -> Option<usize> {
    use windows_sys::Win32::System::Console::{
        GetConsoleScreenBufferInfo, GetStdHandle, CONSOLE_SCREEN_BUFFER_INFO, STD_OUTPUT_HANDLE,
    };
    // SAFETY: the handle comes from GetStdHandle; the info struct is
    // plain data the call fills in, and it is read only on success.
    unsafe {
        let h = GetStdHandle(STD_OUTPUT_HANDLE);
        let mut info: CONSOLE_SCREEN_BUFFER_INFO = std::mem::zeroed();
        if GetConsoleScreenBufferInfo(h, &mut info) == 0 {
            return None;
        }
        let cols = info.srWindow.Right - info.srWindow.Left + 1;
        (cols > 0).then_some(cols as usize)
    }
}

#[cfg(not(any(unix, windows)))]
fn os_width() -> Option<usize> {
    None
}
