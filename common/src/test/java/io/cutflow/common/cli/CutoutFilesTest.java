package io.cutflow.common.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CutoutFilesTest {
  @TempDir Path tmp;

  @Test
  void aCutoutHasTheUsersOrdinaryPermissionsAndNoTemporaryFileIsLeft() throws Exception {
    // remove and folder watch used to write their cutouts readable by their owner only
    Path ordinary = Files.write(tmp.resolve("ordinary.txt"), new byte[] {1});
    Path cutout = tmp.resolve("sub/a.png");
    CutoutFiles.write(cutout, new byte[] {1, 2, 3});
    CutoutFiles.write(cutout, new byte[] {4}); // replaced
    assertArrayEquals(new byte[] {4}, Files.readAllBytes(cutout));
    assertEquals(Files.getPosixFilePermissions(ordinary), Files.getPosixFilePermissions(cutout));
    try (var files = Files.list(cutout.getParent())) {
      assertEquals(List.of(cutout), files.toList());
    }
  }
}
