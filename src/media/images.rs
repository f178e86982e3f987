//! Pictures: the file to store (metadata removed, orientation applied),
//! its renditions for `srcset` in its own format and in WebP, and a
//! BlurHash placeholder.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
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
    pub renditions: Renditions,
    pub placeholder: Option<String>,
}

/// Renditions by name (`medium`, `medium.webp`, ...).
pub type Renditions = Vec<(String, Encoded)>;

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

    // Turning the picture upright means encoding it again; that also
    // leaves every piece of metadata behind.
    let upright = orientation != image::metadata::Orientation::NoTransforms;
    if upright {
        img.apply_orientation(orientation);
    }
    let sizes = resized(&img)?;
    let (renditions, reencoded) = renditions(&sizes, kind, upright.then_some((&img, kind)))?;
    let original = reencoded.unwrap_or(Encoded {
        bytes: stripped,
        mime: kind.mime,
        ext: kind.ext,
        width: img.width(),
        height: img.height(),
    });
    // From the smallest copy of the whole picture.
    let placeholder = placeholder(
        sizes
            .iter()
            .find(|size| !size.square)
            .map_or(&img, |size| &size.made),
    );
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

/// Renditions of `sizes` in the picture's own format (GIFs: PNG, as a
/// still) and in WebP, encoded on every core, as this is the bulk of the
/// work. `also` is encoded alongside them (the original, when turning it
/// upright means encoding it again).
fn renditions(
    sizes: &[Size],
    kind: FileType,
    also: Option<(&DynamicImage, FileType)>,
) -> Result<(Renditions, Option<Encoded>), Refused> {
    let own = if kind == detect::GIF {
        detect::PNG
    } else {
        kind
    };
    // Largest first, so that no core is left with a big one at the end.
    let mut jobs: Vec<(Option<String>, &DynamicImage, FileType)> = also
        .map(|(img, kind)| (None, img, kind))
        .into_iter()
        .collect();
    for Size { name, made, .. } in sizes.iter().rev() {
        jobs.push((Some(format!("{name}.webp")), made, detect::WEBP));
        if own != detect::WEBP {
            jobs.push((Some(name.to_string()), made, own));
        }
    }
    let mut out = Vec::new();
    let mut other = None;
    for ((name, _, _), encoded) in jobs
        .iter()
        .zip(in_parallel(&jobs, |(_, img, kind)| encode(img, *kind)))
    {
        match name {
            Some(name) => out.push((name.clone(), encoded?)),
            None => other = Some(encoded?),
        }
    }
    // Smallest first, each size in its own format before WebP.
    out.reverse();
    Ok((out, other))
}

/// A picture made smaller.
struct Size {
    name: &'static str,
    /// Cropped to a square.
    square: bool,
    made: DynamicImage,
}

/// The picture at every size of `SIZES` it is larger than, smallest first,
/// each resized (SIMD Lanczos) from the next larger one, which is much
/// faster than from the original.
fn resized(img: &DynamicImage) -> Result<Vec<Size>, Refused> {
    use fast_image_resize::{ResizeOptions, Resizer};
    let mut resizer = Resizer::new();
    let mut resize = |from: &DynamicImage, width: u32, height: u32, crop: bool| {
        let mut to = DynamicImage::new(width, height, from.color());
        let options = ResizeOptions::new();
        let options = if crop {
            options.fit_into_destination(None)
        } else {
            options
        };
        resizer
            .resize(from, &mut to, &options)
            .map(|()| to)
            .map_err(unreadable)
    };
    let mut out: Vec<Size> = Vec::new();
    for (name, width, square) in SIZES.iter().rev() {
        // From the smallest copy made so far that is still large enough.
        let larger = |w: u32, h: u32| {
            out.iter()
                .rev()
                .map(|size| &size.made)
                .find(|made| made.width() >= w && made.height() >= h)
                .unwrap_or(img)
        };
        let made = if *square {
            if img.width() < *width || img.height() < *width {
                continue;
            }
            resize(larger(*width, *width), *width, *width, true)?
        } else {
            if img.width() <= *width {
                continue;
            }
            let height = ((u64::from(img.height()) * u64::from(*width)) / u64::from(img.width()))
                .max(1) as u32;
            resize(larger(*width, height), *width, height, false)?
        };
        out.push(Size {
            name,
            square: *square,
            made,
        });
    }
    out.reverse();
    Ok(out)
}

/// `work` done on each of `jobs` on as many threads as there are cores,
/// the results in the jobs' order.
fn in_parallel<T: Sync, R: Send>(jobs: &[T], work: impl Fn(&T) -> R + Sync) -> Vec<R> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(jobs.len());
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let at = next.fetch_add(1, Ordering::Relaxed);
                        let Some(job) = jobs.get(at) else { break };
                        mine.push((at, work(job)));
                    }
                    mine
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| {
                worker
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    done.sort_by_key(|(at, _)| *at);
    done.into_iter().map(|(_, result)| result).collect()
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
