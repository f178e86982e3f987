//! Files for the demo's media items, made on the spot (pictures drawn from
//! a seed, so every run makes the same bytes, stored once; small PDFs; a
//! short MP3) and processed exactly as uploads are: sniffed, cleaned, with
//! renditions and placeholders.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};

use crate::media::upload::{self, Incoming, Processed, Rejected};

#[derive(Debug, thiserror::Error)]
pub enum DemoFileError {
    #[error("could not draw a demo picture: {0}")]
    Image(#[from] image::ImageError),
    #[error("a demo file was refused: {0:?}")]
    Refused(Rejected),
}

/// Processes a made file as an upload named `filename`.
fn upload(bytes: Vec<u8>, filename: String) -> Result<Processed, DemoFileError> {
    let incoming = Incoming {
        bytes,
        claimed: None,
        filename: Some(filename),
    };
    upload::process(incoming, u64::MAX).map_err(DemoFileError::Refused)
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

/// Draws a 1200x800 picture (`name.jpg`, or `name.png` for PNG) and
/// processes it as an upload.
pub fn picture(seed: u32, format: ImageFormat, name: &str) -> Result<Processed, DemoFileError> {
    let img = DynamicImage::ImageRgb8(poster(seed, 1200, 800));
    let mut bytes = Vec::new();
    let ext = match format {
        ImageFormat::Jpeg => {
            img.write_with_encoder(JpegEncoder::new_with_quality(&mut bytes, 82))?;
            "jpg"
        }
        other => {
            img.write_to(&mut Cursor::new(&mut bytes), other)?;
            "png"
        }
    };
    upload(bytes, format!("{name}.{ext}"))
}

/// A PDF with `title` in its document information and one page per line
/// of `pages`, in Helvetica (Latin letters only: others are left out).
pub fn pdf_bytes(title: &str, pages: &[&str]) -> Vec<u8> {
    let latin = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_ascii() && !matches!(c, '(' | ')' | '\\'))
            .collect()
    };
    let title = latin(title);
    // 1 catalog, 2 page tree, 3 font, 4 information, then each page and
    // its content stream.
    let kids: Vec<String> = (0..pages.len())
        .map(|i| format!("{} 0 R", 5 + 2 * i))
        .collect();
    let mut objects = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            kids.join(" "),
            pages.len()
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
        format!("<< /Title ({title}) /Producer (Nashr) >>"),
    ];
    for (i, line) in pages.iter().enumerate() {
        let stream = format!(
            "BT /F1 28 Tf 72 720 Td ({title}) Tj 0 -40 Td /F1 12 Tf ({}) Tj ET",
            latin(line)
        );
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {} 0 R \
             /Resources << /Font << /F1 3 0 R >> >> >>",
            6 + 2 * i
        ));
        objects.push(format!(
            "<< /Length {} >>\nstream\n{stream}\nendstream",
            stream.len()
        ));
    }
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
        "trailer\n<< /Size {} /Root 1 0 R /Info 4 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    ));
    out.into_bytes()
}

/// A one-page PDF book, processed as an upload named `name.pdf`.
pub fn pdf(title: &str, line: &str, name: &str) -> Result<Processed, DemoFileError> {
    upload(pdf_bytes(title, &[line]), format!("{name}.pdf"))
}

/// An MP4 container whose movie header states `seconds`, with no tracks
/// (nothing to play: it stands for a video file in the demo and tests).
pub fn mp4_bytes(seconds: u32) -> Vec<u8> {
    let isobox = |kind: &[u8; 4], body: &[u8]| {
        let mut b = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        b.extend_from_slice(kind);
        b.extend_from_slice(body);
        b
    };
    // Version, flags, creation and modification times; a time scale of
    // 1000; the duration; rate, volume, matrix and the rest left zero.
    let mut mvhd = vec![0u8; 12];
    mvhd.extend_from_slice(&1000u32.to_be_bytes());
    mvhd.extend_from_slice(&(seconds * 1000).to_be_bytes());
    mvhd.extend_from_slice(&[0; 80]);
    [
        isobox(b"ftyp", b"isom\0\0\x02\0isomiso2mp41"),
        isobox(b"moov", &isobox(b"mvhd", &mvhd)),
        isobox(b"mdat", &[0; 64]),
    ]
    .concat()
}

/// A video file of `seconds`, processed as an upload named `name.mp4`.
pub fn video(seconds: u32, name: &str) -> Result<Processed, DemoFileError> {
    upload(mp4_bytes(seconds), format!("{name}.mp4"))
}

/// An MP3 of `seconds` of silence (MPEG-1 layer III, 32 kbit/s, 32 kHz,
/// mono: 144-byte frames of 36 ms), processed as an upload named `name.mp3`.
pub fn silent_mp3(seconds: u32, name: &str) -> Result<Processed, DemoFileError> {
    let frames = seconds as usize * 32_000 / 1152;
    let mut bytes = Vec::with_capacity(frames * 144);
    for _ in 0..frames {
        bytes.extend_from_slice(&[0xFF, 0xFB, 0x18, 0xC0]);
        bytes.extend_from_slice(&[0; 140]);
    }
    upload(bytes, format!("{name}.mp3"))
}
