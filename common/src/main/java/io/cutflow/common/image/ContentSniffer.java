package io.cutflow.common.image;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Names what a byte sequence is from its first bytes (magic numbers), never from a file name.
 *
 * <p>Cheap (looks at most at the first 1 KiB) and total: any input, including {@code null} and
 * empty arrays, yields a {@link ContentKind} ({@link ContentKind#UNKNOWN} when nothing matches).
 * Used by the worker's {@code ImageDecoder} to pick a codec and by the HTTP API to answer e.g.
 * "415: detected text/plain".
 */
public final class ContentSniffer {
  private static final int TEXT_WINDOW = 1024;

  private ContentSniffer() {}

  public static ContentKind sniff(byte[] data) {
    if (data == null || data.length == 0) {
      return ContentKind.UNKNOWN;
    }
    int n = data.length;
    if (n >= 3 && u(data, 0) == 0xFF && u(data, 1) == 0xD8 && u(data, 2) == 0xFF) {
      return ContentKind.JPEG;
    }
    if (startsWith(data, 0, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
      return ContentKind.PNG;
    }
    if (startsWith(data, 0, 'G', 'I', 'F', '8')
        && n >= 6
        && (data[4] == '7' || data[4] == '9')
        && data[5] == 'a') {
      return ContentKind.GIF;
    }
    if (startsWith(data, 0, 'R', 'I', 'F', 'F') && startsWith(data, 8, 'W', 'E', 'B', 'P')) {
      return ContentKind.WEBP;
    }
    if (startsWith(data, 0, 'I', 'I', 0x2A, 0x00)
        || startsWith(data, 0, 'M', 'M', 0x00, 0x2A)
        || startsWith(data, 0, 'I', 'I', 0x2B, 0x00)
        || startsWith(data, 0, 'M', 'M', 0x00, 0x2B)) {
      return ContentKind.TIFF;
    }
    if (startsWith(data, 0, 'B', 'M') && n >= 18) {
      int dibSize = u(data, 14) | u(data, 15) << 8 | u(data, 16) << 16 | u(data, 17) << 24;
      if (dibSize == 12
          || dibSize == 16
          || dibSize == 40
          || dibSize == 52
          || dibSize == 56
          || dibSize == 64
          || dibSize == 108
          || dibSize == 124) {
        return ContentKind.BMP;
      }
    }
    if (startsWith(data, 4, 'f', 't', 'y', 'p') && n >= 12) {
      String brand = new String(data, 8, 4, StandardCharsets.ISO_8859_1);
      switch (brand) {
        case "avif":
        case "avis":
          return ContentKind.AVIF;
        case "heic":
        case "heix":
        case "hevc":
        case "hevx":
        case "heim":
        case "heis":
        case "mif1":
        case "msf1":
          return ContentKind.HEIF;
        default:
          return ContentKind.VIDEO;
      }
    }
    if (startsWith(data, 0, 0x00, 0x00, 0x00, 0x0C, 'j', 'P', ' ', ' ')
        || startsWith(data, 0, 0xFF, 0x4F, 0xFF, 0x51)) {
      return ContentKind.JPEG2000;
    }
    if (startsWith(data, 0, 0xFF, 0x0A)
        || startsWith(data, 0, 0x00, 0x00, 0x00, 0x0C, 'J', 'X', 'L', ' ')) {
      return ContentKind.JPEGXL;
    }
    if ((startsWith(data, 0, 0x00, 0x00, 0x01, 0x00) || startsWith(data, 0, 0x00, 0x00, 0x02, 0x00))
        && n >= 6
        && (u(data, 4) | u(data, 5)) != 0) {
      return ContentKind.ICO;
    }
    if (startsWith(data, 0, '8', 'B', 'P', 'S')) {
      return ContentKind.PSD;
    }
    if (startsWith(data, 0, '%', 'P', 'D', 'F', '-')) {
      return ContentKind.PDF;
    }
    if (startsWith(data, 0, 'P', 'K', 0x03, 0x04) || startsWith(data, 0, 'P', 'K', 0x05, 0x06)) {
      return ContentKind.ZIP;
    }
    if (startsWith(data, 0, 0x1F, 0x8B)) {
      return ContentKind.GZIP;
    }
    return sniffText(data);
  }

  /**
   * Whether {@code data[start, end)} is UTF-8 (ASCII included); a character cut off by the end of
   * the window counts as whole. Binary without zero bytes (a truncated JPEG's {@code FF D8}) is
   * not.
   */
  private static boolean utf8(byte[] data, int start, int end) {
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    CharBuffer chars = CharBuffer.allocate(end - start);
    CoderResult r =
        decoder.decode(ByteBuffer.wrap(data, start, end - start), chars, end == data.length);
    return !r.isError();
  }

  private static ContentKind sniffText(byte[] data) {
    int start = 0;
    if (startsWith(data, 0, 0xEF, 0xBB, 0xBF)) {
      start = 3;
    }
    int end = Math.min(data.length, start + TEXT_WINDOW);
    int control = 0;
    for (int i = start; i < end; i++) {
      int b = u(data, i);
      if (b == 0) {
        return ContentKind.UNKNOWN;
      }
      if (b < 0x20 && b != '\t' && b != '\n' && b != '\r' && b != '\f' && b != 0x1B) {
        control++;
      }
    }
    int len = end - start;
    if (len == 0 || control * 20 > len || !utf8(data, start, end)) {
      return ContentKind.UNKNOWN;
    }
    String head =
        new String(data, start, len, StandardCharsets.UTF_8)
            .stripLeading()
            .toLowerCase(Locale.ROOT);
    if (head.startsWith("<")) {
      if (head.contains("<svg")) {
        return ContentKind.SVG;
      }
      if (head.startsWith("<!doctype html")
          || head.startsWith("<html")
          || head.contains("<head")
          || head.contains("<body")) {
        return ContentKind.HTML;
      }
      if (head.startsWith("<?xml")) {
        return ContentKind.XML;
      }
      return ContentKind.TEXT;
    }
    if (head.startsWith("{") || head.startsWith("[")) {
      return ContentKind.JSON;
    }
    return ContentKind.TEXT;
  }

  private static boolean startsWith(byte[] data, int offset, int... magic) {
    if (data.length < offset + magic.length) {
      return false;
    }
    for (int i = 0; i < magic.length; i++) {
      if (u(data, offset + i) != magic[i]) {
        return false;
      }
    }
    return true;
  }

  private static int u(byte[] data, int i) {
    return data[i] & 0xFF;
  }
}
