//! Camera metadata for test pictures, shared by the API tests and the
//! upload benchmark (which includes this file by path).

/// `jpeg` with what cameras and phones put after its SOI marker: an EXIF
/// block holding `orientation` and a GPS position (51°30'26.1"N), and an
/// XMP block repeating the position.
pub fn with_camera_metadata(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    let mut tiff: Vec<u8> = b"MM\0\x2a\0\0\0\x08".to_vec();
    let entry = |tag: u16, kind: u16, count: u32, value: [u8; 4]| {
        let mut e = tag.to_be_bytes().to_vec();
        e.extend_from_slice(&kind.to_be_bytes());
        e.extend_from_slice(&count.to_be_bytes());
        e.extend_from_slice(&value);
        e
    };
    // IFD0 at 8: orientation and a pointer to the GPS IFD at 38.
    tiff.extend_from_slice(&2u16.to_be_bytes());
    let o = orientation.to_be_bytes();
    tiff.extend(entry(0x0112, 3, 1, [o[0], o[1], 0, 0]));
    tiff.extend(entry(0x8825, 4, 1, 38u32.to_be_bytes()));
    tiff.extend_from_slice(&0u32.to_be_bytes());
    // GPS IFD at 38: latitude reference and latitude (rationals at 68).
    tiff.extend_from_slice(&2u16.to_be_bytes());
    tiff.extend(entry(0x0001, 2, 2, *b"N\0\0\0"));
    tiff.extend(entry(0x0002, 5, 3, 68u32.to_be_bytes()));
    tiff.extend_from_slice(&0u32.to_be_bytes());
    for (num, den) in [(51u32, 1u32), (30, 1), (2610, 100)] {
        tiff.extend_from_slice(&num.to_be_bytes());
        tiff.extend_from_slice(&den.to_be_bytes());
    }
    let segment = |marker: u8, body: &[u8]| {
        let mut s = vec![0xFF, marker];
        s.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
        s.extend_from_slice(body);
        s
    };
    let mut exif = b"Exif\0\0".to_vec();
    exif.extend(tiff);
    let xmp = b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta><exif:GPSLatitude>51,30.435N</exif:GPSLatitude></x:xmpmeta>";
    let mut out = jpeg[..2].to_vec();
    out.extend(segment(0xE1, &exif));
    out.extend(segment(0xE1, xmp));
    out.extend_from_slice(&jpeg[2..]);
    out
}
