package io.cutflow.worker.image;

import com.twelvemonkeys.imageio.stream.ByteArrayImageInputStream;
import io.cutflow.common.image.ContentKind;
import io.cutflow.common.image.ContentSniffer;
import java.awt.image.BufferedImage;
import java.io.EOFException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.spi.ImageReaderSpi;
import javax.imageio.stream.ImageInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes untrusted image bytes into {@link DecodedImage} (8-bit RGBA, EXIF orientation applied),
 * with limits checked from the header before any pixel is decoded.
 *
 * <p>Formats: JPEG (baseline, progressive, grayscale, CMYK/YCCK via TwelveMonkeys), PNG (all colour
 * types and bit depths; 16-bit keeps the high byte), WebP, BMP, GIF (first frame), TIFF (first
 * page). The format is detected from content ({@link ContentSniffer}), never from the name.
 *
 * <p>Every failure is an {@link InvalidImageException} with a {@link InvalidImageException.Reason};
 * no codec exception (nor an OutOfMemoryError or StackOverflowError raised while decoding one
 * image) escapes. A JPEG that ends early, which the JDK decoder only reports as a warning
 * ("Premature end of JPEG file") while returning a gray-filled image, is refused as {@code
 * TRUNCATED}.
 *
 * <p>Thread-safe: a fresh {@link ImageReader} is used per call.
 */
public final class ImageDecoder {
  private static final Logger log = LoggerFactory.getLogger(ImageDecoder.class);

  /** The most pixels a Java byte[] can hold as RGBA. */
  private static final long MAX_ARRAY_PIXELS = (Integer.MAX_VALUE - 8) / 4;

  private final ImageLimits limits;

  public ImageDecoder() {
    this(ImageLimits.DEFAULTS);
  }

  public ImageDecoder(ImageLimits limits) {
    this.limits = Objects.requireNonNull(limits, "limits");
  }

  public ImageLimits limits() {
    return limits;
  }

  /**
   * Format and dimensions from the header only (no pixel decoding), as {@link #decode} would return
   * them (EXIF orientation applied). Applies the same limits as {@link #decode}.
   */
  public ImageInfo probe(byte[] data, String inputName) throws InvalidImageException {
    String name = InvalidImageException.displayName(inputName);
    ContentKind kind = checkInput(data, name);
    ImageReader reader = openReader(data, kind, name);
    try {
      int[] wh = headerSize(reader, kind, name);
      int orientation = Orientation.read(data, kind);
      return Orientation.swapsDimensions(orientation)
          ? new ImageInfo(kind.id(), wh[1], wh[0])
          : new ImageInfo(kind.id(), wh[0], wh[1]);
    } finally {
      close(reader);
    }
  }

  /** Decodes to RGBA with EXIF orientation applied. */
  public DecodedImage decode(byte[] data, String inputName) throws InvalidImageException {
    String name = InvalidImageException.displayName(inputName);
    ContentKind kind = checkInput(data, name);
    ImageReader reader = openReader(data, kind, name);
    BufferedImage img;
    List<String> warnings = new ArrayList<>(1);
    try {
      int[] wh = headerSize(reader, kind, name);
      reader.addIIOReadWarningListener(
          new IIOReadWarningListener() {
            @Override
            public void warningOccurred(ImageReader source, String warning) {
              warnings.add(warning);
            }
          });
      try {
        ImageReadParam param = reader.getDefaultReadParam();
        img = reader.read(0, param);
      } catch (OutOfMemoryError e) {
        throw new InvalidImageException(
            InvalidImageException.Reason.TOO_LARGE,
            name,
            "not enough memory to decode a "
                + wh[0]
                + "x"
                + wh[1]
                + " "
                + kind.id()
                + " image; lower cutflow.image.max-pixels or give the process more memory (-Xmx)",
            kind,
            e);
      } catch (Exception | StackOverflowError e) {
        throw codecFailure(e, kind, name);
      }
    } finally {
      close(reader);
    }
    for (String w : warnings) {
      if (isTruncationMessage(w)) {
        throw truncated(kind, name, w, null);
      }
      log.debug("{}: {} decoder warning: {}", name, kind.id(), w);
    }
    if (img == null) {
      throw new InvalidImageException(
          InvalidImageException.Reason.CORRUPT,
          name,
          "the " + kind.id() + " decoder returned no image; re-export the image as PNG or JPEG",
          kind,
          null);
    }
    RgbaConverter.Result px;
    try {
      px = RgbaConverter.convert(img);
    } catch (OutOfMemoryError e) {
      throw new InvalidImageException(
          InvalidImageException.Reason.TOO_LARGE,
          name,
          "not enough memory for a "
              + img.getWidth()
              + "x"
              + img.getHeight()
              + " image; lower cutflow.image.max-pixels or give the process more memory (-Xmx)",
          kind,
          e);
    } catch (RuntimeException e) {
      throw codecFailure(e, kind, name);
    }
    int orientation = Orientation.read(data, kind);
    int w = img.getWidth();
    int h = img.getHeight();
    byte[] rgba = Orientation.apply(px.rgba(), w, h, orientation);
    if (Orientation.swapsDimensions(orientation)) {
      int t = w;
      w = h;
      h = t;
    }
    return new DecodedImage(w, h, rgba, px.hasAlpha(), kind.id());
  }

