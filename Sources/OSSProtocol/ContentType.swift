/// The Content-Type of an upload guessed from a file name's extension, as the official SDKs do
/// when the caller gives none (Go v2 `TypeByExtension`, Python `mimetypes`): without it every
/// object would be `application/octet-stream`, and a browser would download a page or an image
/// instead of showing it.
public enum ContentType {
    /// The type for `name`'s extension (the part after its last `.` in the last path
    /// component, compared without regard to case); `nil` when there is none or it is unknown
    /// (OSS then stores `application/octet-stream`).
    public static func forName(_ name: String) -> String? {
        let last = name.split(separator: "/", omittingEmptySubsequences: false).last ?? Substring(name)
        guard let dot = last.lastIndex(of: "."), dot != last.startIndex else { return nil }
        let ext = last[last.index(after: dot)...]
        guard !ext.isEmpty else { return nil }
        var lower = ""
        for scalar in ext.unicodeScalars {
            if scalar.value >= 65 && scalar.value <= 90 {
                lower.unicodeScalars.append(Unicode.Scalar(scalar.value + 32)!)
            } else {
                lower.unicodeScalars.append(scalar)
            }
        }
        return table[lower]
    }

    /// Extension (lower case, no dot) to type: the common entries of the official SDKs' tables.
    public static let table: [String: String] = [
        // Text and the web
        "html": "text/html", "htm": "text/html", "shtml": "text/html", "xhtml": "application/xhtml+xml",
        "css": "text/css", "js": "application/javascript", "mjs": "application/javascript",
        "json": "application/json", "map": "application/json", "jsonld": "application/ld+json",
        "xml": "text/xml", "xsl": "text/xml", "xslt": "application/xslt+xml", "dtd": "application/xml-dtd",
        "txt": "text/plain", "text": "text/plain", "log": "text/plain", "conf": "text/plain", "ini": "text/plain",
        "md": "text/markdown", "markdown": "text/markdown", "csv": "text/csv", "tsv": "text/tab-separated-values",
        "rtf": "application/rtf", "rtx": "text/richtext", "ics": "text/calendar", "vcf": "text/x-vcard",
        "yaml": "application/x-yaml", "yml": "application/x-yaml", "toml": "application/toml",
        "wasm": "application/wasm", "webmanifest": "application/manifest+json", "manifest": "text/cache-manifest",
        "atom": "application/atom+xml", "rss": "application/rss+xml", "sh": "application/x-sh",
        "py": "text/x-python", "c": "text/x-c", "h": "text/x-c", "cpp": "text/x-c", "java": "text/x-java-source",
        "swift": "text/x-swift", "go": "text/x-go",
        // Images
        "jpg": "image/jpeg", "jpeg": "image/jpeg", "jpe": "image/jpeg", "png": "image/png", "gif": "image/gif",
        "bmp": "image/bmp", "webp": "image/webp", "svg": "image/svg+xml", "svgz": "image/svg+xml",
        "ico": "image/x-icon", "tif": "image/tiff", "tiff": "image/tiff", "avif": "image/avif",
        "heic": "image/heic", "heif": "image/heif", "psd": "image/vnd.adobe.photoshop", "jp2": "image/jp2",
        "apng": "image/apng", "xbm": "image/x-xbitmap", "pbm": "image/x-portable-bitmap",
        // Audio
        "mp3": "audio/mpeg", "mpga": "audio/mpeg", "m4a": "audio/mp4", "aac": "audio/aac", "wav": "audio/x-wav",
        "ogg": "audio/ogg", "oga": "audio/ogg", "opus": "audio/ogg", "flac": "audio/flac", "mid": "audio/midi",
        "midi": "audio/midi", "wma": "audio/x-ms-wma", "amr": "audio/amr", "aiff": "audio/x-aiff",
        "aif": "audio/x-aiff", "weba": "audio/webm",
        // Video
        "mp4": "video/mp4", "m4v": "video/mp4", "mpeg": "video/mpeg", "mpg": "video/mpeg", "mov": "video/quicktime",
        "qt": "video/quicktime", "avi": "video/x-msvideo", "wmv": "video/x-ms-wmv", "webm": "video/webm",
        "ogv": "video/ogg", "mkv": "video/x-matroska", "flv": "video/x-flv", "3gp": "video/3gpp",
        "3g2": "video/3gpp2", "ts": "video/mp2t", "m3u8": "application/x-mpegURL", "asf": "video/x-ms-asf",
        // Fonts
        "woff": "font/woff", "woff2": "font/woff2", "ttf": "font/ttf", "otf": "font/otf",
        "eot": "application/vnd.ms-fontobject",
        // Documents
        "pdf": "application/pdf", "doc": "application/msword", "dot": "application/msword",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls": "application/vnd.ms-excel",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "ppt": "application/vnd.ms-powerpoint",
        "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "odt": "application/vnd.oasis.opendocument.text", "ods": "application/vnd.oasis.opendocument.spreadsheet",
        "odp": "application/vnd.oasis.opendocument.presentation", "epub": "application/epub+zip",
        "ps": "application/postscript", "eps": "application/postscript", "ai": "application/postscript",
        "latex": "application/x-latex", "tex": "application/x-tex",
        // Archives and binaries
        "zip": "application/zip", "gz": "application/gzip", "tgz": "application/x-compressed",
        "tar": "application/x-tar", "bz2": "application/x-bzip2", "xz": "application/x-xz",
        "7z": "application/x-7z-compressed", "rar": "application/x-rar-compressed", "zst": "application/zstd",
        "jar": "application/java-archive", "apk": "application/vnd.android.package-archive",
        "ipa": "application/vnd.iphone", "dmg": "application/x-apple-diskimage", "iso": "application/x-iso9660-image",
        "dll": "application/x-msdownload", "msi": "application/x-msdownload",
        "deb": "application/x-debian-package", "rpm": "application/x-rpm", "swf": "application/x-shockwave-flash",
        "parquet": "application/vnd.apache.parquet",
    ]
}
