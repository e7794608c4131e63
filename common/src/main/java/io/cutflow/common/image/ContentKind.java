package io.cutflow.common.image;

/**
 * What a byte sequence looks like, judged from its first bytes by {@link ContentSniffer}.
 *
 * <p>{@link #isDecodable()} kinds are the raster formats the worker's {@code ImageDecoder} reads;
 * other image kinds (HEIF, AVIF, SVG, ICO, ...) are recognised so that the error can say
 * "unsupported format" rather than "not an image".
 */
public enum ContentKind {
  JPEG("jpeg", "image/jpeg", true, true),
  PNG("png", "image/png", true, true),
  GIF("gif", "image/gif", true, true),
  WEBP("webp", "image/webp", true, true),
  BMP("bmp", "image/bmp", true, true),
  TIFF("tiff", "image/tiff", true, true),
  HEIF("heif", "image/heif", true, false),
  AVIF("avif", "image/avif", true, false),
  JPEG2000("jpeg2000", "image/jp2", true, false),
  JPEGXL("jxl", "image/jxl", true, false),
  ICO("ico", "image/x-icon", true, false),
  PSD("psd", "image/vnd.adobe.photoshop", true, false),
  SVG("svg", "image/svg+xml", true, false),
  PDF("pdf", "application/pdf", false, false),
  ZIP("zip", "application/zip", false, false),
  GZIP("gzip", "application/gzip", false, false),
  HTML("html", "text/html", false, false),
  XML("xml", "application/xml", false, false),
  JSON("json", "application/json", false, false),
  TEXT("text", "text/plain", false, false),
  VIDEO("video", "video/mp4", false, false),
  UNKNOWN("unknown", "application/octet-stream", false, false);

  private final String id;
  private final String mimeType;
  private final boolean image;
  private final boolean decodable;

  ContentKind(String id, String mimeType, boolean image, boolean decodable) {
    this.id = id;
    this.mimeType = mimeType;
    this.image = image;
    this.decodable = decodable;
  }

  /**
   * Short lower-case name, e.g. "jpeg", "text", "pdf"; for raster formats also the ImageIO format
   * name.
   */
  public String id() {
    return id;
  }

  /** A MIME type for the kind, e.g. "text/plain" (for HTTP 415 messages). */
  public String mimeType() {
    return mimeType;
  }

  /** Whether this is some kind of image (decodable or not). */
  public boolean isImage() {
    return image;
  }

  /** Whether the worker's {@code ImageDecoder} can decode it. */
  public boolean isDecodable() {
    return decodable;
  }
}
