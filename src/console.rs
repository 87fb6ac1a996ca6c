//! Printing that never panics: a closed pipe (`dangjian build | head -1`)
//! or a closed terminal must not turn a finished build into a crash.

/// `outln!` that ignores a closed or failing stdout.
#[macro_export]
macro_rules! outln {
    ($($arg:tt)*) => {{
        use ::std::io::Write as _;
        let _ = ::std::writeln!(::std::io::stdout().lock(), $($arg)*);
    }};
}

/// `errln!` that ignores a closed or failing stderr.
#[macro_export]
macro_rules! errln {
    ($($arg:tt)*) => {{
        use ::std::io::Write as _;
        let _ = ::std::writeln!(::std::io::stderr().lock(), $($arg)*);
    }};
}
