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

  @Test
  void anObjectKeyKeepsItsPrefixAndLosesOnlyTheLastSegmentsExtension() {
    assertEquals("shop/shoes/a b.png", CutoutFileName.ofKey("shop/shoes/a b.jpg"));
    assertEquals("v1.2/photo.png", CutoutFileName.ofKey("v1.2/photo"));
    assertEquals("d/.hidden.png", CutoutFileName.ofKey("d/.hidden"));
    assertEquals("x.png", CutoutFileName.ofKey("x.png"));
  }
}
