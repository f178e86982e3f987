//! Removing metadata from images without re-encoding them: the bytes that
//! carry pictures stay as they were, the ones that carry EXIF (with GPS),
//! XMP, IPTC, comments and text go. Each walker also checks the file's
//! structure, so a truncated file is refused rather than stored.

/// Why a file cannot be cleaned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed(pub &'static str);

type Result<T> = std::result::Result<T, Malformed>;

fn be16(b: &[u8], at: usize) -> Result<usize> {
    b.get(at..at + 2)
        .map(|s| u16::from_be_bytes([s[0], s[1]]) as usize)
        .ok_or(Malformed("the file ends too early"))
}

fn be32(b: &[u8], at: usize) -> Result<usize> {
    b.get(at..at + 4)
        .map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]) as usize)
        .ok_or(Malformed("the file ends too early"))
}

fn le32(b: &[u8], at: usize) -> Result<usize> {
    b.get(at..at + 4)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]) as usize)
        .ok_or(Malformed("the file ends too early"))
}

/// A JPEG without its APP1 (EXIF, XMP), APP13 (IPTC) and other
/// application segments and comments. JFIF (APP0), ICC profiles (APP2) and
/// Adobe colour data (APP14) stay: pictures need them to look right.
pub fn jpeg(b: &[u8]) -> Result<Vec<u8>> {
    let truncated = Malformed("the JPEG is truncated");
    if !b.starts_with(&[0xFF, 0xD8]) {
        return Err(Malformed("not a JPEG"));
    }
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&[0xFF, 0xD8]);
    let mut at = 2;
    loop {
        if b.get(at) != Some(&0xFF) {
            return Err(truncated);
        }
        while b.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        let marker = *b.get(at + 1).ok_or(truncated.clone())?;
        match marker {
            0xD9 => {
                out.extend_from_slice(&[0xFF, 0xD9]);
                return Ok(out);
            }
            0xD0..=0xD7 | 0x01 => {
                out.extend_from_slice(&b[at..at + 2]);
                at += 2;
                continue;
            }
            _ => {}
        }
        let len = be16(b, at + 2).map_err(|_| truncated.clone())?;
        let end = at + 2 + len;
        if len < 2 || end > b.len() {
            return Err(truncated);
        }
        let keep = !matches!(marker, 0xE1 | 0xE3..=0xED | 0xEF | 0xFE);
        if keep {
            out.extend_from_slice(&b[at..end]);
        }
        at = end;
        if marker == 0xDA {
            // Entropy-coded data runs to the next marker that is neither a
            // stuffed 0xFF00 nor a restart marker.
            let start = at;
            loop {
                let next = b[at..]
                    .iter()
                    .position(|&x| x == 0xFF)
                    .ok_or(truncated.clone())?;
                at += next;
                match b.get(at + 1) {
                    Some(0x00) | Some(0xD0..=0xD7) | Some(0xFF) => at += 1,
                    Some(_) => break,
                    None => return Err(truncated),
                }
            }
            out.extend_from_slice(&b[start..at]);
        }
    }
}

/// A PNG with only the chunks that draw the picture and its colour; text
/// (tEXt, zTXt, iTXt: where XMP lives), eXIf, tIME and unknown ancillary
/// chunks go. Unknown critical chunks and a missing IEND are refused.
pub fn png(b: &[u8]) -> Result<Vec<u8>> {
    const KEEP: [&[u8; 4]; 16] = [
        b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"cHRM", b"gAMA", b"iCCP", b"sBIT", b"sRGB",
        b"bKGD", b"pHYs", b"acTL", b"fcTL", b"fdAT", b"cICP",
    ];
    if !b.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Err(Malformed("not a PNG"));
    }
    let mut out = b[..8].to_vec();
    let mut at = 8;
    while at < b.len() {
        let len = be32(b, at)?;
        let kind: [u8; 4] = b
            .get(at + 4..at + 8)
            .ok_or(Malformed("the PNG is truncated"))?
            .try_into()
            .unwrap();
        let end = at + 12 + len;
        if end > b.len() {
            return Err(Malformed("the PNG is truncated"));
        }
        if KEEP.contains(&&kind) {
            out.extend_from_slice(&b[at..end]);
            if &kind == b"IEND" {
                return Ok(out);
            }
        } else if kind[0].is_ascii_uppercase() {
            return Err(Malformed("the PNG has a chunk this server does not know"));
        }
        at = end;
    }
    Err(Malformed("the PNG is truncated"))
}

