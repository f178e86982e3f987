//! Compression of public responses: brotli or gzip, as the client prefers.

use std::io::Write;

use actix_web::http::header::{self, HeaderMap};

/// A content coding the server can apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Coding {
    Brotli,
    Gzip,
}

impl Coding {
    pub fn token(self) -> &'static str {
        match self {
            Coding::Brotli => "br",
            Coding::Gzip => "gzip",
        }
    }

    /// The coding the client prefers among those it accepts (`q` > 0),
    /// brotli first on a tie.
    pub fn negotiate(headers: &HeaderMap) -> Option<Coding> {
        let mut best: Option<(Coding, f32)> = None;
        for value in headers.get_all(header::ACCEPT_ENCODING) {
            let Ok(value) = value.to_str() else { continue };
            for item in value.split(',') {
                let mut parts = item.split(';');
                let name = parts.next().unwrap_or("").trim().to_ascii_lowercase();
                let q = parts
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .unwrap_or(1.0);
                let coding = match name.as_str() {
                    "br" => Coding::Brotli,
                    "gzip" | "x-gzip" => Coding::Gzip,
                    _ => continue,
                };
                if q <= 0.0 {
                    continue;
                }
                let better = match best {
                    None => true,
                    Some((b, bq)) => q > bq || (q == bq && coding == Coding::Brotli && b != coding),
                };
                if better {
                    best = Some((coding, q));
                }
            }
        }
        best.map(|(c, _)| c)
    }

    pub fn encode(self, bytes: &[u8]) -> std::io::Result<Vec<u8>> {
        match self {
            Coding::Brotli => {
                let mut out = Vec::with_capacity(bytes.len() / 4);
                {
                    let mut writer = brotli::CompressorWriter::new(&mut out, 16 * 1024, 5, 22);
                    writer.write_all(bytes)?;
                }
                Ok(out)
            }
            Coding::Gzip => {
                let mut encoder = flate2::write::GzEncoder::new(
                    Vec::with_capacity(bytes.len() / 4),
                    flate2::Compression::new(6),
                );
                encoder.write_all(bytes)?;
                encoder.finish()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn accepting(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            HeaderName::from_static("accept-encoding"),
            HeaderValue::from_str(value).unwrap(),
        );
        h
    }

    #[test]
    fn codings_are_negotiated_by_quality() {
        assert_eq!(
            Coding::negotiate(&accepting("gzip, deflate, br")),
            Some(Coding::Brotli)
        );
        assert_eq!(
            Coding::negotiate(&accepting("gzip;q=1, br;q=0.5")),
            Some(Coding::Gzip)
        );
        assert_eq!(Coding::negotiate(&accepting("br;q=0, gzip;q=0")), None);
        assert_eq!(Coding::negotiate(&accepting("identity")), None);
        assert_eq!(Coding::negotiate(&HeaderMap::new()), None);
    }
}
