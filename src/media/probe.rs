//! Facts that files state about themselves, read without external programs:
//! the duration of MP4, M4A, MP3 and WebM files, the frame size of MP4
//! video, and the page count and title of PDFs.

use super::clean::{boxes, find_box};

fn be(b: &[u8], at: usize, n: usize) -> Option<u64> {
    let s = b.get(at..at + n)?;
    Some(s.iter().fold(0u64, |acc, &x| (acc << 8) | u64::from(x)))
}

/// Seconds, from the movie header (`moov/mvhd`) of an MP4 or M4A file.
pub fn mp4_duration(b: &[u8]) -> Option<f64> {
    let (moov, moov_end) = find_box(b, 0, b.len(), b"moov")?;
    let (mvhd, _) = find_box(b, moov, moov_end, b"mvhd")?;
    let (timescale, duration) = match b.get(mvhd)? {
        1 => (be(b, mvhd + 20, 4)?, be(b, mvhd + 24, 8)?),
        _ => (be(b, mvhd + 12, 4)?, be(b, mvhd + 16, 4)?),
    };
    (timescale > 0 && duration > 0 && duration != u64::from(u32::MAX))
        .then(|| duration as f64 / timescale as f64)
}

/// Width and height of the first video track (`moov/trak/tkhd`).
pub fn mp4_frame(b: &[u8]) -> Option<(u32, u32)> {
    let (moov, moov_end) = find_box(b, 0, b.len(), b"moov")?;
    boxes(b, moov, moov_end)
        .filter(|(kind, _, _)| kind == b"trak")
        .filter_map(|(_, start, end)| {
            let (tkhd, tkhd_end) = find_box(b, start, end, b"tkhd")?;
            // Width and height are the last two 16.16 fixed-point numbers.
            let width = be(b, tkhd_end - 8, 4)? >> 16;
            let height = be(b, tkhd_end - 4, 4)? >> 16;
            let _ = tkhd;
            (width > 0 && height > 0).then_some((width as u32, height as u32))
        })
        .next()
}

/// Seconds of an MP3: from its Xing/Info or VBRI header when it has one,
/// else from the bitrate of its first frame (constant bitrate files).
pub fn mp3_duration(b: &[u8]) -> Option<f64> {
    let mut at = 0;
    if b.starts_with(b"ID3") {
        let size = b
            .get(6..10)?
            .iter()
            .fold(0usize, |acc, &x| (acc << 7) | usize::from(x & 0x7F));
        at = 10 + size + if b.get(5)? & 0x10 != 0 { 10 } else { 0 };
    }
    // The first frame header.
    while b.get(at)? != &0xFF || b.get(at + 1)? & 0xE0 != 0xE0 {
        at += 1;
        if at > 64 * 1024 {
            return None;
        }
    }
    let h = be(b, at, 4)? as u32;
    let version = (h >> 19) & 3; // 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5
    let layer = (h >> 17) & 3; // 1: layer III
    let bitrate_index = ((h >> 12) & 0xF) as usize;
    let rate_index = ((h >> 10) & 3) as usize;
    let mono = (h >> 6) & 3 == 3;
    if layer != 1 || bitrate_index == 0 || bitrate_index == 15 || rate_index == 3 {
        return None;
    }
    let mpeg1 = version == 3;
    let rates = [44_100.0, 48_000.0, 32_000.0];
    let sample_rate = rates[rate_index]
        / if mpeg1 {
            1.0
        } else if version == 2 {
            2.0
        } else {
            4.0
        };
    let samples = if mpeg1 { 1152.0 } else { 576.0 };
    let kbps = if mpeg1 {
        [
            0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
        ][bitrate_index]
    } else {
        [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160][bitrate_index]
    };
    let side = match (mpeg1, mono) {
        (true, false) => 32,
        (true, true) => 17,
        (false, false) => 17,
        (false, true) => 9,
    };
    let xing = at + 4 + side;
    if matches!(b.get(xing..xing + 4), Some(b"Xing") | Some(b"Info"))
        && be(b, xing + 4, 4)? & 1 != 0
    {
        let frames = be(b, xing + 8, 4)? as f64;
        return Some(frames * samples / sample_rate);
    }
    if b.get(at + 36..at + 40) == Some(b"VBRI") {
        let frames = be(b, at + 36 + 14, 4)? as f64;
        return Some(frames * samples / sample_rate);
    }
    let audio_bytes = (b.len() - at) as f64;
    Some(audio_bytes * 8.0 / (f64::from(kbps) * 1000.0))
}

/// An EBML element id (marker bits kept) or size (marker bits removed).
fn vint(b: &[u8], at: usize, keep_marker: bool) -> Option<(u64, usize)> {
    let first = *b.get(at)?;
    let len = first.leading_zeros() as usize + 1;
    if len > 8 {
        return None;
    }
    let mut value = u64::from(if keep_marker {
        first
    } else {
        first & (0xFF >> len)
    });
    for i in 1..len {
        value = (value << 8) | u64::from(*b.get(at + i)?);
    }
    Some((value, len))
}

