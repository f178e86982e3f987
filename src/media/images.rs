//! Pictures: the file to store (metadata removed, orientation applied),
//! its renditions for `srcset` in its own format and in WebP, and a
//! BlurHash placeholder.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

use super::clean::{self, Malformed};
use super::detect::{self, FileType};

/// Widths of the renditions; `thumbnail` is a square crop. None is larger
/// than the original: pictures are never upscaled.
pub const SIZES: [(&str, u32, bool); 5] = [
    ("thumbnail", 150, true),
    ("medium", 300, false),
    ("medium_large", 768, false),
    ("large", 1024, false),
    ("xlarge", 2048, false),
];

const JPEG_QUALITY: u8 = 85;
const WEBP_QUALITY: f32 = 80.0;

/// An encoded file with its size in pixels.
#[derive(Debug, Clone)]
pub struct Encoded {
    pub bytes: Vec<u8>,
    pub mime: &'static str,
    pub ext: &'static str,
    pub width: u32,
    pub height: u32,
}

/// What an uploaded picture becomes.
#[derive(Debug)]
pub struct Picture {
    /// The file to store: the upload without its metadata.
    pub original: Encoded,
    /// By name (`medium`, `medium.webp`, ...).
    pub renditions: Vec<(String, Encoded)>,
    pub placeholder: Option<String>,
}

/// Why a picture is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// Its header promises more pixels than the limit.
    TooManyPixels { width: u32, height: u32, limit: u64 },
    /// It is not a readable picture of its type.
    Unreadable(String),
    /// An AVIF with EXIF or XMP inside, which this server cannot remove.
    AvifWithMetadata,
}

impl From<Malformed> for Refused {
    fn from(m: Malformed) -> Self {
        Refused::Unreadable(m.0.to_string())
    }
}

fn unreadable(e: impl std::fmt::Display) -> Refused {
    Refused::Unreadable(e.to_string())
}

fn format_of(kind: FileType) -> ImageFormat {
    match kind.mime {
        "image/png" => ImageFormat::Png,
        "image/webp" => ImageFormat::WebP,
        "image/gif" => ImageFormat::Gif,
        _ => ImageFormat::Jpeg,
    }
}

/// The size a picture's header states, read before anything is decoded.
fn header_size(bytes: &[u8], kind: FileType) -> Result<(u32, u32), Refused> {
    ImageReader::with_format(Cursor::new(bytes), format_of(kind))
        .into_dimensions()
        .map_err(unreadable)
}

/// Processes an uploaded picture of type `kind` (already sniffed).
/// Refuses it, before decoding, if its header states more than
/// `max_pixels`.
pub fn process(bytes: &[u8], kind: FileType, max_pixels: u64) -> Result<Picture, Refused> {
    if kind == detect::AVIF {
        let (width, height, has_metadata) = clean::avif_facts(bytes)?;
        check_pixels(width, height, max_pixels)?;
        if has_metadata {
            return Err(Refused::AvifWithMetadata);
        }
        let original = Encoded {
            bytes: bytes.to_vec(),
            mime: kind.mime,
            ext: kind.ext,
            width,
            height,
        };
        return Ok(Picture {
            original,
            renditions: vec![],
            placeholder: None,
        });
    }
    let (width, height) = header_size(bytes, kind)?;
    check_pixels(width, height, max_pixels)?;

    // Remove metadata without touching the picture's own bytes; this also
    // refuses truncated files.
    let stripped = match kind.mime {
        "image/jpeg" => clean::jpeg(bytes)?,
        "image/png" => clean::png(bytes)?,
        "image/webp" => clean::webp(bytes)?,
        "image/gif" => clean::gif(bytes)?,
        _ => return Err(Refused::Unreadable("not a picture".into())),
    };
    let mut limits = Limits::default();
    limits.max_image_width = Some(width.max(1));
    limits.max_image_height = Some(height.max(1));
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format_of(kind));
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(unreadable)?;
    let orientation = decoder.orientation().map_err(unreadable)?;
    let mut img = DynamicImage::from_decoder(decoder).map_err(unreadable)?;

    let original = if orientation == image::metadata::Orientation::NoTransforms {
        let (w, h) = (img.width(), img.height());
        Encoded {
            bytes: stripped,
            mime: kind.mime,
            ext: kind.ext,
            width: w,
            height: h,
        }
    } else {
        // Turning the picture upright means encoding it again; that also
        // leaves every piece of metadata behind.
        img.apply_orientation(orientation);
        encode(&img, kind)?
    };
    let renditions = renditions(&img, kind)?;
    let placeholder = placeholder(&img);
    Ok(Picture {
        original,
        renditions,
        placeholder,
    })
}

