package io.cutflow.standalone.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutflow.common.job.JobResult;
import io.cutflow.common.store.ObjectSummary;
import io.cutflow.standalone.StackWorkers;
import io.cutflow.standalone.infra.EmbeddedStack;
import io.cutflow.standalone.infra.TestPhotos.Photo;
import io.cutflow.standalone.recycle.RecycleHarness;
import io.cutflow.worker.supervisor.RecyclingSupervisor;
import io.cutflow.worker.supervisor.SupervisorSettings;
import io.cutflow.worker.supervisor.SupervisorStats;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * One fault scenario on the shared embedded stack: its own topics, bucket and supervised worker
 * processes, the jobs it submitted, and the checks every scenario ends with (every job done with a
 * valid cutout; no process left behind after close).
 */
final class FaultScenario implements AutoCloseable {
  final String name;
  final RecycleHarness harness;
  final RecyclingSupervisor supervisor;
  private final Set<Long> processesBefore;
  private final Map<String, Photo> photoOfJob = new HashMap<>();
  private final long startNanos = System.nanoTime();

  private FaultScenario(
      String name, RecycleHarness harness, RecyclingSupervisor supervisor, Set<Long> before) {
    this.name = name;
    this.harness = harness;
    this.supervisor = supervisor;
    this.processesBefore = new HashSet<>(before);
  }

  /**
   * Snapshots this JVM's child processes, then starts {@code slots} workers (no recycling, no
   * standby: a crashed worker is replaced by a cold one) and waits until each has partitions.
   */
  static FaultScenario start(
      EmbeddedStack stack, String name, int partitions, SupervisorSettings settings)
      throws Exception {
    return start(stack, name, partitions, settings, () -> {});
  }

  /** A fault brought about by the test. */
  interface Fault {
    void begin() throws Exception;
  }

  /**
   * As {@link #start(EmbeddedStack, String, int, SupervisorSettings)}, with {@code beforeWorkers}
   * begun once the scenario's topics and buckets exist, just before its workers start.
   */
  static FaultScenario start(
      EmbeddedStack stack,
      String name,
      int partitions,
      SupervisorSettings settings,
      Fault beforeWorkers)
      throws Exception {
    Set<Long> before = ProcessFaults.descendants();
    RecycleHarness h = new RecycleHarness(stack, name, partitions);
    RecyclingSupervisor sup;
    try {
      beforeWorkers.begin();
      Path logs = Files.createTempDirectory("fault-" + name + "-");
      sup =
          StackWorkers.start(
              h.config, settings.withInstancePrefix(name).withLogDir(logs), Duration.ofMinutes(4));
      if (!StackWorkers.awaitAssigned(sup, Duration.ofMinutes(2))) {
        sup.close();
        throw new AssertionError("workers never got partitions: " + sup.stats().summary());
      }
    } catch (Exception | AssertionError e) {
      h.close();
      throw e;
    }
    return new FaultScenario(name, h, sup, before);
  }

  /** A process started during the scenario that outlives it by design (a restarted server). */
  void notMine(long pid) {
    processesBefore.add(pid);
  }

  /** Submits {@code n} images cycling {@code photos}; returns the job ids in order. */
  List<String> submitPhotos(List<Photo> photos, int n) {
    List<String> names = new ArrayList<>();
    List<byte[]> bytes = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Photo p = photos.get(i % photos.size());
      names.add(i + "-" + p.name());
      bytes.add(p.bytes());
    }
    List<String> ids = harness.submit(names, bytes);
    for (int i = 0; i < n; i++) {
      photoOfJob.put(ids.get(i), photos.get(i % photos.size()));
    }
    return ids;
  }

  /** Submits named inputs whose outcome the caller checks itself; returns the job ids in order. */
  List<String> submitOther(List<String> names, List<byte[]> bytes) {
    return harness.submit(names, bytes);
  }

  /** Jobs with an ok result now. */
  int okCount() {
    return harness.okJobIds().size();
  }

  /** Waits until {@code condition} holds; fails naming {@code what} after {@code timeout}. */
  void await(String what, Duration timeout, BooleanSupplier condition) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(name + ": " + what + " not within " + timeout + "; " + describe());
      }
      Thread.sleep(300);
    }
  }

  /** Slot {@code slot}'s active worker pid now, or -1 between workers. */
  long activePid(int slot) {
    return supervisor.stats().slots().get(slot).activePid();
  }

  /**
   * Every job done within {@code timeout}: an ok result for each (duplicates allowed: at least
   * once), a valid RGBA PNG of its photo's size per job, one output object per job.
   */
  void assertAllDone(List<String> ids, Duration timeout) throws Exception {
    int missing = harness.awaitOk(ids, timeout, () -> {});
    assertEquals(0, missing, name + ": jobs without an ok result; " + describe());
    Map<String, List<JobResult>> results = harness.results();
    List<ObjectSummary> objects = harness.store.list(harness.cutouts, "");
    int duplicates = 0;
    for (String id : ids) {
      List<JobResult> rs = results.get(id);
      duplicates += rs.size() - 1;
      JobResult ok = rs.stream().filter(JobResult::isOk).findFirst().orElseThrow();
      assertEquals(
          1,
          objects.stream().filter(o -> o.key().contains(id)).count(),
          name + ": outputs of " + id);
      Photo photo = photoOfJob.get(id);
      byte[] png = harness.store.get(ok.output().bucket(), ok.output().key(), 50_000_000);
      assertRgbaPng(png, photo, id);
    }
    System.out.printf(
        "%s: %d jobs done in %d s, %d duplicate results; %s%n",
        name,
        ids.size(),
        (System.nanoTime() - startNanos) / 1_000_000_000,
        duplicates,
        supervisor.stats().summary());
  }

  static void assertRgbaPng(byte[] png, Photo photo, String id) throws Exception {
    String what = "cutout of " + photo.name() + " (job " + id + ")";
    assertTrue(
        png.length > 8 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G',
        what + ": PNG signature");
    BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
    assertNotNull(img, what + ": decodes");
    assertEquals(photo.width(), img.getWidth(), what + ": width");
    assertEquals(photo.height(), img.getHeight(), what + ": height");
    assertTrue(img.getColorModel().hasAlpha(), what + ": has alpha");
  }

  /** Every worker log of the scenario, one after the other. */
  String workerLogs() throws IOException {
    StringBuilder all = new StringBuilder();
    try (Stream<Path> files = Files.list(supervisor.logDir())) {
      for (Path f : files.filter(f -> f.toString().endsWith(".log")).sorted().toList()) {
        all.append(Files.readString(f)).append('\n');
      }
    }
    return all.toString();
  }

  /** The supervisor's figures and where the worker logs are, for failure messages. */
  String describe() {
    SupervisorStats st = supervisor.stats();
    return "supervisor: "
        + st.summary()
        + "; slots "
        + st.slots()
        + "; retired "
        + st.retired()
        + "; worker logs in "
        + supervisor.logDir();
  }

  /**
   * Stops the workers, then asserts that every process the scenario started has exited: worker
   * processes (active, standby, replacements) must not outlive their supervisor.
   */
  @Override
  public void close() throws Exception {
    try {
      supervisor.close();
      List<String> left = ProcessFaults.survivorsAfter(processesBefore, Duration.ofSeconds(30));
      assertTrue(left.isEmpty(), name + ": processes left after close: " + left);
    } finally {
      harness.close();
    }
  }
}
