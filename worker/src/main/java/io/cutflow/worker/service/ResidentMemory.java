package io.cutflow.worker.service;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The process's resident set size from /proc — what the OS actually holds for us, native memory
 * (ONNX Runtime's arenas) included, which the JVM's heap figures don't show.
 */
public final class ResidentMemory {
  private ResidentMemory() {}

  /** RSS in bytes of process {@code pid}, or -1 where /proc is unavailable. */
  public static long ofPid(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          String[] parts = line.trim().split("\\s+");
          return Long.parseLong(parts[1]) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  public static long current() {
    return ofPid(ProcessHandle.current().pid());
  }
}
