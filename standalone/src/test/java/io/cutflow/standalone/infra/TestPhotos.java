package io.cutflow.standalone.infra;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/** The shared real photos ({@code ../shared/testdata/photos} beside the repository). */
public final class TestPhotos {
  /** The smallest of the shared photos (480×360 to 718×478, no EXIF rotation): quick to cut out. */
  public static final List<String> SMALL =
      List.of("car-1.jpg", "girl-1.jpg", "car-3.jpg", "girl-2.jpg");

  /** A photo: its file name, bytes and size. */
  public record Photo(String name, byte[] bytes, int width, int height) {}

  private TestPhotos() {}

  /** {@code shared/testdata/photos} in this directory or an ancestor's sibling, or null. */
  public static Path dir() {
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      for (Path candidate :
          List.of(
              d.resolve("shared/testdata/photos"), d.resolveSibling("shared/testdata/photos"))) {
        if (Files.isDirectory(candidate)) {
          return candidate;
        }
      }
    }
    return null;
  }

  /** Reads {@code names} from {@code dir}, with each photo's size from its decoded pixels. */
  public static List<Photo> load(Path dir, List<String> names) {
    List<Photo> out = new ArrayList<>();
    for (String name : names) {
      try {
        byte[] bytes = Files.readAllBytes(dir.resolve(name));
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(bytes));
        if (img == null) {
          throw new IllegalStateException(dir.resolve(name) + " is not a readable image");
        }
        out.add(new Photo(name, bytes, img.getWidth(), img.getHeight()));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + dir.resolve(name), e);
      }
    }
    return out;
  }
}
