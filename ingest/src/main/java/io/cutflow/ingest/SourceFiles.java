package io.cutflow.ingest;

import io.cutflow.common.cli.InputFiles;
import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.config.StorageConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a local image for upload ({@code cutflow ingest}, {@code run}, {@code watch}), refusing one
 * over {@code cutflow.image.max-bytes} from its size, before it is read: the workers refuse such an
 * object anyway, and a folder holding a few huge files read whole at once could run the uploader
 * out of heap.
 */
public final class SourceFiles {
  /** A file over the limit; nothing of it was read or uploaded. */
  public static final class TooLargeException extends IOException {
    private static final long serialVersionUID = 1L;

    TooLargeException(String message) {
      super(message);
    }
  }

  private final long maxBytes;

  public SourceFiles(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  public static SourceFiles fromConfig(CutflowConfig config) {
    return new SourceFiles(config.getLong(StorageConfig.IMAGE_MAX_BYTES));
  }

  /** {@code file}'s bytes. */
  public byte[] read(Path file) throws IOException {
    long size = Files.size(file);
    if (size > maxBytes) {
      throw new TooLargeException(
          file.getFileName()
              + " is "
              + size
              + " bytes, over the "
              + maxBytes
              + " of "
              + StorageConfig.IMAGE_MAX_BYTES.name()
              + " that workers take; not uploaded. Compress or resize it, or raise the setting for"
              + " ingest and workers alike");
    }
    return InputFiles.read(file, size);
  }
}
