//! What a file is, from its own first bytes: never from its name or from
//! the type a client claims. Claims must agree with the bytes.

use crate::domain::MediaKind;

/// A type Nashr accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileType {
    pub mime: &'static str,
    pub ext: &'static str,
    pub kind: MediaKind,
}

const fn t(mime: &'static str, ext: &'static str, kind: MediaKind) -> FileType {
    FileType { mime, ext, kind }
}

pub const JPEG: FileType = t("image/jpeg", "jpg", MediaKind::Image);
pub const PNG: FileType = t("image/png", "png", MediaKind::Image);
pub const WEBP: FileType = t("image/webp", "webp", MediaKind::Image);
pub const GIF: FileType = t("image/gif", "gif", MediaKind::Image);
pub const AVIF: FileType = t("image/avif", "avif", MediaKind::Image);
pub const PDF: FileType = t("application/pdf", "pdf", MediaKind::Document);
pub const MP3: FileType = t("audio/mpeg", "mp3", MediaKind::Audio);
pub const M4A: FileType = t("audio/mp4", "m4a", MediaKind::Audio);
pub const AAC: FileType = t("audio/aac", "aac", MediaKind::Audio);
pub const MP4: FileType = t("video/mp4", "mp4", MediaKind::Video);
pub const WEBM: FileType = t("video/webm", "webm", MediaKind::Video);

pub const ACCEPTED: [FileType; 11] = [JPEG, PNG, WEBP, GIF, AVIF, PDF, MP3, M4A, AAC, MP4, WEBM];

/// The accepted type of `bytes`, if any.
pub fn sniff(bytes: &[u8]) -> Option<FileType> {
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    if starts(&[0xFF, 0xD8, 0xFF]) {
        return Some(JPEG);
    }
    if starts(b"\x89PNG\r\n\x1a\n") {
        return Some(PNG);
    }
    if starts(b"GIF87a") || starts(b"GIF89a") {
        return Some(GIF);
    }
    if starts(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        return Some(WEBP);
    }
    if starts(b"%PDF-") {
        return Some(PDF);
    }
    if bytes.get(4..8) == Some(b"ftyp") {
        return isobmff(bytes);
    }
    if starts(&[0x1A, 0x45, 0xDF, 0xA3]) {
        let head = &bytes[..bytes.len().min(64)];
        return head.windows(4).any(|w| w == b"webm").then_some(WEBM);
    }
    if starts(b"ID3") {
        return Some(MP3);
    }
    if let [0xFF, b1, ..] = bytes {
        if b1 & 0xF6 == 0xF0 {
            // Sync, MPEG-2/4 ADTS, layer 0.
            return Some(AAC);
        }
        if b1 & 0xE0 == 0xE0 && b1 & 0x06 == 0x02 {
            // Frame sync, layer III.
            return Some(MP3);
        }
    }
    None
}

/// An ISO media file, by its brands: AVIF, M4A audio or MP4 video.
fn isobmff(bytes: &[u8]) -> Option<FileType> {
    let size = u32::from_be_bytes(bytes.get(0..4)?.try_into().ok()?) as usize;
    let end = size.clamp(16, 256).min(bytes.len());
    let major = bytes.get(8..12)?;
    let mut brands: Vec<&[u8]> = vec![major];
    brands.extend(bytes.get(16..end)?.chunks_exact(4));
    let has = |b: &[u8]| brands.contains(&b);
    if has(b"avif") || has(b"avis") {
        Some(AVIF)
    } else if [b"M4A ", b"M4B ", b"M4P "].iter().any(|b| major == *b) {
        Some(M4A)
    } else if major == b"qt  " {
        None
    } else if [
        b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"dash", b"M4V ",
    ]
    .iter()
    .any(|b| has(*b))
    {
        Some(MP4)
    } else {
        None
    }
}

/// The type a client's `Content-Type` names, aliases folded; `None` for no
/// claim (absent, or the generic `application/octet-stream`).
pub fn claimed(content_type: Option<&str>) -> Option<String> {
    let mime = content_type?.split(';').next()?.trim().to_ascii_lowercase();
    let folded = match mime.as_str() {
        "" | "application/octet-stream" | "binary/octet-stream" => return None,
        "image/jpg" | "image/pjpeg" => "image/jpeg",
        "audio/mp3" | "audio/x-mp3" | "audio/mpeg3" | "audio/x-mpeg" => "audio/mpeg",
        "audio/x-m4a" | "audio/m4a" => "audio/mp4",
        "audio/x-aac" | "audio/aacp" => "audio/aac",
        "application/x-pdf" => "application/pdf",
        other => return Some(other.to_string()),
    };
    Some(folded.to_string())
}

/// The type a file name's extension suggests, for the extensions Nashr
/// knows; `None` for others.
pub fn by_extension(filename: &str) -> Option<&'static str> {
    let ext = filename.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match ext.as_str() {
        "jpg" | "jpeg" | "jpe" => "image/jpeg",
        "png" => "image/png",
        "webp" => "image/webp",
        "gif" => "image/gif",
        "avif" => "image/avif",
        "pdf" => "application/pdf",
        "mp3" => "audio/mpeg",
        "m4a" | "m4b" => "audio/mp4",
        "aac" => "audio/aac",
        "mp4" | "m4v" => "video/mp4",
        "webm" => "video/webm",
        "svg" | "svgz" => "image/svg+xml",
        "html" | "htm" => "text/html",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_the_bytes() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(JPEG));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some(PNG));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some(WEBP));
        assert_eq!(sniff(b"%PDF-1.7"), Some(PDF));
        assert_eq!(sniff(b"\0\0\0\x1cftypM4A \0\0\0\0M4A isom"), Some(M4A));
        assert_eq!(
            sniff(b"\0\0\0\x1cftypisom\0\0\x02\0isomiso2mp41"),
            Some(MP4)
        );
        assert_eq!(sniff(b"\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf"), Some(AVIF));
        assert_eq!(sniff(b"ID3\x04\0\0\0\0\0\0"), Some(MP3));
        assert_eq!(sniff(&[0xFF, 0xFB, 0x90, 0x64]), Some(MP3));
        assert_eq!(sniff(&[0xFF, 0xF1, 0x50, 0x80]), Some(AAC));
        assert_eq!(sniff(b"<svg xmlns='http://www.w3.org/2000/svg'/>"), None);
        assert_eq!(sniff(b"<!doctype html><script>"), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn claims_fold_aliases_and_ignore_octet_stream() {
        assert_eq!(
            claimed(Some("image/JPG; charset=x")).as_deref(),
            Some("image/jpeg")
        );
        assert_eq!(claimed(Some("application/octet-stream")), None);
        assert_eq!(by_extension("photo.JPG"), Some("image/jpeg"));
        assert_eq!(by_extension("noext"), None);
    }
}
