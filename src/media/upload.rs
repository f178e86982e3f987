//! From uploaded bytes to what is stored: the type from the bytes, the
//! claims checked against it, pictures cleaned and rendered, documents and
//! recordings measured. Pure computation: nothing is stored here.

use serde_json::{json, Map, Value};

use super::detect::{self, FileType};
use super::images::{self, Encoded, Refused};
use super::{content_key, probe};
use crate::db::Conn;
use crate::domain::MediaKind;
use crate::repo;
use crate::repo::media::{Described, NewMedia, NewRendition};

/// An uploaded file, with what the client said about it.
#[derive(Debug)]
pub struct Incoming {
    pub bytes: Vec<u8>,
    /// The `Content-Type` the client sent for the file.
    pub claimed: Option<String>,
    pub filename: Option<String>,
}

/// A file to put in the store.
#[derive(Debug, Clone)]
pub struct File {
    pub key: String,
    pub bytes: Vec<u8>,
    pub mime: &'static str,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

/// What an upload becomes.
#[derive(Debug)]
pub struct Processed {
    pub kind: MediaKind,
    pub original: File,
    /// By name: `medium`, `medium.webp`, ...
    pub renditions: Vec<(String, File)>,
    pub duration: Option<f64>,
    pub placeholder: Option<String>,
    /// Kind-specific facts: a PDF's page count, ...
    pub metadata: Value,
    pub filename: Option<String>,
    /// A title the file gives itself (a PDF's).
    pub title: Option<String>,
}

impl Processed {
    /// The original and every rendition.
    pub fn files(&self) -> impl Iterator<Item = &File> {
        std::iter::once(&self.original).chain(self.renditions.iter().map(|(_, f)| f))
    }
}

/// Why an upload is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejected {
    /// The file is empty.
    Empty,
    /// Not a type Nashr accepts (415).
    Unsupported(String),
    /// The client's type or file name disagrees with the bytes (415).
    Mismatch(String),
    /// The file name is not a plain name (422).
    Filename(String),
    /// The right type, but not usable (422).
    Unusable(String),
}

impl From<Encoded> for File {
    fn from(e: Encoded) -> File {
        File {
            key: content_key(&e.bytes, e.ext),
            bytes: e.bytes,
            mime: e.mime,
            width: Some(e.width),
            height: Some(e.height),
        }
    }
}

fn file(bytes: Vec<u8>, kind: FileType, size: Option<(u32, u32)>) -> File {
    File {
        key: content_key(&bytes, kind.ext),
        bytes,
        mime: kind.mime,
        width: size.map(|s| s.0),
        height: size.map(|s| s.1),
    }
}

/// A file name as clients may send it: a plain name, no folders, no
/// control characters, not hidden; at most 255 bytes. Names that were not
/// UTF-8 (decoded to U+FFFD), or that hide their extension behind a
/// bidirectional override, are refused too.
pub fn check_filename(name: &str) -> Result<String, Rejected> {
    let name = name.trim();
    let plain = !name.is_empty()
        && name.len() <= 255
        && !name.starts_with('.')
        && crate::domain::text::name_problem(name).is_none()
        && !name
            .chars()
            .any(|c| c == '/' || c == '\\' || c == '\u{FFFD}' || c.is_control());
    if plain {
        Ok(name.to_string())
    } else {
        Err(Rejected::Filename(format!(
            "`{}` is not a plain file name",
            name.escape_debug()
        )))
    }
}

