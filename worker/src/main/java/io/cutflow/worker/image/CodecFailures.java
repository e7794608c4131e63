package io.cutflow.worker.image;

import io.cutflow.common.image.ContentKind;
import java.io.EOFException;
import java.util.Locale;

/** A codec's exception as an {@link InvalidImageException}: truncated or corrupt, and the fix. */
final class CodecFailures {
  private CodecFailures() {}

  static InvalidImageException of(Throwable e, ContentKind kind, String name) {
    Throwable truncation = truncation(e);
    if (truncation != null) {
      // the exception that says so, by type where it has no message (it used to read "(null)")
      return truncated(kind, name, describe(truncation), e);
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

  static InvalidImageException truncated(
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

  /** The exception in {@code e}'s causes that says the data ended early; null if none. */
  private static Throwable truncation(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof EOFException || isTruncationMessage(t.getMessage())) {
        return t;
      }
    }
    return null;
  }

  /**
   * True when a decoder's warning says the image data ends early; not one about an embedded colour
   * profile the decoder ignores ("Ignoring broken/incompatible ICC profile: Truncated ICC…"), with
   * which the image still decodes.
   */
  static boolean isTruncationWarning(String warning) {
    return isTruncationMessage(warning) && !warning.contains("ICC profile");
  }

  static boolean isTruncationMessage(String message) {
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
}
