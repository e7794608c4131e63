package io.cutflow.worker.image;

import io.cutflow.common.image.ContentKind;

/**
 * The first frame of a GIF (the one decoded), checked with bounded reads for data that ends before
 * its pixels do, and the extensions before it for what reading them costs the codec. The codec
 * fills what its LZW data does not reach without a warning, so 41 bytes declaring a 7000×7000 frame
 * came out as a 49-megapixel cutout, and a GIF cut short was called corrupt rather than truncated.
 *
 * <p>The bound: an LZW code is at least {@code min code size + 1} bits and stands for at most 4,096
 * pixels (the most entries a GIF code table holds), so W×H pixels take at least {@code W × H × (min
 * code size + 1) / 32,768} bytes, however they are encoded.
 */
final class GifStructure {
  /**
   * The most bytes the codec may copy to read the extensions before the first frame: the JDK's
   * reader joins an extension's sub-blocks by copying all it has so far for each next one, which is
   * quadratic (5 MB of 255-byte sub-blocks in one comment took 32 s of CPU to read the header of a
   * 64x64 image). 2 GiB of copying is about a second; a 100 KB XMP packet costs 60 MB.
   */
  static final long MAX_EXTENSION_COPIES = 1L << 31;

  /**
   * The most extension blocks before the first frame; encoders write a few (graphic control,
   * looping, XMP). The codec keeps each: 6 million one-byte comments (30 MB) took 46 s of CPU and
   * 1.0 GB of memory to read the header of a 64x64 image.
   */
  static final int MAX_EXTENSIONS = 10_000;

  private GifStructure() {}

  /**
   * Refuses {@code d} (a GIF) whose first frame's data ends early, or whose extensions before it
   * are more than {@link #MAX_EXTENSIONS} or cost the codec more than {@link #MAX_EXTENSION_COPIES}
   * to read; anything else passes.
   */
  static void check(byte[] d, String name) throws InvalidImageException {
    if (d.length < 13) {
      return; // shorter than its header: the codec says so
    }
    int pos = 13 + colourTableBytes(d[10]);
    long copies = 0; // bytes the codec copies to read the extensions (see MAX_EXTENSION_COPIES)
    long extensionBytes = 0;
    int extensions = 0;
    while (pos < d.length) {
      int block = d[pos] & 0xFF;
      if (block == 0x21) { // extension: label, then sub-blocks
        if (++extensions > MAX_EXTENSIONS) {
          throw new InvalidImageException(
              InvalidImageException.Reason.CORRUPT,
              name,
              "the GIF has more than "
                  + MAX_EXTENSIONS
                  + " extension blocks (comments, application data) before its first frame"
                  + " (encoders write a few); re-export the image without them",
              ContentKind.GIF,
              null);
        }
        long joined = 0;
        int p = pos + 2;
        while (p < d.length && d[p] != 0) {
          joined += d[p] & 0xFF;
          copies += joined;
          p += 1 + (d[p] & 0xFF);
        }
        if (p >= d.length) {
          throw truncated(name, "it ends inside an extension before the first frame");
        }
        extensionBytes += joined;
        if (copies > MAX_EXTENSION_COPIES) {
          throw new InvalidImageException(
              InvalidImageException.Reason.CORRUPT,
              name,
              "the GIF holds "
                  + extensionBytes
                  + " bytes of comments or application data before its first frame, in"
                  + " sub-blocks the decoder joins one at a time (minutes of CPU); re-export the"
                  + " image without them",
              ContentKind.GIF,
              null);
        }
        pos = p + 1;
      } else if (block == 0x2C) { // image descriptor
        if (pos + 11 > d.length) {
          throw truncated(name, "it ends inside the first frame's descriptor");
        }
        long pixels = (long) u16(d, pos + 5) * u16(d, pos + 7);
        int at = pos + 10 + colourTableBytes(d[pos + 9]);
        if (at >= d.length) {
          throw truncated(name, "it ends before the first frame's image data");
        }
        int minCodeSize = Math.max(2, Math.min(d[at] & 0xFF, 11));
        long data = 0;
        int p = at + 1;
        while (true) {
          if (p >= d.length) {
            throw truncated(name, "it ends inside the first frame's image data");
          }
          int size = d[p] & 0xFF;
          if (size == 0) {
            break;
          }
          data += size;
          p += 1 + size;
        }
        long least = pixels * (minCodeSize + 1) / 32_768;
        if (data < least) {
          throw truncated(
              name,
              "its first frame of "
                  + pixels
                  + " pixels has "
                  + data
                  + " bytes of image data, fewer than any encoding of them takes ("
                  + least
                  + ")");
        }
        return;
      } else {
        return; // trailer or an unknown block: the codec says what it makes of it
      }
    }
  }

  /** Bytes of the colour table a packed-fields byte announces (0 without one). */
  private static int colourTableBytes(byte packed) {
    return (packed & 0x80) == 0 ? 0 : 3 << ((packed & 0x07) + 1);
  }

  private static int u16(byte[] d, int at) {
    return d[at] & 0xFF | (d[at + 1] & 0xFF) << 8;
  }

  private static InvalidImageException truncated(String name, String detail) {
    return CodecFailures.truncated(ContentKind.GIF, name, detail, null);
  }
}