/// Seconds of a WebM file, from `Segment/Info/Duration`.
pub fn webm_duration(b: &[u8]) -> Option<f64> {
    const SEGMENT: u64 = 0x1853_8067;
    const INFO: u64 = 0x1549_A966;
    const SCALE: u64 = 0x2A_D7B1;
    const DURATION: u64 = 0x4489;
    let element = |at: usize| -> Option<(u64, usize, usize)> {
        let (id, id_len) = vint(b, at, true)?;
        let (size, size_len) = vint(b, at + id_len, false)?;
        let start = at + id_len + size_len;
        let unknown = size == (1u64 << (7 * size_len)) - 1;
        let end = if unknown {
            b.len()
        } else {
            start.checked_add(size as usize)?.min(b.len())
        };
        Some((id, start, end))
    };
    // The EBML header, then the segment.
    let (_, _, header_end) = element(0)?;
    let (id, mut at, segment_end) = element(header_end)?;
    if id != SEGMENT {
        return None;
    }
    while at < segment_end {
        let (id, start, end) = element(at)?;
        if id == INFO {
            let (mut scale, mut duration) = (1_000_000.0, None);
            let mut inner = start;
            while inner < end {
                let (id, s, e) = element(inner)?;
                match id {
                    SCALE => scale = be(b, s, e - s)? as f64,
                    DURATION => {
                        duration = match e - s {
                            4 => Some(f64::from(f32::from_bits(be(b, s, 4)? as u32))),
                            8 => Some(f64::from_bits(be(b, s, 8)?)),
                            _ => None,
                        }
                    }
                    _ => {}
                }
                inner = e;
            }
            return duration
                .map(|d| d * scale / 1e9)
                .filter(|d| d.is_finite() && *d > 0.0);
        }
        at = end;
    }
    None
}

/// Page count and title of a PDF; `None` if it cannot be read.
pub fn pdf_facts(b: &[u8]) -> Option<(usize, Option<String>)> {
    let doc = lopdf::Document::load_mem(b).ok()?;
    let pages = doc.get_pages().len();
    let title = doc
        .trailer
        .get(b"Info")
        .ok()
        .and_then(|info| match info {
            lopdf::Object::Reference(id) => doc.get_dictionary(*id).ok(),
            lopdf::Object::Dictionary(d) => Some(d),
            _ => None,
        })
        .and_then(|info| info.get(b"Title").ok())
        .and_then(|title| title.as_str().ok())
        .map(pdf_text)
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty());
    Some((pages, title))
}

/// A PDF text string: UTF-16BE with a byte order mark, or PDFDocEncoding
/// (read as Latin-1, which it matches for printable text).
fn pdf_text(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        return String::from_utf16_lossy(&units);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8_lossy(rest).into_owned();
    }
    bytes.iter().map(|&b| char::from(b)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn isobox(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut b = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        b.extend_from_slice(kind);
        b.extend_from_slice(body);
        b
    }

    #[test]
    fn mp4_duration_and_frame_come_from_the_movie_header() {
        let mut mvhd = vec![0u8; 4 + 8];
        mvhd.extend_from_slice(&1000u32.to_be_bytes());
        mvhd.extend_from_slice(&184_500u32.to_be_bytes());
        mvhd.extend_from_slice(&[0; 80]);
        let mut tkhd = vec![0u8; 76];
        tkhd.extend_from_slice(&(1280u32 << 16).to_be_bytes());
        tkhd.extend_from_slice(&(720u32 << 16).to_be_bytes());
        let trak = isobox(b"trak", &isobox(b"tkhd", &tkhd));
        let moov = isobox(b"moov", &[isobox(b"mvhd", &mvhd), trak].concat());
        let file = [
            isobox(b"ftyp", b"isom\0\0\0\0isom"),
            isobox(b"mdat", &[0; 16]),
            moov,
        ]
        .concat();
        assert_eq!(mp4_duration(&file), Some(184.5));
        assert_eq!(mp4_frame(&file), Some((1280, 720)));
        assert_eq!(mp4_duration(&file[..40]), None);
    }

    #[test]
    fn mp3_duration_from_a_xing_header_or_the_bitrate() {
        // MPEG-1 layer III, 128 kbit/s, 44.1 kHz, stereo: 417-byte frames.
        let header = [0xFF, 0xFB, 0x90, 0x00];
        let mut xing = header.to_vec();
        xing.extend_from_slice(&[0; 32]);
        xing.extend_from_slice(b"Xing");
        xing.extend_from_slice(&1u32.to_be_bytes());
        xing.extend_from_slice(&3828u32.to_be_bytes());
        xing.resize(417 * 3, 0);
        let seconds = mp3_duration(&xing).unwrap();
        assert!((seconds - 100.0).abs() < 0.1, "{seconds}");
        let mut cbr = Vec::new();
        for _ in 0..100 {
            cbr.extend_from_slice(&header);
            cbr.extend_from_slice(&[0; 413]);
        }
        let seconds = mp3_duration(&cbr).unwrap();
        assert!((seconds - 2.6).abs() < 0.05, "{seconds}");
    }

    #[test]
    fn webm_duration_from_segment_info() {
        let el = |id: &[u8], body: &[u8]| {
            let mut b = id.to_vec();
            b.push(0x80 | body.len() as u8);
            b.extend_from_slice(body);
            b
        };
        let info = el(
            &[0x15, 0x49, 0xA9, 0x66],
            &[
                el(&[0x2A, 0xD7, 0xB1], &[0x0F, 0x42, 0x40]),
                el(&[0x44, 0x89], &12_500f64.to_bits().to_be_bytes()),
            ]
            .concat(),
        );
        let file = [
            el(&[0x1A, 0x45, 0xDF, 0xA3], &el(&[0x42, 0x82], b"webm")),
            el(&[0x18, 0x53, 0x80, 0x67], &info),
        ]
        .concat();
        assert_eq!(webm_duration(&file), Some(12.5));
    }

    #[test]
    fn pdf_titles_in_utf16_are_read() {
        let mut utf16 = vec![0xFE, 0xFF];
        for unit in "کتاب".encode_utf16() {
            utf16.extend_from_slice(&unit.to_be_bytes());
        }
        assert_eq!(pdf_text(&utf16), "کتاب");
        assert_eq!(pdf_text(b"Plain"), "Plain");
    }
}
