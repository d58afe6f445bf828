//! The `stack` binary: build the runtime, run, exit with the code stack chose.

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime can be built on any supported platform");
    let code = runtime.block_on(stack::run(std::env::args_os().collect()));
    std::process::exit(code);
}
