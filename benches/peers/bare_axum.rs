//! Benchmark baseline: a bare axum server answering every POST with 200 and doing no work
//! (it reads the body, as any receiver must). Usage: bare_axum ADDR

use axum::Router;
use axum::body::Bytes;
use axum::routing::post;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8790".into());
    let app = Router::new().fallback(post(|_body: Bytes| async { "{\"received\":true}" }));
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    axum::serve(listener, app).await
}
