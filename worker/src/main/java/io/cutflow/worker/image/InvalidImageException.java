package io.cutflow.worker.image;

import io.cutflow.common.image.ContentKind;
import java.util.Objects;

/**
 * An input that cannot be turned into a {@link DecodedImage}, and why.
 *
 * <p>The message always names the input, the reason and what to do about it, e.g. {@code girl.jpg:
 * image is 100000x100000 (10000000000 pixels), over the limit of 100000000 pixels; resize it or
 * raise cutflow.image.max-pixels}. {@link Reason#code()} is a stable machine-readable code for job
 * results and HTTP error bodies.
 */
public final class InvalidImageException extends Exception {
  private static final long serialVersionUID = 1L;

  /**
   * Why an input was refused. Codes are stable: they appear in JobResult failures and HTTP errors.
   */
  public enum Reason {
    /** Zero bytes. */
    EMPTY("empty_input"),
    /** Not an image at all (text, HTML, PDF, zip, random bytes...). */
    NOT_AN_IMAGE("not_an_image"),
    /** An image, but in a format Cutflow does not decode (HEIF, AVIF, SVG...). */
    UNSUPPORTED_FORMAT("unsupported_format"),
    /** The data ends before the image does. */
    TRUNCATED("image_truncated"),
    /** Over {@link ImageLimits}: too many pixels or too many bytes. */
    TOO_LARGE("image_too_large"),
    /** Recognised format, but the codec failed on it. */
    CORRUPT("image_corrupt");

    private final String code;

    Reason(String code) {
      this.code = code;
    }

    /** Stable machine code, e.g. "image_too_large". */
    public String code() {
      return code;
    }
  }

  private final Reason reason;
  private final String input;
  private final ContentKind detected;

  public InvalidImageException(Reason reason, String input, String detail) {
    this(reason, input, detail, ContentKind.UNKNOWN, null);
  }

  public InvalidImageException(
      Reason reason, String input, String detail, ContentKind detected, Throwable cause) {
    super(displayName(input) + ": " + detail, cause);
    this.reason = Objects.requireNonNull(reason, "reason");
    this.input = displayName(input);
    this.detected = detected == null ? ContentKind.UNKNOWN : detected;
  }

  public Reason reason() {
    return reason;
  }

  /** The input's name as given to the decoder (a file name, object key or upload name). */
  public String input() {
    return input;
  }

  /**
   * What the content looked like (e.g. {@link ContentKind#TEXT} for NOT_AN_IMAGE), UNKNOWN if not
   * known.
   */
  public ContentKind detected() {
    return detected;
  }

  static String displayName(String input) {
    return input == null || input.isBlank() ? "<input>" : input;
  }
}
