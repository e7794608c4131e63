package io.cutflow.worker.image;

import io.cutflow.common.image.ContentKind;

/**
 * BMPs that wrap another image are refused before the codec sees them. Compression 4 and 5
 * (BI_JPEG, BI_PNG) hold a whole JPEG or PNG, meant for printers: the codec decodes that inner
 * image at its own size, whatever the BMP header says, so a 128-byte BMP of "64x64" decoded a
 * 20000x20000 PNG past the pixel limit and ran workers out of memory. OS/2's BMPs use 4 for Huffman
 * 1D, which the codec misreads as a JPEG.
 */
final class BmpStructure {
  private BmpStructure() {}

  static void check(byte[] d, String name) throws InvalidImageException {
    if (d.length < 34 || d[0] != 'B' || d[1] != 'M') {
      return;
    }
    long headerSize = u32(d, 14);
    if (headerSize < 40) {
      return; // OS/2 1.x core header: no compression field
    }
    long compression = u32(d, 30);
    if (compression == 4 || compression == 5) {
      throw new InvalidImageException(
          InvalidImageException.Reason.UNSUPPORTED_FORMAT,
          name,
          "a BMP with compression "
              + compression
              + " (an embedded "
              + (compression == 4 ? "JPEG" : "PNG")
              + ", for printers) is not decoded: its inner image is not the size its header"
              + " gives; send the inner image itself, or convert it to PNG or JPEG",
          ContentKind.BMP,
          null);
    }
  }

  private static long u32(byte[] d, int at) {
    return (d[at] & 0xFFL)
        | (d[at + 1] & 0xFFL) << 8
        | (d[at + 2] & 0xFFL) << 16
        | (d[at + 3] & 0xFFL) << 24;
  }
}
