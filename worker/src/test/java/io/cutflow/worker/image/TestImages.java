package io.cutflow.worker.image;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.awt.image.RenderedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/** Builds test images in memory: nothing is read from disk. */
final class TestImages {
  static final Color TL = new Color(220, 30, 30);
  static final Color TR = new Color(30, 200, 40);
  static final Color BL = new Color(30, 40, 210);
  static final Color BR = new Color(230, 220, 40);

  private TestImages() {}

  /** Four solid quadrants: top-left red, top-right green, bottom-left blue, bottom-right yellow. */
  static BufferedImage quadrants(int w, int h, int type) {
    return quadrants(w, h, type, null);
  }

  static BufferedImage quadrants(int w, int h, int type, java.awt.image.IndexColorModel icm) {
    BufferedImage img =
        icm == null ? new BufferedImage(w, h, type) : new BufferedImage(w, h, type, icm);
    Graphics2D g = img.createGraphics();
    g.setColor(TL);
    g.fillRect(0, 0, w / 2, h / 2);
    g.setColor(TR);
    g.fillRect(w / 2, 0, w - w / 2, h / 2);
    g.setColor(BL);
    g.fillRect(0, h / 2, w / 2, h - h / 2);
    g.setColor(BR);
    g.fillRect(w / 2, h / 2, w - w / 2, h - h / 2);
    g.dispose();
    return img;
  }

