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

  /**
   * The same rule for an object key or a relative path with {@code /} separators: only the last
   * segment loses its extension, so {@code shop/shoes/a b.jpg} → {@code shop/shoes/a b.png} and
   * {@code v1.2/photo} → {@code v1.2/photo.png}.
   */
  public static String ofKey(String key) {
    int slash = key.lastIndexOf('/');
    String name = key.substring(slash + 1);
    int dot = name.lastIndexOf('.');
    String base = dot > 0 ? name.substring(0, dot) : name;
    return key.substring(0, slash + 1) + base + ".png";
  }
}
