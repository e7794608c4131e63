package io.cutflow.common.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ContentSnifferTest {
  private static ContentKind sniff(String s) {
    return ContentSniffer.sniff(s.getBytes(StandardCharsets.ISO_8859_1));
  }

  @Test
  void namesCommonKinds() {
    assertEquals(
        ContentKind.JPEG,
        ContentSniffer.sniff(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE0}));
    assertEquals(ContentKind.PNG, sniff("\u0089PNG\r\n\u001a\n...."));
    assertEquals(ContentKind.GIF, sniff("GIF89a...."));
    assertEquals(ContentKind.WEBP, sniff("RIFF\u0000\u0000\u0000\u0000WEBPVP8 "));
    assertEquals(ContentKind.TIFF, sniff("II*\u0000\u0008\u0000\u0000\u0000"));
    assertEquals(
        ContentKind.BMP,
        sniff(
            "BM\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0036\u0000\u0000\u0000\u0028\u0000\u0000\u0000"));
    assertEquals(ContentKind.TEXT, sniff("BMW is a car brand, not a bitmap"));
    assertEquals(ContentKind.PDF, sniff("%PDF-1.4"));
    assertEquals(ContentKind.ZIP, sniff("PK\u0003\u0004...."));
    assertEquals(ContentKind.GZIP, sniff("\u001f\u008b\u0008"));
    assertEquals(ContentKind.HTML, sniff("  <!doctype html><html>"));
    assertEquals(
        ContentKind.SVG,
        sniff("<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>"));
    assertEquals(ContentKind.XML, sniff("<?xml version=\"1.0\"?><a/>"));
    assertEquals(ContentKind.JSON, sniff("{\"a\": 1}"));
    assertEquals(ContentKind.TEXT, sniff("hello\n"));
    assertEquals(ContentKind.AVIF, sniff("\u0000\u0000\u0000\u001cftypavif"));
    assertEquals(ContentKind.UNKNOWN, ContentSniffer.sniff(new byte[] {1, 2, 0, 4}));
    assertEquals(ContentKind.UNKNOWN, ContentSniffer.sniff(new byte[0]));
    assertEquals("text/plain", ContentKind.TEXT.mimeType());
  }

  @Test
  void binaryWithoutZeroBytesIsNotText() {
    // a JPEG cut off after its first two bytes was reported as "detected text/plain"
    assertEquals(ContentKind.UNKNOWN, ContentSniffer.sniff(new byte[] {(byte) 0xFF, (byte) 0xD8}));
    assertEquals(ContentKind.UNKNOWN, sniff("abcÿþ def"));
    // UTF-8 text is text, also when the window ends inside a character
    byte[] accents = "café ".repeat(2000).getBytes(StandardCharsets.UTF_8);
    assertEquals(ContentKind.TEXT, ContentSniffer.sniff(accents));
    assertEquals(
        ContentKind.TEXT, ContentSniffer.sniff("Grüße\n".getBytes(StandardCharsets.UTF_8)));
  }
}
