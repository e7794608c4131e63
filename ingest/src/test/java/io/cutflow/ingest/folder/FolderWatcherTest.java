package io.cutflow.ingest.folder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutflow.common.job.FailureCode;
import io.cutflow.common.job.JobRequest;
import io.cutflow.common.job.JobResult;
import io.cutflow.ingest.SourceFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The folder watcher with a recording submitter and a clock the test moves. */
class FolderWatcherTest {
  private static final long SECOND = 1_000_000_000L;
  private static final SourceFiles SOURCES = new SourceFiles(1 << 20);

  @TempDir Path root;
  private final Map<String, byte[]> submitted = new LinkedHashMap<>();
  private final List<String> jobIds = new ArrayList<>();

  private FolderWatcher watcher(Path in, Path out) {
    return new FolderWatcher(
        in,
        out,
        Duration.ofSeconds(2),
        SOURCES,
        (rel, bytes) -> {
          submitted.put(rel, bytes);
          String id = "job-" + jobIds.size();
          jobIds.add(id);
          return id;
        },
        r -> ("png of " + r.jobId()).getBytes());
  }

  @Test
  void aFileWrittenInChunksIsTakenOnceWhenItHasHeldStillAndComplete() throws Exception {
    Path in = Files.createDirectories(root.resolve("in/sub dir"));
    FolderWatcher w = watcher(root.resolve("in"), root.resolve("out"));
    Path f = in.resolve("é photo.jpg");
    byte[] all = new byte[3000];
    for (int i = 0; i < all.length; i++) {
      all[i] = (byte) i;
    }
    long now = 0;
    for (int chunk = 0; chunk < 3; chunk++) {
      Files.write(
          f,
          java.util.Arrays.copyOfRange(all, chunk * 1000, chunk * 1000 + 1000),
          chunk == 0
              ? new java.nio.file.OpenOption[0]
              : new java.nio.file.OpenOption[] {java.nio.file.StandardOpenOption.APPEND});
      Files.setLastModifiedTime(f, FileTime.from(Instant.ofEpochSecond(1000 + chunk)));
      assertEquals(List.of(), w.scan(now), "still being written at chunk " + chunk);
      now += SECOND; // chunks 1 s apart: never 2 s still
      assertEquals(List.of(), w.scan(now));
    }
    // the last chunk came at now - 1 s
    assertEquals(List.of(), w.scan(now + SECOND / 2), "1.5 s still is not enough");
    assertEquals(List.of("sub dir/é photo.jpg"), w.scan(now + SECOND));
    assertArrayEquals(all, submitted.get("sub dir/é photo.jpg"), "taken complete");
    assertEquals(List.of(), w.scan(now + 10 * SECOND), "taken once");
    assertEquals(1, w.pending());
  }

  @Test
  void resultsBecomeOutputsAtTheRelativePathAndExistingOutputsAreSkipped() throws Exception {
    Path in = Files.createDirectories(root.resolve("in"));
    Path out = Files.createDirectories(root.resolve("out"));
    Files.createDirectories(in.resolve("a/b"));
    Files.write(in.resolve("a/b/c.jpeg"), new byte[] {1});
    Files.write(in.resolve("done.jpg"), new byte[] {2});
    Files.write(in.resolve(".hidden.jpg"), new byte[] {3});
    Files.write(out.resolve("done.png"), new byte[] {9}); // from an earlier run
    FolderWatcher w = watcher(in, out);
    w.scan(0);
    assertEquals(List.of("a/b/c.jpeg"), w.scan(3 * SECOND));

    assertNull(w.onResult(ok("someone-else")), "other jobs are not ours");
    Path written = w.onResult(ok(jobIds.get(0)));
    assertEquals(out.resolve("a/b/c.png"), written);
    assertEquals("png of job-0", Files.readString(written));
    assertNull(w.onResult(ok(jobIds.get(0))), "a second result writes nothing");
    assertEquals(0, w.pending());
  }

  @Test
  void filesThatWouldShareAnOutputEachGetTheirOwn() throws Exception {
    // b.jpg's cutout used to be replaced by b.png's: both went to b.png
    Path in = Files.createDirectories(root.resolve("in"));
    Path out = Files.createDirectories(root.resolve("out"));
    Files.write(in.resolve("b.jpg"), new byte[] {1});
    Files.write(in.resolve("b.png"), new byte[] {2});
    Files.write(in.resolve("c.jpg"), new byte[] {3});
    FolderWatcher w = watcher(in, out);
    w.scan(0);
    assertEquals(3, w.scan(3 * SECOND).size());
    List<String> order = new ArrayList<>(submitted.keySet()); // job-i is order.get(i)
    Map<String, Path> written = new java.util.HashMap<>();
    for (int i = 0; i < order.size(); i++) {
      written.put(order.get(i), w.onResult(ok(jobIds.get(i))));
    }
    assertEquals(
        Map.of(
            "b.jpg", out.resolve("b.jpg.png"),
            "b.png", out.resolve("b.png.png"),
            "c.jpg", out.resolve("c.png")),
        written);
    assertEquals(
        "png of job-" + order.indexOf("b.jpg"), Files.readString(out.resolve("b.jpg.png")));

    // a watcher started later finds them done
    FolderWatcher again = watcher(in, out);
    again.scan(10 * SECOND);
    assertEquals(List.of(), again.scan(13 * SECOND));
  }

