//! The ceiling for the read benchmark (`benches/reads.sh`): a bare
//! actix-web server that answers every request with the same bytes, read
//! once from a file (Nashr's list page 1), with no database, routing,
//! caching or compression. Nashr's cached reads are reported as a share
//! of what this answers on the same machine.
//!
//!     cargo run --release --example ceiling -- body.json 127.0.0.1:8099

use actix_web::{web, App, HttpResponse, HttpServer};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(file), Some(addr)) = (args.next(), args.next()) else {
        eprintln!("usage: ceiling <body file> <address>");
        std::process::exit(2);
    };
    let body = web::Bytes::from(std::fs::read(file)?);
    HttpServer::new(move || {
        let body = body.clone();
        App::new().default_service(web::to(move || {
            let body = body.clone();
            async move {
                HttpResponse::Ok()
                    .content_type("application/json")
                    .body(body)
            }
        }))
    })
    .workers(2)
    .bind(addr)?
    .run()
    .await
}
