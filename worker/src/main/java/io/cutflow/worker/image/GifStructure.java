package io.cutflow.worker.image;

import io.cutflow.common.image.ContentKind;

/**
 * The first frame of a GIF (the one decoded), checked with bounded reads for data that ends before
 * its pixels do. The codec fills what its LZW data does not reach without a warning, so 41 bytes
 * declaring a 7000×7000 frame came out as a 49-megapixel cutout, and a GIF cut short was called
 * corrupt rather than truncated.
 *
 * <p>The bound: an LZW code is at least {@code min code size + 1} bits and stands for at most 4,096
 * pixels (the most entries a GIF code table holds), so W×H pixels take at least {@code W × H × (min
 * code size + 1) / 32,768} bytes, however they are encoded.
 */
final class GifStructure {
  private GifStructure() {}

  /** Refuses {@code d} (a GIF) whose first frame's data ends early; anything else passes. */
  static void check(byte[] d, String name) throws InvalidImageException {
    if (d.length < 13) {
      return; // shorter than its header: the codec says so
    }
    int pos = 13 + colourTableBytes(d[10]);
    while (pos < d.length) {
      int block = d[pos] & 0xFF;
      if (block == 0x21) { // extension: label, then sub-blocks
        pos = afterSubBlocks(d, pos + 2);
        if (pos < 0) {
          throw truncated(name, "it ends inside an extension before the first frame");
        }
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

  /** The index after a chain of sub-blocks starting at {@code at}; -1 if the data ends first. */
  private static int afterSubBlocks(byte[] d, int at) {
    int p = at;
    while (p < d.length) {
      int size = d[p] & 0xFF;
      if (size == 0) {
        return p + 1;
      }
      p += 1 + size;
    }
    return -1;
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
