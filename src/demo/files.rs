//! Files for the demo's media items, made on the spot: pictures drawn from
//! a seed (so every run makes the same bytes, stored once) and small PDFs.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};

use std::sync::Mutex;

use crate::media::content_key;

/// The files the demo makes, to be put in the media store before its rows
/// are written: `(key, bytes, media type)`.
#[derive(Debug, Default)]
pub struct Files(Mutex<Vec<(String, Vec<u8>, &'static str)>>);

impl Files {
    /// Keeps `bytes` and answers their content-addressed key.
    fn add(&self, bytes: Vec<u8>, ext: &str, mime: &'static str) -> String {
        let key = content_key(&bytes, ext);
        self.0
            .lock()
            .expect("no panics while adding")
            .push((key.clone(), bytes, mime));
        key
    }

    pub fn into_inner(self) -> Vec<(String, Vec<u8>, &'static str)> {
        self.0.into_inner().expect("no panics while adding")
    }
}

/// A stored file and how to describe it.
#[derive(Debug, Clone)]
pub struct StoredFile {
    pub key: String,
    pub mime_type: &'static str,
    pub file_size: i64,
    pub width: Option<i32>,
    pub height: Option<i32>,
}

/// A stored picture with its renditions (`thumbnail`, `medium`).
#[derive(Debug, Clone)]
pub struct StoredImage {
    pub original: StoredFile,
    pub renditions: Vec<(&'static str, StoredFile)>,
}

/// Draws a landscape poster: a sky gradient, a sun and layered hills, in
/// colours picked from `seed`.
fn poster(seed: u32, width: u32, height: u32) -> RgbImage {
    let hue = |n: u32| -> [f32; 3] {
        let h = ((seed.wrapping_mul(2_654_435_761).wrapping_add(n * 97)) % 360) as f32;
        let c = 0.65;
        let x = c * (1.0 - ((h / 60.0) % 2.0 - 1.0).abs());
        let (r, g, b) = match (h / 60.0) as u32 {
            0 => (c, x, 0.0),
            1 => (x, c, 0.0),
            2 => (0.0, c, x),
            3 => (0.0, x, c),
            4 => (x, 0.0, c),
            _ => (c, 0.0, x),
        };
        [r + 0.25, g + 0.25, b + 0.25]
    };
    let (sky_top, sky_low, land) = (hue(0), hue(1), hue(2));
    let sun_x = width as f32 * (0.2 + (seed % 7) as f32 * 0.09);
    let sun_y = height as f32 * 0.35;
    let sun_r = height as f32 * 0.12;
    let to_rgb = |px: [f32; 3]| Rgb(px.map(|v| (v.clamp(0.0, 1.0) * 255.0) as u8));
    // Where each hill layer starts, per column; the sky colour, per row.
    let ridges: Vec<[f32; 3]> = (0..width)
        .map(|x| {
            std::array::from_fn(|layer| {
                let base = height as f32 * (0.6 + layer as f32 * 0.12);
                let phase = x as f32 / width as f32 * (3.0 + layer as f32) + seed as f32;
                base + phase.sin() * height as f32 * 0.05
            })
        })
        .collect();
    let sky: Vec<Rgb<u8>> = (0..height)
        .map(|y| {
            let t = y as f32 / height as f32;
            to_rgb(std::array::from_fn(|i| {
                sky_top[i] * (1.0 - t) + sky_low[i] * t
            }))
        })
        .collect();
    let hills: [Rgb<u8>; 3] =
        std::array::from_fn(|layer| to_rgb(land.map(|v| v * (1.0 - layer as f32 * 0.25))));
    let sun = to_rgb([1.0, 0.93, 0.7]);
    // Plain loops: this runs unoptimised in debug builds.
    let mut raw = vec![0u8; (width * height * 3) as usize];
    for x in 0..width {
        let ridge = ridges[x as usize];
        let dx2 = (x as f32 - sun_x).powi(2);
        for y in 0..height {
            let fy = y as f32;
            let px = if fy > ridge[2] {
                hills[2]
            } else if fy > ridge[1] {
                hills[1]
            } else if fy > ridge[0] {
                hills[0]
            } else if dx2 + (fy - sun_y).powi(2) < sun_r * sun_r {
                sun
            } else {
                sky[y as usize]
            };
            let at = ((y * width + x) * 3) as usize;
            raw[at..at + 3].copy_from_slice(&px.0);
        }
    }
    RgbImage::from_raw(width, height, raw).expect("the buffer fits the size")
}

fn encode(img: &DynamicImage, format: ImageFormat) -> Result<Vec<u8>, image::ImageError> {
    let mut buf = Vec::new();
    match format {
        ImageFormat::Jpeg => img.write_with_encoder(JpegEncoder::new_with_quality(&mut buf, 82))?,
        other => img.write_to(&mut Cursor::new(&mut buf), other)?,
    }
    Ok(buf)
}

fn store(
    files: &Files,
    img: &DynamicImage,
    format: ImageFormat,
) -> Result<StoredFile, DemoFileError> {
    let (ext, mime_type) = match format {
        ImageFormat::Png => ("png", "image/png"),
        _ => ("jpg", "image/jpeg"),
    };
    let bytes = encode(img, format)?;
    let file_size = bytes.len() as i64;
    Ok(StoredFile {
        key: files.add(bytes, ext, mime_type),
        mime_type,
        file_size,
        width: Some(img.width() as i32),
        height: Some(img.height() as i32),
    })
}

#[derive(Debug, thiserror::Error)]
pub enum DemoFileError {
    #[error("could not draw a demo picture: {0}")]
    Image(#[from] image::ImageError),
}

/// Draws and stores a picture with its renditions.
pub fn picture(to: &Files, seed: u32, format: ImageFormat) -> Result<StoredImage, DemoFileError> {
    let img = DynamicImage::ImageRgb8(poster(seed, 1200, 800));
    let thumbnail = img.resize_to_fill(150, 150, FilterType::Triangle);
    let medium = img.resize(300, 300, FilterType::Triangle);
    Ok(StoredImage {
        original: store(to, &img, format)?,
        renditions: vec![
            ("thumbnail", store(to, &thumbnail, format)?),
            ("medium", store(to, &medium, format)?),
        ],
    })
}

/// A one-page PDF with a title in its document information.
pub fn pdf(to: &Files, title: &str, line: &str) -> Result<StoredFile, DemoFileError> {
    let ascii = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_ascii() && !matches!(c, '(' | ')' | '\\'))
            .collect()
    };
    let (title, line) = (ascii(title), ascii(line));
    let stream = format!("BT /F1 28 Tf 72 720 Td ({title}) Tj 0 -40 Td /F1 12 Tf ({line}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R \
         /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_string(),
        format!(
            "<< /Length {} >>\nstream\n{stream}\nendstream",
            stream.len()
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
        format!("<< /Title ({title}) /Producer (Nashr demo) >>"),
    ];
    let mut out = String::from("%PDF-1.4\n");
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.push_str(&format!("{} 0 obj\n{body}\nendobj\n", i + 1));
    }
    let xref = out.len();
    out.push_str(&format!(
        "xref\n0 {}\n0000000000 65535 f \n",
        objects.len() + 1
    ));
    for offset in offsets {
        out.push_str(&format!("{offset:010} 00000 n \n"));
    }
    out.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R /Info 6 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    ));
    let bytes = out.into_bytes();
    let file_size = bytes.len() as i64;
    Ok(StoredFile {
        key: to.add(bytes, "pdf", "application/pdf"),
        mime_type: "application/pdf",
        file_size,
        width: None,
        height: None,
    })
}
