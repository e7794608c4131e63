package io.cutflow.ingest.folder;

import io.cutflow.common.image.CutoutFileName;
import io.cutflow.common.job.JobResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * rembg's {@code p -w} over the pipeline: scans a folder (recursively), submits each new file once
 * its size and modification time have held still for {@code stable} (a file still being copied is
 * not taken half-written), and writes each cutout to {@code OUTDIR/<relative path without
 * extension>.png}. A file whose output already exists is skipped; hidden files are ignored. What it
 * submitted is remembered for the life of the process only: outputs on disk are the durable record.
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

  private final Path dir;
  private final Path out;
  private final Duration stable;
  private final Submitter submitter;
  private final CutoutReader reader;
  private final Map<String, Seen> candidates = new HashMap<>();
  private final Set<String> taken = new HashSet<>();
  private final Map<String, String> pending = new ConcurrentHashMap<>(); // job id → relative path

  public FolderWatcher(
      Path dir, Path out, Duration stable, Submitter submitter, CutoutReader reader) {
    checkOutside(dir, out);
    this.dir = dir.toAbsolutePath().normalize();
    this.out = out.toAbsolutePath().normalize();
    this.stable = stable;
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

  /** Where a file's cutout goes: {@code OUTDIR/<relative path without extension>.png}. */
  public Path outputOf(String relativePath) {
    return out.resolve(CutoutFileName.ofKey(relativePath));
  }

  /**
   * One scan at {@code nowNanos}: submits every file that has held still long enough. Returns the
   * relative paths it submitted.
   */
  public List<String> scan(long nowNanos) throws IOException {
    List<String> submitted = new java.util.ArrayList<>();
    Set<String> present = new HashSet<>();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        String rel = dir.relativize(f).toString().replace(f.getFileSystem().getSeparator(), "/");
        if (!Files.isRegularFile(f) || hidden(rel)) {
          continue;
        }
        present.add(rel);
        if (taken.contains(rel)) {
          continue;
        }
        if (Files.exists(outputOf(rel))) {
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
        Seen before = candidates.get(rel);
        if (before == null || before.size() != size || before.modified() != modified) {
          candidates.put(rel, new Seen(size, modified, nowNanos));
          continue;
        }
        if (nowNanos - before.sinceNanos() < stable.toNanos()) {
          continue;
        }
        candidates.remove(rel);
        taken.add(rel);
        String jobId = submitter.submit(rel, Files.readAllBytes(f));
        pending.put(jobId, rel);
        submitted.add(rel);
        log.atInfo()
            .setMessage("folder file submitted")
            .addKeyValue("file", rel)
            .addKeyValue("bytes", size)
            .addKeyValue("job", jobId)
            .log();
      }
    }
    candidates.keySet().retainAll(present);
    return submitted;
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
    Path target = outputOf(rel);
    try {
      Files.createDirectories(target.getParent());
      Path tmp = Files.createTempFile(target.getParent(), ".cutflow-", ".part");
      Files.write(tmp, reader.read(result));
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      System.out.println(rel + " -> " + target);
      return target;
    } catch (IOException | RuntimeException e) {
      log.atWarn()
          .setMessage("could not write cutout")
          .addKeyValue("file", rel)
          .addKeyValue("out", target)
          .addKeyValue("error", e.toString())
          .log();
      return null;
    }
  }

  /** Jobs submitted whose result has not come yet. */
  public int pending() {
    return pending.size();
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