fn check_pixels(width: u32, height: u32, limit: u64) -> Result<(), Refused> {
    if u64::from(width) * u64::from(height) > limit || width == 0 || height == 0 {
        return Err(if width == 0 || height == 0 {
            Refused::Unreadable("the picture has no pixels".into())
        } else {
            Refused::TooManyPixels {
                width,
                height,
                limit,
            }
        });
    }
    Ok(())
}

/// Renditions in the picture's own format (GIFs: PNG, as a still) and in
/// WebP, each made from the next larger one, which is much faster than
/// making each from the original.
fn renditions(img: &DynamicImage, kind: FileType) -> Result<Vec<(String, Encoded)>, Refused> {
    let own = if kind == detect::GIF {
        detect::PNG
    } else {
        kind
    };
    let mut out = Vec::new();
    let mut source = img.clone();
    for (name, width, square) in SIZES.iter().rev() {
        let made = if *square {
            if img.width() < *width || img.height() < *width {
                continue;
            }
            // From the smallest copy still large enough in both directions.
            let from = if source.width() >= *width && source.height() >= *width {
                &source
            } else {
                img
            };
            from.resize_to_fill(*width, *width, FilterType::Triangle)
        } else {
            if img.width() <= *width {
                continue;
            }
            let height = ((u64::from(img.height()) * u64::from(*width)) / u64::from(img.width()))
                .max(1) as u32;
            let resized = source.resize_exact(*width, height, FilterType::Triangle);
            source = resized.clone();
            resized
        };
        // Pushed largest first and reversed at the end: smallest first,
        // each size in its own format before WebP.
        out.push((format!("{name}.webp"), encode(&made, detect::WEBP)?));
        if own != detect::WEBP {
            out.push((name.to_string(), encode(&made, own)?));
        }
    }
    out.reverse();
    Ok(out)
}

/// Encodes `img` as `kind` (JPEG at quality 85, lossy WebP at 80, PNG).
pub fn encode(img: &DynamicImage, kind: FileType) -> Result<Encoded, Refused> {
    let (width, height) = (img.width(), img.height());
    let bytes = match kind.mime {
        "image/webp" => {
            let memory = if img.color().has_alpha() {
                let rgba = img.to_rgba8();
                webp::Encoder::from_rgba(&rgba, width, height)
                    .encode(WEBP_QUALITY)
                    .to_vec()
            } else {
                let rgb = img.to_rgb8();
                webp::Encoder::from_rgb(&rgb, width, height)
                    .encode(WEBP_QUALITY)
                    .to_vec()
            };
            memory
        }
        "image/png" | "image/gif" => {
            let mut buf = Vec::new();
            img.write_to(&mut Cursor::new(&mut buf), ImageFormat::Png)
                .map_err(unreadable)?;
            return Ok(Encoded {
                bytes: buf,
                mime: detect::PNG.mime,
                ext: detect::PNG.ext,
                width,
                height,
            });
        }
        _ => {
            let mut buf = Vec::new();
            let rgb = DynamicImage::ImageRgb8(img.to_rgb8());
            rgb.write_with_encoder(JpegEncoder::new_with_quality(&mut buf, JPEG_QUALITY))
                .map_err(unreadable)?;
            buf
        }
    };
    Ok(Encoded {
        bytes,
        mime: kind.mime,
        ext: kind.ext,
        width,
        height,
    })
}

/// A BlurHash of the picture (4 by 3 components), made from a small copy.
fn placeholder(img: &DynamicImage) -> Option<String> {
    let small = img.thumbnail(32, 32).to_rgba8();
    blurhash::encode(4, 3, small.width(), small.height(), small.as_raw()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let img = DynamicImage::ImageRgb8(image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 255) as u8, (y % 255) as u8, 90])
        }));
        encode(&img, detect::JPEG).unwrap().bytes
    }

    #[test]
    fn renditions_are_never_larger_than_the_original() {
        let picture = process(&jpeg(800, 400), detect::JPEG, 1_000_000).unwrap();
        let names: Vec<&str> = picture.renditions.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "thumbnail",
                "thumbnail.webp",
                "medium",
                "medium.webp",
                "medium_large",
                "medium_large.webp"
            ]
        );
        let medium = &picture.renditions[2].1;
        assert_eq!(
            (medium.width, medium.height, medium.mime),
            (300, 150, "image/jpeg")
        );
        assert_eq!(picture.renditions[1].1.mime, "image/webp");
        assert!(picture.placeholder.is_some());
        assert_eq!(
            (picture.original.width, picture.original.height),
            (800, 400)
        );
    }

    #[test]
    fn pixel_bombs_are_refused_from_the_header() {
        let refused = process(&jpeg(400, 300), detect::JPEG, 100_000).unwrap_err();
        assert_eq!(
            refused,
            Refused::TooManyPixels {
                width: 400,
                height: 300,
                limit: 100_000
            }
        );
    }
}