  /** A busy picture (gradients + noise-like pattern) so that JPEG scans are long. */
  static BufferedImage busy(int w, int h) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
    java.util.Random rnd = new java.util.Random(42);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int r = (x * 255 / w) ^ rnd.nextInt(64);
        int g = (y * 255 / h) ^ rnd.nextInt(64);
        int b = ((x + y) * 127 / (w + h)) ^ rnd.nextInt(64);
        img.setRGB(x, y, (r & 0xFF) << 16 | (g & 0xFF) << 8 | (b & 0xFF));
      }
    }
    return img;
  }

  static byte[] write(RenderedImage img, String format) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(img, format, out)) {
        throw new IllegalStateException("no ImageIO writer for " + format + " and " + img);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  static byte[] jpeg(BufferedImage img, float quality, boolean progressive) {
    return writeWithParam(new IIOImage(img, null, null), "jpeg", quality, progressive);
  }

  static byte[] writeWithParam(IIOImage image, String format, float quality, boolean progressive) {
    // The JDK's writer: predictable output for rasters too.
    ImageWriter writer = null;
    for (var it = ImageIO.getImageWritersByFormatName(format); it.hasNext(); ) {
      ImageWriter w = it.next();
      if (writer == null || w.getClass().getName().startsWith("com.sun.")) {
        writer = w;
      }
    }
    ImageWriteParam p = writer.getDefaultWriteParam();
    if (progressive) {
      p.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
    }
    p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
    p.setCompressionQuality(quality);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
      writer.setOutput(ios);
      writer.write(null, image, p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      writer.dispose();
    }
    return out.toByteArray();
  }

  /** A CMYK JPEG from a 4-band raster, with an Adobe APP14 marker (transform 0) and no JFIF. */
  static byte[] cmykJpeg(java.awt.image.Raster raster) {
    ImageWriter writer = null;
    for (var it = ImageIO.getImageWritersByFormatName("jpeg"); it.hasNext(); ) {
      ImageWriter w = it.next();
      if (w.getClass().getName().startsWith("com.sun.")) {
        writer = w;
      }
    }
    ImageWriteParam p = writer.getDefaultWriteParam();
    p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
    p.setCompressionQuality(0.95f);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
      javax.imageio.metadata.IIOMetadata md =
          writer.getDefaultImageMetadata(
              javax.imageio.ImageTypeSpecifier.createInterleaved(
                  java.awt.color.ColorSpace.getInstance(java.awt.color.ColorSpace.CS_sRGB),
                  new int[] {0, 1, 2, 3},
                  java.awt.image.DataBuffer.TYPE_BYTE,
                  true,
                  false),
              p);
      String fmt = "javax_imageio_jpeg_image_1.0";
      javax.imageio.metadata.IIOMetadataNode root =
          (javax.imageio.metadata.IIOMetadataNode) md.getAsTree(fmt);
      javax.imageio.metadata.IIOMetadataNode variety =
          (javax.imageio.metadata.IIOMetadataNode) root.getElementsByTagName("JPEGvariety").item(0);
      while (variety.hasChildNodes()) {
        variety.removeChild(variety.getFirstChild());
      }
      javax.imageio.metadata.IIOMetadataNode seq =
          (javax.imageio.metadata.IIOMetadataNode)
              root.getElementsByTagName("markerSequence").item(0);
      for (int i = seq.getLength() - 1; i >= 0; i--) {
        if ("app14Adobe".equals(seq.item(i).getNodeName())) {
          seq.removeChild(seq.item(i));
        }
      }
      javax.imageio.metadata.IIOMetadataNode adobe =
          new javax.imageio.metadata.IIOMetadataNode("app14Adobe");
      adobe.setAttribute("transform", "0");
      seq.insertBefore(adobe, seq.getFirstChild());
      // Four components, ids 1..4, no subsampling.
      javax.imageio.metadata.IIOMetadataNode sof =
          (javax.imageio.metadata.IIOMetadataNode) root.getElementsByTagName("sof").item(0);
      for (int i = 0; i < sof.getLength(); i++) {
        javax.imageio.metadata.IIOMetadataNode comp =
            (javax.imageio.metadata.IIOMetadataNode) sof.item(i);
        comp.setAttribute("HsamplingFactor", "1");
        comp.setAttribute("VsamplingFactor", "1");
      }
      md.setFromTree(fmt, root);
      writer.setOutput(ios);
      writer.write(null, new IIOImage(raster, null, md), p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      writer.dispose();
    }
    return out.toByteArray();
  }

  /** Inserts an APP1 Exif segment carrying only the Orientation tag right after the JPEG's SOI. */
  static byte[] withExifOrientation(byte[] jpeg, int orientation) {
    byte[] app1 = {
      (byte) 0xFF,
      (byte) 0xE1,
      0x00,
      34, // marker, length 34 (includes these 2 length bytes)
      'E',
      'x',
      'i',
      'f',
      0,
      0,
      'M',
      'M',
      0x00,
      0x2A,
      0,
      0,
      0,
      8, // big-endian TIFF header, IFD0 at offset 8
      0,
      1, // one entry
      0x01,
      0x12,
      0x00,
      0x03,
      0,
      0,
      0,
      1,
      0,
      (byte) orientation,
      0,
      0, // Orientation, SHORT, count 1
      0,
      0,
      0,
      0 // no next IFD
    };
    byte[] out = new byte[jpeg.length + app1.length];
    System.arraycopy(jpeg, 0, out, 0, 2);
    System.arraycopy(app1, 0, out, 2, app1.length);
    System.arraycopy(jpeg, 2, out, 2 + app1.length, jpeg.length - 2);
    return out;
  }

  /** A hand-built PNG: signature, IHDR with the given size (correct CRCs), one IDAT, IEND. */
  static byte[] pngWithHeader(int width, int height, int colorType, byte[] rawIdatPayload) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
    byte[] ihdr = new byte[13];
    putInt(ihdr, 0, width);
    putInt(ihdr, 4, height);
    ihdr[8] = 8;
    ihdr[9] = (byte) colorType;
    chunk(out, "IHDR", ihdr);
    chunk(out, "IDAT", rawIdatPayload);
    chunk(out, "IEND", new byte[0]);
    return out.toByteArray();
  }

  static byte[] zlib(byte[] data) {
    Deflater d = new Deflater();
    d.setInput(data);
    d.finish();
    byte[] buf = new byte[data.length + 64];
    int n = d.deflate(buf);
    d.end();
    return java.util.Arrays.copyOf(buf, n);
  }

  static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
    byte[] len = new byte[4];
    putInt(len, 0, data.length);
    out.writeBytes(len);
    byte[] t = type.getBytes(StandardCharsets.US_ASCII);
    out.writeBytes(t);
    out.writeBytes(data);
    CRC32 crc = new CRC32();
    crc.update(t);
    crc.update(data);
    byte[] c = new byte[4];
    putInt(c, 0, (int) crc.getValue());
    out.writeBytes(c);
  }

  static void putInt(byte[] b, int off, int v) {
    b[off] = (byte) (v >>> 24);
    b[off + 1] = (byte) (v >>> 16);
    b[off + 2] = (byte) (v >>> 8);
    b[off + 3] = (byte) v;
  }

  /** RGBA of pixel (x, y) as {r, g, b, a}. */
  static int[] px(DecodedImage img, int x, int y) {
    int i = (y * img.width() + x) * 4;
    byte[] p = img.rgba();
    return new int[] {p[i] & 0xFF, p[i + 1] & 0xFF, p[i + 2] & 0xFF, p[i + 3] & 0xFF};
  }
}