pub fn process(incoming: Incoming, max_pixels: u64) -> Result<Processed, Rejected> {
    let Incoming {
        bytes,
        claimed,
        filename,
    } = incoming;
    if bytes.is_empty() {
        return Err(Rejected::Empty);
    }
    let filename = filename.map(|f| check_filename(&f)).transpose()?;
    let kind = detect::sniff(&bytes).ok_or_else(|| {
        Rejected::Unsupported(
            "the file is not one of JPEG, PNG, WebP, GIF, AVIF, PDF, MP3, M4A, AAC, MP4 or WebM \
             (SVG is refused: it can carry scripts)"
                .into(),
        )
    })?;
    if let Some(claim) = detect::claimed(claimed.as_deref()) {
        if claim != kind.mime {
            return Err(Rejected::Mismatch(format!(
                "the file is {}, not {claim} as sent",
                kind.mime
            )));
        }
    }
    if let Some(by_name) = filename.as_deref().and_then(detect::by_extension) {
        if by_name != kind.mime {
            return Err(Rejected::Mismatch(format!(
                "the file is {}, but its name says {by_name}",
                kind.mime
            )));
        }
    }

    let mut metadata = Map::new();
    let mut title = None;
    let mut duration = None;
    let (original, renditions, placeholder) = match kind.kind {
        MediaKind::Image => {
            let picture = images::process(&bytes, kind, max_pixels).map_err(|refused| match refused {
                Refused::TooManyPixels { width, height, limit } => Rejected::Unusable(format!(
                    "the picture is {width}x{height}, more than the {limit} pixels allowed"
                )),
                Refused::Unreadable(why) => Rejected::Unusable(format!("the picture cannot be read: {why}")),
                Refused::AvifWithMetadata => Rejected::Unusable(
                    "this AVIF carries EXIF or XMP metadata, which cannot be removed here; export it without metadata"
                        .into(),
                ),
            })?;
            let renditions = picture
                .renditions
                .into_iter()
                .map(|(name, r)| (name, File::from(r)))
                .collect();
            (
                File::from(picture.original),
                renditions,
                picture.placeholder,
            )
        }
        MediaKind::Document => {
            // lopdf reads hostile files; a panic there is a refusal, not a 500.
            let facts = std::panic::catch_unwind(|| probe::pdf_facts(&bytes))
                .ok()
                .flatten();
            let (pages, pdf_title) =
                facts.ok_or_else(|| Rejected::Unusable("the PDF cannot be read".into()))?;
            metadata.insert("page_count".into(), json!(pages));
            title = pdf_title;
            (file(bytes, kind, None), vec![], None)
        }
        _ => {
            let (seconds, frame) = match kind.mime {
                "video/mp4" | "audio/mp4" => {
                    (probe::mp4_duration(&bytes), probe::mp4_frame(&bytes))
                }
                "audio/mpeg" => (probe::mp3_duration(&bytes), None),
                "video/webm" => (probe::webm_duration(&bytes), None),
                _ => (None, None),
            };
            duration = seconds.map(|s| (s * 1000.0).round() / 1000.0);
            (file(bytes, kind, frame), vec![], None)
        }
    };
    Ok(Processed {
        kind: kind.kind,
        original,
        renditions,
        duration,
        placeholder,
        metadata: Value::Object(metadata),
        filename,
        title,
    })
}

/// Writes the row of an upload whose files are stored, and its
/// renditions; answers its id.
pub fn insert(
    conn: &mut Conn,
    processed: &Processed,
    described: &Described<'_>,
) -> diesel::QueryResult<i64> {
    let original = &processed.original;
    let metadata = processed.metadata.to_string();
    let renditions: Vec<NewRendition<'_>> = processed
        .renditions
        .iter()
        .map(|(name, f)| NewRendition {
            media_id: 0,
            name,
            storage_key: &f.key,
            mime_type: f.mime,
            width: f.width.unwrap_or_default() as i32,
            height: f.height.unwrap_or_default() as i32,
            file_size: f.bytes.len() as i64,
        })
        .collect();
    repo::media::insert(
        conn,
        &NewMedia {
            storage_key: Some(&original.key),
            source_url: None,
            original_filename: processed.filename.as_deref(),
            mime_type: original.mime,
            file_size: Some(original.bytes.len() as i64),
            width: original.width.map(|w| w as i32),
            height: original.height.map(|h| h as i32),
            duration: processed.duration,
            placeholder: processed.placeholder.as_deref(),
            metadata: &metadata,
            ..NewMedia::described(processed.kind, described)
        },
        &renditions,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn incoming(bytes: &[u8], claimed: Option<&str>, filename: Option<&str>) -> Incoming {
        Incoming {
            bytes: bytes.to_vec(),
            claimed: claimed.map(str::to_owned),
            filename: filename.map(str::to_owned),
        }
    }

    #[test]
    fn claims_and_names_must_agree_with_the_bytes() {
        let png = {
            let img = image::DynamicImage::ImageRgb8(image::RgbImage::new(4, 4));
            images::encode(&img, detect::PNG).unwrap().bytes
        };
        assert!(process(incoming(&png, Some("image/png"), Some("a.png")), 1000).is_ok());
        assert!(matches!(
            process(incoming(&png, Some("image/jpeg"), None), 1000),
            Err(Rejected::Mismatch(_))
        ));
        assert!(matches!(
            process(incoming(&png, None, Some("renamed.jpg")), 1000),
            Err(Rejected::Mismatch(_))
        ));
        assert!(matches!(
            process(incoming(b"<html><script>", Some("image/png"), None), 1000),
            Err(Rejected::Unsupported(_))
        ));
        assert_eq!(
            process(incoming(b"", None, None), 1000).unwrap_err(),
            Rejected::Empty
        );
        for bad in [
            "../../etc/passwd",
            "a\\b.png",
            ".htaccess",
            "line\nbreak.png",
            "",
        ] {
            assert!(
                matches!(
                    process(incoming(&png, None, Some(bad)), 1000),
                    Err(Rejected::Filename(_))
                ),
                "{bad:?}"
            );
        }
    }
}
