//! The `hookwatch` binary: see the library's module map.

fn main() {}
