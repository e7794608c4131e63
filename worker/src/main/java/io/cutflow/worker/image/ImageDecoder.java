package io.cutflow.worker.image;

import com.twelvemonkeys.imageio.stream.ByteArrayImageInputStream;
import io.cutflow.common.image.ContentKind;
import io.cutflow.common.image.ContentSniffer;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.Iterator;
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
    try (Pending pending = open(data, inputName)) {
      ImageHeader h = pending.header();
      return new ImageInfo(h.kind().id(), h.orientedWidth(), h.orientedHeight());
    }
  }

  /** Decodes to RGBA with EXIF orientation applied. */
  public DecodedImage decode(byte[] data, String inputName) throws InvalidImageException {
    try (Pending pending = open(data, inputName)) {
      return pending.decode();
    }
  }

  /**
   * Reads the header, checks the limits, and holds the codec ready: {@link Pending#header()} says
   * what decoding will cost before {@link Pending#decode()} spends it. Close it either way.
   */
  public Pending open(byte[] data, String inputName) throws InvalidImageException {
    String name = InvalidImageException.displayName(inputName);
    ContentKind kind = checkInput(data, name);
    ImageReader reader = openReader(data, kind, name);
    try {
      int[] wh = headerSize(reader, kind, name);
      int orientation = Orientation.read(data, kind);
      boolean direct = kind == ContentKind.PNG && RgbaDestination.applies(reader);
      // decoded in place: no codec raster beside the RGBA array; else the raster, and what the
      // codec itself keeps meanwhile
      int rasterBytes =
          direct
              ? 0
              : RasterSize.bytesPerPixel(reader) + CodecMemory.extraBytesPerPixel(kind, data);
      ImageHeader header =
          new ImageHeader(kind, wh[0], wh[1], orientation, rasterBytes, data.length);
      return new Pending(reader, header, name, direct);
    } catch (OutOfMemoryError e) {
      // anywhere in the header (its size, its pixel types, its metadata): this input's failure
      close(reader);
      throw headerOutOfMemory(kind, name, e);
    } catch (InvalidImageException | RuntimeException | Error e) {
      close(reader);
      throw e;
    }
  }

  /** An image whose header has been read and whose pixels have not; see {@link #open}. */
  public static final class Pending implements AutoCloseable {
    private final ImageReader reader;
    private final ImageHeader header;
    private final String name;
    private final boolean direct;
    private boolean closed;

    private Pending(ImageReader reader, ImageHeader header, String name, boolean direct) {
      this.reader = reader;
      this.header = header;
      this.name = name;
      this.direct = direct;
    }

    public ImageHeader header() {
      return header;
    }

    /** The input's name as messages give it. */
    public String name() {
      return name;
    }

    /** Decodes the pixels to RGBA with the orientation applied; once. */
    public DecodedImage decode() throws InvalidImageException {
      if (closed) {
        throw new IllegalStateException("decode() after close() or a second decode()");
      }
      try {
        return decodePixels(reader, header, name, direct);
      } finally {
        close();
      }
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        ImageDecoder.close(reader);
      }
    }
  }

  private static DecodedImage decodePixels(
      ImageReader reader, ImageHeader header, String name, boolean direct)
      throws InvalidImageException {
    ContentKind kind = header.kind();
    // the first warning that says the data ends early; the others are only logged, a few: a
    // WebP of 8 million unknown chunks makes a warning each, and keeping them took seconds
    String[] truncation = new String[1];
    int[] logged = new int[1];
    reader.addIIOReadWarningListener(
        new IIOReadWarningListener() {
          @Override
          public void warningOccurred(ImageReader source, String warning) {
            if (truncation[0] == null && CodecFailures.isTruncationWarning(warning)) {
              truncation[0] = warning;
            } else if (logged[0]++ < 5) {
              log.debug("{}: {} decoder warning: {}", name, kind.id(), warning);
            }
          }
        });
    BufferedImage img = null;
    RgbaConverter.Result px = null;
    try {
      if (direct) {
        px = RgbaDestination.read(reader, header.width(), header.height());
      } else {
        ImageReadParam param = reader.getDefaultReadParam();
        img = reader.read(0, param);
      }
    } catch (OutOfMemoryError e) {
      throw outOfMemory(header, name, e);
    } catch (Exception | StackOverflowError e) {
      throw CodecFailures.of(e, kind, name);
    }
    if (truncation[0] != null) {
      throw CodecFailures.truncated(kind, name, truncation[0], null);
    }
    if (img == null && px == null) {
      throw new InvalidImageException(
          InvalidImageException.Reason.CORRUPT,
          name,
          "the " + kind.id() + " decoder returned no image; re-export the image as PNG or JPEG",
          kind,
          null);
    }
    int w = direct ? header.width() : img.getWidth();
    int h = direct ? header.height() : img.getHeight();
    if (!direct) {
      try {
        px = RgbaConverter.convert(img);
      } catch (OutOfMemoryError e) {
        throw outOfMemory(header, name, e);
      } catch (RuntimeException e) {
        throw CodecFailures.of(e, kind, name);
      }
    }
    img = null; // the codec's raster is garbage from here: re-orienting may need its room
    int orientation = header.orientation();
    byte[] rgba;
    try {
      rgba = Orientation.apply(px.rgba(), w, h, orientation);
    } catch (OutOfMemoryError e) {
      throw outOfMemory(header, name, e);
    }
    if (Orientation.swapsDimensions(orientation)) {
      int t = w;
      w = h;
      h = t;
    }
    return new DecodedImage(w, h, rgba, px.hasAlpha(), kind.id());
  }

  /**
   * Only where no {@link MemoryBudget} admitted the image (or a JVM without
   * ExitOnOutOfMemoryError): the heap ran out while decoding it.
   */
  private static InvalidImageException outOfMemory(ImageHeader h, String name, OutOfMemoryError e) {
    return new InvalidImageException(
        InvalidImageException.Reason.TOO_LARGE,
        name,
        "not enough memory to decode a "
            + h.width()
            + "x"
            + h.height()
            + " "
            + h.kind().id()
            + " image; lower cutflow.image.max-pixels or give the process more memory (-Xmx)",
        h.kind(),
        e);
  }

  private ContentKind checkInput(byte[] data, String name) throws InvalidImageException {
    if (data == null || data.length == 0) {
      throw new InvalidImageException(
          InvalidImageException.Reason.EMPTY,
          name,
          "input is empty (0 bytes); send the image file's contents");
    }
    limits.checkBytes(data.length, false, name);
    ContentKind kind = ContentSniffer.sniff(data);
    if (kind == ContentKind.JPEG) {
      JpegStructure.check(data, name); // before the codec keeps an object per segment
    } else if (kind == ContentKind.GIF) {
      GifStructure.check(data, name); // the codec fills what the data does not reach
    } else if (kind == ContentKind.BMP) {
      BmpStructure.check(data, name); // an inner JPEG or PNG is decoded at its own size
    } else if (kind == ContentKind.TIFF) {
      TiffStructure.check(data, name); // a JPEG strip is decoded at its own size
    }
    IccProfiles.check(kind, data, name); // the codec allocates what a profile claims
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
      throw CodecFailures.of(e, kind, name);
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

  /**
   * A header built to fill the heap (no lease covers it yet): this input's failure in {@code
   * remove}, which goes on with the next; a worker exits on it instead.
   */
  private static InvalidImageException headerOutOfMemory(
      ContentKind kind, String name, OutOfMemoryError e) {
    return new InvalidImageException(
        InvalidImageException.Reason.CORRUPT,
        name,
        "reading the " + kind.id() + " header ran out of memory; re-export the image",
        kind,
        e);
  }

  /** Width and height from the header, refused over the pixel limit before any decoding. */
  private int[] headerSize(ImageReader reader, ContentKind kind, String name)
      throws InvalidImageException {
    int w;
    int h;
    try {
      w = reader.getWidth(0);
      h = reader.getHeight(0);
    } catch (OutOfMemoryError e) {
      throw headerOutOfMemory(kind, name, e);
    } catch (Exception | StackOverflowError e) {
      throw CodecFailures.of(e, kind, name);
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
