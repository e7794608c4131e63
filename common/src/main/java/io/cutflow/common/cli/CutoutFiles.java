package io.cutflow.common.cli;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * How the CLI's commands ({@code remove}, {@code ingest --out}, {@code run}, folder {@code watch})
 * write a cutout to disk: through a hidden temporary file in the same folder, moved into place, so
 * a reader never sees half a PNG; created as any file of the user's is (the umask's permissions,
 * where {@link Files#createTempFile} would make it readable by its owner only).
 */
public final class CutoutFiles {
  private CutoutFiles() {}

  /** Writes {@code bytes} to {@code target}, replacing it, creating its folder if missing. */
  public static void write(Path target, byte[] bytes) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = dir.resolve("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
    try {
      Files.write(tmp, bytes, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      try {
        Files.move(
            tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
