//! Videos that play elsewhere: a YouTube or Vimeo URL becomes an embed,
//! with everything derived from the URL itself (no network call).

use serde::{Deserialize, Serialize};

/// An external video, as frontends embed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Embed {
    /// `youtube` or `vimeo`.
    pub provider: String,
    pub video_id: String,
    /// The player's URL, for an `<iframe>` (YouTube's privacy-enhanced host).
    pub embed_url: String,
    /// The provider's still image; Vimeo derives none from the URL alone.
    pub thumbnail_url: Option<String>,
    /// The canonical page of the video.
    pub url: String,
}

fn youtube(id: &str) -> Option<Embed> {
    let ok = id.len() == 11
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    ok.then(|| Embed {
        provider: "youtube".into(),
        video_id: id.into(),
        embed_url: format!("https://www.youtube-nocookie.com/embed/{id}"),
        thumbnail_url: Some(format!("https://i.ytimg.com/vi/{id}/hqdefault.jpg")),
        url: format!("https://www.youtube.com/watch?v={id}"),
    })
}

fn vimeo(id: &str) -> Option<Embed> {
    let ok = !id.is_empty() && id.len() <= 12 && id.bytes().all(|b| b.is_ascii_digit());
    ok.then(|| Embed {
        provider: "vimeo".into(),
        video_id: id.into(),
        embed_url: format!("https://player.vimeo.com/video/{id}"),
        thumbnail_url: None,
        url: format!("https://vimeo.com/{id}"),
    })
}

/// The embed a video URL names, or `None` for anything but a YouTube or
/// Vimeo video address.
pub fn parse(url: &str) -> Option<Embed> {
    let url = url.trim();
    let url = url.split('#').next().unwrap_or_default();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host = host.to_ascii_lowercase();
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let path = path.trim_end_matches('/');
    let query_v = || {
        query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(k, _)| *k == "v")
            .map(|(_, v)| v.to_string())
    };
    match host.as_str() {
        "youtube.com"
        | "www.youtube.com"
        | "m.youtube.com"
        | "youtube-nocookie.com"
        | "www.youtube-nocookie.com" => match path.split('/').collect::<Vec<_>>().as_slice() {
            ["watch"] => youtube(&query_v()?),
            ["embed", id] | ["shorts", id] | ["live", id] | ["v", id] => youtube(id),
            _ => None,
        },
        "youtu.be" => youtube(path),
        "vimeo.com" | "www.vimeo.com" => vimeo(path),
        "player.vimeo.com" => match path.split('/').collect::<Vec<_>>().as_slice() {
            ["video", id] => vimeo(id),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn youtube_and_vimeo_addresses_become_embeds() {
        for url in [
            "https://www.youtube.com/watch?v=M7lc1UVf-VE",
            "https://youtube.com/watch?feature=share&v=M7lc1UVf-VE#t=10",
            "https://youtu.be/M7lc1UVf-VE",
            "https://www.youtube.com/embed/M7lc1UVf-VE",
            "https://www.youtube.com/shorts/M7lc1UVf-VE",
        ] {
            let embed = parse(url).unwrap_or_else(|| panic!("{url}"));
            assert_eq!(embed.video_id, "M7lc1UVf-VE");
            assert_eq!(
                embed.embed_url,
                "https://www.youtube-nocookie.com/embed/M7lc1UVf-VE"
            );
        }
        let v = parse("https://vimeo.com/76979871").unwrap();
        assert_eq!(
            (v.provider.as_str(), v.embed_url.as_str()),
            ("vimeo", "https://player.vimeo.com/video/76979871")
        );
        assert_eq!(
            parse("https://player.vimeo.com/video/76979871")
                .unwrap()
                .video_id,
            "76979871"
        );
    }

    #[test]
    fn anything_else_is_refused() {
        for url in [
            "https://www.youtube.com/watch?v=short",
            "https://evil.example/watch?v=M7lc1UVf-VE",
            "https://www.youtube.com.evil.example/watch?v=M7lc1UVf-VE",
            "javascript:alert(1)",
            "https://vimeo.com/channels/staffpicks",
            "ftp://youtu.be/M7lc1UVf-VE",
        ] {
            assert_eq!(parse(url), None, "{url}");
        }
    }
}
