package io.cutflow.worker.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutflow.common.image.ContentKind;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Metadata never costs more memory than the file: only EXIF orientation is read, from bounded
 * bytes, and nothing is inflated or allocated from a declared length. Each check measures what the
 * calling thread allocates (the test JVM's heap is large enough that a bomb would not fail here: it
 * would only be slow and costly, which is what these assertions catch).
 */
class MetadataBombTest {
  /** Decoding a 64x48 image needs well under this (the raster and its RGBA copy are 21 KB). */
  private static final long SMALL = 32L << 20;

  private static final byte[] WEBP_LOSSLESS =
      Base64.getDecoder()
          .decode(
              "UklGRjYAAABXRUJQVlA4TCoAAAAvB8ABEB8gEEjaH3qN+RcQFPk/2vwH8KVAQds2TEmWZEm+DURE/8P6xAc=");

  @ParameterizedTest
  @ValueSource(ints = {2, 3, 6})
  void zTxtBombIsNeverInflated(int colorType) throws Exception {
    byte[] bomb = Bombs.ztxtPng(colorType);
    assertTrue(bomb.length < 2 << 20, "the bomb is a small file: " + bomb.length);

    Bombs.Measured<Integer> orientation =
        Bombs.allocation(() -> Orientation.read(bomb, ContentKind.PNG));
    assertEquals(1, orientation.result());
    assertSmall(orientation, "reading orientation");

    ImageDecoder decoder = new ImageDecoder();
    Bombs.Measured<DecodedImage> decoded =
        Bombs.allocation(() -> decoder.decode(bomb, "ztxt-bomb.png"));
    assertEquals(64, decoded.result().width());
    assertEquals(48, decoded.result().height());
    assertSmall(decoded, "decoding");

    Bombs.Measured<ImageInfo> probed = Bombs.allocation(() -> decoder.probe(bomb, "bomb.png"));
    assertEquals(new ImageInfo("png", 64, 48), probed.result());
    assertSmall(probed, "probing");
  }

  @Test
  void anExifChunkAfterTheBombIsStillRead() throws Exception {
    byte[] png = Bombs.ztxtPng(2, Bombs.exifTiff(6));
    Bombs.Measured<Integer> orientation =
        Bombs.allocation(() -> Orientation.read(png, ContentKind.PNG));
    assertEquals(6, orientation.result());
    assertSmall(orientation, "reading orientation");
    DecodedImage d = new ImageDecoder().decode(png, "rotated.png");
    assertEquals(48, d.width(), "orientation 6 swaps width and height");
    assertEquals(64, d.height());
  }

  @Test
  void aPngChunkDeclaringTwoGibibytesAllocatesNothing() throws Exception {
    byte[] png = Bombs.pngWithHugeDeclaredExif();
    Bombs.Measured<Integer> orientation =
        Bombs.allocation(() -> Orientation.read(png, ContentKind.PNG));
    assertEquals(1, orientation.result());
    assertSmall(orientation, "reading orientation");
    Bombs.Measured<InvalidImageException> refused =
        Bombs.allocation(
            () ->
                assertThrows(
                    InvalidImageException.class,
                    () -> new ImageDecoder().decode(png, "huge-exif.png")));
    assertTrue(
        refused.result().reason() == InvalidImageException.Reason.TRUNCATED
            || refused.result().reason() == InvalidImageException.Reason.CORRUPT,
        refused.result().getMessage());
    assertTrue(refused.result().getMessage().startsWith("huge-exif.png: "));
    assertSmall(refused, "decoding");
  }

  @ParameterizedTest
  @ValueSource(strings = {"EXIF", "XMP ", "ICCP"})
  void aWebpChunkDeclaringTwoGibibytesAllocatesNothing(String fourCc) throws Exception {
    byte[] webp = Bombs.webpWithHugeChunk(WEBP_LOSSLESS, fourCc);
    Bombs.Measured<Integer> orientation =
        Bombs.allocation(() -> Orientation.read(webp, ContentKind.WEBP));
    assertEquals(1, orientation.result());
    assertSmall(orientation, "reading orientation");
    Bombs.Measured<String> decoded =
        Bombs.allocation(
            () -> {
              try {
                DecodedImage d = new ImageDecoder().decode(webp, "huge.webp");
                return d.width() + "x" + d.height();
              } catch (InvalidImageException e) {
                return e.reason().code();
              }
            });
    // The VP8L image itself is intact; a reader may decode it or refuse the chunk, never allocate
    assertTrue(
        decoded.result().equals("8x8") || decoded.result().equals("image_truncated"),
        decoded.result());
    assertSmall(decoded, "decoding");
  }

  @Test
  void tiffEntriesDeclaringTwoGibibytesAllocateNothing() throws Exception {
    byte[] tiff = Bombs.tiffWithHugeTags();
    Bombs.Measured<Integer> orientation =
        Bombs.allocation(() -> Orientation.read(tiff, ContentKind.TIFF));
    assertEquals(6, orientation.result(), "IFD0's orientation, past the huge entries' offsets");
    assertSmall(orientation, "reading orientation");
    Bombs.Measured<String> decoded =
        Bombs.allocation(
            () -> {
              try {
                DecodedImage d = new ImageDecoder().decode(tiff, "huge-tags.tiff");
                return d.width() + "x" + d.height();
              } catch (InvalidImageException e) {
                return e.reason().code();
              }
            });
    assertTrue(
        List.of("1x1", "image_truncated", "image_corrupt").contains(decoded.result()),
        decoded.result());
    assertSmall(decoded, "decoding");
  }

  @Test
  void exifOrientationIsReadFromWebpAndTiff() throws Exception {
    byte[] webp = Bombs.webpWithExif(WEBP_LOSSLESS, Bombs.exifTiff(8));
    assertEquals(8, Orientation.read(webp, ContentKind.WEBP));
    assertEquals(8, Orientation.read(Bombs.exifTiff(8), ContentKind.TIFF));
    // Some writers keep the JPEG APP1 preamble inside the WebP chunk.
    byte[] prefixed = new byte[6 + Bombs.exifTiff(3).length];
    System.arraycopy(
        "Exif\0\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, prefixed, 0, 6);
    System.arraycopy(Bombs.exifTiff(3), 0, prefixed, 6, Bombs.exifTiff(3).length);
    assertEquals(
        3, Orientation.read(Bombs.webpWithExif(WEBP_LOSSLESS, prefixed), ContentKind.WEBP));
  }

  private static void assertSmall(Bombs.Measured<?> m, String what) {
    assertTrue(
        m.allocatedBytes() < SMALL,
        what + " allocated " + (m.allocatedBytes() >> 20) + " MiB, expected < " + (SMALL >> 20));
  }
}