  @Test
  void aFailedFileWritesNothing() throws Exception {
    Path in = Files.createDirectories(root.resolve("in"));
    Files.write(in.resolve("notes.txt"), new byte[] {1});
    FolderWatcher w = watcher(in, root.resolve("out"));
    w.scan(0);
    w.scan(3 * SECOND);
    JobRequest req =
        JobRequest.of(jobIds.get(0), JobRequest.Source.of("raw-b", "k"), Instant.EPOCH);
    JobResult failed =
        JobResult.failed(
            req,
            FailureCode.NOT_AN_IMAGE,
            "text",
            null,
            null,
            "w",
            null,
            null,
            null,
            Instant.EPOCH);
    assertNull(w.onResult(failed));
    assertTrue(Files.notExists(root.resolve("out/notes.png")));
  }

  @Test
  void aFileThatCannotBeSubmittedIsTriedAgainLaterWhileTheOthersGoOn() throws Exception {
    Path in = Files.createDirectories(root.resolve("in"));
    Files.write(in.resolve("a.jpg"), new byte[] {1});
    Files.write(in.resolve("b.jpg"), new byte[] {2});
    List<String> refused = new ArrayList<>();
    FolderWatcher w =
        new FolderWatcher(
            in,
            root.resolve("out"),
            Duration.ofSeconds(2),
            SOURCES,
            (rel, bytes) -> {
              if (rel.equals("a.jpg") && refused.size() < 2) {
                refused.add(rel); // the object store or Kafka away, twice
                throw new IOException("cannot publish the job of " + rel);
              }
              submitted.put(rel, bytes);
              return "job-" + rel;
            },
            r -> new byte[0]);
    w.scan(0);
    assertEquals(List.of("b.jpg"), w.scan(3 * SECOND), "a.jpg fails, b.jpg goes on");
    assertEquals(List.of(), w.scan(3 * SECOND + SECOND / 2), "a.jpg waits its first retry (1 s)");
    assertEquals(List.of(), w.scan(4 * SECOND), "fails again");
    assertEquals(List.of(), w.scan(5 * SECOND), "then waits 2 s");
    assertEquals(List.of("a.jpg"), w.scan(6 * SECOND));
    assertEquals(List.of("a.jpg", "a.jpg"), refused);
    assertEquals(List.of("b.jpg", "a.jpg"), List.copyOf(submitted.keySet()));
    assertEquals(2, w.pending());
  }

  @Test
  void aCutoutThatCannotBeWrittenIsWrittenAtALaterScan() throws Exception {
    Path in = Files.createDirectories(root.resolve("in"));
    Path out = root.resolve("out");
    Files.write(in.resolve("c.jpg"), new byte[] {1});
    int[] reads = {0};
    FolderWatcher w =
        new FolderWatcher(
            in,
            out,
            Duration.ofSeconds(2),
            SOURCES,
            (rel, bytes) -> "job-c",
            r -> {
              if (reads[0]++ == 0) {
                throw new IOException("get s3://cutouts/job-c.png failed: the store is away");
              }
              return "png".getBytes();
            });
    w.scan(0);
    w.scan(3 * SECOND);
    assertNull(w.onResult(ok("job-c")), "the first read fails");
    assertEquals(1, w.pending(), "still owed a cutout");
    assertTrue(Files.notExists(out.resolve("c.png")));
    if (Files.exists(out)) {
      try (var files = Files.list(out)) {
        assertEquals(List.of(), files.toList(), "no half-written file left");
      }
    }
    w.scan(4 * SECOND);
    assertEquals("png", Files.readString(out.resolve("c.png")));
    assertEquals(0, w.pending());
    assertEquals(2, reads[0]);
  }

  @Test
  void anOutputFolderInsideTheWatchedOneIsRefused() throws IOException {
    Path in = Files.createDirectories(root.resolve("in"));
    var e = assertThrows(IllegalArgumentException.class, () -> watcher(in, in.resolve("cutouts")));
    assertTrue(e.getMessage().contains("outside"), e.getMessage());
  }

  private static JobResult ok(String jobId) {
    JobRequest req = JobRequest.of(jobId, JobRequest.Source.of("raw-b", "k"), Instant.EPOCH);
    return JobResult.ok(
        req,
        new JobResult.StoredObject("cutouts-b", jobId + ".png", 1),
        new JobResult.Image(1, 1),
        "m",
        "w",
        1,
        null,
        Instant.EPOCH,
        Instant.EPOCH);
  }

  @Test
  void aFileOverTheByteLimitIsRefusedOnceAndTakenAgainWhenItChanges() throws Exception {
    Path in = Files.createDirectories(root.resolve("in"));
    Files.write(in.resolve("big.jpg"), new byte[(1 << 20) + 1]);
    Files.write(in.resolve("small.jpg"), new byte[100]);
    FolderWatcher w = watcher(in, root.resolve("out"));
    w.scan(0);
    assertEquals(List.of("small.jpg"), w.scan(3 * SECOND), "big.jpg is refused, small.jpg goes");
    assertEquals(List.of(), w.scan(10 * SECOND), "not read or tried again while unchanged");
    assertEquals(List.of("small.jpg"), List.copyOf(submitted.keySet()));
    Files.write(in.resolve("big.jpg"), new byte[50]); // replaced by one within the limit
    w.scan(11 * SECOND);
    assertEquals(List.of("big.jpg"), w.scan(14 * SECOND));
    assertEquals(50, submitted.get("big.jpg").length);
  }
}
