package io.cutflow.common.image;

import java.nio.file.Path;

/**
 * How a cutout of a local file is named: the file name without its extension, plus {@code .png}.
 */
public final class CutoutFileName {
  private CutoutFileName() {}

  /**
   * {@code photo.jpg} → {@code photo}; a name without a dot (or only a leading one) stays whole.
   */
  public static String baseName(Path file) {
    String name = file.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return dot > 0 ? name.substring(0, dot) : name;
  }

  /** {@code photo.jpg} → {@code photo.png}. */
  public static String of(Path file) {
    return baseName(file) + ".png";
  }
}
