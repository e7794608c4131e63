package io.cutflow.common.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class CutoutFileNameTest {
  @Test
  void dropsTheLastExtensionAndAddsPng() {
    assertEquals("photo.png", CutoutFileName.of(Path.of("dir/photo.jpg")));
    assertEquals("archive.tar.png", CutoutFileName.of(Path.of("archive.tar.gz")));
    assertEquals("README.png", CutoutFileName.of(Path.of("README")));
    assertEquals(
        ".hidden.png", CutoutFileName.of(Path.of(".hidden")), "a leading dot is not an extension");
    assertEquals("photo", CutoutFileName.baseName(Path.of("/a/b/photo.jpeg")));
  }
}