  private ContentKind checkInput(byte[] data, String name) throws InvalidImageException {
    if (data == null || data.length == 0) {
      throw new InvalidImageException(
          InvalidImageException.Reason.EMPTY,
          name,
          "input is empty (0 bytes); send the image file's contents");
    }
    if (data.length > limits.maxBytes()) {
      throw new InvalidImageException(
          InvalidImageException.Reason.TOO_LARGE,
          name,
          "input is "
              + data.length
              + " bytes, over the limit of "
              + limits.maxBytes()
              + " bytes; compress or resize it, or raise cutflow.image.max-bytes");
    }
    ContentKind kind = ContentSniffer.sniff(data);
    if (kind.isDecodable()) {
      return kind;
    }
    if (kind.isImage()) {
      throw new InvalidImageException(
          InvalidImageException.Reason.UNSUPPORTED_FORMAT,
          name,
          "detected "
              + kind.mimeType()
              + ", which is not a supported format; convert it to JPEG, PNG or WebP",
          kind,
          null);
    }
    String what =
        kind == ContentKind.UNKNOWN ? "unrecognised content" : "detected " + kind.mimeType();
    throw new InvalidImageException(
        InvalidImageException.Reason.NOT_AN_IMAGE,
        name,
        "not an image (" + what + "); send a JPEG, PNG, WebP, BMP, GIF or TIFF file",
        kind,
        null);
  }

  private static ImageReader openReader(byte[] data, ContentKind kind, String name)
      throws InvalidImageException {
    ImageInputStream in = new ByteArrayImageInputStream(data);
    try {
      Iterator<ImageReader> it = ImageIO.getImageReadersByFormatName(kind.id());
      while (it.hasNext()) {
        ImageReader reader = it.next();
        ImageReaderSpi spi = reader.getOriginatingProvider();
        if (spi == null || spi.canDecodeInput(in)) {
          reader.setInput(in, true, true);
          return reader;
        }
        reader.dispose();
      }
    } catch (Exception | StackOverflowError e) {
      throw codecFailure(e, kind, name);
    }
    throw new InvalidImageException(
        InvalidImageException.Reason.UNSUPPORTED_FORMAT,
        name,
        "no installed decoder accepts this "
            + kind.id()
            + " data (unsupported variant); convert it to PNG or JPEG",
        kind,
        null);
  }

  /** Width and height from the header, refused over the pixel limit before any decoding. */
  private int[] headerSize(ImageReader reader, ContentKind kind, String name)
      throws InvalidImageException {
    int w;
    int h;
    try {
      w = reader.getWidth(0);
      h = reader.getHeight(0);
    } catch (Exception | StackOverflowError e) {
      throw codecFailure(e, kind, name);
    }
    if (w <= 0 || h <= 0) {
      throw new InvalidImageException(
          InvalidImageException.Reason.CORRUPT,
          name,
          "the "
              + kind.id()
              + " header gives an invalid size "
              + w
              + "x"
              + h
              + "; re-export the image",
          kind,
          null);
    }
    long pixels = (long) w * h;
    long max = Math.min(limits.maxPixels(), MAX_ARRAY_PIXELS);
    if (pixels > max) {
      throw new InvalidImageException(
          InvalidImageException.Reason.TOO_LARGE,
          name,
          "image is "
              + w
              + "x"
              + h
              + " ("
              + pixels
              + " pixels), over the limit of "
              + max
              + " pixels; resize it or raise cutflow.image.max-pixels",
          kind,
          null);
    }
    return new int[] {w, h};
  }

  private static InvalidImageException codecFailure(Throwable e, ContentKind kind, String name) {
    if (isTruncation(e)) {
      return truncated(kind, name, String.valueOf(e.getMessage()), e);
    }
    return new InvalidImageException(
        InvalidImageException.Reason.CORRUPT,
        name,
        "the "
            + kind.id()
            + " data is corrupt ("
            + describe(e)
            + "); re-export or re-save the image",
        kind,
        e);
  }

  private static InvalidImageException truncated(
      ContentKind kind, String name, String detail, Throwable cause) {
    return new InvalidImageException(
        InvalidImageException.Reason.TRUNCATED,
        name,
        "the "
            + kind.id()
            + " data ends early ("
            + detail
            + "), the file is truncated; upload the complete file",
        kind,
        cause);
  }

  private static boolean isTruncation(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof EOFException || isTruncationMessage(t.getMessage())) {
        return true;
      }
    }
    return false;
  }

  private static boolean isTruncationMessage(String message) {
    if (message == null) {
      return false;
    }
    String m = message.toLowerCase(Locale.ROOT);
    return m.contains("premature end")
        || m.contains("unexpected end")
        || m.contains("end of file")
        || m.contains("end of stream")
        || m.contains("truncated")
        || m.contains("eof");
  }

  private static String describe(Throwable e) {
    String msg = e.getMessage();
    String type = e.getClass().getSimpleName();
    return msg == null || msg.isBlank() ? type : type + ": " + msg;
  }

  private static void close(ImageReader reader) {
    try {
      Object in = reader.getInput();
      reader.dispose();
      if (in instanceof ImageInputStream iis) {
        iis.close();
      }
    } catch (IOException | RuntimeException e) {
      log.debug("closing image reader: {}", e.toString());
    }
  }
}
