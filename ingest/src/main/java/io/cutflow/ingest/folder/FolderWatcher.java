package io.cutflow.ingest.folder;

import io.cutflow.common.cli.CutoutFiles;
import io.cutflow.common.image.CutoutNames;
import io.cutflow.common.job.FailureCode;
import io.cutflow.common.job.JobResult;
import io.cutflow.ingest.SourceFiles;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.apache.kafka.common.errors.InterruptException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * rembg's {@code p -w} over the pipeline: scans a folder (recursively), submits each new file once
 * its size and modification time have held still for {@code stable} (a file still being copied is
 * not taken half-written), and writes each cutout to {@code OUTDIR/<relative path without
 * extension>.png}. A file whose output already exists is skipped; hidden files are ignored. What it
 * submitted is remembered for the life of the process only: outputs on disk are the durable record.
 *
 * <p>Nothing is dropped on a passing failure: a file whose upload or job cannot go out (the object
 * store or Kafka away, the file unreadable) is tried again at later scans, waiting {@link
 * #FIRST_RETRY} doubling to {@link #MAX_RETRY}, while the other files go on; a cutout that cannot
 * be read or written is tried again at each scan until it is on disk.
 */
public final class FolderWatcher {
  private static final Logger log = LoggerFactory.getLogger(FolderWatcher.class);

  /** Uploads a file's bytes and publishes its job; returns the job id. */
  @FunctionalInterface
  public interface Submitter {
    String submit(String relativePath, byte[] bytes) throws IOException;
  }

  /** Reads a finished job's cutout. */
  @FunctionalInterface
  public interface CutoutReader {
    byte[] read(JobResult result) throws IOException;
  }

  private record Seen(long size, long modified, long sinceNanos) {}

  /** A file whose submission failed: not tried again before {@code nextNanos}. */
  private record Retry(int failures, long nextNanos) {}

  static final Duration FIRST_RETRY = Duration.ofSeconds(1);
  static final Duration MAX_RETRY = Duration.ofSeconds(60);

  private final Path dir;
  private final Path out;
  private final Duration stable;
  private final SourceFiles sources;
  private final Submitter submitter;
  private final CutoutReader reader;
  private final Map<String, Seen> candidates = new HashMap<>();
  private final Set<String> taken = new HashSet<>();
  private final Map<String, String> pending = new ConcurrentHashMap<>(); // job id → relative path
  // relative path → where its cutout goes, fixed when it is submitted
  private final Map<String, Path> outputOf = new ConcurrentHashMap<>();
  private final Map<String, Retry> retries = new HashMap<>();
  // relative path → the file as it was when refused (over the byte limit): taken again if it
  // changes
  private final Map<String, Seen> refused = new HashMap<>();
  // relative path → its result, whose cutout could not be written yet
  private final Map<String, JobResult> unwritten = new ConcurrentHashMap<>();

  public FolderWatcher(
      Path dir,
      Path out,
      Duration stable,
      SourceFiles sources,
      Submitter submitter,
      CutoutReader reader) {
    checkOutside(dir, out);
    this.dir = dir.toAbsolutePath().normalize();
    this.out = out.toAbsolutePath().normalize();
    this.stable = stable;
    this.sources = sources;
    this.submitter = submitter;
    this.reader = reader;
  }

  /** Refuses an OUTDIR inside DIR: its cutouts would be taken as new images, forever. */
  public static void checkOutside(Path dir, Path out) {
    if (out.toAbsolutePath().normalize().startsWith(dir.toAbsolutePath().normalize())) {
      throw new IllegalArgumentException(
          "--out "
              + out
              + " is inside the watched folder "
              + dir
              + "; its cutouts would be taken as new images. Give an OUTDIR outside it.");
    }
  }

  /**
   * Where each of the files now in the folder has its cutout: {@code OUTDIR/<relative path without
   * extension>.png}, unless files present together would share it ({@code b.jpg}, {@code b.png}):
   * then each keeps its extension ({@code b.jpg.png}, {@code b.png.png}; {@link CutoutNames}).
   */
  private Map<String, Path> outputsOf(List<String> relativePaths) {
    List<String> names = CutoutNames.of(relativePaths);
    Map<String, Path> outputs = new HashMap<>();
    for (int i = 0; i < relativePaths.size(); i++) {
      outputs.put(relativePaths.get(i), out.resolve(names.get(i)));
    }
    return outputs;
  }

  /**
   * One scan at {@code nowNanos}: submits every file that has held still long enough. Returns the
   * relative paths it submitted.
   */
  public List<String> scan(long nowNanos) throws IOException {
    unwritten.forEach((rel, result) -> write(rel, result, true));
    List<String> submitted = new ArrayList<>();
    List<String> files = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path f : (Iterable<Path>) walk::iterator) {
        String rel = dir.relativize(f).toString().replace(f.getFileSystem().getSeparator(), "/");
        if (Files.isRegularFile(f) && !hidden(rel)) {
          files.add(rel);
        }
      }
    }
    Collections.sort(files);
    Set<String> present = new HashSet<>(files);
    Map<String, Path> outputs = outputsOf(files);
    for (String rel : files) {
      Path f = dir.resolve(rel);
      if (taken.contains(rel)) {
        continue;
      }
      if (Files.exists(outputs.get(rel))) {
        taken.add(rel); // done before: rembg p -w skips it too
        continue;
      }
      long size;
      long modified;
      try {
        size = Files.size(f);
        modified = Files.getLastModifiedTime(f).toMillis();
      } catch (NoSuchFileException e) {
        continue; // gone between the walk and now
      }
      Seen wasRefused = refused.get(rel);
      if (wasRefused != null && wasRefused.size() == size && wasRefused.modified() == modified) {
        continue;
      }
      Seen before = candidates.get(rel);
      if (before == null || before.size() != size || before.modified() != modified) {
        candidates.put(rel, new Seen(size, modified, nowNanos));
        continue;
      }
      if (nowNanos - before.sinceNanos() < stable.toNanos()) {
        continue;
      }
      Retry retry = retries.get(rel);
      if (retry != null && nowNanos < retry.nextNanos()) {
        continue;
      }
      String jobId;
      try {
        jobId = submitter.submit(rel, sources.read(f));
      } catch (SourceFiles.TooLargeException e) {
        refuse(rel, new Seen(size, modified, nowNanos), e);
        continue;
      } catch (InterruptedIOException e) {
        throw e;
      } catch (InterruptException e) {
        throw e; // stopping (Ctrl-C) while the producer waited
      } catch (IOException | RuntimeException e) {
        retries.put(rel, failed(rel, retry, nowNanos, e));
        continue;
      }
      retries.remove(rel);
      candidates.remove(rel);
      taken.add(rel);
      outputOf.put(rel, outputs.get(rel));
      pending.put(jobId, rel);
      submitted.add(rel);
      log.atInfo()
          .setMessage("folder file submitted")
          .addKeyValue("file", rel)
          .addKeyValue("bytes", size)
          .addKeyValue("job", jobId)
          .log();
    }
    candidates.keySet().retainAll(present);
    retries.keySet().retainAll(present);
    refused.keySet().retainAll(present);
    return submitted;
  }

  /** A file over the byte limit: said once, not tried again until it changes. */
  private void refuse(String rel, Seen file, SourceFiles.TooLargeException e) {
    candidates.remove(rel);
    retries.remove(rel);
    refused.put(rel, file);
    log.atWarn()
        .setMessage("folder file refused")
        .addKeyValue("file", rel)
        .addKeyValue("code", FailureCode.IMAGE_TOO_LARGE.code())
        .addKeyValue("bytes", file.size())
        .addKeyValue("reason", e.getMessage())
        .log();
    System.err.println(
        "cutflow watch: "
            + rel
            + ": "
            + FailureCode.IMAGE_TOO_LARGE.code()
            + ": "
            + e.getMessage());
  }

  private static Retry failed(String rel, Retry before, long nowNanos, Exception e) {
    int failures = before == null ? 1 : before.failures() + 1;
    long waitMs =
        Math.min(MAX_RETRY.toMillis(), FIRST_RETRY.toMillis() << Math.min(failures - 1, 16));
    log.atWarn()
        .setMessage("folder file not submitted; trying again")
        .addKeyValue("file", rel)
        .addKeyValue("failures", failures)
        .addKeyValue("retry_in_ms", waitMs)
        .addKeyValue("error", e.toString())
        .log();
    if (failures == 1) {
      System.err.println(
          "cutflow watch: "
              + rel
              + ": not submitted ("
              + e.getMessage()
              + "); trying again, the other files go on");
    }
    return new Retry(failures, nowNanos + waitMs * 1_000_000);
  }

  /**
   * A result of any job; one of ours gets its cutout written (atomically: a reader never sees half
   * a PNG) or its failure logged. Returns the output written, or null.
   */
  public Path onResult(JobResult result) {
    String rel = pending.remove(result.jobId());
    if (rel == null) {
      return null; // someone else's job, or a second result of ours
    }
    if (!result.isOk()) {
      outputOf.remove(rel);
      log.atWarn()
          .setMessage("folder file failed")
          .addKeyValue("file", rel)
          .addKeyValue("code", result.failure().code().code())
          .addKeyValue("reason", result.failure().message())
          .log();
      System.err.println(
          "cutflow watch: "
              + rel
              + ": "
              + result.failure().code().code()
              + ": "
              + result.failure().message());
      return null;
    }
    return write(rel, result, false);
  }

  /** Writes {@code rel}'s cutout; on failure keeps it for the next scan and returns null. */
  private Path write(String rel, JobResult result, boolean again) {
    Path target = outputOf.get(rel);
    try {
      CutoutFiles.write(target, reader.read(result));
      unwritten.remove(rel);
      outputOf.remove(rel);
      System.out.println(rel + " -> " + target);
      return target;
    } catch (IOException | RuntimeException e) {
      if (unwritten.put(rel, result) == null || !again) {
        log.atWarn()
            .setMessage("could not write cutout; trying again at the next scan")
            .addKeyValue("file", rel)
            .addKeyValue("out", target)
            .addKeyValue("error", e.toString())
            .log();
      }
      return null;
    }
  }

  /** Files submitted whose cutout is not on disk yet (no result, or not written yet). */
  public int pending() {
    return pending.size() + unwritten.size();
  }

  private static boolean hidden(String rel) {
    for (String part : rel.split("/")) {
      if (part.startsWith(".")) {
        return true;
      }
    }
    return false;
  }
}
