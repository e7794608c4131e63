package io.cutflow.worker.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/**
 * An embedded colour profile whose header claims more than the file holds of it is refused before
 * the codec allocates what it claims: 2 KB claiming 2 GiB ran {@code remove} out of memory and
 * killed workers.
 */
class IccProfilesTest {
  private static final byte[] WEBP_LOSSLESS =
      Base64.getDecoder()
          .decode(
              "UklGRjYAAABXRUJQVlA4TCoAAAAvB8ABEB8gEEjaH3qN+RcQFPk/2vwH8KVAQds2TEmWZEm+DURE/8P6xAc=");

  /** A profile of {@code length} bytes whose header gives {@code claimed} as its size. */
  private static byte[] profile(int claimed, int length) {
    return ByteBuffer.allocate(length).putInt(claimed).array();
  }

  /** {@code jpeg} with one APP2 ICC_PROFILE segment (chunk 1 of 1) after its SOI. */
  private static byte[] withIcc(byte[] jpeg, byte[] profile) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(jpeg, 0, 2);
    int length = 2 + 14 + profile.length;
    out.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xE2, (byte) (length >> 8), (byte) length});
    out.writeBytes("ICC_PROFILE\0".getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(new byte[] {1, 1});
    out.writeBytes(profile);
    out.write(jpeg, 2, jpeg.length - 2);
    return out.toByteArray();
  }

  private static InvalidImageException refused(byte[] data, String name) {
    InvalidImageException e =
        assertThrows(InvalidImageException.class, () -> new ImageDecoder().decode(data, name));
    assertEquals(InvalidImageException.Reason.CORRUPT, e.reason(), e.getMessage());
    return e;
  }

  @Test
  void aProfileClaimingMoreThanTheFileHoldsIsRefusedBeforeTheCodecAllocatesIt() {
    byte[] jpeg = TestImages.jpeg(TestImages.busy(48, 40), 0.9f, false);
    InvalidImageException e = refused(withIcc(jpeg, profile(0x7FFFFF00, 2000)), "claim.jpg");
    assertTrue(
        e.getMessage()
            .contains("ICC colour profile claims 2147483392 bytes but the file holds 2000"),
        e.getMessage());
    refused(Bombs.webpWithIcc(WEBP_LOSSLESS, profile(0x7FFFFF00, 2000)), "claim.webp");
    // a second first chunk that claims little does not hide the first one's claim
    refused(withIcc(withIcc(jpeg, profile(100, 100)), profile(0x7FFFFF00, 2000)), "two.jpg");
  }

  @Test
  void aWebpCutShortInsideItsProfileIsLeftToTheCodec() {
    byte[] webp = Bombs.webpWithIcc(WEBP_LOSSLESS, profile(0x7FFFFF00, 2000));
    // ends two bytes into the ICCP chunk's data: no size to read, no index out of bounds
    int iccp = new String(webp, StandardCharsets.ISO_8859_1).indexOf("ICCP");
    byte[] cut = java.util.Arrays.copyOf(webp, iccp + 8 + 2);
    InvalidImageException e =
        assertThrows(InvalidImageException.class, () -> new ImageDecoder().decode(cut, "cut.webp"));
    assertTrue(e.getMessage().startsWith("cut.webp: "), e.getMessage());
  }

  @Test
  void aProfileOfItsClaimedSizeIsLeftToTheCodec() throws Exception {
    // not a valid profile: the codec warns and ignores it, and the image decodes
    byte[] jpeg = TestImages.jpeg(TestImages.busy(48, 40), 0.9f, false);
    assertEquals(48, new ImageDecoder().decode(withIcc(jpeg, profile(600, 600)), "ok.jpg").width());
  }
}