/// A WebP without its EXIF and XMP chunks (and their flags in VP8X).
pub fn webp(b: &[u8]) -> Result<Vec<u8>> {
    if !(b.starts_with(b"RIFF") && b.get(8..12) == Some(b"WEBP")) {
        return Err(Malformed("not a WebP"));
    }
    let riff_end = 8 + le32(b, 4)?;
    if riff_end > b.len() {
        return Err(Malformed("the WebP is truncated"));
    }
    let mut out = b[..12].to_vec();
    let mut at = 12;
    while at + 8 <= riff_end {
        let kind = &b[at..at + 4];
        let len = le32(b, at + 4)?;
        let end = at + 8 + len + (len & 1);
        if at + 8 + len > riff_end {
            return Err(Malformed("the WebP is truncated"));
        }
        match kind {
            b"EXIF" | b"XMP " => {}
            b"VP8X" => {
                let start = out.len();
                out.extend_from_slice(&b[at..end.min(riff_end)]);
                // Flags: clear "has EXIF" (0x08) and "has XMP" (0x04).
                out[start + 8] &= !0x0C;
            }
            _ => out.extend_from_slice(&b[at..end.min(riff_end)]),
        }
        at = end;
    }
    let size = (out.len() - 8) as u32;
    out[4..8].copy_from_slice(&size.to_le_bytes());
    Ok(out)
}

/// A GIF without comments or application extensions other than the
/// looping ones browsers need (where XMP hides).
pub fn gif(b: &[u8]) -> Result<Vec<u8>> {
    let truncated = Malformed("the GIF is truncated");
    if b.len() < 13 || !(b.starts_with(b"GIF87a") || b.starts_with(b"GIF89a")) {
        return Err(Malformed("not a GIF"));
    }
    let table = |flags: u8| {
        if flags & 0x80 != 0 {
            3 * (1usize << ((flags & 0x07) + 1))
        } else {
            0
        }
    };
    let mut at = 13 + table(b[10]);
    if at > b.len() {
        return Err(truncated);
    }
    let mut out = b[..at].to_vec();
    // Data sub-blocks from `at`; answers where they end.
    let sub_blocks = |mut at: usize| -> Result<usize> {
        loop {
            let n = *b.get(at).ok_or(truncated.clone())? as usize;
            at += 1 + n;
            if n == 0 {
                return Ok(at);
            }
            if at > b.len() {
                return Err(truncated.clone());
            }
        }
    };
    loop {
        match b.get(at) {
            Some(0x3B) => {
                out.push(0x3B);
                return Ok(out);
            }
            Some(0x21) => {
                let label = *b.get(at + 1).ok_or(truncated.clone())?;
                let end = sub_blocks(at + 2)?;
                let keep = match label {
                    0xFE => false,
                    0xFF => {
                        let id = b.get(at + 3..at + 14).unwrap_or_default();
                        id == b"NETSCAPE2.0" || id == b"ANIMEXTS1.0"
                    }
                    _ => true,
                };
                if keep {
                    out.extend_from_slice(&b[at..end]);
                }
                at = end;
            }
            Some(0x2C) => {
                let flags = *b.get(at + 9).ok_or(truncated.clone())?;
                let data = at + 10 + table(flags) + 1;
                let end = sub_blocks(data)?;
                out.extend_from_slice(&b[at..end]);
                at = end;
            }
            _ => return Err(truncated),
        }
    }
}

/// An ISO base media box: its type, and where its contents start and end.
pub fn boxes(
    b: &[u8],
    mut at: usize,
    end: usize,
) -> impl Iterator<Item = ([u8; 4], usize, usize)> + '_ {
    std::iter::from_fn(move || {
        if at + 8 > end {
            return None;
        }
        let size = be32(b, at).ok()?;
        let kind: [u8; 4] = b.get(at + 4..at + 8)?.try_into().ok()?;
        let (header, size) = match size {
            1 => (
                16,
                u64::from_be_bytes(b.get(at + 8..at + 16)?.try_into().ok()?) as usize,
            ),
            0 => (8, end - at),
            n => (8, n),
        };
        if size < header || at.checked_add(size)? > end {
            return None;
        }
        let item = (kind, at + header, at + size);
        at += size;
        Some(item)
    })
}

