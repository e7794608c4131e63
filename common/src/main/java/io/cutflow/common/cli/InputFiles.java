package io.cutflow.common.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How the CLI's commands ({@code remove}, {@code ingest}, {@code run}, folder {@code watch}) read
 * an input image whole, once they have checked its size against their limit: into one array of that
 * size, a MiB at a time. A whole-file read ({@code Files.readAllBytes}) takes a native buffer as
 * large as the file beside the array, and the JDK keeps it per thread afterwards (a 900 MB file: 2
 * GB resident).
 */
public final class InputFiles {
  /** Reads at most this long: the channel's temporary native buffer is as long. */
  private static final int CHUNK = 1 << 20;

  private InputFiles() {}

  /**
   * {@code file}'s bytes, {@code size} of them (its size as checked).
   *
   * @throws IOException unreadable, or its size changed since it was checked
   */
  public static byte[] read(Path file, long size) throws IOException {
    byte[] data = new byte[Math.toIntExact(size)];
    try (InputStream in = Files.newInputStream(file)) {
      int n = 0;
      for (int r;
          n < data.length && (r = in.read(data, n, Math.min(CHUNK, data.length - n))) > 0; ) {
        n += r;
      }
      if (n < data.length || in.read() != -1) {
        throw new IOException(
            file + ": changed size while it was read; try again once it is written");
      }
    }
    return data;
  }
}
