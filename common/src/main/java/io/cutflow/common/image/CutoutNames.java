package io.cutflow.common.image;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Output names for a batch of local files written into one folder, none written twice. Each file
 * gets {@link CutoutFileName#ofKey} ({@code shop/a.jpg} → {@code shop/a.png}) unless another file
 * of the batch would get the same name: then each of those keeps its extension ({@code a.jpg} →
 * {@code a.jpg.png}, {@code a.png} → {@code a.png.png}), and one that still meets another name gets
 * {@code ~2}, {@code ~3}… before {@code .png}. Names are compared ignoring case, as on the file
 * systems that do ({@code a.png} and {@code A.png} are one file there). The order of the batch
 * decides only who gets {@code ~2}.
 */
public final class CutoutNames {
  private CutoutNames() {}

  /** {@link #of(List, Predicate)} with no name reserved. */
  public static List<String> of(List<String> relativePaths) {
    return of(relativePaths, name -> false);
  }

  /**
   * The output name of each of {@code relativePaths} ({@code /}-separated, relative to the batch's
   * folder), in the same order.
   *
   * @param reserved names no output may take (e.g. the inputs themselves, when outputs go to their
   *     folder)
   */
  public static List<String> of(List<String> relativePaths, Predicate<String> reserved) {
    Map<String, Integer> claims = new HashMap<>();
    for (String rel : relativePaths) {
      claims.merge(fold(CutoutFileName.ofKey(rel)), 1, Integer::sum);
    }
    List<String> names = new ArrayList<>(relativePaths.size());
    Set<String> used = new HashSet<>();
    for (String rel : relativePaths) {
      String name = CutoutFileName.ofKey(rel);
      boolean alone = claims.get(fold(name)) == 1 && !reserved.test(name);
      names.add(alone ? name : null);
      if (alone) {
        used.add(fold(name));
      }
    }
    for (int i = 0; i < names.size(); i++) {
      if (names.get(i) != null) {
        continue;
      }
      String rel = relativePaths.get(i);
      String name = apart(rel, 1);
      for (int n = 2; used.contains(fold(name)) || reserved.test(name); n++) {
        name = apart(rel, n);
      }
      used.add(fold(name));
      names.set(i, name);
    }
    return names;
  }

  /**
   * The {@code n}th name (from 1) for {@code rel} when {@link CutoutFileName#ofKey} is taken:
   * {@code a.jpg.png}, then {@code a.jpg~2.png}, {@code a.jpg~3.png}… (same folder as {@code rel}).
   */
  public static String apart(String rel, int n) {
    if (n < 1) {
      throw new IllegalArgumentException("n counts from 1: " + n);
    }
    return n == 1 ? rel + ".png" : rel + "~" + n + ".png";
  }

  /** The form under which two names are one file where case is ignored: compare these. */
  public static String fold(String name) {
    return name.toLowerCase(Locale.ROOT);
  }

  /**
   * The line a command prints for {@code input} when its cutout {@code output} was named apart (not
   * {@link CutoutFileName#of}), or null when it has its usual name.
   */
  public static String noteIfNamedApart(Path input, Path output) {
    if (output.getFileName().toString().equals(CutoutFileName.of(input))) {
      return null;
    }
    return input + " -> " + output + " (another input would have the same output name)";
  }
}