/// The first box of `kind` among those in `b[start..end]`.
pub fn find_box(b: &[u8], start: usize, end: usize, kind: &[u8; 4]) -> Option<(usize, usize)> {
    boxes(b, start, end)
        .find(|(k, _, _)| k == kind)
        .map(|(_, s, e)| (s, e))
}

/// What an AVIF says of itself: its size (from `ispe`) and whether it
/// carries EXIF or XMP items. (AVIF is not decoded here, so it is stored as
/// sent only when it has no such metadata.)
pub fn avif_facts(b: &[u8]) -> Result<(u32, u32, bool)> {
    let bad = Malformed("the AVIF file's structure is not readable");
    let (meta_start, meta_end) = find_box(b, 0, b.len(), b"meta").ok_or(bad.clone())?;
    let children = meta_start + 4; // full box: version and flags
    let mut has_metadata = false;
    if let Some((iinf_start, iinf_end)) = find_box(b, children, meta_end, b"iinf") {
        let version = *b.get(iinf_start).ok_or(bad.clone())?;
        let first = iinf_start + 4 + if version == 0 { 2 } else { 4 };
        for (kind, start, _) in boxes(b, first, iinf_end) {
            if &kind != b"infe" {
                continue;
            }
            let version = *b.get(start).ok_or(bad.clone())?;
            let type_at = start + 4 + if version >= 3 { 4 } else { 2 } + 2;
            let item_type = b.get(type_at..type_at + 4).unwrap_or_default();
            if item_type == b"Exif" || item_type == b"mime" {
                has_metadata = true;
            }
        }
    }
    let (iprp_start, iprp_end) = find_box(b, children, meta_end, b"iprp").ok_or(bad.clone())?;
    let (ipco_start, ipco_end) = find_box(b, iprp_start, iprp_end, b"ipco").ok_or(bad.clone())?;
    let (ispe, _) = find_box(b, ipco_start, ipco_end, b"ispe").ok_or(bad.clone())?;
    let width = be32(b, ispe + 4)? as u32;
    let height = be32(b, ispe + 8)? as u32;
    Ok((width, height, has_metadata))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg_with(segments: &[(u8, &[u8])]) -> Vec<u8> {
        let mut b = vec![0xFF, 0xD8];
        for (marker, data) in segments {
            b.extend_from_slice(&[0xFF, *marker]);
            b.extend_from_slice(&((data.len() + 2) as u16).to_be_bytes());
            b.extend_from_slice(data);
        }
        b.extend_from_slice(&[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xD9]);
        b
    }

    #[test]
    fn jpeg_loses_exif_xmp_iptc_and_comments_but_keeps_the_picture() {
        let b = jpeg_with(&[
            (0xE0, b"JFIF\0"),
            (0xE1, b"Exif\0\0GPS 51.5N 0.1W"),
            (0xED, b"Photoshop 3.0 IPTC"),
            (0xFE, b"a comment"),
            (0xDB, b"quant"),
            (0xDA, b"scan"),
        ]);
        let clean = jpeg(&b).unwrap();
        let text = String::from_utf8_lossy(&clean);
        assert!(text.contains("JFIF") && text.contains("quant"));
        assert!(!text.contains("GPS") && !text.contains("IPTC") && !text.contains("comment"));
        assert!(clean.ends_with(&[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xD9]));
        assert!(jpeg(&b[..b.len() - 2]).is_err(), "no EOI: truncated");
    }

    #[test]
    fn png_keeps_only_picture_chunks() {
        let chunk = |kind: &[u8; 4], data: &[u8]| {
            let mut c = (data.len() as u32).to_be_bytes().to_vec();
            c.extend_from_slice(kind);
            c.extend_from_slice(data);
            c.extend_from_slice(&[0, 0, 0, 0]);
            c
        };
        let mut b = b"\x89PNG\r\n\x1a\n".to_vec();
        for c in [
            chunk(b"IHDR", &[0; 13]),
            chunk(b"tEXt", b"GPS\0here"),
            chunk(b"iTXt", b"XML:com.adobe.xmp"),
            chunk(b"IDAT", b"data"),
            chunk(b"IEND", b""),
        ] {
            b.extend(c);
        }
        let clean = png(&b).unwrap();
        let text = String::from_utf8_lossy(&clean);
        assert!(text.contains("IHDR") && text.contains("IDAT") && text.ends_with("IEND\0\0\0\0"));
        assert!(!text.contains("GPS") && !text.contains("xmp"));
        assert!(png(&b[..b.len() - 12]).is_err(), "no IEND: truncated");
    }
}
