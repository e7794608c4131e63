package io.cutflow.worker.model;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs {@code npm pack <package>@<version> --pack-destination <dir>}: the npm client does the
 * network part (registry, proxy and auth settings come from the user's npm configuration).
 */
public final class NpmPack {

  /** Environment variable naming the npm executable (default {@code npm}). */
  public static final String NPM_ENV = "CUTFLOW_NPM";

  private final List<String> npmCommand;
  private final Duration timeout;

  public NpmPack() {
    this(List.of(defaultNpm()), Duration.ofMinutes(15));
  }

  /**
   * @param npmCommand the npm executable and any leading arguments
   */
  public NpmPack(List<String> npmCommand, Duration timeout) {
    if (npmCommand.isEmpty()) {
      throw new IllegalArgumentException("empty npm command");
    }
    this.npmCommand = List.copyOf(npmCommand);
    this.timeout = timeout;
  }

  static String defaultNpm() {
    String env = System.getenv(NPM_ENV);
    if (env != null && !env.isBlank()) {
      return env;
    }
    return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows")
        ? "npm.cmd"
        : "npm";
  }

  /**
   * Packs {@code packageName@version} into {@code destDir} and returns the tarball.
   *
   * @throws IOException with a short reason: npm missing, npm's exit status and the tail of its
   *     stderr, timeout
   */
  public Path pack(String packageName, String version, Path destDir) throws IOException {
    Files.createDirectories(destDir);
    String spec = packageName + "@" + version;
    List<String> cmd = new ArrayList<>(npmCommand);
    cmd.addAll(
        List.of(
            "pack",
            spec,
            "--pack-destination",
            destDir.toAbsolutePath().toString(),
            "--ignore-scripts",
            "--loglevel",
            "error"));
    Path stdout = destDir.resolve("npm-pack.stdout");
    Path stderr = destDir.resolve("npm-pack.stderr");
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .directory(destDir.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(nullDevice()))
            .redirectOutput(stdout.toFile())
            .redirectError(stderr.toFile());
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new IOException(
          "cannot run the npm client '"
              + npmCommand.get(0)
              + "' ("
              + UrlDownloader.describe(e)
              + "); install Node.js/npm or set "
              + NPM_ENV
              + " to the npm executable",
          e);
    }
    try {
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new IOException(
            "npm pack " + spec + " did not finish within " + timeout.toMinutes() + " min");
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while running npm pack");
    }
    String err = tail(stderr);
    try {
      if (p.exitValue() != 0) {
        throw new IOException(
            "npm pack "
                + spec
                + " exited with "
                + p.exitValue()
                + (err.isEmpty() ? "" : ": " + err));
      }
      try (Stream<Path> files = Files.list(destDir)) {
        List<Path> tgz = files.filter(f -> f.getFileName().toString().endsWith(".tgz")).toList();
        if (tgz.size() != 1) {
          throw new IOException(
              "npm pack "
                  + spec
                  + " produced "
                  + tgz.size()
                  + " tarballs in "
                  + destDir
                  + (err.isEmpty() ? "" : "; npm said: " + err));
        }
        return tgz.get(0);
      }
    } finally {
      Files.deleteIfExists(stdout);
      Files.deleteIfExists(stderr);
    }
  }

  private static java.io.File nullDevice() {
    return new java.io.File(
        System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows")
            ? "NUL"
            : "/dev/null");
  }

  private static String tail(Path file) {
    try {
      String s = Files.readString(file, StandardCharsets.UTF_8).strip();
      if (s.length() > 800) {
        s = "…" + s.substring(s.length() - 800);
      }
      return s.replaceAll("\\s*\\R\\s*", " | ");
    } catch (IOException e) {
      return "";
    }
  }
}
