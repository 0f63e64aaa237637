//! What the host's examples share.

use std::sync::Arc;

use imbot_like_host::{Host, serve};

/// Serves `host` on a free port of 127.0.0.1 from a background runtime;
/// its base URL.
pub fn start(host: Arc<Host>) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.set_nonblocking(true).expect("non-blocking");
    let base = format!("http://{}", listener.local_addr().expect("an address"));
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("a listener");
            serve(listener, host).await.expect("serving");
        });
    });
    base
}
